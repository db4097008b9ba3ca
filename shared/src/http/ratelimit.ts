import { redisScript, type Redis, type RedisScript } from '../redis';

// KEYS[1] the window's counter; ARGV[1] its lifetime (s). The first hit of a window sets its expiry.
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
`;

/**
 * A fixed-window counter in Redis, so counts hold across copies of a service. Requests are limited
 * by @fastify/rate-limit (plugins/rate-limits.ts); this stays for failed authentication alone
 * (AuthFailures), which must be checked without counting before credentials are looked up, and
 * counts failures, not requests, with the exact count its audit aggregation keys on.
 * One command per hit (a script that counts and sets the window's expiry).
 */
export class RateLimiter {
  private readonly count: RedisScript;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.count = redisScript(redis, 'ucscRateLimitHit', hitScript, 1);
  }

  /** Counts one hit; returns how many seconds to wait when the limit is passed, else undefined. */
  async hit(key: string, limit: number, windowSeconds = 60): Promise<number | undefined> {
    const { count, resetSeconds } = await this.hitCount(key, windowSeconds);
    return count <= limit ? undefined : resetSeconds;
  }

  /** Counts one hit; returns the window's count so far and the seconds until it ends. */
  async hitCount(key: string, windowSeconds = 60): Promise<{ count: number; resetSeconds: number }> {
    const { name, resetSeconds } = this.window(key, windowSeconds);
    return { count: Number(await this.count(name, windowSeconds + 1)), resetSeconds };
  }

  /** The seconds to wait when the window's count has reached the limit already, else undefined; counts nothing. */
  async exhausted(key: string, limit: number, windowSeconds = 60): Promise<number | undefined> {
    const { name, resetSeconds } = this.window(key, windowSeconds);
    return Number((await this.redis.get(name)) ?? 0) >= limit ? resetSeconds : undefined;
  }

  private window(key: string, windowSeconds: number) {
    const now = Date.now();
    const window = Math.floor(now / 1000 / windowSeconds);
    return { name: `${this.prefix}ratelimit:${key}:${window}`, resetSeconds: Math.max(1, Math.ceil(((window + 1) * windowSeconds * 1000 - now) / 1000)) };
  }
}
