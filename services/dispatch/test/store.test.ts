import { ulid } from 'ulid';
import { makeEnvelope, PermanentError, type Envelope, type Outbox, type Redis } from '@ucsc/shared';
import { dispatchBatches, dispatchKeys, indexDirectory, RoutingStore, unpackOutput, type DispatchItem, type DispatchResult, type RoutingDirectory } from '@ucsc/dispatch';
import { testLogger, testRedis, uniqueNames } from '../../../test/support';
import { testReport } from '../../../test/support/incidents';
import { demo, testEnterprise, testPolicy as policy } from './support';

const actor = { kind: 'user', id: 'usr-test', authenticatedBy: 'none' } as const;

const enterprise = (id: string, capacity = 5) => testEnterprise(id, { capacity });

const reported = (incidentId = ulid()) =>
  makeEnvelope('incident.reported', testReport(incidentId, { province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' }, description: 'd', category: 'malware' }), { producedBy: 'test', actor });
const declined = (incidentId: string, assigneeId: string) =>
  makeEnvelope('incident.assignment_declined', { incidentId, assigneeId, reason: 'Đang quá tải' }, { producedBy: 'test', actor });

/** Items of one partition, at consecutive offsets from `first`. */
const items = (envelopes: Envelope[], first = 0): DispatchItem[] =>
  envelopes.map((envelope, i) => ({ envelope: envelope as DispatchItem['envelope'], context: { topic: 't.incident.events', partition: 0, offset: String(first + i), logger: testLogger } }));

const emitted = (result: DispatchResult) => (result instanceof PermanentError ? [] : ((result as Outbox | undefined)?.incidentEvents ?? []));
const offeredTo = (result: DispatchResult) => emitted(result).flatMap((e) => (e.type === 'incident.assignment_offered' ? [e.payload.assignee.id] : []));

describe('routing state in Redis, read and written once per batch', () => {
  let redis: Redis;
  let redisPrefix: string;
  let directory: RoutingDirectory;
  /** a copy of dispatch: its own store (and so its own mirror of the loads) on the shared Redis */
  const copy = (routing = directory) => {
    const store = new RoutingStore(redis, redisPrefix, 60);
    return { store, decide: dispatchBatches({ directory: { routing: () => routing }, store, policy, logger: testLogger }) };
  };
  const loadsInRedis = async () => Object.fromEntries(Object.entries(await redis.hgetall(dispatchKeys(redisPrefix).load)).map(([k, v]) => [k, Number(v)]));

  beforeEach(() => {
    redis = testRedis();
    redisPrefix = uniqueNames('store').redisPrefix;
    directory = indexDirectory({ ...demo, enterprises: ['a', 'b', 'c'].map((id) => enterprise(id)) });
  });
  afterEach(() => redis.disconnect());

  it('each decision of a batch sees the ones before it: three reports go to three enterprises, and the loads are counted once each', async () => {
    const { decide } = copy();
    const results = await decide(items([reported(), reported(), reported()]));
    expect(results.map(offeredTo)).toEqual([['a'], ['b'], ['c']]);
    expect(await loadsInRedis()).toEqual({ a: 1, b: 1, c: 1 });
    // the decision events of a report: classified, assigned, then the offer
    expect(emitted(results[0]).map((e) => e.type)).toEqual(['incident.classified', 'incident.assigned', 'incident.assignment_offered']);
  });

  it('a report and its decline in one batch: the decline sees the offer made just before it', async () => {
    const { decide } = copy();
    expect(offeredTo((await decide(items([reported()])))[0])).toEqual(['a']);
    const report = reported();
    const results = await decide(items([report, declined(report.payload.incidentId, 'b')], 10));
    expect(offeredTo(results[0])).toEqual(['b']);
    expect(offeredTo(results[1])).toEqual(['c']);
    expect(await loadsInRedis()).toEqual({ a: 1, c: 1 });
  });

  it('the same batch handled again (its Kafka transaction failed) re-emits the very same events and counts nothing twice; a copy of an event at another offset emits nothing', async () => {
    const { decide } = copy();
    const batch = items([reported(), reported()]);
    const first = await decide(batch);
    const again = await decide(batch);
    expect(again).toEqual(first);
    const elsewhere = await decide(items(batch.map((i) => i.envelope), 500));
    expect(elsewhere).toEqual([undefined, undefined]);
    // and in one batch: the second copy of an event, at its own offset, emits nothing
    const twice = reported();
    const inOne = await decide(items([twice, twice], 900));
    expect(offeredTo(inOne[0])).toHaveLength(1);
    expect(inOne[1]).toBeUndefined();
    expect(Object.values(await loadsInRedis()).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('what a decision emitted is kept once per batch, for a day; the per-event record that outlives it is a small marker, and an output no longer kept, or damaged, is a dead letter, never a silent nothing', async () => {
    const { decide } = copy();
    const batch = items([reported(), reported(), reported()]);
    const first = await decide(batch);
    const keys = dispatchKeys(redisPrefix);
    const outputs = await redis.keys(`${keys.output('*')}`);
    expect(outputs).toHaveLength(1);
    const raw = (await redis.getBuffer(outputs[0]!))!;
    const stored = unpackOutput(raw);
    expect(stored.map((e) => e.id)).toEqual(first.flatMap((r) => emitted(r).map((e) => e.id)));
    // compressed: smaller than its JSON by far
    expect(raw.length * 3).toBeLessThan(Buffer.byteLength(JSON.stringify(stored)));
    const ttl = await redis.ttl(outputs[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60); // this copy remembers decisions for 60 s: its outputs no longer than that
    const [bucket] = await redis.keys(`${redisPrefix}dispatch:done:*`);
    const markers = Object.values(await redis.hgetall(bucket!));
    expect(markers).toHaveLength(3);
    for (const m of markers) expect(m.length).toBeLessThan(200);
    // the output gone (a transaction left unfinished past its time to live): each record is dead-lettered with the reason
    // damaged (not what packOutput wrote): the same dead letter, saying why, and the partition goes on
    await redis.set(outputs[0]!, Buffer.concat([Buffer.of(0), Buffer.from('not brotli')]), 'KEEPTTL');
    const damaged = await decide(batch);
    for (const r of damaged) {
      expect(r).toBeInstanceOf(PermanentError);
      expect((r as PermanentError).code).toBe('decision_output_lost');
      expect((r as PermanentError).message).toContain('cannot be read');
    }
    await redis.del(outputs[0]!);
    const again = await decide(batch);
    for (const r of again) {
      expect(r).toBeInstanceOf(PermanentError);
      expect((r as PermanentError).code).toBe('decision_output_lost');
    }
  });

  it('a decline releases the enterprise’s load; an event dispatch does not act on reads nothing and emits nothing', async () => {
    const { decide } = copy();
    const report = reported();
    const [routed] = await decide(items([report]));
    const first = offeredTo(routed)[0]!;
    const [rerouted] = await decide(items([declined(report.payload.incidentId, first)], 1));
    const second = offeredTo(rerouted)[0]!;
    expect(second).not.toBe(first);
    expect(await loadsInRedis()).toEqual({ [second]: 1 });
    // the declined offer's deadline is gone, the new one's is kept
    expect(await copy().store.expiredOffers(Number.MAX_SAFE_INTEGER)).toEqual([{ incidentId: report.payload.incidentId, enterpriseId: second }]);
    const [own] = await decide(items([emitted(routed)[0]!], 2));
    expect(own).toBeUndefined();
  });

  it('two copies on one Redis keep exact counters: each sees the other’s batches from its next batch on', async () => {
    const one = copy();
    const two = copy();
    expect((await one.decide(items([reported(), reported()]))).map(offeredTo)).toEqual([['a'], ['b']]);
    // the second copy's first read sees the whole counters: c is the least loaded
    expect((await two.decide(items([reported()], 100))).map(offeredTo)).toEqual([['c']]);
    // the first copy catches up from the stream of changes (c is no longer free), not from a whole read
    expect((await one.decide(items([reported(), reported(), reported()], 2))).map(offeredTo)).toEqual([['a'], ['b'], ['c']]);
    expect(await loadsInRedis()).toEqual({ a: 2, b: 2, c: 2 });
  });

  it('when another copy wrote part of a batch in between (a rebalance), the batch is decided again over what it wrote', async () => {
    const one = copy();
    const two = copy();
    const batch = items([reported(), reported()]);
    // both copies hold the same records at once; one write wins, the other re-reads and re-emits it
    const [a, b] = await Promise.all([one.decide(batch), two.decide(batch)]);
    expect(a).toEqual(b);
    expect(Object.values(await loadsInRedis()).reduce((x, y) => x + y, 0)).toBe(2);
    // the losing try's output, which no marker refers to, is not left behind
    expect(await redis.keys(dispatchKeys(redisPrefix).output('*'))).toHaveLength(1);
  });

  it('an output stored as plain JSON (as before it was compressed) is sent again as it is', async () => {
    const { decide } = copy();
    const batch = items([reported(), reported()]);
    const first = await decide(batch);
    const [output] = await redis.keys(dispatchKeys(redisPrefix).output('*'));
    await redis.set(output!, JSON.stringify(unpackOutput((await redis.getBuffer(output!))!)), 'KEEPTTL');
    expect((await redis.get(output!))!.startsWith('[{')).toBe(true);
    expect(await decide(batch)).toEqual(first);
  });
  it('once a batch is committed in Kafka its stored output is emptied: its records delivered again emit nothing, not the same events a second time', async () => {
    const { store, decide } = copy();
    const batch = items([reported(), reported()], 40);
    const first = await decide(batch);
    const [output] = await redis.keys(dispatchKeys(redisPrefix).output('*'));
    // a commit that does not reach the batch's last record (an earlier batch's) leaves it
    await store.committed('t.incident.events', 0, '41');
    expect(await decide(batch)).toEqual(first);
    // committed past its records: the output is empty, its expiry kept, and the records emit nothing
    await store.committed('t.incident.events', 0, '42');
    expect(await redis.get(output!)).toBe('[]');
    expect(await redis.ttl(output!)).toBeGreaterThan(0);
    expect(await decide(batch)).toEqual([undefined, undefined]);
    expect(Object.values(await loadsInRedis()).reduce((x, y) => x + y, 0)).toBe(2);
  });

  it('a copy whose changes were trimmed away or wiped reads the counters whole', async () => {
    const one = copy();
    await one.decide(items([reported(), reported()]));
    const keys = dispatchKeys(redisPrefix);
    // as if Redis lost everything (a wipe): the copy must not route on its stale mirror
    await redis.del(keys.load, keys.lastOffered, keys.loadChanges);
    expect((await one.decide(items([reported()], 2))).map(offeredTo)).toEqual([['a']]);
    expect(await loadsInRedis()).toEqual({ a: 1 });
  });

  it('a directory change that leaves a province with nobody to act flags its reports for a coordinator, and the next report is routed', async () => {
    const empty = indexDirectory({
      ...demo,
      organisations: demo.organisations.filter((o) => o.type !== 'province_hub' && o.type !== 'national_coordinator'),
      liaisons: demo.liaisons.map((l) => (l.provinceCode === '01' ? { ...l, onLeave: true } : l)),
      enterprises: [enterprise('a', 1)],
    });
    const { decide } = copy(empty);
    const results = await decide(items([reported(), reported()]));
    for (const result of results) {
      expect(result).not.toBeInstanceOf(PermanentError);
      const types = emitted(result).map((e) => e.type);
      expect(types).not.toContain('incident.assigned');
      expect(types).toContain('incident.routing_no_fit');
      const flag = emitted(result).find((e) => e.type === 'incident.routing_no_fit');
      expect(flag?.type === 'incident.routing_no_fit' && flag.payload.reasons.join(' ')).toMatch(/nobody can be assigned/);
    }
    // the first one takes the only enterprise; the second finds none and says both
    expect(offeredTo(results[0])).toEqual(['a']);
    expect(offeredTo(results[1])).toEqual([]);
  });
});
