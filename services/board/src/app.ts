import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import {
  registerServicePlugins,
  BackgroundJobs,
  ConsumerMonitor,
  consumerSettings,
  createOwnerAccess,
  createHttpApp,
  createServiceKafka,
  createLogger,
  createRedis,
  kafkaReadiness,
  onClose,
  Publisher,
  type Logger,
} from '@ucsc/shared';
import type { BoardConfig } from './config';
import { startAuditProjector } from './audit';
import { LiveFeed } from './feed';
import { adminRoutes } from './routes/admin';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { commandRoutes } from './routes/commands';
import { duplicateRoutes } from './routes/duplicates';
import { incidentRoutes } from './routes/incidents';
import { summaryRoutes } from './routes/summaries';
import { CommandReplies } from './replies';
import { pageRoutes } from './routes/pages';
import { notificationForwardRoutes } from './routes/notifications';

export interface BoardOverrides {
  logger?: Logger;
  /** what a consumer or background job that cannot go on does (default: log it as fatal and exit) */
  onFatal?: (error: unknown) => void;
}

/** Builds the board: sign-in, the live page, incident queries, commands in, the WebSocket feed out, accounts, audit. */
export async function buildApp(config: BoardConfig, overrides: BoardOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger('board', config.LOG_LEVEL);
  const kafka = createServiceKafka('board', config, logger);
  const redis = createRedis(config.REDIS_URL, logger);
  const publisher = new Publisher(kafka, config.TOPIC_PREFIX, logger);
  const kafkaHealth = kafkaReadiness(kafka);
  const access = await createOwnerAccess(config, redis, publisher, 'board', logger);
  const jobs = new BackgroundJobs({ stallMs: config.JOB_STALL_SECONDS * 1000, logger, ...(overrides.onFatal ? { onFatal: overrides.onFatal } : {}) });
  // the response policy and holidays the tracker's clocks use: the deadlines route and the queue's order
  const clocks = { ...(config.RESPONSE_POLICY_JSON ? { policy: config.RESPONSE_POLICY_JSON } : {}), holidays: config.LEGAL_HOLIDAYS_JSON };
  const feed = new LiveFeed(redis, config.REDIS_PREFIX, logger, access.store, {
    clocks,
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    revalidateMs: config.WS_REVALIDATE_SECONDS * 1000,
    flushMs: config.FEED_FLUSH_MS,
    flushMinMs: config.FEED_FLUSH_MIN_MS,
    positionMs: config.FEED_POSITION_MS,
    heartbeatMs: config.FEED_HEARTBEAT_MS,
    maxPending: config.FEED_MAX_PENDING,
    jobs,
  });
  await feed.start();
  const replies = new CommandReplies(redis, config.REDIS_PREFIX, logger);
  await replies.start();
  const consumers = new ConsumerMonitor();
  const settings = consumerSettings(config, consumers, overrides.onFatal);
  const auditProjector = await startAuditProjector({ kafka, redis, prefix: config.TOPIC_PREFIX, redisPrefix: config.REDIS_PREFIX, logger, settings });

  const app = createHttpApp({ logger });
  await registerServicePlugins(app, {
    service: 'board',
    readiness: { kafka: kafkaHealth.check, redis: () => redis.ping() },
    consumers,
    jobs,
    maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    publicApi: { access, redis, redisPrefix: config.REDIS_PREFIX },
    docs: {
      title: 'ucsc board',
      description: 'The face for coordinators, liaisons and member enterprises: incidents as each may see them, commands in (acknowledge, accept, decline, override routing), the live feed (WebSocket), accounts, API tokens and the audit trail.',
    },
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // @fastify/websocket answers a refused upgrade (401, 403, 404…) on a socket the HTTP server no
  // longer tracks, and leaves it open: each refusal would hold a socket (CLOSE_WAIT once the client
  // goes) until the process ends, and app.close() would wait for them. The answer is sent; close it.
  app.addHook('onResponse', async (request, reply) => {
    if (request.headers.upgrade && reply.statusCode >= 400) request.raw.socket.destroy();
  });
  await app.register(pageRoutes, { intakePublicUrl: config.INTAKE_PUBLIC_URL, dispatchPublicUrl: config.DISPATCH_PUBLIC_URL });
  await app.register(authRoutes, { access, serviceKey: config.IDENTITY_SERVICE_KEY, cookieSecure: config.COOKIE_SECURE, sessionMaxSeconds: config.SESSION_MAX_HOURS * 3600, intakePublicUrl: config.INTAKE_PUBLIC_URL, dispatchPublicUrl: config.DISPATCH_PUBLIC_URL });
  await app.register(adminRoutes, { access });
  await app.register(auditRoutes, { redis, redisPrefix: config.REDIS_PREFIX });
  await app.register(incidentRoutes, {
    redis,
    redisPrefix: config.REDIS_PREFIX,
    feed,
    snapshotSize: config.SNAPSHOT_SIZE,
    deadlines: clocks,
    exportLimit: 10_000,
    audit: access.audit,
  });
  await app.register(duplicateRoutes, { redis, redisPrefix: config.REDIS_PREFIX, windowHours: config.DUPLICATE_WINDOW_HOURS });
  await app.register(summaryRoutes, { redis, redisPrefix: config.REDIS_PREFIX });
  await app.register(commandRoutes, { redis, redisPrefix: config.REDIS_PREFIX, publisher, replies, replyTimeoutMs: config.COMMAND_REPLY_TIMEOUT_MS, retryAfterSeconds: 5 });
  if (config.NOTIFIER_URL) await app.register(notificationForwardRoutes, { notifierUrl: config.NOTIFIER_URL });
  onClose(app, async () => {
    await feed.close();
    replies.close();
    await auditProjector.stop();
    await publisher.close();
    await kafkaHealth.close();
    await redis.quit().catch(() => undefined);
  });
  return app;
}
