import { Gauge, Counter, type Registry } from 'prom-client';
import type { Logger } from '../log';

export type JobState = 'running' | 'listening' | 'stopped' | 'failed';

/** What /ready says of one background job. */
export interface JobReport {
  name: string;
  state: JobState;
  /** false when stopped, failed, or stalled past its stall time */
  healthy: boolean;
  problem?: string;
  /** since the job last finished a round (or started, or was last heard connected) */
  secondsSinceProgress: number;
  /** rounds that failed since the job started (each retried) */
  failures: number;
  lastError?: string;
}

/**
 * The health of one background job of a service (not a Kafka consumer: those have ConsumerHealth):
 * a loop or a schedule reports each round it finishes (`progressed`) or fails (`failed`, then it
 * tries again); a subscription reports that it is connected and waiting (`listening`: no progress
 * is due while it waits). It is unhealthy once nothing progressed for `stallMs` (while listening:
 * once it has been disconnected that long), and when it stopped without being asked. A job that
 * cannot go on calls `fatal`: logged as fatal, and the service exits so that its supervisor
 * starts it again (what a consumer does).
 */
export class JobHealth {
  private state: JobState = 'running';
  private lastProgressAt: number;
  private failingSince: number | undefined;
  private lastError: string | undefined;
  private problem: string | undefined;
  failures = 0;

  constructor(
    readonly name: string,
    private readonly stallMs: number,
    private readonly onFatal: (error: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.lastProgressAt = clock();
  }

  /** A round finished (found nothing to do, or another copy held the lock: it ran all the same). */
  progressed(): void {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.state = 'running';
    this.lastProgressAt = this.clock();
    this.failingSince = undefined;
    this.lastError = undefined;
  }

  /** Connected and waiting for messages: healthy for as long as that lasts. */
  listening(): void {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.progressed();
    this.state = 'listening';
  }

  /** A round failed, or a subscription lost its connection; the job tries again. */
  failed(error: unknown): void {
    this.failures += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
    this.failingSince ??= this.clock();
  }

  /** It ended without being asked to: /ready fails until the service is restarted. */
  stopped(reason: string): void {
    if (this.state === 'failed') return;
    this.state = 'stopped';
    this.problem = reason;
  }

  /** It cannot go on: logged as fatal, and the service exits (by default). */
  fatal(error: unknown): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.lastError = error instanceof Error ? error.message : String(error);
    this.problem = `cannot go on: ${this.lastError}`;
    this.onFatal(error);
  }

  report(): JobReport {
    const now = this.clock();
    let problem = this.problem;
    if (!problem && this.state === 'listening' && this.failingSince !== undefined && now - this.failingSince > this.stallMs) {
      problem = `disconnected for ${Math.round((now - this.failingSince) / 1000)} s`;
    } else if (!problem && this.state === 'running' && now - this.lastProgressAt > this.stallMs) {
      problem = `no round finished for ${Math.round((now - this.lastProgressAt) / 1000)} s${this.lastError ? ` (failing: ${this.lastError})` : ''}`;
    }
    return {
      name: this.name,
      state: this.state,
      healthy: problem === undefined,
      ...(problem ? { problem } : {}),
      secondsSinceProgress: Math.round((now - this.lastProgressAt) / 100) / 10,
      failures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}

/**
 * The background jobs of one service, for /ready (503 naming each unhealthy one) and /metrics.
 * A service makes one, hands it to registerServicePlugins, and each job takes its health from `add`.
 */
export class BackgroundJobs {
  private readonly jobs: JobHealth[] = [];
  private readonly onFatal: (name: string) => (error: unknown) => void;
  private readonly stallMs: number;
  private readonly clock: () => number;

  constructor(options: { stallMs: number; logger: Logger; onFatal?: (error: unknown) => void; clock?: () => number }) {
    this.stallMs = options.stallMs;
    this.clock = options.clock ?? Date.now;
    this.onFatal = (name) =>
      options.onFatal ??
      ((error) => {
        options.logger.fatal({ err: error, job: name }, `background job ${name} cannot go on; exiting so that it is restarted`);
        process.exit(1);
      });
  }

  /** A job's health; `stallMs` when it must move more often (or may move less often) than the service's default. */
  add(name: string, options: { stallMs?: number } = {}): JobHealth {
    const job = new JobHealth(name, options.stallMs ?? this.stallMs, this.onFatal(name), this.clock);
    this.jobs.push(job);
    return job;
  }

  /** A job that ends on purpose (the service is closing): no longer reported. */
  remove(job: JobHealth): void {
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
  }

  reports(): JobReport[] {
    return this.jobs.map((j) => j.report());
  }

  /** Throws naming every unhealthy job; otherwise returns their reports. */
  check(): JobReport[] {
    const reports = this.reports();
    const bad = reports.filter((r) => !r.healthy);
    if (bad.length) throw new UnhealthyJobs(reports, bad.map((r) => `${r.name}: ${r.problem ?? r.state}`).join('; '));
    return reports;
  }

  register(registry: Registry): void {
    const jobs = this.jobs;
    new Gauge({
      name: 'ucsc_job_healthy',
      help: '1 while the background job runs and makes progress (or listens, connected), 0 when stopped, failed or stalled',
      labelNames: ['job'],
      registers: [registry],
      collect() {
        this.reset();
        for (const j of jobs) this.set({ job: j.name }, j.report().healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ucsc_job_seconds_since_progress',
      help: 'Seconds since the background job last finished a round',
      labelNames: ['job'],
      registers: [registry],
      collect() {
        this.reset();
        for (const j of jobs) this.set({ job: j.name }, j.report().secondsSinceProgress);
      },
    });
    new Counter({
      name: 'ucsc_job_failures_total',
      help: 'Rounds of the background job that failed (and were tried again)',
      labelNames: ['job'],
      registers: [registry],
      collect() {
        this.reset();
        for (const j of jobs) this.inc({ job: j.name }, j.failures);
      },
    });
  }
}

export class UnhealthyJobs extends Error {
  override name = 'UnhealthyJobs';
  constructor(
    readonly reports: JobReport[],
    message: string,
  ) {
    super(message);
  }
}
