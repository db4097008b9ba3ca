import { BackgroundJobs, type Publisher } from '@ucsc/shared';
import { RoutingStore, startTimeoutSweep, type TimeoutSweep } from '@ucsc/dispatch';
import { testLogger, testRedis, uniqueNames, unhealthy, waitFor } from '../../../test/support';

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
    const jobs = new BackgroundJobs({ stallMs: 400, logger: testLogger });
    sweep = startTimeoutSweep({ redis: sweepRedis, store, publisher, instance: 'a', intervalMs: 50, logger: testLogger, health: jobs.add('offer-timeout-sweep') });
    await waitFor('twice the stall time', () => Date.now() - started > 800 || undefined);
    expect(unhealthy(jobs)).toBeUndefined();

    // its Redis goes away: every tick fails
    sweepRedis.disconnect();
    const failing = await waitFor('the sweep to show unhealthy', () => unhealthy(jobs), 10_000);
    expect(failing).toMatch(/^offer-timeout-sweep: no round finished for \d+ s \(failing: /);

    sweepRedis.connect().catch(() => undefined);
    await waitFor('the sweep to recover', () => unhealthy(jobs) === undefined || undefined, 10_000);
    await sweep.stop();
    sweepRedis.disconnect();
  });

  it('counts a tick that found another copy sweeping as done', async () => {
    const { redisPrefix } = uniqueNames('sweep-other');
    const store = new RoutingStore(redis, redisPrefix, 3600);
    await redis.set(store.sweepLockKey, 'other-copy', 'PX', 60_000);
    const started = Date.now();
    const jobs = new BackgroundJobs({ stallMs: 300, logger: testLogger });
    sweep = startTimeoutSweep({ redis, store, publisher, instance: 'b', intervalMs: 50, logger: testLogger, health: jobs.add('offer-timeout-sweep') });
    await waitFor('past the stall time', () => Date.now() - started > 600 || undefined);
    expect(unhealthy(jobs)).toBeUndefined();
    expect(await redis.get(store.sweepLockKey)).toBe('other-copy');
  });
});
