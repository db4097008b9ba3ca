import type { Publisher } from '@ucsc/shared';
import { RoutingStore, startTimeoutSweep, type TimeoutSweep } from '@ucsc/dispatch';
import { testLogger, testRedis, uniqueNames, waitFor } from '../../../test/support';

describe('the acceptance-window sweep on /ready', () => {
  const redis = testRedis();
  let sweep: TimeoutSweep | undefined;
  afterEach(async () => {
    await sweep?.stop();
  });
  afterAll(() => redis.disconnect());

  // nothing expires in these tests, so nothing is published
  const publisher = {} as Publisher;

  it('is healthy while its ticks finish, unhealthy once they fail for longer than the stall time, healthy again after', async () => {
    const { redisPrefix } = uniqueNames('sweep');
    const store = new RoutingStore(redis, redisPrefix, 3600);
    const sweepRedis = testRedis();
    const started = Date.now();
    sweep = startTimeoutSweep({ redis: sweepRedis, store, publisher, instance: 'a', intervalMs: 50, logger: testLogger, stallMs: 400 });
    await waitFor('twice the stall time', () => Date.now() - started > 800 || undefined);
    expect(() => sweep!.check()).not.toThrow();

    // its Redis goes away: every tick fails
    sweepRedis.disconnect();
    const problem = await waitFor('the sweep to show unhealthy', () => {
      try {
        sweep!.check();
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    }, 10_000);
    expect(problem).toMatch(/no timeout sweep finished for \d+ s \(failing: /);

    sweepRedis.connect().catch(() => undefined);
    await waitFor('the sweep to recover', () => {
      try {
        sweep!.check();
        return true;
      } catch {
        return undefined;
      }
    }, 10_000);
    await sweep.stop();
    expect(() => sweep!.check()).toThrow('the timeout sweep is stopped');
    sweepRedis.disconnect();
  });

  it('counts a tick that found another copy sweeping as done', async () => {
    const { redisPrefix } = uniqueNames('sweep-other');
    const store = new RoutingStore(redis, redisPrefix, 3600);
    await redis.set(store.sweepLockKey, 'other-copy', 'PX', 60_000);
    const started = Date.now();
    sweep = startTimeoutSweep({ redis, store, publisher, instance: 'b', intervalMs: 50, logger: testLogger, stallMs: 300 });
    await waitFor('past the stall time', () => Date.now() - started > 600 || undefined);
    expect(() => sweep!.check()).not.toThrow();
    expect(await redis.get(store.sweepLockKey)).toBe('other-copy');
  });
});
