import type { Kafka } from 'kafkajs';
import type { Transporter } from 'nodemailer';
import { makeEnvelope, runConsumer, type Publisher, type ConsumerSettings, type Envelope, type Payload, type Logger, type Redis, type RunningConsumer } from '@ucsc/shared';
import { HeldEmail, groupId, type HeldNotice } from './held';
import { applyFacts, deliveryId, noticeOf, releaseAt, type Addressbook, type Channel, type IncidentFacts, type Recipient } from './domain/notifications';
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
  held: HeldEmail;
  grouping: { windowMs: number; after: number; maxListed: number };
  logger: Logger;
  now: () => Date;
  settings: ConsumerSettings;
  publisher: Publisher;
  instance: string;
}

const notifierActor: Envelope['actor'] = { kind: 'service', id: 'notifier', authenticatedBy: 'service' };

class RetryLater extends Error {
  readonly retriable = true; // the bus treats it as transient: the batch is tried again
}

export async function startNotifier(deps: NotifierDeps): Promise<RunningConsumer> {
  const { redis, redisPrefix, log } = deps;
  const factsKey = (id: string) => `${redisPrefix}notifier:incident:${id}`;

  /**
   * One delivery, recorded on the incident's timeline through the outbox (committed with the
   * consumed offset): a delivery found already sent is recorded again, since the transaction
   * that recorded it may not have committed; a retry's failure is published at once.
   */
  async function deliver(channel: Channel, recipient: Recipient, event: Envelope, facts: IncidentFacts, outbox: Envelope<'incident.notification_sent' | 'incident.notification_failed'>[], send: (id: string) => Promise<void>): Promise<void> {
    const id = deliveryId(event.id, recipient.id, channel);
    const ref = { incidentId: facts.incidentId, deliveryId: id, aboutEventId: event.id, channel, recipientId: recipient.id, recipientName: recipient.name };
    const record = <T extends 'incident.notification_sent' | 'incident.notification_failed'>(type: T, payload: Payload<T>) =>
      makeEnvelope(type, payload, { producedBy: 'notifier', actor: notifierActor, correlationId: event.correlationId, causationId: event.id, occurredAt: deps.now().toISOString() });
    const state = await log.intend(id);
    if (state === 'sent') {
      outbox.push(record('incident.notification_sent', ref));
      return;
    }
    if (state === 'dead') return;
    try {
      await send(id);
      await log.mark(id, 'sent');
      outbox.push(record('incident.notification_sent', ref));
    } catch (error) {
      const message = ((error as Error).message ?? String(error)).slice(0, 500);
      const failures = await log.failed(id);
      const dead = error instanceof WebhookGone || failures > deps.retryScheduleMs.length;
      if (dead) {
        deps.logger.error({ err: error, deliveryId: id, incidentId: facts.incidentId }, 'delivery given up (dead-lettered)');
        await log.mark(id, 'dead');
        outbox.push(record('incident.notification_failed', { ...ref, attempt: failures, error: message, dead: true }));
        return;
      }
      deps.logger.warn({ err: error, deliveryId: id, failures }, 'delivery failed; retrying');
      await deps.publisher.publish('incidentEvents', [record('incident.notification_failed', { ...ref, attempt: failures, error: message, dead: false })]);
      await new Promise((resolve) => setTimeout(resolve, deps.retryScheduleMs[failures - 1]));
      throw new RetryLater(`delivery ${id} failed: ${message}`);
    }
  }

  return runConsumer({
    kafka: deps.kafka,
    prefix: deps.prefix,
    group: 'notifier',
    topics: ['incidentEvents'],
    // its own timeline records pass by; everything else is read (the facts come from many types)
    transactional: true,
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
      const outbox: Envelope<'incident.notification_sent' | 'incident.notification_failed'>[] = [];
      for (const recipient of notice.recipients) {
        const preferences = await deps.held.preferences(recipient.id);
        if (preferences.channels.includes('inapp'))
          await deliver('inapp', recipient, event, facts, outbox, (id) =>
          log.addInApp(recipient.id, { id, incidentId, kind: notice.kind, at: now.toISOString(), urgent: notice.urgent, ...(facts.tlp === 'RED' ? {} : { title: facts.title }) }),
        );
        if (recipient.email && preferences.channels.includes('email')) {
          const id = deliveryId(event.id, recipient.id, 'email');
          // urgent notices (a severe incident, the ladder) go at once; others wait for quiet hours
          // to end, and during a burst for the window's end, as one grouped message
          let release = releaseAt(now, preferences.quietHours, notice.urgent);
          if (!notice.urgent) {
            const { burst, windowEnd } = await deps.held.inBurst(recipient.id, deps.grouping.windowMs, deps.grouping.after, now);
            if (burst && windowEnd > release) release = windowEnd;
          }
          if (release > now) {
            const state = await log.state(id);
            // held before it is recorded: a crash between the two holds it twice, and the flush drops the copy
            if (state !== 'sent' && state !== 'dead') {
              await deps.held.hold(recipient.id, { deliveryId: id, email: recipient.email, recipientName: recipient.name, notice, facts }, release);
              await log.intend(id);
            }
          } else {
            const message = renderEmail([{ notice, facts }], 'vi', deps.boardUrl);
            await deliver('email', recipient, event, facts, outbox, (mid) => sendEmail(deps.transport, deps.mailFrom, recipient.email!, mid, message));
          }
        }
        if (!preferences.channels.includes('webhook')) continue;
        for (const endpoint of deps.endpoints.filter((e) => e.organisationId === recipient.organisationId)) {
          if (!deps.allowPrivateWebhooks && isPrivateHost(new URL(endpoint.url).hostname)) continue;
          if (await log.disabled(endpoint.id)) continue;
          const body = { type: event.type, timestamp: now.toISOString(), data: { incidentId, kind: notice.kind, tlp: facts.tlp, dueAt: notice.dueAt, ...(facts.tlp === 'RED' ? {} : { title: facts.title }) } };
          await deliver('webhook', { ...recipient, id: `${recipient.id}.${endpoint.id}` }, event, facts, outbox, (id) =>
            sendWebhook(endpoint, id, body, now, deps.webhookTimeoutMs).catch(async (error: unknown) => {
              if (error instanceof WebhookGone) await log.disable(endpoint.id);
              throw error;
            }),
          );
        }
      }
      return { incidentEvents: outbox };
    },
  });
}

/** Sends what is held and due: one message per recipient, grouping all its held notices. */
export async function flushHeld(deps: Pick<NotifierDeps, 'held' | 'log' | 'transport' | 'mailFrom' | 'boardUrl' | 'grouping' | 'redis' | 'redisPrefix' | 'publisher'>, now: Date, instance: string): Promise<number> {
  let sent = 0;
  for (const recipientId of await deps.held.due(now)) {
    const lock = `${deps.redisPrefix}notifier:held-lock:${recipientId}`;
    // at most one grouped email per window: what comes after one waits for the window to pass
    const cooldown = `${deps.redisPrefix}notifier:held-cooldown:${recipientId}`;
    if (await deps.redis.exists(cooldown)) continue;
    // one copy flushes a recipient at a time
    if ((await deps.redis.set(lock, instance, 'PX', 60_000, 'NX')) !== 'OK') continue;
    try {
      const taken = await deps.held.take(recipientId);
      const seen = new Set<string>();
      const items: HeldNotice[] = [];
      for (const item of taken) {
        if (seen.has(item.deliveryId)) continue;
        seen.add(item.deliveryId);
        const state = await deps.log.state(item.deliveryId);
        if (state !== 'sent' && state !== 'dead') items.push(item);
      }
      if (items.length > 0) {
        const message = renderEmail(items, 'vi', deps.boardUrl, deps.grouping.maxListed);
        await sendEmail(deps.transport, deps.mailFrom, items[0]!.email, items.length === 1 ? items[0]!.deliveryId : `group.${groupId(items)}`, message);
        await deps.redis.set(cooldown, '1', 'PX', deps.grouping.windowMs);
        for (const item of items) await deps.log.mark(item.deliveryId, 'sent');
        const counted = new Set(items.map((i) => i.facts.incidentId)).size;
        await deps.publisher.publish(
          'incidentEvents',
          items.map((item) =>
            makeEnvelope(
              'incident.notification_sent',
              { incidentId: item.facts.incidentId, deliveryId: item.deliveryId, aboutEventId: item.notice.eventId, channel: 'email', recipientId: recipientId, recipientName: item.recipientName, ...(counted > 1 ? { grouped: counted } : {}) },
              { producedBy: 'notifier', actor: notifierActor, occurredAt: now.toISOString() },
            ),
          ),
        );
        sent += 1;
      }
      await deps.held.done(recipientId, taken.length);
    } finally {
      await deps.redis.del(lock);
    }
  }
  return sent;
}

/** Flushes held email every intervalMs until stopped. */
export function startHeldSweep(deps: Parameters<typeof flushHeld>[0] & { logger: Logger; now: () => Date }, intervalMs: number, instance: string): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => flushHeld(deps, deps.now(), instance)).catch((error: unknown) => deps.logger.warn({ err: error }, 'held email not flushed; trying again'));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
