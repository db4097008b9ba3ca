import type { FastifyInstance } from 'fastify';
import {
  createAccess,
  createHttpApp,
  createRedis,
  createServiceKafka,
  createLogger,
  kafkaReadiness,
  loadDirectoryFiles,
  onClose,
  ProvinceResolver,
  Publisher,
  type Logger,
} from '@ucsc/shared';
import type { IntakeConfig } from './config';
import { reportRoutes } from './routes/reports';

export interface IntakeOverrides {
  logger?: Logger;
}

/** Builds the intake service (no listen): used by the server and by tests. */
export async function buildApp(config: IntakeConfig, overrides: IntakeOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger('intake', config.LOG_LEVEL);
  const kafka = createServiceKafka('intake', config, logger);
  const publisher = new Publisher(kafka, config.TOPIC_PREFIX, logger, config.PUBLISH_TIMEOUT_MS);
  const kafkaHealth = kafkaReadiness(kafka);
  const provinces = new ProvinceResolver(loadDirectoryFiles().units);
  const redis = createRedis(config.REDIS_URL, logger);

  const app = createHttpApp({
    service: 'intake',
    logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    readiness: { kafka: kafkaHealth.check, redis: () => redis.ping() },
    authentication: createAccess(config, redis, publisher, 'intake', logger),
  });
  await app.register(reportRoutes, { publisher, provinces, retryAfterSeconds: config.RETRY_AFTER_SECONDS });
  onClose(app, async () => {
    await publisher.close();
    await kafkaHealth.close();
    await redis.quit().catch(() => undefined);
  });
  return app;
}
