import { redisScript, type Redis, type RedisScript } from '../redis';

// KEYS[1] the window's counter; ARGV[1] its lifetime (s). The first hit of a window sets its expiry.
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
`;

/**
 * A fixed-window rate limiter in Redis, so limits hold across copies of a service.
 * One command per request (a script that counts and sets the window's expiry).
 */
export class RateLimiter {
  private readonly count: RedisScript;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    this.count = redisScript(redis, 'ucscRateLimitHit', hitScript, 1);
  }

  /** Counts one hit; returns how many seconds to wait when the limit is passed, else undefined. */
  async hit(key: string, limit: number, windowSeconds = 60): Promise<number | undefined> {
    const now = Date.now();
    const window = Math.floor(now / 1000 / windowSeconds);
    const count = Number(await this.count(`${this.prefix}ratelimit:${key}:${window}`, windowSeconds + 1));
    if (count <= limit) return undefined;
    return Math.max(1, Math.ceil(((window + 1) * windowSeconds * 1000 - now) / 1000));
  }
}
