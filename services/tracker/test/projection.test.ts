import { ulid } from 'ulid';
import { incidentChangeSchema, incidentKeys, makeEnvelope, readIncident, type Actor, type Redis } from '@ucsc/shared';
import { Projection, projectEvents, type IncidentEvent } from '@ucsc/tracker';
import { testRedis, uniqueNames, waitFor } from '../../../test/support';
import { testProvinceAssignees, testReport } from '../../../test/support/incidents';

const actor: Actor = { kind: 'user', id: 'u1', authenticatedBy: 'none' };
const ctx = { producedBy: 'test', actor };
const assignees = testProvinceAssignees;
const reported = (incidentId: string) => makeEnvelope('incident.reported', testReport(incidentId), ctx) as IncidentEvent;
const assigned = (incidentId: string) => makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees, reasons: ['rule'] }, ctx) as IncidentEvent;
const acknowledged = (incidentId: string) => makeEnvelope('incident.acknowledged', { incidentId, assigneeId: 'lia-08-sec-leader' }, ctx) as IncidentEvent;

/** Counts the commands a client sends to Redis (what a round trip carries). */
function countCommands(redis: Redis): { names: string[] } {
  const seen = { names: [] as string[] };
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { name: string }) => {
    seen.names.push(command.name);
    return send(command as never);
  }) as typeof redis.sendCommand;
  return seen;
}

describe('the incident projection in Redis: one round trip per batch, never backwards', () => {
  const redis = testRedis();
  afterAll(() => redis.disconnect());

  it('projects a batch of reports and then their routing with one Redis command each', async () => {
    const { redisPrefix } = uniqueNames('projection');
    const client = testRedis();
    try {
      const projection = new Projection(client, redisPrefix);
      await projection.project([{ event: reported(ulid()), offset: 0 }]); // loads the script
      const seen = countCommands(client);
      const ids = Array.from({ length: 50 }, () => ulid());
      const first = await projection.project(ids.map((id, i) => ({ event: reported(id), offset: 10 + i })));
      expect(first).toHaveLength(50);
      expect(seen.names).toEqual(['evalsha']);
      const second = await projection.project(ids.flatMap((id, i) => [{ event: assigned(id), offset: 100 + 2 * i }, { event: acknowledged(id), offset: 101 + 2 * i }]));
      expect(second).toHaveLength(100);
      expect(seen.names).toEqual(['evalsha', 'evalsha']);
      const view = await readIncident(redis, redisPrefix, ids[7]!);
      expect(view).toMatchObject({ state: 'acknowledged', version: 115 });
      expect(await redis.hget(incidentKeys(redisPrefix).versions, ids[7]!)).toBe('115');
      expect(await redis.zscore(incidentKeys(redisPrefix).byProvince('08'), ids[7]!)).not.toBeNull();
    } finally {
      client.disconnect();
    }
  });

  it('puts each batch’s changes on the feed log, in order: one entry per incident, its last change with the incident as it is after it', async () => {
    const { redisPrefix } = uniqueNames('projection-feed');
    const [id, other] = [ulid(), ulid()];
    const projection = new Projection(redis, redisPrefix);
    const events = [reported(id), reported(other), assigned(id), acknowledged(id)];
    await projection.project(events.map((event, i) => ({ event, offset: 20 + i })));
    // a later batch: a new entry for the incident, after the first batch's
    const later = assigned(other);
    await projection.project([{ event: later, offset: 30 }]);
    const entries = await redis.xrange(incidentKeys(redisPrefix).changes, '-', '+');
    const changes = entries.map(([, fields]) => incidentChangeSchema.parse(JSON.parse(fields[1]!)));
    expect(changes.map((c) => [c.incident.id, c.eventId, c.type, c.incident.state, c.incident.version])).toEqual([
      [other, events[1]!.id, 'incident.reported', 'reported', 21],
      [id, events[3]!.id, 'incident.acknowledged', 'acknowledged', 23],
      [other, later.id, 'incident.assigned', 'routed', 30],
    ]);
    expect(changes[1]!.incident).toEqual(await readIncident(redis, redisPrefix, id));
    // the entry passes over the assignment, the view's timeline does not
    expect(changes[1]!.incident.timeline.map((t) => t.type)).toEqual(['incident.reported', 'incident.assigned', 'incident.acknowledged']);
  });

  it('a redelivered batch changes nothing, also in a projector that just started (it guessed the report was new)', async () => {
    const { redisPrefix } = uniqueNames('projection-redeliver');
    const id = ulid();
    const events = [
      { event: reported(id), offset: 3 },
      { event: assigned(id), offset: 4 },
    ];
    expect(await new Projection(redis, redisPrefix).project(events)).toHaveLength(2);
    const before = await redis.get(incidentKeys(redisPrefix).incident(id));
    expect(await new Projection(redis, redisPrefix).project(events)).toEqual([]);
    expect(await projectEvents(redis, redisPrefix, events)).toEqual([]);
    expect(await redis.get(incidentKeys(redisPrefix).incident(id))).toBe(before);
  });

  it('two projectors on one partition (a rebalance): the stale one never writes an older view, and builds on what the other wrote', async () => {
    const { redisPrefix } = uniqueNames('projection-copies');
    const id = ulid();
    const a = new Projection(redis, redisPrefix);
    const b = new Projection(redis, redisPrefix);
    await b.project([{ event: reported(id), offset: 1 }]); // b knows version 1
    await a.project([{ event: reported(id), offset: 1 }, { event: assigned(id), offset: 2 }, { event: acknowledged(id), offset: 3 }]);
    // b, still remembering version 1, gets the assignment again: already applied, nothing written
    expect(await b.project([{ event: assigned(id), offset: 2 }])).toEqual([]);
    expect(await readIncident(redis, redisPrefix, id)).toMatchObject({ state: 'acknowledged', version: 3 });
    // and a later event: applied on top of a's view, not on the one b remembered
    const changes = await b.project([{ event: assigned(id), offset: 9 }]);
    expect(changes).toHaveLength(1);
    const view = await readIncident(redis, redisPrefix, id);
    expect(view).toMatchObject({ version: 9, state: 'acknowledged' });
    expect(view!.assignees.find((x) => x.id === 'lia-08-sec-leader')?.acknowledgedAt).toBeDefined();
    expect(view!.timeline.map((t) => t.type)).toEqual(['incident.reported', 'incident.assigned', 'incident.acknowledged', 'incident.assigned']);
  });

  it('a view written before the version hash existed is guarded by its own version', async () => {
    const { redisPrefix } = uniqueNames('projection-legacy');
    const id = ulid();
    await projectEvents(redis, redisPrefix, [{ event: reported(id), offset: 5 }]);
    await redis.hdel(incidentKeys(redisPrefix).versions, id); // as the projection was before
    expect(await new Projection(redis, redisPrefix).project([{ event: reported(id), offset: 5 }])).toEqual([]);
    expect(await new Projection(redis, redisPrefix).project([{ event: assigned(id), offset: 6 }])).toHaveLength(1);
    expect(await readIncident(redis, redisPrefix, id)).toMatchObject({ state: 'routed', version: 6 });
    expect(await redis.hget(incidentKeys(redisPrefix).versions, id)).toBe('6');
  });
});
