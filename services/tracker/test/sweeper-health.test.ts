import type { ScheduledTask } from 'node-cron';
import { BackgroundJobs, type Publisher } from '@ucsc/shared';
import { DeadlineSweeper } from '@ucsc/tracker';
import { testLogger, testRedis, uniqueNames, unhealthy, waitFor } from '../../../test/support';


describe('the deadline sweep on /ready', () => {
  let sweeper: DeadlineSweeper | undefined;
  afterEach(() => sweeper?.stop());

  it('is healthy while its scheduled sweeps finish, unhealthy once they fail past the stall time, healthy again after; a schedule that ends by itself is reported', async () => {
    const { redisPrefix } = uniqueNames('sweep-health');
    const redis = testRedis();
    const jobs = new BackgroundJobs({ stallMs: 2500, logger: testLogger });
    // nothing is due in this test: nothing is published, and the projection is never waited for
    sweeper = new DeadlineSweeper({
      redis,
      redisPrefix,
      publisher: {} as Publisher,
      sync: { caughtUp: async () => undefined },
      clock: () => new Date(),
      logger: testLogger,
      schedule: '* * * * * *',
      lockTtlMs: 5000,
      health: jobs.add('deadline-sweep'),
    });
    sweeper.start();
    try {
      await waitFor('a sweep', () => sweeper!.sweeps > 0 || undefined);
      expect(unhealthy(jobs)).toBeUndefined();

      // its Redis goes away: every sweep fails
      redis.disconnect();
      const failing = await waitFor('the sweep to show unhealthy', () => unhealthy(jobs), 15_000);
      expect(failing).toMatch(/^deadline-sweep: no round finished for \d+ s \(failing: /);

      redis.connect().catch(() => undefined);
      await waitFor('the sweep to recover', () => unhealthy(jobs) === undefined || undefined, 15_000);

      // the schedule ends without the tracker stopping it
      (sweeper as unknown as { task: ScheduledTask }).task.destroy();
      expect(unhealthy(jobs)).toMatch(/^deadline-sweep: the deadline sweep's schedule ended \(task:(stopped|destroyed)\)$/);
    } finally {
      redis.disconnect();
    }
  });
});
