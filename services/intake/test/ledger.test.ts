import { ulid } from 'ulid';
import type { Redis } from '@ucsc/shared';
import { SubmissionLedger } from '@ucsc/intake';
import { testRedis, uniqueNames, waitFor } from '../../../test/support';

/**
 * The crash between Redis and Kafka: a copy of intake claimed a submission, then died before
 * Kafka acknowledged it (or before it could say so). The retry must store it under the id of the
 * first attempt, once the dead copy's lease has run out, and never while a live copy holds it.
 */
describe('submission ledger (Redis)', () => {
  const names = uniqueNames('ledger');
  let redis: Redis;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('a claim whose owner died is taken over after its lease, under the first id; the dead owner can no longer complete it', async () => {
    const ledger = new SubmissionLedger(redis, names.redisPrefix, 60, 300);
    const key = ledger.key('report', ulid());
    const first = { id: ulid(), contentHash: 'h', receivedAt: new Date().toISOString() };
    const claimed = await ledger.claim(key, first);
    expect(claimed.outcome).toBe('claimed');
    if (claimed.outcome !== 'claimed') throw new Error('unreachable');

    const retry = { id: ulid(), contentHash: 'h', receivedAt: new Date().toISOString() };
    const whileAlive = await ledger.claim(key, retry);
    expect(whileAlive).toMatchObject({ outcome: 'in_flight', record: { id: first.id } });

    const takenOver = await waitFor('the lease to run out', async () => {
      const claim = await ledger.claim(key, retry);
      return claim.outcome === 'claimed' && claim;
    });
    expect(takenOver.record).toMatchObject({ id: first.id, receivedAt: first.receivedAt, state: 'pending' });
    expect(await ledger.complete(key, claimed.owner, { incidentId: first.id })).toBe(false);
    expect(await ledger.complete(key, takenOver.owner, { incidentId: first.id })).toBe(true);
    expect(await ledger.claim(key, retry)).toMatchObject({ outcome: 'stored', record: { id: first.id, response: { incidentId: first.id } } });
    expect(await redis.ttl(key)).toBeGreaterThan(50);
  });

  it('a failed attempt releases its claim at once, so the retry stores it under the same id without waiting', async () => {
    const ledger = new SubmissionLedger(redis, names.redisPrefix, 60, 60_000);
    const key = ledger.key('report', ulid());
    const first = { id: ulid(), contentHash: 'h', receivedAt: new Date().toISOString() };
    const claimed = await ledger.claim(key, first);
    if (claimed.outcome !== 'claimed') throw new Error('expected a claim');
    await ledger.release(key, claimed.owner);
    const retry = await ledger.claim(key, { ...first, id: ulid() });
    expect(retry).toMatchObject({ outcome: 'claimed', record: { id: first.id } });
  });

  it('of many copies claiming at once, exactly one wins', async () => {
    const ledgers = Array.from({ length: 3 }, () => new SubmissionLedger(redis, names.redisPrefix, 60, 60_000));
    const key = ledgers[0]!.key('report', ulid());
    const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => ledgers[i % 3]!.claim(key, { id: ulid(), contentHash: 'h', receivedAt: new Date().toISOString() })));
    expect(claims.filter((c) => c.outcome === 'claimed')).toHaveLength(1);
    expect(new Set(claims.map((c) => c.record.id)).size).toBe(1);
  });
});
