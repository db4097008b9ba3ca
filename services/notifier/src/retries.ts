import type { Redis } from '@ucsc/shared';
import type { Rendered } from './domain/templates';
import type { Channel } from './domain/notifications';
import type { InAppItem } from './inapp';

/** What the timeline records of a delivery name (incident.notification_sent / _failed). */
export interface DeliveryRef {
  incidentId: string;
  deliveryId: string;
  aboutEventId: string;
  channel: Channel;
  recipientId: string;
  recipientName: string;
}

/** A delivery as data: what is sent, kept in the retry queue between tries (so any copy can make the next one). */
export type Delivery = { ref: DeliveryRef; correlationId: string; causationId: string } & (
  | { channel: 'email'; to: string; message: Rendered }
  | { channel: 'webhook'; endpointId: string; body: object }
  | { channel: 'inapp'; item: InAppItem }
);

// the due deliveries, each taken for `lease` ms: another copy sees it only if this one died meanwhile
const claimScript = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
return due`;

/**
 * Failed deliveries waiting for their next try, out of the consumer's way: a sorted set of
 * delivery ids by when the next try is due (`notifier:retry-due`) and each delivery's data
 * (`notifier:retry:<id>`); given up ones are kept in `notifier:dead-letters` (id → delivery and
 * its last error) for an operator.
 */
export class RetryQueue {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly memorySeconds: number,
  ) {}

  private get dueKey() {
    return `${this.prefix}notifier:retry-due`;
  }
  private jobKey(id: string) {
    return `${this.prefix}notifier:retry:${id}`;
  }
  get deadKey(): string {
    return `${this.prefix}notifier:dead-letters`;
  }

  async schedule(delivery: Delivery, at: number): Promise<void> {
    await this.redis.multi().set(this.jobKey(delivery.ref.deliveryId), JSON.stringify(delivery), 'EX', this.memorySeconds).zadd(this.dueKey, at, delivery.ref.deliveryId).exec();
  }

  /** The deliveries due now, each leased to this copy for leaseMs. */
  async claim(now: number, leaseMs: number, limit = 100): Promise<Delivery[]> {
    const ids = (await this.redis.eval(claimScript, 1, this.dueKey, now, now + leaseMs, limit)) as string[];
    if (ids.length === 0) return [];
    const jobs = await this.redis.mget(...ids.map((id) => this.jobKey(id)));
    const found: Delivery[] = [];
    for (const [i, job] of jobs.entries()) {
      if (job) found.push(JSON.parse(job) as Delivery);
      else await this.redis.zrem(this.dueKey, ids[i]!); // its data expired: nothing to send
    }
    return found;
  }

  async done(id: string): Promise<void> {
    await this.redis.multi().zrem(this.dueKey, id).del(this.jobKey(id)).exec();
  }

  async deadLetter(delivery: Delivery, error: string): Promise<void> {
    const id = delivery.ref.deliveryId;
    await this.redis.multi().hset(this.deadKey, id, JSON.stringify({ delivery, error })).zrem(this.dueKey, id).del(this.jobKey(id)).exec();
  }

  async pending(): Promise<number> {
    return this.redis.zcard(this.dueKey);
  }
}
