import { BackgroundJobs, createHttpApp, healthPlugin, metricsPlugin, type JobReport } from '@ucsc/shared';
import { testLogger } from '../../test/support';

type ReadyBody = { status: string; checks: Record<string, string>; jobs: JobReport[] };

/** A clock the test moves by hand: no waiting, no timing flake. */
function manualClock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('background job health (shared/src/jobs/health.ts)', () => {
  it('a job that keeps finishing rounds is healthy; one whose rounds fail past the stall time is not, naming the error; a round that finishes heals it', () => {
    const clock = manualClock();
    const jobs = new BackgroundJobs({ stallMs: 10_000, logger: testLogger, clock: clock.now });
    const sweep = jobs.add('sweep');
    for (let i = 0; i < 5; i += 1) {
      clock.advance(4000);
      sweep.progressed();
    }
    expect(jobs.check()).toEqual([expect.objectContaining({ name: 'sweep', state: 'running', healthy: true, failures: 0 })]);

    clock.advance(4000);
    sweep.failed(new Error('ECONNREFUSED'));
    clock.advance(5000);
    // failing, but not yet for longer than the stall time since its last round
    expect(sweep.report().healthy).toBe(true);
    clock.advance(2000);
    sweep.failed(new Error('ECONNREFUSED'));
    expect(sweep.report()).toMatchObject({ healthy: false, problem: 'no round finished for 11 s (failing: ECONNREFUSED)', failures: 2, lastError: 'ECONNREFUSED' });
    expect(() => jobs.check()).toThrow('sweep: no round finished for 11 s (failing: ECONNREFUSED)');

    sweep.progressed();
    expect(sweep.report()).toMatchObject({ healthy: true, secondsSinceProgress: 0 });
    expect(sweep.report().lastError).toBeUndefined();
  });

  it('a round that hangs (no failure, no progress) is a stall too; each job has its own stall time', () => {
    const clock = manualClock();
    const jobs = new BackgroundJobs({ stallMs: 10_000, logger: testLogger, clock: clock.now });
    const reader = jobs.add('reader');
    const slowSweep = jobs.add('slow-sweep', { stallMs: 60_000 });
    clock.advance(10_001);
    expect(reader.report()).toMatchObject({ healthy: false, problem: 'no round finished for 10 s' });
    expect(slowSweep.report().healthy).toBe(true);
    expect(() => jobs.check()).toThrow(/^reader: no round finished/);
  });

  it('a subscription is healthy while it listens, however long nothing comes; disconnected past the stall time it is not, until it listens again', () => {
    const clock = manualClock();
    const jobs = new BackgroundJobs({ stallMs: 10_000, logger: testLogger, clock: clock.now });
    const subscription = jobs.add('subscription');
    subscription.listening();
    clock.advance(3_600_000);
    expect(subscription.report()).toMatchObject({ state: 'listening', healthy: true });
    subscription.failed(new Error('connection to Redis lost'));
    clock.advance(9000);
    expect(subscription.report().healthy).toBe(true);
    clock.advance(2000);
    expect(subscription.report()).toMatchObject({ healthy: false, problem: 'disconnected for 11 s' });
    subscription.listening();
    expect(subscription.report()).toMatchObject({ state: 'listening', healthy: true });
  });

  it('a job that stopped by itself stays unhealthy; one that cannot go on is fatal: logged and, by default, the process exits; a job removed on purpose is no longer reported', () => {
    const fatal: unknown[] = [];
    const jobs = new BackgroundJobs({ stallMs: 10_000, logger: testLogger, onFatal: (e) => void fatal.push(e) });
    const schedule = jobs.add('schedule');
    schedule.stopped('the schedule ended (task:destroyed)');
    schedule.progressed();
    expect(schedule.report()).toMatchObject({ state: 'stopped', healthy: false, problem: 'the schedule ended (task:destroyed)' });

    const reader = jobs.add('reader');
    const error = new Error('the connection to Redis ended for good');
    reader.fatal(error);
    reader.fatal(error);
    expect(fatal).toEqual([error]);
    expect(reader.report()).toMatchObject({ state: 'failed', healthy: false, problem: 'cannot go on: the connection to Redis ended for good' });

    jobs.remove(schedule);
    jobs.remove(reader);
    expect(jobs.check()).toEqual([]);
  });

  it('by default a fatal job logs at fatal level, naming the job, and exits with 1', () => {
    const lines: { level: string; obj: unknown; msg: string }[] = [];
    const logger = { ...testLogger, fatal: (obj: unknown, msg: string) => void lines.push({ level: 'fatal', obj, msg }) } as unknown as typeof testLogger;
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      new BackgroundJobs({ stallMs: 1000, logger }).add('feed-log-reader').fatal(new Error('gone'));
      expect(exit).toHaveBeenCalledWith(1);
      expect(lines).toEqual([{ level: 'fatal', obj: expect.objectContaining({ job: 'feed-log-reader' }), msg: 'background job feed-log-reader cannot go on; exiting so that it is restarted' }]);
    } finally {
      exit.mockRestore();
    }
  });

  it('/ready answers 503 naming a stalled job and 200 once it moves; /metrics has each job', async () => {
    const clock = manualClock();
    const jobs = new BackgroundJobs({ stallMs: 10_000, logger: testLogger, clock: clock.now });
    const reader = jobs.add('feed-log-reader');
    const app = createHttpApp({ logger: testLogger });
    await app.register(metricsPlugin, { service: 'test', jobs });
    await app.register(healthPlugin, { service: 'test', readiness: {}, jobs });
    try {
      reader.progressed();
      const ready = await app.inject({ url: '/ready' });
      expect(ready.statusCode).toBe(200);
      expect((ready.json() as ReadyBody).checks.jobs).toBe('ok');

      clock.advance(30_000);
      const stalled = await app.inject({ url: '/ready' });
      expect(stalled.statusCode).toBe(503);
      const body = stalled.json() as ReadyBody;
      expect(body.checks.jobs).toBe('failing: feed-log-reader: no round finished for 30 s');
      expect(body.jobs).toEqual([expect.objectContaining({ name: 'feed-log-reader', healthy: false })]);
      const metrics = (await app.inject({ url: '/metrics' })).body;
      expect(metrics).toMatch(/ucsc_job_healthy\{job="feed-log-reader"[^}]*\} 0/);
      expect(metrics).toMatch(/ucsc_job_seconds_since_progress\{job="feed-log-reader"[^}]*\} 30/);

      reader.progressed();
      expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
