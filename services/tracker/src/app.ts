import { Gauge } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  registerServicePlugins,
  BackgroundJobs,
  ConsumerMonitor,
  consumerSettings,
  createHttpApp,
  createServiceKafka,
  createLogger,
  createRedis,
  kafkaReadiness,
  onClose,
  Publisher,
  type Logger,
} from '@ucsc/shared';
import { clocksOf, type TrackerConfig } from './config';
import { projectorGroup, startCommandHandler, startProjector } from './consumers';
import { ProjectionSync } from './sync';
import { DeadlineSweeper } from './sweeper';

const sweepers = new WeakMap<FastifyInstance, DeadlineSweeper>();
/** The tracker's deadline sweeper (tests run sweeps by hand, with their clock). */
export function deadlineSweeper(app: FastifyInstance): DeadlineSweeper {
  const sweeper = sweepers.get(app);
  if (!sweeper) throw new Error('not a tracker app');
  return sweeper;
}

export interface TrackerOverrides {
  logger?: Logger;
  /** what a consumer that cannot go on does (default: log it as fatal and exit) */
  onFatal?: (error: unknown) => void;
  /** the tracker's clock (tests move it); the real time otherwise */
  now?: () => Date;
}

/** Builds the tracker: the projector, the command handler, and health and metrics endpoints. */
export async function buildApp(config: TrackerConfig, overrides: TrackerOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger('tracker', config.LOG_LEVEL);
  const kafka = createServiceKafka('tracker', config, logger);
  const redis = createRedis(config.REDIS_URL, logger);
  const kafkaHealth = kafkaReadiness(kafka);
  const monitor = new ConsumerMonitor();
  const jobs = new BackgroundJobs({ stallMs: config.JOB_STALL_SECONDS * 1000, logger, ...(overrides.onFatal ? { onFatal: overrides.onFatal } : {}) });
  const app = createHttpApp({ logger });
  await registerServicePlugins(app, {
    service: 'tracker',
    readiness: { kafka: kafkaHealth.check, redis: () => redis.ping() },
    consumers: monitor,
    jobs,
    maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    docs: {
      title: 'ucsc tracker',
      description: 'The one writer of each incident’s state (commands in, events out, over Kafka); over HTTP only its health and metrics.',
    },
  });
  const settings = consumerSettings(config, monitor, overrides.onFatal);
  const options = { kafka, redis, prefix: config.TOPIC_PREFIX, redisPrefix: config.REDIS_PREFIX, logger, settings, cacheViews: config.PROJECTION_CACHE_VIEWS };
  const sync = new ProjectionSync(kafka, config.TOPIC_PREFIX, `${config.TOPIC_PREFIX}.${projectorGroup}`, logger);
  const now = overrides.now ?? (() => new Date());
  const clocks = clocksOf(config);
  const consumers = await Promise.all([
    startProjector({ ...options, clocks }),
    startCommandHandler({ ...options, sync, now, ...(clocks.policy ? { policy: clocks.policy } : {}) }),
  ]);
  const publisher = new Publisher(kafka, config.TOPIC_PREFIX, logger);
  const sweeper = new DeadlineSweeper({
    redis,
    redisPrefix: config.REDIS_PREFIX,
    publisher,
    sync,
    clock: now,
    logger,
    schedule: config.SWEEP_SCHEDULE,
    lockTtlMs: config.SWEEP_LOCK_TTL_MS,
    clocks,
    // only a copy that schedules sweeps has one to watch (tests drive sweeps by hand)
    ...(config.SWEEP_ENABLED ? { health: jobs.add('deadline-sweep') } : {}),
  });
  sweepers.set(app, sweeper);
  app.get('/api/v1/clocks/overdue', {
      schema: {
        summary: 'The alarm of the clocks: how many incidents have a reminder, breach or rung overdue (sweeps were missed)',
        response: { 200: z.object({ overdue: z.number().int() }) },
      },
    }, async () => ({ overdue: await sweeper.overdue() }));
  // the same alarm where operators look: a gauge read on each scrape
  new Gauge({
    name: 'ucsc_deadlines_overdue',
    help: 'Incidents whose reminder, breach or rung was due past the grace and not fired: deadline sweeps were missed',
    registers: [app.metrics],
    async collect() {
      this.set(await sweeper.overdue().catch(() => Number.NaN));
    },
  });
  if (config.SWEEP_ENABLED) sweeper.start();
  onClose(app, async () => {
    sweeper.stop();
    await Promise.all(consumers.map((c) => c.stop()));
    await publisher.close();
    await sync.close();
    await kafkaHealth.close();
    await redis.quit().catch(() => undefined);
  });
  return app;
}
