import type { Kafka } from 'kafkajs';
import { runConsumer, type ConsumerSettings, type Envelope, type Logger, type Redis, type RunningConsumer } from '@ucsc/shared';

/** The board's queryable copy of the audit trail (the trail itself is the Kafka topic). */
export const auditLogKey = (redisPrefix: string) => `${redisPrefix}audit:log`;

/** Copies every audit entry into a Redis sorted set by time; the same entry twice is one member. */
export function startAuditProjector(options: {
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  logger: Logger;
  settings: ConsumerSettings;
}): Promise<RunningConsumer> {
  return runConsumer({
    ...options.settings,
    kafka: options.kafka,
    prefix: options.prefix,
    group: 'board.audit',
    topics: ['auditEvents'],
    logger: options.logger,
    // a whole batch in one ZADD: one Redis round trip per Kafka batch, not per entry
    async handleBatch(items) {
      const members = items.flatMap(({ envelope }) => [Date.parse(envelope.occurredAt), JSON.stringify(envelope)]);
      await options.redis.zadd(auditLogKey(options.redisPrefix), ...members);
      return items.map(() => undefined);
    },
  });
}

export interface AuditQuery {
  action?: string;
  actorId?: string;
  target?: string;
  since?: string;
  until?: string;
  limit: number;
}

/** Newest first, filtered. */
export async function queryAudit(redis: Redis, redisPrefix: string, query: AuditQuery): Promise<Envelope<'audit.recorded'>[]> {
  const max = query.until ? Date.parse(query.until) : '+inf';
  const min = query.since ? Date.parse(query.since) : '-inf';
  const out: Envelope<'audit.recorded'>[] = [];
  let offset = 0;
  const page = 1000;
  for (;;) {
    const raws = await redis.zrevrangebyscore(auditLogKey(redisPrefix), max, min, 'LIMIT', offset, page);
    for (const raw of raws) {
      const entry = JSON.parse(raw) as Envelope<'audit.recorded'>;
      if (query.action && entry.payload.action !== query.action) continue;
      if (query.actorId && entry.actor.id !== query.actorId) continue;
      if (query.target && entry.payload.target !== query.target) continue;
      out.push(entry);
      if (out.length >= query.limit) return out;
    }
    if (raws.length < page) return out;
    offset += page;
  }
}
