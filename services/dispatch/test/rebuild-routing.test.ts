import type { FastifyInstance } from 'fastify';
import { createKafka, loadConfig, loadDirectoryFiles, readIncident, type IncidentView, type Payload, type Redis } from '@ucsc/shared';
import {
  buildApp as buildDispatch,
  dispatchConfigSchema,
  dispatchKeys,
  indexDirectory,
  LoadMirror,
  onOfferEnded,
  onReported,
  rebuildRouting,
  routingPolicyOf,
  type Effects,
  type IncidentRouting,
} from '@ucsc/dispatch';
import { bearer, brokers, collectIncidentEvents, sampleReport, sessionToken, testLogger, testRedis, waitFor } from '../../../test/support';
import { postJson, startSystem, type TestSystem } from '../../../test/support/system';

/** Everything dispatch's later decisions read, as Redis holds it now. */
async function routingSnapshot(redis: Redis, prefix: string, ids: readonly string[]) {
  const keys = dispatchKeys(prefix);
  const states = await redis.mget(ids.map(keys.incident));
  return {
    states: Object.fromEntries(ids.map((id, i) => [id, states[i] ? (JSON.parse(states[i]!) as IncidentRouting) : null])),
    load: await redis.hgetall(keys.load),
    lastOffered: await redis.hgetall(keys.lastOffered),
    deadlines: await redis.zrange(keys.deadlines, 0, -1, 'WITHSCORES'),
  };
}
type Snapshot = Awaited<ReturnType<typeof routingSnapshot>>;

// Issue 12: npm run rebuild rebuilds dispatch's routing state from Kafka: each incident's routing,
// the loads, the round-robin sequences and the acceptance deadlines.
describe('dispatch’s routing can be rebuilt from Kafka', () => {
  let system: TestSystem;
  let restarted: FastifyInstance | undefined;
  const redis = testRedis();
  beforeAll(async () => {
    system = await startSystem('rebuild-routing');
  });
  afterAll(async () => {
    await restarted?.close();
    await system?.close();
    redis.disconnect();
  });

  it('after offers, an acceptance, a decline (re-routed), a rejection and an override, a wipe and a rebuild give the same state and the same later decisions', async () => {
    const coordinator = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
    const prefix = system.names.redisPrefix;
    const keys = dispatchKeys(prefix);
    const view = async (id: string) => (await readIncident(redis, prefix, id)) as IncidentView;
    const offered = (v: IncidentView) => v.assignees.filter((a) => a.kind === 'enterprise' && a.status === 'offered');
    const state = async (id: string) => JSON.parse((await redis.get(keys.incident(id))) ?? 'null') as IncidentRouting | null;
    const command = (id: string, path: string, body: unknown) => postJson(`${system.boardUrl}/api/v1/incidents/${id}/${path}`, body, coordinator);
    const events = await collectIncidentEvents(system.names.prefix);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), coordinator)).json.incidentId);
      await waitFor('all offered', async () => (await Promise.all(ids.map(view))).every((v) => v && offered(v).length > 0) || undefined);
      const [accepted, declined, rejected, overridden, open] = ids as [string, string, string, string, string];

      const take = offered(await view(accepted))[0]!.id;
      expect((await command(accepted, `assignments/${take}/accept`, {})).status).toBe(200);
      const refuse = offered(await view(declined))[0]!.id;
      expect((await command(declined, `assignments/${refuse}/decline`, { reason: 'Hết nhân lực' })).status).toBe(200);
      await waitFor('re-routed after the decline', async () => offered(await view(declined)).some((a) => a.id !== refuse) || undefined);
      expect((await command(rejected, 'reject', { reason: 'Không phải sự cố' })).status).toBe(200);
      const replaced = offered(await view(overridden))[0]!.id;
      expect((await command(overridden, 'routing/override', { add: [{ kind: 'enterprise', id: 'ent-vt-thienma' }], remove: [replaced], reason: 'Cục chỉ đạo' })).status).toBe(200);
      // dispatch has taken every one of them: the rejection released its offers, the override replaced one
      await waitFor('dispatch’s state of the rejection and the override', async () => {
        const [r, o] = [await state(rejected), await state(overridden)];
        return (r?.offers.every((x) => x.status !== 'offered') && o?.offers.some((x) => x.id === 'ent-vt-thienma' && x.status === 'accepted')) || undefined;
      });
      await system.dispatch.close(); // the rebuild runs with dispatch stopped

      const live = await routingSnapshot(redis, prefix, ids);
      expect(Object.values(live.states).every(Boolean)).toBe(true);
      expect(Object.keys(live.lastOffered).length).toBeGreaterThan(1);
      expect(live.deadlines.length).toBeGreaterThan(0);

      // the decisions dispatch would make next, from a state: a decline of the open incident's offer, then a new report
      const directory = indexDirectory(loadDirectoryFiles());
      const policy = routingPolicyOf(loadConfig(dispatchConfigSchema, system.names.env));
      const reportedEvent = await waitFor('the open incident’s report on the log', () => events.events.find((e) => e.type === 'incident.reported' && e.payload.incidentId === open));
      const report = reportedEvent.payload as Payload<'incident.reported'>;
      const now = new Date();
      const nextDecisions = (snapshot: Snapshot) => {
        const mirror = new LoadMirror();
        mirror.reset(Object.entries(snapshot.load).flat(), Object.entries(snapshot.lastOffered).flat());
        mirror.useDirectory(directory);
        const later: Effects[] = [];
        const openState = snapshot.states[open]!;
        const decline = onOfferEnded(directory, mirror, openState, openState.offers.find((o) => o.status === 'offered')!.id, 'declined', now, policy);
        mirror.apply({ l: decline.loadDelta, o: Object.fromEntries(decline.offered.map((id) => [id, Date.now() * 1000 + 1e9])) });
        later.push(decline, onReported(directory, mirror, { ...report, incidentId: '01JD00000000000000000NEXT0' }, now, policy));
        return later;
      };
      const expected = nextDecisions(live);
      expect(expected[0]!.offered).toHaveLength(1);

      // wipe everything dispatch's decisions read, and rebuild it from the log
      await redis.del(...ids.map(keys.incident), keys.load, keys.lastOffered, keys.deadlines);
      const rebuilt = await rebuildRouting({ kafka: createKafka({ clientId: 'rebuild-routing-test', brokers }, testLogger), redis, prefix: system.names.prefix, redisPrefix: prefix, policy, logger: testLogger });
      expect(rebuilt.incidents).toBe(ids.length);
      const after = await routingSnapshot(redis, prefix, ids);
      expect(after.states).toEqual(live.states);
      expect(after.load).toEqual(live.load);
      expect(after.deadlines).toEqual(live.deadlines);
      // each of dispatch's offers carries its round-robin turn: the same sequences, so the same order
      expect(after.lastOffered).toEqual(live.lastOffered);
      expect(nextDecisions(after)).toEqual(expected);

      // and dispatch, started again on the rebuilt state, decides the next decline as it would have without the wipe
      restarted = await buildDispatch(loadConfig(dispatchConfigSchema, system.names.env), { logger: testLogger });
      const asked = offered(await view(open))[0]!.id;
      expect((await command(open, `assignments/${asked}/decline`, { reason: 'Đang quá tải' })).status).toBe(200);
      const next = await waitFor('the open incident re-routed', async () => offered(await view(open)).find((a) => a.id !== asked));
      const predicted = expected[0]!.events.find((e) => e.type === 'incident.assignment_offered');
      expect(predicted?.type === 'incident.assignment_offered' && predicted.payload.assignee.id).toBe(next.id);
    } finally {
      await events.stop();
    }
  });
});
