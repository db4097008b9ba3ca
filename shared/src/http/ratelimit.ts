import type { Redis } from '../redis';

/**
 * A fixed-window rate limiter in Redis, so limits hold across copies of a service.
 * One round trip per request (INCR and EXPIRE in one transaction).
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Counts one hit; returns how many seconds to wait when the limit is passed, else undefined. */
  async hit(key: string, limit: number, windowSeconds = 60): Promise<number | undefined> {
    const now = Date.now();
    const window = Math.floor(now / 1000 / windowSeconds);
    const redisKey = `${this.prefix}ratelimit:${key}:${window}`;
    const result = await this.redis.multi().incr(redisKey).expire(redisKey, windowSeconds + 1).exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    if (count <= limit) return undefined;
    return Math.max(1, Math.ceil(((window + 1) * windowSeconds * 1000 - now) / 1000));
  }
}
