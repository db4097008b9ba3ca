import type { Kafka, KafkaMessage } from 'kafkajs';
import { ulid } from 'ulid';

/**
 * Reads a topic from the beginning up to the end it had when the replay started (read committed),
 * handing each batch to `apply` in partition order: how a projection is rebuilt from its log.
 * Uses a throw-away consumer group, deleted afterwards.
 */
export async function replayTopic(options: {
  kafka: Kafka;
  topic: string;
  groupPrefix: string;
  apply: (messages: KafkaMessage[], partition: number) => Promise<void>;
  /** runs once the end offsets are known, before anything is read (e.g. clearing the projection) */
  beforeReading?: () => Promise<void>;
}): Promise<void> {
  const { kafka, topic } = options;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.groupPrefix}.${ulid()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false });
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
    await options.beforeReading?.();
    if (pending.size === 0) return;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      // a batch's last offset counts transaction markers too, so it reaches the end it was given
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (BigInt(payload.lastOffset) + 1n >= (ends.get(payload.partition) ?? 0n)) pending.delete(payload.partition);
        if (pending.size === 0) resolve();
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition) ?? 0n;
            await options.apply(
              batch.messages.filter((m) => BigInt(m.offset) < end),
              batch.partition,
            );
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
