import type { Redis } from '@ucsc/shared';
import type { Notice } from './domain/notifications';

/** One notification in the web app: what it is about, never more than its TLP allows (no title for RED). */
export interface InAppItem {
  /** the delivery id */
  id: string;
  recipientId: string;
  incidentId: string;
  kind: Notice['kind'];
  at: string;
  urgent: boolean;
  title?: string;
}

export interface InAppPage {
  items: (InAppItem & { read: boolean })[];
  unread: number;
  /** the cursor of the next (older) page: pass it as `before` */
  next?: number;
}

// adds an item (once: a redelivery adds nothing) in the order added (one sequence for every list,
// so that lists merge in that order; two events of one millisecond are still in order), and trims
// the oldest past the limit; answers 1 if added
const addScript = `
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then
  local old = redis.call('ZRANGE', KEYS[1], 0, excess - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
  redis.call('HDEL', KEYS[2], unpack(old))
end
return 1`;

/**
 * Each addressee's notification list in the web app (a directory person or organisation, or the
 * account that reported), newest first, and each user's read marks: a user acting for several
 * addressees reads them as one list, and two users acting for one hub each have their own marks.
 * Keys: `notifier:inapp:<addressee>` (sorted set of ids by `notifier:inapp-seq`, the order added),
 * `notifier:inapp-items:<addressee>` (hash id → JSON), `notifier:inapp-read:<user>` (set of ids
 * read), `notifier:inapp-read-upto:<user>` (everything up to this position is read) and
 * `notifier:inapp-unread:<user>` (ids marked unread again, which win over both). A new item is
 * published on `notifier:inapp-live` for the live stream.
 */
export class InAppNotifications {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly keep = 500,
    private readonly memorySeconds = 30 * 24 * 3600,
  ) {}

  private ids(addressee: string) {
    return `${this.prefix}notifier:inapp:${addressee}`;
  }
  private items(addressee: string) {
    return `${this.prefix}notifier:inapp-items:${addressee}`;
  }
  private read(userId: string) {
    return `${this.prefix}notifier:inapp-read:${userId}`;
  }
  private markedUnread(userId: string) {
    return `${this.prefix}notifier:inapp-unread:${userId}`;
  }
  private readUpTo(userId: string) {
    return `${this.prefix}notifier:inapp-read-upto:${userId}`;
  }
  get channel(): string {
    return `${this.prefix}notifier:inapp-live`;
  }

  async add(item: InAppItem): Promise<void> {
    const added = (await this.redis.eval(addScript, 3, this.ids(item.recipientId), this.items(item.recipientId), `${this.prefix}notifier:inapp-seq`, item.id, JSON.stringify(item), this.keep)) as number;
    if (added === 1) await this.redis.publish(this.channel, JSON.stringify(item));
  }

  /** A page of the addressees' lists merged, newest first, older than `before` when given, with the user's read marks. */
  async page(userId: string, addressees: string[], options: { limit: number; before?: number }): Promise<InAppPage> {
    const max = options.before !== undefined ? `(${options.before}` : '+inf';
    const [upTo, readIds, unreadIds] = await Promise.all([this.redis.get(this.readUpTo(userId)), this.redis.smembers(this.read(userId)), this.redis.smembers(this.markedUnread(userId))]);
    const read = new Set(readIds);
    const unread = new Set(unreadIds);
    const readUpTo = upTo === null ? 0 : Number(upTo);
    const isRead = (id: string, at: number) => !unread.has(id) && (at <= readUpTo || read.has(id));
    const pages = await Promise.all(
      addressees.map(async (a) => {
        const flat = await this.redis.zrevrangebyscore(this.ids(a), max, '-inf', 'WITHSCORES', 'LIMIT', 0, options.limit + 1);
        const ids = flat.filter((_, i) => i % 2 === 0);
        const values = ids.length ? await this.redis.hmget(this.items(a), ...ids) : [];
        return values.flatMap((v, i) => (v ? [{ item: JSON.parse(v) as InAppItem, at: Number(flat[2 * i + 1]) }] : []));
      }),
    );
    const merged = pages.flat().sort((x, y) => y.at - x.at);
    const shown = merged.slice(0, options.limit);
    const items = shown.map(({ item, at }) => ({ ...item, read: isRead(item.id, at) }));
    return { items, unread: await this.unread(addressees, isRead), ...(merged.length > options.limit ? { next: shown[shown.length - 1]!.at } : {}) };
  }

  private async unread(addressees: string[], isRead: (id: string, at: number) => boolean): Promise<number> {
    const all = await Promise.all(addressees.map((a) => this.redis.zrange(this.ids(a), 0, -1, 'WITHSCORES')));
    let count = 0;
    for (const flat of all) for (let i = 0; i < flat.length; i += 2) if (!isRead(flat[i]!, Number(flat[i + 1]))) count += 1;
    return count;
  }

  /** Marks the given ids read (only those of the user's addressees), or everything up to now. */
  async markRead(userId: string, addressees: string[], what: { ids: string[] } | { all: true }): Promise<void> {
    if ('all' in what) {
      const newest = Math.max(0, ...(await Promise.all(addressees.map((a) => this.redis.zrevrange(this.ids(a), 0, 0, 'WITHSCORES')))).map((flat) => Number(flat[1] ?? 0)));
      if (newest === 0) return;
      await this.redis.multi().set(this.readUpTo(userId), newest, 'EX', this.memorySeconds).del(this.read(userId)).del(this.markedUnread(userId)).exec();
      return;
    }
    const owned = await this.owned(addressees, what.ids);
    if (owned.length === 0) return;
    await this.redis.multi().sadd(this.read(userId), ...owned).expire(this.read(userId), this.memorySeconds).srem(this.markedUnread(userId), ...owned).exec();
  }

  /** Marks the given ids unread again (only those of the user's addressees), as a reminder to come back to them. */
  async markUnread(userId: string, addressees: string[], ids: string[]): Promise<void> {
    const owned = await this.owned(addressees, ids);
    if (owned.length === 0) return;
    await this.redis.multi().sadd(this.markedUnread(userId), ...owned).expire(this.markedUnread(userId), this.memorySeconds).srem(this.read(userId), ...owned).exec();
  }

  /** The ids that are in one of these addressees' lists: a user marks only its own. */
  private async owned(addressees: string[], ids: string[]): Promise<string[]> {
    const found = await Promise.all(ids.map(async (id) => ((await Promise.all(addressees.map((a) => this.redis.zscore(this.ids(a), id)))).some((s) => s !== null) ? id : undefined)));
    return found.filter((id): id is string => id !== undefined);
  }
}

/** Whom a signed-in user reads notifications for: themselves (a reporter's account) and the directory entries they act for. */
export function addresseesOf(actor: { kind: string; id: string; assigneeIds?: readonly string[] }): string[] {
  return actor.kind === 'user' ? [...new Set([actor.id, ...(actor.assigneeIds ?? [])])] : [];
}
