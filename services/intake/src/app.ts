import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import {
  registerServicePlugins,
  allowBrowserOrigins,
  BatchingPublisher,
  createVerifierAccess,
  createHttpApp,
  createRedis,
  createServiceKafka,
  createLogger,
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
import { reportRoutes } from './routes/reports';
import { attachmentRoutes } from './routes/attachments';
import { emailRoutes } from './routes/email';
import { components } from './routes/schemas';

export interface IntakeOverrides {
  logger?: Logger;
}

/** Builds the intake service (no listen): used by the server and by tests. */
export async function buildApp(config: IntakeConfig, overrides: IntakeOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger('intake', config.LOG_LEVEL);
  const kafka = createServiceKafka('intake', config, logger);
  const produceRequestMs = 30_000;
  const publisher = new BatchingPublisher(kafka, config.TOPIC_PREFIX, logger, {
    timeoutMs: config.PUBLISH_TIMEOUT_MS,
    maxBatchRecords: config.PUBLISH_MAX_BATCH,
    lanes: config.PUBLISH_LANES,
    requestTimeoutMs: produceRequestMs,
  });
  // many requests' ledger commands share a round trip, as their reports share a produce request
  const redis = createRedis(config.REDIS_URL, logger, { enableAutoPipelining: true });
  const kafkaHealth = kafkaReadiness(kafka);
  const provinces = new ProvinceResolver(loadDirectoryFiles().units);
  const attachments = new AttachmentStore(config.ATTACHMENT_DIR);
  // the submitter is answered within PUBLISH_TIMEOUT_MS, but a request already sent is followed
  // for up to produceRequestMs: the claim is held that long, so a retry never stores it twice
  const leaseMs = config.PUBLISH_TIMEOUT_MS + produceRequestMs + 2000;
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

  const access = await createVerifierAccess(config, redis, publisher, 'intake', logger);
  const app = createHttpApp({ logger, bodyLimit: config.BODY_LIMIT_BYTES });
  // the board's web app files reports from the browser with the user's session (shared/src/http/plugins/browser-origins.ts)
  await allowBrowserOrigins(app, config.CORS_ALLOWED_ORIGINS);
  await registerServicePlugins(app, {
    service: 'intake',
    readiness: { kafka: kafkaHealth.check, redis: () => redis.ping() },
    maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    publicApi: { access, redis, redisPrefix: config.REDIS_PREFIX },
    docs: {
      title: 'ucsc intake',
      description: 'Incident reports of the national incident-response network (Circular 20/2017: Biểu mẫu 03, follow-up reports, Biểu mẫu 04).',
      components,
    },
  });
  new Gauge({
    name: 'intake_reports_per_produce_request',
    help: 'Records per Kafka produce request since start (how much batching under load saves)',
    registers: [app.metrics],
    collect() {
      this.set(publisher.stats.requests ? publisher.stats.records / publisher.stats.requests : 0);
    },
  });
  await app.register(reportRoutes, { submissions, provinces });
  await app.register(attachmentRoutes, { submissions, store: attachments, limitBytes: config.ATTACHMENT_LIMIT_BYTES });
  await app.register(emailRoutes, { submissions, provinces, limitBytes: config.EMAIL_LIMIT_BYTES });
  onClose(app, async () => {
    await publisher.close();
    await kafkaHealth.close();
    await access.revocations.close();
    await redis.quit().catch(() => undefined);
  });
  return app;
}
