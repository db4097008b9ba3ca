import type { Kafka } from 'kafkajs';
import type { Transporter } from 'nodemailer';
import { makeEnvelope, runConsumer, type Publisher, type ConsumerSettings, type Envelope, type Payload, type Logger, type Redis, type RunningConsumer } from '@ucsc/shared';
import { HeldEmail, groupId, type HeldNotice } from './held';
import { applyFacts, deliveryId, noticeOf, readTypes, releaseAt, type Addressbook, type Channel, type IncidentFacts, type Recipient } from './domain/notifications';
import { renderEmail } from './domain/templates';
import type { InAppNotifications } from './inapp';
import type { Delivery, RetryQueue } from './retries';
import { DeliveryLog, isPrivateHost, sendEmail, sendWebhook, WebhookGone, type WebhookEndpoint } from './deliveries';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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
  inApp: InAppNotifications;
  retries: RetryQueue;
  grouping: { windowMs: number; after: number; maxListed: number };
  logger: Logger;
  now: () => Date;
  settings: ConsumerSettings;
  publisher: Publisher;
  instance: string;
}

const notifierActor: Envelope['actor'] = { kind: 'service', id: 'notifier', authenticatedBy: 'service' };

type TimelineRecord = Envelope<'incident.notification_sent' | 'incident.notification_failed'>;

/**
 * One try of a delivery, and what becomes of it: sent; failed, with the next try scheduled in the
 * retry queue (Standard Webhooks schedule); or given up (a 410, the schedule exhausted, an endpoint
 * no longer registered) and dead-lettered. Returns the timeline record to write. Used by the
 * consumer for the first try and by the retry sweep for the others, so a receiver that is down
 * never holds the partition.
 */
export async function attempt(deps: Pick<NotifierDeps, 'log' | 'retries' | 'retryScheduleMs' | 'transport' | 'mailFrom' | 'endpoints' | 'webhookTimeoutMs' | 'inApp' | 'logger'>, delivery: Delivery): Promise<TimelineRecord> {
  const { ref } = delivery;
  const id = ref.deliveryId;
  const record = <T extends 'incident.notification_sent' | 'incident.notification_failed'>(type: T, payload: Payload<T>) =>
    makeEnvelope(type, payload, { producedBy: 'notifier', actor: notifierActor, correlationId: delivery.correlationId, causationId: delivery.causationId });
  try {
    switch (delivery.channel) {
      case 'email':
        await sendEmail(deps.transport, deps.mailFrom, delivery.to, id, delivery.message);
        break;
      case 'webhook': {
        const endpoint = deps.endpoints.find((e) => e.id === delivery.endpointId);
        if (!endpoint || (await deps.log.disabled(endpoint.id))) throw new WebhookGone(`endpoint ${delivery.endpointId} is no longer registered or was disabled`);
        await sendWebhook(endpoint, id, delivery.body, new Date(), deps.webhookTimeoutMs).catch(async (error: unknown) => {
          if (error instanceof WebhookGone) await deps.log.disable(endpoint.id);
          throw error;
        });
        break;
      }
      case 'inapp':
        await deps.inApp.add(delivery.item);
        break;
    }
  } catch (error) {
    const message = ((error as Error).message ?? String(error)).slice(0, 500) || 'failed';
    const failures = await deps.log.failed(id);
    const dead = error instanceof WebhookGone || failures > deps.retryScheduleMs.length;
    if (dead) {
      deps.logger.error({ err: error, deliveryId: id, incidentId: ref.incidentId }, 'delivery given up (dead-lettered)');
      await deps.log.mark(id, 'dead');
      await deps.retries.deadLetter(delivery, message);
    } else {
      deps.logger.warn({ err: error, deliveryId: id, failures }, 'delivery failed; retrying later');
      await deps.retries.schedule(delivery, Date.now() + deps.retryScheduleMs[failures - 1]!);
    }
    return record('incident.notification_failed', { ...ref, attempt: failures, error: message, dead });
  }
  await deps.log.mark(id, 'sent');
  await deps.retries.done(id);
  return record('incident.notification_sent', ref);
}

export async function startNotifier(deps: NotifierDeps): Promise<RunningConsumer> {
  const { redis, redisPrefix, log } = deps;
  const factsKey = (id: string) => `${redisPrefix}notifier:incident:${id}`;

  /**
   * A delivery's first try, recorded on the incident's timeline through the outbox (committed
   * with the consumed offset): a delivery found already sent is recorded again, since the
   * transaction that recorded it may not have committed; a failure is recorded and queued.
   */
  async function deliver(channel: Channel, recipient: Recipient, event: Envelope, facts: IncidentFacts, outbox: TimelineRecord[], what: (id: string) => DistributiveOmit<Delivery, 'ref' | 'correlationId' | 'causationId'>): Promise<void> {
    const id = deliveryId(event.id, recipient.id, channel);
    const ref = { incidentId: facts.incidentId, deliveryId: id, aboutEventId: event.id, channel, recipientId: recipient.id, recipientName: recipient.name };
    const state = await log.intend(id);
    if (state === 'sent') {
      outbox.push(makeEnvelope('incident.notification_sent', ref, { producedBy: 'notifier', actor: notifierActor, correlationId: event.correlationId, causationId: event.id }));
      return;
    }
    if (state === 'dead') return;
    outbox.push(await attempt(deps, { ...what(id), ref, correlationId: event.correlationId, causationId: event.id } as Delivery));
  }

  return runConsumer({
    kafka: deps.kafka,
    prefix: deps.prefix,
    group: 'notifier',
    topics: ['incidentEvents'],
    // the facts it keeps and the events people hear of; the rest (its own timeline records among
    // them, one per delivery) pass by unparsed
    handles: readTypes,
    transactional: true,
    logger: deps.logger,
    // one partition's batch is handled while another's transaction is with the broker; what two
    // partitions share is a recipient's burst count, held list and in-app list, each changed atomically
    partitionsConsumedConcurrently: 3,
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
          await deliver('inapp', recipient, event, facts, outbox, (id) => ({
            channel: 'inapp',
            item: { id, recipientId: recipient.id, incidentId, kind: notice.kind, at: now.toISOString(), urgent: notice.urgent, ...(facts.tlp === 'RED' ? {} : { title: facts.title }) },
          }));
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
            const message = renderEmail([{ notice, facts }], preferences.language, deps.boardUrl);
            await deliver('email', recipient, event, facts, outbox, () => ({ channel: 'email', to: recipient.email!, message }));
          }
        }
        if (!preferences.channels.includes('webhook')) continue;
        for (const endpoint of deps.endpoints.filter((e) => e.organisationId === recipient.organisationId)) {
          if (!deps.allowPrivateWebhooks && isPrivateHost(new URL(endpoint.url).hostname)) continue;
          if (await log.disabled(endpoint.id)) continue;
          const body = { type: event.type, timestamp: now.toISOString(), data: { incidentId, kind: notice.kind, tlp: facts.tlp, dueAt: notice.dueAt, ...(facts.tlp === 'RED' ? {} : { title: facts.title }) } };
          await deliver('webhook', { ...recipient, id: `${recipient.id}.${endpoint.id}` }, event, facts, outbox, () => ({ channel: 'webhook', endpointId: endpoint.id, body }));
        }
      }
      return { incidentEvents: outbox };
    },
  });
}

/** Sends what is held and due: one message per recipient, grouping all its held notices. */
export async function flushHeld(deps: Pick<NotifierDeps, 'held' | 'log' | 'transport' | 'mailFrom' | 'boardUrl' | 'grouping' | 'redis' | 'redisPrefix' | 'publisher' | 'retryScheduleMs' | 'logger'>, now: Date, instance: string): Promise<number> {
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
        const { language } = await deps.held.preferences(recipientId);
        const message = renderEmail(items, language, deps.boardUrl, deps.grouping.maxListed);
        const record = <T extends 'incident.notification_sent' | 'incident.notification_failed'>(type: T, item: HeldNotice, extra: Omit<Payload<T>, 'incidentId' | 'deliveryId' | 'aboutEventId' | 'channel' | 'recipientId' | 'recipientName'>) =>
          makeEnvelope(type, { incidentId: item.facts.incidentId, deliveryId: item.deliveryId, aboutEventId: item.notice.eventId, channel: 'email', recipientId, recipientName: item.recipientName, ...extra } as Payload<T>, { producedBy: 'notifier', actor: notifierActor, occurredAt: now.toISOString() });
        const failuresOf = `held.${recipientId}`;
        try {
          await sendEmail(deps.transport, deps.mailFrom, items[0]!.email, items.length === 1 ? items[0]!.deliveryId : `group.${groupId(items)}`, message);
        } catch (error) {
          // on the retry schedule like any delivery (the cooldown holds the recipient meanwhile), each held notice's failure on its incident's timeline
          const text = ((error as Error).message ?? String(error)).slice(0, 500) || 'failed';
          const failures = await deps.log.failed(failuresOf);
          const dead = failures > deps.retryScheduleMs.length;
          deps.logger.warn({ err: error, recipientId, failures, dead }, 'held email not sent');
          if (dead) {
            for (const item of items) await deps.log.mark(item.deliveryId, 'dead');
            await deps.held.done(recipientId, taken.length);
            await deps.log.resetFailures(failuresOf);
          } else {
            await deps.redis.set(cooldown, '1', 'PX', Math.max(1, deps.retryScheduleMs[failures - 1]!));
          }
          await deps.publisher.publish('incidentEvents', items.map((item) => record('incident.notification_failed', item, { attempt: failures, error: text, dead })));
          continue;
        }
        await deps.log.resetFailures(failuresOf);
        await deps.redis.set(cooldown, '1', 'PX', deps.grouping.windowMs);
        for (const item of items) await deps.log.mark(item.deliveryId, 'sent');
        const counted = new Set(items.map((i) => i.facts.incidentId)).size;
        await deps.publisher.publish('incidentEvents', items.map((item) => record('incident.notification_sent', item, counted > 1 ? { grouped: counted } : {})));
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

/**
 * Tries again what is due in the retry queue, every intervalMs: each copy claims what it takes
 * (a lease, so two copies never try one delivery at once and a copy that died mid-try is
 * replaced), records each outcome on the incident's timeline, and a delivery found sent meanwhile
 * (a redelivered event's first try) is dropped.
 */
export function startRetrySweep(deps: Parameters<typeof attempt>[0] & { publisher: Publisher; leaseMs: number }, intervalMs: number): { stop(): Promise<void>; sweep(): Promise<number> } {
  // 20 at a time, so that a lease outlives 20 tries at the webhook timeout
  const take = 20;
  const sweep = async () => {
    let tried = 0;
    for (;;) {
      const due = await deps.retries.claim(Date.now(), deps.leaseMs, take);
      const records: TimelineRecord[] = [];
      for (const delivery of due) {
        const state = await deps.log.state(delivery.ref.deliveryId);
        if (state === 'sent' || state === 'dead') {
          await deps.retries.done(delivery.ref.deliveryId);
          continue;
        }
        records.push(await attempt(deps, delivery));
      }
      if (records.length) await deps.publisher.publish('incidentEvents', records);
      tried += due.length;
      if (due.length < take) return tried;
    }
  };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(sweep).catch((error: unknown) => deps.logger.warn({ err: error }, 'retries not swept; trying again'));
  }, intervalMs);
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
