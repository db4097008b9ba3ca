import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { ulid } from 'ulid';
import {
  ConsumerHealth,
  createProducer,
  deadLetterRecord,
  exitOnFatal,
  makeEnvelope,
  parseMessage,
  toRecord,
  topicName,
  watchConsumer,
  type Actor,
  type ConsumerSettings,
  type DirectoryData,
  type Envelope,
  type Logger,
  type Redis,
  type TopicMessageType,
} from '@ucsc/shared';
import { applyDirectoryEvent, directoryData, emptyDirectory, type DirectoryEvent, type DirectoryState } from './domain/directory';
import { indexDirectory, type RoutingDirectory } from './domain/routing';

/**
 * This copy's view of the directory: every directory event, read from the beginning of the topic
 * at start-up and then as they come. Routing asks its index; the index is rebuilt after a change.
 */
export class DirectoryView {
  readonly state: DirectoryState = emptyDirectory();
  private index: RoutingDirectory | undefined;
  private changed = false;
  /** change sets (an import) partly applied: events still to come of each */
  private readonly incomplete = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  private readonly applied = new Set<string>();
  events = 0;

  apply(event: DirectoryEvent): void {
    applyDirectoryEvent(this.state, event);
    this.changed = true;
    const { changeSetId, changeSetSize } = event.payload;
    if (changeSetId && changeSetSize && changeSetSize > 1) {
      const left = (this.incomplete.get(changeSetId) ?? changeSetSize) - 1;
      if (left > 0) this.incomplete.set(changeSetId, left);
      else this.incomplete.delete(changeSetId);
    }
    this.events += 1;
    this.waiters.get(event.id)?.();
    this.waiters.delete(event.id);
    // remember recent ids so a writer that waits after its event was applied does not wait in vain
    this.applied.add(event.id);
    if (this.applied.size > 10_000) this.applied.delete(this.applied.values().next().value as string);
  }

  /**
   * The index routing asks. While a change set is partly applied (an import arrives over several
   * fetches), routing keeps the index from before it: it sees an import whole or not at all.
   */
  routing(): RoutingDirectory {
    if (!this.index || (this.changed && this.incomplete.size === 0)) {
      this.index = indexDirectory(directoryData(this.state));
      this.changed = false;
    }
    return this.index;
  }

  data(): DirectoryData {
    return directoryData(this.state);
  }

  /** Resolves once this view has applied the event (read your own writes), or rejects after ms. */
  waitForEvent(eventId: string, ms: number): Promise<void> {
    if (this.applied.has(eventId)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(eventId);
        reject(new Error(`directory change ${eventId} not applied within ${ms} ms`));
      }, ms);
      this.waiters.set(eventId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * The end offsets of the directory topic. Just after the topic is created a broker may not yet know
 * it leads the partition; that answer is retried rather than taken as a failure.
 */
async function directoryEnds(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Reads the directory topic from the beginning into the view, and keeps reading. Resolves once
 * the view has caught up with the end the topic had at start-up, so routing never runs on half a
 * directory. Offsets are never committed: every start replays the whole log (the directory is
 * small next to it; 60,000 enterprises replay in seconds).
 */
export async function followDirectory(options: {
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  instance: string;
  view: DirectoryView;
  logger: Logger;
  settings: ConsumerSettings;
}) {
  const { kafka, redis, view, logger } = options;
  const { monitor, onFatal = exitOnFatal(logger, 'the directory follower'), stallMs = 60_000 } = options.settings;
  const topic = topicName(options.prefix, 'directoryEvents');
  const admin = kafka.admin();
  await admin.connect();
  const ends = await directoryEnds(admin, topic);
  const groupId = `${options.prefix}.dispatch.directory.${options.instance}.${ulid()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false });
  // routing on a directory that stopped following its topic would route on stale facts: watched like any consumer
  const health = new ConsumerHealth(groupId, [topic], stallMs);
  let stopping = false;
  watchConsumer(consumer, health, logger, onFatal, () => stopping);
  monitor?.add(health);
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  let caughtUp!: () => void;
  const ready = new Promise<void>((resolve) => {
    caughtUp = resolve;
  });
  if (pending.size === 0) caughtUp();
  // a batch's last offset counts transaction markers too, so it reaches the end it was given
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (BigInt(payload.lastOffset) + 1n >= (ends.get(payload.partition) ?? 0n)) pending.delete(payload.partition);
    if (pending.size === 0) caughtUp();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // every copy reads the whole topic at every start: an unreadable event is dead-lettered by the
  // first reader only (a Redis set of those already sent), then skipped like the rest do
  const deadLettered = `${options.redisPrefix}dispatch:directory-dead-lettered`;
  const letters = createProducer(kafka);
  let lettersConnected = false;
  const deadLetter = async (partition: number, message: KafkaMessage, code: string, text: string, issues?: string[]) => {
    const member = `${partition}:${message.offset}`;
    if (await redis.sismember(deadLettered, member)) return;
    if (!lettersConnected) {
      await letters.connect();
      lettersConnected = true;
    }
    const record = deadLetterRecord({ topic, partition, consumerGroup: `${options.prefix}.dispatch.directory` }, message, { code, message: text, ...(issues ? { issues } : {}) });
    await letters.send({ topic: topicName(options.prefix, 'deadLetter'), acks: -1, messages: [record] });
    await redis.sadd(deadLettered, member);
  };
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const parsed = parseMessage('directoryEvents', message.value);
      if (!parsed.ok) {
        logger.warn({ offset: message.offset, code: parsed.code, issues: parsed.issues }, `skipped an unreadable directory event: ${parsed.message}`);
        await deadLetter(partition, message, parsed.code, parsed.message, parsed.issues);
        return;
      }
      view.apply(parsed.value);
    },
  });
  await ready;
  logger.info({ events: view.events, enterprises: view.state.enterprises.size }, 'directory loaded');
  return {
    async stop() {
      stopping = true;
      monitor?.remove(health);
      await consumer.disconnect().catch(() => undefined);
      await letters.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}

type DirectoryEventType = TopicMessageType<'directoryEvents'>;
export type DirectoryDraft = { [T in DirectoryEventType]: { type: T; payload: Envelope<T>['payload'] } }[DirectoryEventType];

/**
 * Writes directory changes: all the events of one change (an import of a whole roster) in one
 * Kafka transaction, so readers see all of it or none of it. One transaction at a time.
 */
export class DirectoryWriter {
  private producer: Producer;
  private connected: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
    transactionalId: string,
  ) {
    this.producer = createProducer(kafka, transactionalId);
  }

  write(drafts: DirectoryDraft[], actor: Actor, correlationId?: string): Promise<Envelope[]> {
    const run = this.queue.then(() => this.send(drafts, actor, correlationId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(drafts: DirectoryDraft[], actor: Actor, correlationId?: string): Promise<Envelope[]> {
    // a failed connect is forgotten, so the next write tries again rather than failing for ever
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const sizes = new Map<string, number>();
    for (const d of drafts) if (d.payload.changeSetId) sizes.set(d.payload.changeSetId, (sizes.get(d.payload.changeSetId) ?? 0) + 1);
    const envelopes = drafts.map((d) => {
      const changeSetSize = d.payload.changeSetId ? sizes.get(d.payload.changeSetId) : undefined;
      const payload = changeSetSize ? { ...d.payload, changeSetSize } : d.payload;
      return makeEnvelope(d.type, payload as never, { producedBy: 'dispatch', actor, ...(correlationId ? { correlationId } : {}) });
    });
    const transaction = await this.producer.transaction();
    try {
      // batches keep each request well under the broker's message size limit
      for (let i = 0; i < envelopes.length; i += 500) {
        await transaction.send({ topic: topicName(this.prefix, 'directoryEvents'), acks: -1, messages: envelopes.slice(i, i + 500).map(toRecord) });
      }
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    return envelopes;
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

export const seedActor = { kind: 'system', id: 'directory-seed', authenticatedBy: 'service' } as const satisfies Actor;

/** The events that load a whole directory (the demo data, or a ministry's files), as one change. */
export function directoryDrafts(data: DirectoryData, changeSetId: string, reason: string): DirectoryDraft[] {
  const change = { changeSetId, reason };
  return [
    ...data.units.map((unit): DirectoryDraft => ({ type: 'directory.unit_put', payload: { unit, ...change } })),
    ...data.organisations.map((organisation): DirectoryDraft => ({ type: 'directory.organisation_put', payload: { organisation, ...change } })),
    ...data.liaisons.map((liaison): DirectoryDraft => ({ type: 'directory.liaison_put', payload: { liaison, ...change } })),
    ...data.enterprises.map((enterprise): DirectoryDraft => ({ type: 'directory.enterprise_put', payload: { enterprise, ...change } })),
  ];
}

/**
 * Seeds the directory topic from files when it holds nothing yet; a topic with any record is left
 * alone, so running it again (every `npm start`) changes nothing. Returns how many events it wrote.
 */
export async function seedDirectory(options: { kafka: Kafka; prefix: string; data: DirectoryData; logger: Logger }): Promise<number> {
  const { kafka, prefix, data, logger } = options;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await directoryEnds(admin, topicName(prefix, 'directoryEvents'));
    if ([...ends.values()].some((high) => high > 0n)) {
      logger.info('directory topic already holds the directory; not seeding');
      return 0;
    }
  } finally {
    await admin.disconnect();
  }
  // a fixed transactional id: two seeders started at once fence each other instead of interleaving
  const writer = new DirectoryWriter(kafka, prefix, `${prefix}.directory.seed`);
  try {
    const envelopes = await writer.write(directoryDrafts(data, `seed-${ulid()}`, 'seeded from the directory files'), seedActor);
    logger.info({ events: envelopes.length }, 'directory seeded');
    return envelopes.length;
  } finally {
    await writer.close();
  }
}
