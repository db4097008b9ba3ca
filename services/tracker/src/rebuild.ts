import type { Kafka } from 'kafkajs';
import { incidentKeys, parseMessage, replayTopic, topicName, type Logger, type Redis } from '@ucsc/shared';
import type { SweepPolicy } from './domain/sweep';
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
  /** the configured policy and ladder (clocksOf): the deadline index is rebuilt with them, not the defaults */
  clocks?: SweepPolicy;
}): Promise<{ events: number; incidents: number }> {
  const { kafka, redis, logger } = options;
  let events = 0;
  const projection = new Projection(redis, options.redisPrefix);
  await replayTopic({
    kafka,
    topic: topicName(options.prefix, 'incidentEvents'),
    groupPrefix: `${options.prefix}.tracker.rebuild`,
    beforeReading: async () => {
      await clearProjection(redis, options.redisPrefix);
    },
    apply: async (messages) => {
      const positioned: Positioned[] = [];
      for (const message of messages) {
        const parsed = parseMessage('incidentEvents', message.value);
        if (parsed.ok) positioned.push({ event: parsed.value, offset: Number(message.offset) }); // else: dead-lettered by the live consumer
      }
      await projection.project(positioned, false, options.clocks ?? {});
      events += positioned.length;
    },
  });
  const keys = incidentKeys(options.redisPrefix);
  const incidents = await redis.zcard(keys.byUpdated);
  // the views were written without changes on the feed's log: a marker tells the board that every
  // client must read its snapshots again (and is the log's first entry after a wipe)
  await redis.xadd(keys.changes, '*', 'rebuilt', new Date().toISOString());
  logger.info({ events, incidents }, 'projection rebuilt');
  return { events, incidents };
}
