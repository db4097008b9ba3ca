import { RetryQueue, type Delivery } from '@ucsc/notifier';
import { testRedis, uniqueNames } from '../../../test/support';

// The retry queue against the real Redis: what two copies sweep at once, each delivery taken by one.
const delivery = (n: number): Delivery => ({
  channel: 'inapp',
  ref: { incidentId: 'i', deliveryId: `d${n}`, aboutEventId: 'e', channel: 'inapp', recipientId: 'r', recipientName: 'R' },
  correlationId: 'c',
  causationId: 'e',
  item: { id: `d${n}`, recipientId: 'r', incidentId: 'i', kind: 'assigned', at: '2026-12-01T00:00:00.000Z', urgent: false },
});

describe('the retry queue', () => {
  const redis = testRedis();
  const other = testRedis(); // the second copy's own connection
  afterAll(() => {
    redis.disconnect();
    other.disconnect();
  });

  it('gives each due delivery to one of two copies claiming at once, none before it is due, and again once its lease ran out', async () => {
    const { redisPrefix } = uniqueNames('notifier-retries');
    const [one, two] = [new RetryQueue(redis, redisPrefix, 60), new RetryQueue(other, redisPrefix, 60)];
    const now = Date.now();
    for (let n = 0; n < 60; n++) await one.schedule(delivery(n), now - 1);
    await one.schedule(delivery(99), now + 60_000);
    const claims = await Promise.all([one, two, one, two].map((q) => q.claim(now, 1000, 20)));
    const ids = claims.flat().map((d) => d.ref.deliveryId);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    expect(ids).not.toContain('d99');
    // leased: nothing more to take now; after the lease, what was not done is taken again
    expect(await two.claim(now, 1000, 100)).toEqual([]);
    for (let n = 0; n < 59; n++) await one.done(`d${n}`);
    expect((await two.claim(now + 1001, 1000, 100)).map((d) => d.ref.deliveryId)).toEqual(['d59']);
    await one.deadLetter(delivery(59), 'answered 500');
    expect(await one.pending()).toBe(1); // d99, not yet due
    expect(JSON.parse((await redis.hget(one.deadKey, 'd59'))!)).toEqual({ delivery: delivery(59), error: 'answered 500' });
  });
});
