import type { Kafka } from 'kafkajs';
import type { Transporter } from 'nodemailer';
import { runConsumer, type ConsumerSettings, type Envelope, type Logger, type Redis, type RunningConsumer } from '@ucsc/shared';
import { applyFacts, deliveryId, noticeOf, type Addressbook, type Channel, type IncidentFacts, type Recipient } from './domain/notifications';
import { renderEmail } from './domain/templates';
import { DeliveryLog, isPrivateHost, sendEmail, sendWebhook, WebhookGone, type WebhookEndpoint } from './deliveries';

export interface NotifierDeps {
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  log: DeliveryLog;
  book: Addressbook;
  transport: Transporter;
  mailFrom: string;
  boardUrl: string;
  endpoints: WebhookEndpoint[];
  allowPrivateWebhooks: boolean;
  webhookTimeoutMs: number;
  retryScheduleMs: number[];
  logger: Logger;
  now: () => Date;
  settings: ConsumerSettings;
}

class RetryLater extends Error {
  readonly retriable = true; // the bus treats it as transient: the batch is tried again
}

export async function startNotifier(deps: NotifierDeps): Promise<RunningConsumer> {
  const { redis, redisPrefix, log } = deps;
  const factsKey = (id: string) => `${redisPrefix}notifier:incident:${id}`;

  async function deliver(channel: Channel, recipient: Recipient, event: Envelope, facts: IncidentFacts, send: (id: string) => Promise<void>): Promise<void> {
    const id = deliveryId(event.id, recipient.id, channel);
    const state = await log.intend(id);
    if (state === 'sent' || state === 'dead') return;
    try {
      await send(id);
      await log.mark(id, 'sent');
    } catch (error) {
      if (error instanceof WebhookGone) {
        await log.mark(id, 'dead');
        return;
      }
      const failures = await log.failed(id);
      if (failures > deps.retryScheduleMs.length) {
        deps.logger.error({ err: error, deliveryId: id, incidentId: facts.incidentId }, 'delivery dead-lettered after its retries');
        await log.mark(id, 'dead');
        return;
      }
      deps.logger.warn({ err: error, deliveryId: id, failures }, 'delivery failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, deps.retryScheduleMs[failures - 1]));
      throw new RetryLater(`delivery ${id} failed: ${(error as Error).message}`);
    }
  }

  return runConsumer({
    kafka: deps.kafka,
    prefix: deps.prefix,
    group: 'notifier',
    topics: ['incidentEvents'],
    logger: deps.logger,
    ...deps.settings,
    handle: async (event) => {
      const incidentId = (event.payload as { incidentId: string }).incidentId;
      const stored = await redis.get(factsKey(incidentId));
      const before = stored ? (JSON.parse(stored) as IncidentFacts) : undefined;
      const facts = applyFacts(before, event);
      if (facts && facts !== before) await redis.set(factsKey(incidentId), JSON.stringify(facts));
      if (!facts) return;
      const notice = noticeOf(event, facts, deps.book);
      if (!notice) return;
      const now = deps.now();
      for (const recipient of notice.recipients) {
        await deliver('inapp', recipient, event, facts, (id) =>
          log.addInApp(recipient.id, { id, incidentId, kind: notice.kind, at: now.toISOString(), urgent: notice.urgent, ...(facts.tlp === 'RED' ? {} : { title: facts.title }) }),
        );
        if (recipient.email) {
          const message = renderEmail([{ notice, facts }], 'vi', deps.boardUrl);
          await deliver('email', recipient, event, facts, (id) => sendEmail(deps.transport, deps.mailFrom, recipient.email!, id, message));
        }
        for (const endpoint of deps.endpoints.filter((e) => e.organisationId === recipient.organisationId)) {
          if (!deps.allowPrivateWebhooks && isPrivateHost(new URL(endpoint.url).hostname)) continue;
          if (await log.disabled(endpoint.id)) continue;
          const body = { type: event.type, timestamp: now.toISOString(), data: { incidentId, kind: notice.kind, tlp: facts.tlp, dueAt: notice.dueAt, ...(facts.tlp === 'RED' ? {} : { title: facts.title }) } };
          await deliver('webhook', { ...recipient, id: `${recipient.id}.${endpoint.id}` }, event, facts, (id) =>
            sendWebhook(endpoint, id, body, now, deps.webhookTimeoutMs).catch(async (error: unknown) => {
              if (error instanceof WebhookGone) await log.disable(endpoint.id);
              throw error;
            }),
          );
        }
      }
    },
  });
}
