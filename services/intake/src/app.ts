import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import {
  BatchingPublisher,
  createHttpApp,
  createKafka,
  createLogger,
  createRedis,
  canSee,
  identify,
  kafkaReadiness,
  loadDirectoryFiles,
  onClose,
  ProvinceResolver,
  type Logger,
} from '@ucsc/shared';
import type { IntakeConfig } from './config';
import { AttachmentStore } from './attachments';
import { SubmissionLedger } from './idempotency';
import { Submissions } from './submissions';
import { reportRoutes, type Access } from './routes/reports';
import { attachmentRoutes } from './routes/attachments';
import { emailRoutes } from './routes/email';
import { docsRoutes } from './routes/docs';

export interface IntakeOverrides {
  logger?: Logger;
  /** the access policy; the shared one (shared/src/access) unless a test needs another */
  access?: Partial<Access>;
}

/** Builds the intake service (no listen): used by the server and by tests. */
export async function buildApp(config: IntakeConfig, overrides: IntakeOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger('intake', config.LOG_LEVEL);
  const kafka = createKafka(
    { clientId: `intake-${config.SERVICE_INSTANCE}`, brokers: config.KAFKA_BROKERS, requestTimeoutMs: config.KAFKA_REQUEST_TIMEOUT_MS },
    logger,
  );
  const publisher = new BatchingPublisher(kafka, config.TOPIC_PREFIX, logger, {
    timeoutMs: config.PUBLISH_TIMEOUT_MS,
    maxBatchRecords: config.PUBLISH_MAX_BATCH,
    lanes: config.PUBLISH_LANES,
  });
  // many requests' ledger commands share a round trip, as their reports share a produce request
  const redis = createRedis(config.REDIS_URL, logger, { enableAutoPipelining: true });
  const kafkaHealth = kafkaReadiness(kafka);
  const provinces = new ProvinceResolver(loadDirectoryFiles().units);
  const attachments = new AttachmentStore(config.ATTACHMENT_DIR);
  // a publish may wait one timeout in the queue and one in flight; the lease outlasts both
  const leaseMs = 2 * config.PUBLISH_TIMEOUT_MS + 2000;
  const ledger = new SubmissionLedger(redis, config.REDIS_PREFIX, config.IDEMPOTENCY_WINDOW_SECONDS, leaseMs);
  const submissions = new Submissions({
    publisher,
    ledger,
    redis,
    redisPrefix: config.REDIS_PREFIX,
    attachments,
    retryAfterSeconds: config.RETRY_AFTER_SECONDS,
    leaseMs,
    logger,
  });

  const app = createHttpApp({
    service: 'intake',
    logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    readiness: { kafka: kafkaHealth.check, redis: () => redis.ping() },
  });
  new Gauge({
    name: 'intake_reports_per_produce_request',
    help: 'Records per Kafka produce request since start (how much batching under load saves)',
    registers: [app.metrics],
    collect() {
      this.set(publisher.stats.requests ? publisher.stats.records / publisher.stats.requests : 0);
    },
  });
  const access: Access = { identify, canSee, ...overrides.access };
  await app.register(reportRoutes, { submissions, provinces, access });
  await app.register(attachmentRoutes, { submissions, store: attachments, access, limitBytes: config.ATTACHMENT_LIMIT_BYTES });
  await app.register(emailRoutes, { submissions, provinces, access, limitBytes: config.EMAIL_LIMIT_BYTES });
  await app.register(docsRoutes);
  onClose(app, async () => {
    await publisher.close();
    await kafkaHealth.close();
    await redis.quit().catch(() => undefined);
  });
  return app;
}
