import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { ulid } from 'ulid';
import { ConsumerHealth } from '../bus/health';
import { createProducer } from '../bus/kafka';
import { deadLetterRecord, exitOnFatal, watchConsumer, type ConsumerSettings } from '../bus/consumer';
import { parseMessage } from '../contracts/parse';
import { topicName } from '../contracts/topics';
import type { Logger } from '../log';
import type { Redis } from '../redis';
import type { DirectoryData } from './index';
import { applyDirectoryEvent, directoryData, emptyDirectory, type DirectoryEvent, type DirectoryState } from './state';

/**
 * This copy's view of the directory: every directory event, read from the beginning of the topic
 * at start-up and then as they come (followDirectory). Dispatch routes by it; the notifier
 * addresses by it.
 */
export class FollowedDirectory {
  readonly state: DirectoryState = emptyDirectory();
  /** how many events changed it: a reader that indexes it rebuilds when this moved */
  changes = 0;
  /** change sets (an import) partly applied: events still to come of each */
  private readonly incomplete = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  private readonly applied = new Set<string>();
  events = 0;

  apply(event: DirectoryEvent): void {
    applyDirectoryEvent(this.state, event);
    this.changes += 1;
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

  /** no change set (an import) is partly applied: the view is as some writer meant it */
  get settled(): boolean {
    return this.incomplete.size === 0;
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
export async function directoryEnds(admin: Admin, topic: string): Promise<Map<number, bigint>> {
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
  /** the reading service: its group and its record of what it dead-lettered are its own */
  service: string;
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  instance: string;
  view: FollowedDirectory;
  logger: Logger;
  settings: ConsumerSettings;
}) {
  const { kafka, redis, view, logger } = options;
  const { monitor, onFatal = exitOnFatal(logger, 'the directory follower'), stallMs = 60_000 } = options.settings;
  const topic = topicName(options.prefix, 'directoryEvents');
  const admin = kafka.admin();
  await admin.connect();
  const ends = await directoryEnds(admin, topic);
  const groupId = `${options.prefix}.${options.service}.directory.${options.instance}.${ulid()}`;
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
  const deadLettered = `${options.redisPrefix}${options.service}:directory-dead-lettered`;
  const letters = createProducer(kafka);
  let lettersConnected = false;
  const deadLetter = async (partition: number, message: KafkaMessage, code: string, text: string, issues?: string[]) => {
    const member = `${partition}:${message.offset}`;
    if (await redis.sismember(deadLettered, member)) return;
    if (!lettersConnected) {
      await letters.connect();
      lettersConnected = true;
    }
    const record = deadLetterRecord({ topic, partition, consumerGroup: `${options.prefix}.${options.service}.directory` }, message, { code, message: text, ...(issues ? { issues } : {}) });
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

