import { createKafka, readIncident, type IncidentView } from '@ucsc/shared';
import { dispatchKeys, rebuildLoads } from '@ucsc/dispatch';
import { bearer, brokers, sampleReport, sessionToken, testLogger, testRedis, waitFor } from '../../../test/support';
import { postJson, startSystem, type TestSystem } from '../../../test/support/system';

// Issue 12: npm run rebuild rebuilds dispatch's enterprise loads from Kafka too.
describe('dispatch’s enterprise loads can be rebuilt from Kafka', () => {
  let system: TestSystem;
  const redis = testRedis();
  beforeAll(async () => {
    system = await startSystem('rebuild-loads');
  });
  afterAll(async () => {
    await system?.close();
    redis.disconnect();
  });

  it('after offers, an acceptance, a decline (re-routed) and a rejection, the rebuilt loads equal the live ones', async () => {
    const coordinator = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
    const prefix = system.names.redisPrefix;
    const view = async (id: string) => (await readIncident(redis, prefix, id)) as IncidentView;
    const offered = (v: IncidentView) => v.assignees.filter((a) => a.kind === 'enterprise' && a.status === 'offered');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), coordinator)).json.incidentId);
    await waitFor('all offered', async () => (await Promise.all(ids.map(view))).every((v) => v && offered(v).length > 0) || undefined);
    const [accepted, declined, rejected] = ids as [string, string, string];
    const command = (id: string, path: string, body: unknown) => postJson(`${system.boardUrl}/api/v1/incidents/${id}/${path}`, body, coordinator);

    const take = offered(await view(accepted))[0]!.id;
    expect((await command(accepted, `assignments/${take}/accept`, {})).status).toBe(200);
    const refuse = offered(await view(declined))[0]!.id;
    expect((await command(declined, `assignments/${refuse}/decline`, { reason: 'Hết nhân lực' })).status).toBe(200);
    await waitFor('re-routed after the decline', async () => offered(await view(declined)).some((a) => a.id !== refuse) || undefined);
    expect((await command(rejected, 'reject', { reason: 'Không phải sự cố' })).status).toBe(200);
    const load = dispatchKeys(prefix).load;
    const rejectedOffers = offered(await view(rejected)).map((a) => a.id);
    // dispatch released the rejected incident's offers: its routing state marks them removed
    await waitFor('the rejection’s release', async () => {
      const state = await redis.get(dispatchKeys(prefix).incident(rejected));
      return (state && rejectedOffers.every((id) => JSON.parse(state).offers.find((o: { id: string }) => o.id === id)?.status === 'removed')) || undefined;
    });
    await system.dispatch.close(); // the rebuild runs with dispatch stopped
    const live = await redis.hgetall(load);
    expect(Object.values(live).reduce((n, v) => n + Number(v), 0)).toBeGreaterThan(0);

    await redis.del(load);
    const rebuilt = await rebuildLoads({ kafka: createKafka({ clientId: 'rebuild-loads-test', brokers }, testLogger), redis, prefix: system.names.prefix, redisPrefix: prefix, logger: testLogger });
    expect(await redis.hgetall(load)).toEqual(live);
    expect(Object.fromEntries(Object.entries(rebuilt.loads).map(([k, v]) => [k, String(v)]))).toEqual(live);
  });
});
