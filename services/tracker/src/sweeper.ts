import { randomBytes } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import { incidentKeys, makeEnvelope, type IncidentView, type JobHealth, type Logger, type Publisher, type Redis } from '@ucsc/shared';
import { vietnamTimeZone, type Clock } from './domain/clocks';
import { nextFireAt, sweepIncident, type SweepPolicy } from './domain/sweep';
import type { Emit, IncidentEvent } from './domain/lifecycle';
import { trackerKeys } from './projection';
import type { ProjectionSync } from './sync';

export const sweeperActor = { kind: 'system', id: 'tracker.clocks', name: 'Đồng hồ thời hạn', authenticatedBy: 'service' } as const;

export interface SweeperOptions {
  redis: Redis;
  redisPrefix: string;
  publisher: Pick<Publisher, 'publish'>;
  sync: Pick<ProjectionSync, 'caughtUp'>;
  clock: Clock;
  logger: Logger;
  /** node-cron expression, in Vietnam time (seconds field allowed) */
  schedule: string;
  /** the lock outlives a sweep by far; a copy that died holding it is replaced after this */
  lockTtlMs: number;
  /** incidents read per sweep (the rest wait for the next one) */
  batchSize?: number;
  clocks?: SweepPolicy;
  /** each scheduled sweep that finished (or found another copy sweeping) or failed, for /ready */
  health?: JobHealth;
}

export interface SweepResult {
  incidents: number;
  fired: IncidentEvent[];
  /** incidents whose reminder, breach or rung was due more than the grace before this sweep: sweeps were missed (an alarm, never silence) */
  overdue: number;
}

// releases the lock only if this sweeper still holds it (another copy may hold it after a long pause)
const releaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * The tracker's clocks: a node-cron task (Vietnam time, no overlapping runs) that, holding a Redis
 * lock so one copy sweeps at a time, reads the incidents whose next reminder, breach or rung is
 * due (the deadline index the projector keeps), waits until the projection holds every event
 * already logged for them, and fires what is due as events. What the views record as fired is not
 * fired again, and the next sweep starts after this one's events are in the log and the sync
 * makes the projection show them: each deadline fires once, with two copies sweeping, and late
 * (marked so) rather than never when no tracker ran at the time.
 */
export class DeadlineSweeper {
  private task: ScheduledTask | undefined;
  private readonly token = randomBytes(8).toString('hex');
  /** sweeps this copy ran holding the lock (what a test waits on) */
  sweeps = 0;
  private stopping = false;

  constructor(private readonly options: SweeperOptions) {}

  start(): void {
    this.task = cron.schedule(
      this.options.schedule,
      async () => {
        try {
          await this.sweep();
          this.options.health?.progressed();
        } catch (err) {
          this.options.health?.failed(err);
          this.options.logger.error({ err }, 'deadline sweep failed; the next one tries again');
        }
      },
      {
        timezone: vietnamTimeZone,
        noOverlap: true,
        name: 'tracker-deadline-sweep',
        // node-cron's own lines through pino; a run skipped because the last one is still going is expected
        logger: {
          info: (message) => this.options.logger.debug({ cron: true }, message),
          warn: (message) => this.options.logger.debug({ cron: true }, message),
          error: (message, err) => this.options.logger.error({ cron: true, err: err ?? message }, 'node-cron error'),
          debug: (message) => this.options.logger.debug({ cron: true }, String(message)),
        },
      },
    );
    // a schedule that ends by itself fires nothing more: /ready says so
    for (const event of ['task:stopped', 'task:destroyed'] as const) {
      this.task.on(event, () => {
        if (!this.stopping) this.options.health?.stopped(`the deadline sweep's schedule ended (${event})`);
      });
    }
  }

  /** One sweep; undefined when another copy holds the lock. */
  async sweep(): Promise<SweepResult | undefined> {
    const { redis, redisPrefix, clock, logger } = this.options;
    const keys = trackerKeys(redisPrefix);
    const locked = await redis.set(keys.sweepLock, this.token, 'PX', this.options.lockTtlMs, 'NX');
    if (locked !== 'OK') return undefined;
    try {
      const now = clock();
      const ids = await redis.zrangebyscore(keys.deadlines, '-inf', now.getTime(), 'LIMIT', 0, this.options.batchSize ?? 500);
      if (ids.length === 0) return { incidents: 0, fired: [], overdue: 0 };
      const overdue = await this.overdue(now);
      if (overdue > 0) logger.warn({ overdue }, 'deadlines or rungs were due long before this sweep: sweeps were missed; they fire now, marked late');
      await this.options.sync.caughtUp(ids);
      const raws = await redis.mget(ids.map(incidentKeys(redisPrefix).incident));
      const fired: IncidentEvent[] = [];
      const idle = redis.multi();
      ids.forEach((id, i) => {
        if (!raws[i]) return void idle.zrem(keys.deadlines, id);
        const view = JSON.parse(raws[i]!) as IncidentView;
        const emit: Emit = (type, payload) => makeEnvelope(type, payload, { producedBy: 'tracker', actor: sweeperActor, occurredAt: now.toISOString(), correlationId: view.id });
        const events = sweepIncident(view, () => now, emit, this.options.clocks);
        if (events.length) fired.push(...events);
        else {
          // nothing due after all (a reminder window passed unseen): the index moves on to its next time
          const next = nextFireAt(view, this.options.clocks);
          if (next === undefined || next <= now.getTime()) idle.zrem(keys.deadlines, id);
          else idle.zadd(keys.deadlines, next, id);
        }
      });
      // acks=all before the lock is let go: the next sweep, by any copy, finds them in the log
      if (fired.length) await this.options.publisher.publish('incidentEvents', fired);
      await idle.exec();
      if (fired.length) logger.info({ incidents: ids.length, fired: fired.length, late: fired.filter((e) => 'late' in e.payload && e.payload.late).length }, 'deadlines fired');
      return { incidents: ids.length, fired, overdue };
    } finally {
      this.sweeps += 1;
      await redis.eval(releaseScript, 1, keys.sweepLock, this.token).catch(() => undefined);
    }
  }

  /** How many incidents have something due longer ago than the grace (`DEADLINE_LATE_AFTER_MINUTES`) and not fired. */
  async overdue(now = this.options.clock()): Promise<number> {
    const grace = (this.options.clocks?.lateAfterMinutes ?? 5) * 60_000;
    return this.options.redis.zcount(trackerKeys(this.options.redisPrefix).deadlines, '-inf', now.getTime() - grace);
  }

  stop(): void {
    this.stopping = true;
    this.task?.stop();
    this.task = undefined;
  }
}
