import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Redis } from '@ucsc/shared';
import type { IncidentFacts, Notice } from './domain/notifications';

/** One notice held for a recipient: by their quiet hours, or grouped during a burst. */
export interface HeldNotice {
  deliveryId: string;
  email: string;
  recipientName: string;
  notice: Notice;
  facts: IncidentFacts;
}

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (00:00 to 23:59)');

/** What a user chose: the channels they hear on, their quiet hours (Vietnam's time) and the language of their email. */
export const preferencesSchema = z.strictObject({
  channels: z.array(z.enum(['email', 'webhook', 'inapp'])).max(3).refine((c) => new Set(c).size === c.length, 'each channel at most once'),
  quietHours: z.strictObject({ start: timeOfDay, end: timeOfDay }).refine((q) => q.start !== q.end, 'start and end differ').optional().describe("Vietnam's time (Asia/Ho_Chi_Minh); may cross midnight"),
  language: z.enum(['vi', 'en']).default('vi').describe('The language of the email (Vietnamese unless chosen)'),
});
export type Preferences = z.infer<typeof preferencesSchema>;

export const defaultPreferences: Preferences = { channels: ['email', 'webhook', 'inapp'], language: 'vi' };

/**
 * The email each recipient is owed later, in Redis so that a restart or another copy sends it: a
 * list per recipient and one schedule (a sorted set by release time) of the recipients due.
 */
export class HeldEmail {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private listKey(recipientId: string) {
    return `${this.prefix}notifier:held:${recipientId}`;
  }
  private get dueKey() {
    return `${this.prefix}notifier:held-due`;
  }

  /** Counts a message toward the recipient's burst window; true once they had `limit` within it. */
  async inBurst(recipientId: string, windowMs: number, limit: number, now: Date): Promise<{ burst: boolean; windowEnd: Date }> {
    const key = `${this.prefix}notifier:burst:${recipientId}`;
    const [[, count], , [, ttl]] = (await this.redis.multi().incr(key).pexpire(key, windowMs, 'NX').pttl(key).exec()) as [[null, number], [null, number], [null, number]];
    return { burst: count > limit, windowEnd: new Date(now.getTime() + Math.max(ttl, 0)) };
  }

  async hold(recipientId: string, item: HeldNotice, releaseAt: Date): Promise<void> {
    // the earliest release wins: a recipient's grouped message goes at its first due time
    await this.redis.multi().rpush(this.listKey(recipientId), JSON.stringify(item)).zadd(this.dueKey, 'NX', releaseAt.getTime(), recipientId).exec();
  }

  async due(now: Date, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.dueKey, 0, now.getTime(), 'LIMIT', 0, limit);
  }

  async take(recipientId: string): Promise<HeldNotice[]> {
    const items = await this.redis.lrange(this.listKey(recipientId), 0, -1);
    return items.map((s) => JSON.parse(s) as HeldNotice);
  }

  /** After the grouped message went: drops what it carried (and only that: more may have come meanwhile). */
  async done(recipientId: string, count: number): Promise<void> {
    const results = await this.redis.multi().ltrim(this.listKey(recipientId), count, -1).llen(this.listKey(recipientId)).exec();
    const left = results?.[1]?.[1] as number;
    if (left === 0) await this.redis.zrem(this.dueKey, recipientId);
  }

  async preferences(userId: string): Promise<Preferences> {
    const stored = await this.redis.get(`${this.prefix}notifier:preferences:${userId}`);
    // stored before the language was a preference: Vietnamese
    return stored ? { ...defaultPreferences, ...(JSON.parse(stored) as Partial<Preferences>) } : defaultPreferences;
  }

  async setPreferences(userId: string, preferences: z.input<typeof preferencesSchema>): Promise<void> {
    await this.redis.set(`${this.prefix}notifier:preferences:${userId}`, JSON.stringify(preferencesSchema.parse(preferences)));
  }
}

/** The id of a grouped message: the same held notices make the same message (its Message-ID). */
export function groupId(items: HeldNotice[]): string {
  return createHash('sha256').update(items.map((i) => i.deliveryId).join('\n')).digest('hex').slice(0, 32);
}
