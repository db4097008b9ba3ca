import { redisScript, type Redis, type RedisScript } from '../redis';

// KEYS[1] the window's counter; ARGV[1] its length (ms). The first hit starts the window; returns
// the count so far and the milliseconds left in the window.
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
return { count, left }
`;

// KEYS[1] the window's counter: its count (0 when none) and the milliseconds left.
const peekScript = `
return { tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]) }
`;

/**
 * A counter in Redis whose window starts at the key's first hit (so counts hold across copies of a
 * service, and a burst cannot get twice the limit by straddling a clock minute). Requests are
 * limited by @fastify/rate-limit (plugins/rate-limits.ts); this stays for failed authentication
 * alone (AuthFailures), which must be checked without counting before credentials are looked up,
 * and counts failures, not requests, with the exact count its audit aggregation keys on.
 * One command per hit or check.
 */
export class RateLimiter {
  private readonly count: RedisScript;
  private readonly peek: RedisScript;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    this.count = redisScript(redis, 'ucscRateLimitHit', hitScript, 1);
    this.peek = redisScript(redis, 'ucscRateLimitPeek', peekScript, 1);
  }

  /** Counts one hit; returns how many seconds to wait when the limit is passed, else undefined. */
  async hit(key: string, limit: number, windowSeconds = 60): Promise<number | undefined> {
    const { count, resetSeconds } = await this.hitCount(key, windowSeconds);
    return count <= limit ? undefined : resetSeconds;
  }

  /** Counts one hit; returns the window's count so far and the seconds until it ends. */
  async hitCount(key: string, windowSeconds = 60): Promise<{ count: number; resetSeconds: number }> {
    const [count, left] = (await this.count(this.name(key), windowSeconds * 1000)) as [number, number];
    return { count: Number(count), resetSeconds: seconds(Number(left)) };
  }

  /** The seconds to wait when the window's count has reached the limit already, else undefined; counts nothing. */
  async exhausted(key: string, limit: number): Promise<number | undefined> {
    const [count, left] = (await this.peek(this.name(key))) as [number, number];
    return Number(count) >= limit ? seconds(Number(left)) : undefined;
  }

  private name(key: string) {
    return `${this.prefix}ratelimit:${key}`;
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
