import { createKafka, duplicateKeysOf, indexKeys, listRecentIncidents, parseMessage, readIncident, topicName, type Redis } from '@ucsc/shared';
import { clearProjection, clocksOf, defaultResponsePolicy, projectEvent, rebuildProjection, trackerConfigSchema } from '@ucsc/tracker';
import { loadConfig, type ResponsePolicy } from '@ucsc/shared';
import { bearer, brokers, publishLeaderRung, sampleReport, sessionToken, testLogger, testRedis, waitFor } from '../../../test/support';
import { postJson, startSystem, type TestSystem } from '../../../test/support/system';

/** The tracker's indexes beside the views: figures, detection order, and the sets of the traits named. */
async function indexesOf(redis: Redis, prefix: string, traits: string[]) {
  const keys = indexKeys(prefix);
  const sets = await Promise.all([...new Set(traits)].sort().map(async (t) => [t, await redis.zrange(keys.duplicates(t), 0, -1, 'WITHSCORES')] as const));
  return { figures: await redis.hgetall(keys.figures), byDetected: await redis.zrange(keys.byDetected, 0, -1, 'WITHSCORES'), duplicates: Object.fromEntries(sets) };
}

describe('the incident projection can be rebuilt from Kafka', () => {
  let system: TestSystem;
  const redis = testRedis();
  beforeAll(async () => {
    system = await startSystem('rebuild');
  });
  afterAll(async () => {
    await system?.close();
    redis.disconnect();
  });

  it('after the projection is wiped, a rebuild gives back every incident exactly as it was', async () => {
    const ids: string[] = [];
    const coordinator = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
    for (const province of ['Hà Nội', 'Cao Bằng', 'Kiên Giang']) {
      const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province }), coordinator);
      ids.push(posted.json.incidentId);
    }
    const prefix = system.names.redisPrefix;
    await waitFor('all three assigned', async () => {
      const views = await Promise.all(ids.map((id) => readIncident(redis, prefix, id)));
      return views.every((v) => v?.state === 'routed') || undefined;
    });
    const first = ids[0]!;
    const view = await readIncident(redis, prefix, first);
    const ack = await postJson(`${system.boardUrl}/api/v1/incidents/${first}/acknowledge`, { assigneeId: view!.assignees[1]!.id }, coordinator);
    expect(ack.status).toBe(200);
    await waitFor('the acknowledgement', async () => (await readIncident(redis, prefix, first))?.state === 'acknowledged' || undefined);

    // the tracker refuses a second acknowledgement by the same assignee (its refusal is on the log)
    const again = await postJson(`${system.boardUrl}/api/v1/incidents/${first}/acknowledge`, { assigneeId: view!.assignees[1]!.id }, coordinator);
    expect(again.status).toBe(409);

    // the ladder's online meeting and a team on site come back too
    const leader = view!.assignees.find((a) => a.kind === 'liaison' && a.role === 'leader')!;
    const hub = view!.assignees.find((a) => a.kind === 'province_hub')!;
    await publishLeaderRung(system.names.prefix, first, leader);
    await waitFor('the leader’s rung', async () => (await readIncident(redis, prefix, first))?.clocks?.climbs[0]?.reached.length === 2 || undefined);
    const command = (path: string, body: unknown) => postJson(`${system.boardUrl}/api/v1/incidents/${first}/${path}`, body, coordinator);
    expect((await command('meetings/join', { deadlineKey: 'first_progress', rung: 1, assigneeId: leader.id })).status).toBe(200);
    const team = await command('on-site-teams', { teamAssigneeId: hub.id, people: ['Nguyễn Văn An'] });
    expect((await command(`on-site-teams/${team.json.commandId}/arrival`, {})).status).toBe(200);
    expect((await readIncident(redis, prefix, first))?.onSiteTeams?.[0]?.arrivedAt).toBeDefined();

    await system.tracker.close(); // the rebuild runs with the tracker stopped
    const before = await listRecentIncidents(redis, prefix, 100);
    expect(before).toHaveLength(3);
    // the deadline index (when each incident's next reminder or breach is due) is rebuilt with it
    const deadlines = await redis.zrange(`${prefix}incidents:deadlines`, 0, -1, 'WITHSCORES');
    expect(deadlines).toHaveLength(6);
    // and so are the indexes the board's duplicates and summaries read
    const indexes = await indexesOf(redis, prefix, before.flatMap(duplicateKeysOf));
    expect(Object.keys(indexes.figures).sort()).toEqual([...ids].sort());

    await clearProjection(redis, prefix);
    expect(await listRecentIncidents(redis, prefix, 100)).toHaveLength(0);

    const kafka = createKafka({ clientId: 'rebuild-test', brokers }, testLogger);
    const result = await rebuildProjection({ kafka, redis, prefix: system.names.prefix, redisPrefix: prefix, logger: testLogger });
    expect(result.incidents).toBe(3);
    // 3 reported, 3 classified, 3 assigned, 3 offered to an enterprise, 1 acknowledged, 1 second acknowledgement refused,
    // a breach and two rungs, a meeting joined, a team sent and arrived
    expect(result.events).toBe(20);
    expect(await listRecentIncidents(redis, prefix, 100)).toEqual(before);
    expect(await redis.zrange(`${prefix}incidents:deadlines`, 0, -1, 'WITHSCORES')).toEqual(deadlines);
    expect(await indexesOf(redis, prefix, before.flatMap(duplicateKeysOf))).toEqual(indexes);
  });

  it('redelivering every event of the log over the live projection changes nothing', async () => {
    const prefix = system.names.redisPrefix;
    const before = await listRecentIncidents(redis, prefix, 100);
    const consumer = createKafka({ clientId: 'redeliver', brokers }, testLogger).consumer({ groupId: `${system.names.prefix}.redeliver` });
    let replayed = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: topicName(system.names.prefix, 'incidentEvents'), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = parseMessage('incidentEvents', message.value);
        if (!parsed.ok) return;
        const change = await projectEvent(redis, prefix, parsed.value, Number(message.offset), false);
        expect(change).toBeUndefined();
        replayed += 1;
      },
    });
    try {
      await waitFor('the whole log replayed', () => replayed >= 7 || undefined); // 3 reported, 3 assigned, 1 acknowledged
    } finally {
      await consumer.disconnect();
    }
    expect(await listRecentIncidents(redis, prefix, 100)).toEqual(before);
  });
});

describe('the rebuild uses the configured response policy (RESPONSE_POLICY_JSON), as the live tracker does', () => {
  let system: TestSystem;
  const redis = testRedis();
  // every time of the shipped policy, doubled: a rebuild with the default policy would give other deadlines
  const doubled = Object.fromEntries(
    Object.entries(defaultResponsePolicy).map(([severity, rows]) => [
      severity,
      Object.fromEntries(Object.entries(rows).map(([priority, times]) => [priority, Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v === null ? null : v * 2]))])),
    ]),
  ) as ResponsePolicy;
  const env = { RESPONSE_POLICY_JSON: JSON.stringify(doubled) };
  beforeAll(async () => {
    system = await startSystem('rebuild-policy', env);
  });
  afterAll(async () => {
    await system?.close();
    redis.disconnect();
  });

  it('after a wipe, the incidents and the deadline index come back equal to the live ones, not the default policy’s', async () => {
    const coordinator = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
    const prefix = system.names.redisPrefix;
    const ids: string[] = [];
    for (const province of ['Hà Nội', 'Cao Bằng']) ids.push((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province }), coordinator)).json.incidentId);
    await waitFor('both routed', async () => (await Promise.all(ids.map((id) => readIncident(redis, prefix, id)))).every((v) => v?.state === 'routed') || undefined);
    await system.tracker.close();
    const live = { incidents: await listRecentIncidents(redis, prefix, 100), deadlines: await redis.zrange(`${prefix}incidents:deadlines`, 0, -1, 'WITHSCORES') };
    expect(live.deadlines).toHaveLength(4);

    const kafka = createKafka({ clientId: 'rebuild-policy-test', brokers }, testLogger);
    const rebuild = async (clocks: Parameters<typeof rebuildProjection>[0]['clocks']) => {
      await clearProjection(redis, prefix);
      await rebuildProjection({ kafka, redis, prefix: system.names.prefix, redisPrefix: prefix, logger: testLogger, ...(clocks ? { clocks } : {}) });
      return { incidents: await listRecentIncidents(redis, prefix, 100), deadlines: await redis.zrange(`${prefix}incidents:deadlines`, 0, -1, 'WITHSCORES') };
    };
    // what npm run rebuild does: the clocks as the tracker's configuration says
    const configured = clocksOf(loadConfig(trackerConfigSchema, { ...system.names.env, ...env }));
    expect(await rebuild(configured)).toEqual(live);
    // the shipped policy would have put the deadlines elsewhere: the comparison can fail
    expect((await rebuild(undefined)).deadlines).not.toEqual(live.deadlines);
  });
});
