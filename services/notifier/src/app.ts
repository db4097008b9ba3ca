import type { FastifyInstance } from 'fastify';
import nodemailer from 'nodemailer';
import { registerServicePlugins, createVerifierAccess, FollowedDirectory, followDirectory, Publisher, ConsumerMonitor, consumerSettings, createHttpApp, createServiceKafka, createLogger, createRedis, kafkaReadiness, onClose, type Logger } from '@ucsc/shared';
import type { NotifierConfig } from './config';
import { addressbookOf } from './addressbook';
import { startHeldSweep, startNotifier, startRetrySweep } from './consumer';
import { RetryQueue } from './retries';
import { HeldEmail } from './held';
import { DeliveryLog } from './deliveries';
import { InAppNotifications } from './inapp';
import { LiveNotifications } from './live';
import { notificationRoutes } from './routes/notifications';
import type { Addressbook } from './domain/notifications';

export interface NotifierOverrides {
  logger?: Logger;
  now?: () => Date;
  book?: Addressbook;
  onFatal?: (error: unknown) => void;
}

/** Builds the notifier: the consumer of incident events that delivers by email, webhook and in the app, and health and metrics. */
export async function buildApp(config: NotifierConfig, overrides: NotifierOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger('notifier', config.LOG_LEVEL);
  const kafka = createServiceKafka('notifier', config, logger);
  const redis = createRedis(config.REDIS_URL, logger);
  const consumers = new ConsumerMonitor();
  const settings = consumerSettings(config, consumers, overrides.onFatal);
  // pooled connections: a new SMTP connection per message holds each send ~110 ms (9/s against 186/s here)
  const smtpUrl = new URL(config.SMTP_URL);
  if (!smtpUrl.searchParams.has('pool')) smtpUrl.searchParams.set('pool', 'true');
  const transport = nodemailer.createTransport(smtpUrl.toString());
  const log = new DeliveryLog(redis, config.REDIS_PREFIX, config.DELIVERY_MEMORY_SECONDS);
  const kafkaHealth = kafkaReadiness(kafka);
  const publisher = new Publisher(kafka, config.TOPIC_PREFIX, logger);
  // the board owns identity: a session (its cookie, through the board's forward) is exchanged there
  const access = await createVerifierAccess(config, redis, publisher, 'notifier', logger);
  const inApp = new InAppNotifications(redis, config.REDIS_PREFIX, 500, config.DELIVERY_MEMORY_SECONDS);
  const live = new LiveNotifications(redis, inApp.channel, logger);
  await live.start();
  const app = createHttpApp({ logger });
  await registerServicePlugins(app, {
    service: 'notifier',
    readiness: { kafka: kafkaHealth.check, redis: () => redis.ping(), smtp: () => transport.verify() },
    consumers,
    publicApi: { access, redis, redisPrefix: config.REDIS_PREFIX },
    maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    docs: { title: 'ucsc notifier', description: 'Delivers what the lifecycle decides people must hear, by email, signed webhook and in the web app, once per event, recipient and channel.' },
  });
  const held = new HeldEmail(redis, config.REDIS_PREFIX);
  const retries = new RetryQueue(redis, config.REDIS_PREFIX, config.DELIVERY_MEMORY_SECONDS);
  // the directory as its topic has it, caught up before the first event is read
  const directory = new FollowedDirectory();
  const follower = await followDirectory({ service: 'notifier', kafka, redis, prefix: config.TOPIC_PREFIX, redisPrefix: config.REDIS_PREFIX, instance: config.SERVICE_INSTANCE, view: directory, logger, settings });
  const book = overrides.book ?? addressbookOf(directory);
  await app.register(notificationRoutes, { inApp, live, held, book });
  const grouping = { windowMs: config.GROUP_WINDOW_MS, after: config.GROUP_AFTER, maxListed: config.GROUP_MAX_LISTED };
  const now = overrides.now ?? (() => new Date());
  const notifier = await startNotifier({
    held,
    inApp,
    retries,
    grouping,
    publisher,
    instance: config.SERVICE_INSTANCE,
    kafka,
    redis,
    prefix: config.TOPIC_PREFIX,
    redisPrefix: config.REDIS_PREFIX,
    log,
    book,
    transport,
    mailFrom: config.MAIL_FROM,
    boardUrl: config.BOARD_URL,
    endpoints: config.WEBHOOK_ENDPOINTS,
    allowPrivateWebhooks: config.WEBHOOK_ALLOW_PRIVATE,
    webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retryScheduleMs: config.RETRY_SCHEDULE_MS,
    logger,
    now,
    settings,
  });
  const retrySweep = startRetrySweep(
    { log, retries, retryScheduleMs: config.RETRY_SCHEDULE_MS, transport, mailFrom: config.MAIL_FROM, endpoints: config.WEBHOOK_ENDPOINTS, webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS, inApp, logger, publisher, leaseMs: config.RETRY_LEASE_MS },
    config.RETRY_SWEEP_MS,
  );
  const sweep = startHeldSweep({ held, log, transport, mailFrom: config.MAIL_FROM, boardUrl: config.BOARD_URL, grouping, redis, redisPrefix: config.REDIS_PREFIX, publisher, logger, now, retryScheduleMs: config.RETRY_SCHEDULE_MS }, config.HELD_SWEEP_MS, config.SERVICE_INSTANCE);
  onClose(app, async () => {
    await notifier.stop();
    await follower.stop();
    await sweep.stop();
    await retrySweep.stop();
    await live.close();
    await access.revocations.close();
    await publisher.close();
    transport.close();
    await kafkaHealth.close();
    await redis.quit().catch(() => undefined);
  });
  return app;
}
