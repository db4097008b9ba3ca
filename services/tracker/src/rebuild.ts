import type { Kafka } from 'kafkajs';
import { ulid } from 'ulid';
import { incidentKeys, parseMessage, topicName, type Logger, type Redis } from '@ucsc/shared';
import { Projection, type Positioned } from './projection';

/** Deletes every key of the incident projection (SCAN, never KEYS, so Redis keeps serving). */
export async function clearProjection(redis: Redis, redisPrefix: string): Promise<number> {
  let deleted = 0;
  for (const pattern of [`${redisPrefix}incident:*`, `${redisPrefix}incidents:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}

/**
 * Rebuilds the incident projection from the event log: clears it, then replays the incident-events
 * topic from the beginning up to the end it had when the rebuild started. Run it with the tracker
 * stopped (a running tracker keeps projecting new events into the rebuilt state afterwards).
 */
export async function rebuildProjection(options: {
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  logger: Logger;
}): Promise<{ events: number; incidents: number }> {
  const { kafka, redis, logger } = options;
  const topic = topicName(options.prefix, 'incidentEvents');
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.prefix}.tracker.rebuild.${ulid()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false });
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
    await clearProjection(redis, options.redisPrefix);
    let events = 0;
    const projection = new Projection(redis, options.redisPrefix);
    if (pending.size > 0) {
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
              const positioned: Positioned[] = [];
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= end) continue;
                const parsed = parseMessage('incidentEvents', message.value);
                if (parsed.ok) positioned.push({ event: parsed.value, offset: Number(message.offset) }); // else: dead-lettered by the live consumer
              }
              await projection.project(positioned, false);
              events += positioned.length;
            },
          })
          .catch(reject);
      });
    }
    const incidents = await redis.zcard(incidentKeys(options.redisPrefix).byUpdated);
    logger.info({ events, incidents }, 'projection rebuilt');
    return { events, incidents };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
