import type { FastifyInstance } from 'fastify';
import {
  registerServicePlugins,
  allowBrowserOrigins,
  BackgroundJobs,
  ConsumerMonitor,
  consumerSettings,
  createVerifierAccess,
  createHttpApp,
  createServiceKafka,
  createLogger,
  createRedis,
  kafkaReadiness,
  onClose,
  Publisher,
  type Logger,
} from '@ucsc/shared';
import { routingPolicyOf, type DispatchConfig } from './config';
import { startDispatcher } from './consumer';
import { DirectoryView, DirectoryWriter, followDirectory } from './directory';
import { directoryRoutes } from './routes/directory';
import { RoutingStore } from './store';
import { startTimeoutSweep } from './sweeper';

export interface DispatchOverrides {
  logger?: Logger;
  now?: () => Date;
  /** what a consumer that cannot go on does (default: log it as fatal and exit) */
  onFatal?: (error: unknown) => void;
}

/**
 * Builds dispatch: the directory (read from its topic, managed through the admin API), the
 * routing consumer, the acceptance-window sweep, and health and metrics endpoints.
 */
export async function buildApp(config: DispatchConfig, overrides: DispatchOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger('dispatch', config.LOG_LEVEL);
  const kafka = createServiceKafka('dispatch', config, logger);
  const redis = createRedis(config.REDIS_URL, logger);
  const prefix = config.TOPIC_PREFIX;
  const view = new DirectoryView();
  const consumers = new ConsumerMonitor();
  const settings = consumerSettings(config, consumers, overrides.onFatal);
  const follower = await followDirectory({ service: 'dispatch', kafka, redis, prefix, redisPrefix: config.REDIS_PREFIX, instance: config.SERVICE_INSTANCE, view, logger, settings });
  const writer = new DirectoryWriter(kafka, prefix, `${prefix}.dispatch.directory-writer.${config.SERVICE_INSTANCE}`);
  const store = new RoutingStore(redis, config.REDIS_PREFIX, config.DECISION_MEMORY_SECONDS, config.DECISION_OUTPUT_SECONDS);
  const publisher = new Publisher(kafka, prefix, logger);
  const kafkaHealth = kafkaReadiness(kafka);
  const access = await createVerifierAccess(config, redis, publisher, 'dispatch', logger);
  const app = createHttpApp({ logger });
  await allowBrowserOrigins(app, config.CORS_ALLOWED_ORIGINS, ['GET', 'POST', 'PUT', 'DELETE']);
  const jobs = new BackgroundJobs({ stallMs: config.JOB_STALL_SECONDS * 1000, logger, ...(overrides.onFatal ? { onFatal: overrides.onFatal } : {}) });
  await registerServicePlugins(app, {
    service: 'dispatch',
    readiness: { kafka: kafkaHealth.check, redis: () => redis.ping() },
    consumers,
    jobs,
    maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    publicApi: { access, redis, redisPrefix: config.REDIS_PREFIX },
    docs: {
      title: 'ucsc dispatch',
      description: 'The routing engine: the directory of units, organisations, liaisons and member enterprises it routes by (managed here, recorded on Kafka), and the current load of each enterprise.',
    },
  });
  await app.register(directoryRoutes, { view, writer, store, applyTimeoutMs: 10_000, importBodyLimit: 64 * 1024 * 1024 });
  const now = overrides.now ?? (() => new Date());
  const policy = routingPolicyOf(config);
  const dispatcher = await startDispatcher({ kafka, prefix, directory: view, store, policy, logger, now, settings });
  const sweep = startTimeoutSweep({
    redis,
    store,
    publisher,
    instance: config.SERVICE_INSTANCE,
    intervalMs: config.TIMEOUT_SWEEP_MS,
    logger,
    now,
    health: jobs.add('offer-timeout-sweep', { stallMs: Math.max(config.JOB_STALL_SECONDS * 1000, config.TIMEOUT_SWEEP_MS * 3) }),
  });
  onClose(app, async () => {
    await sweep.stop();
    await dispatcher.stop();
    await follower.stop();
    await writer.close();
    await publisher.close();
    await kafkaHealth.close();
    await access.revocations.close();
    await redis.quit().catch(() => undefined);
  });
  return app;
}
