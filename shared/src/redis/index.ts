import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from '../log';

export type { Redis };

/**
 * A Redis client that fails a command after a few reconnect attempts rather than queueing it
 * forever, so that a consumer retries its batch and an HTTP request gets a clear error.
 */
export function createRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 2,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
  let lastError = '';
  client.on('error', (err: Error) => {
    if (err.message !== lastError) logger.warn({ err: err.message }, 'redis error');
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = '';
  });
  return client;
}

export type RedisScript = (...args: (string | number | Buffer)[]) => Promise<unknown>;

/**
 * A Lua script as a command of this client: sent by EVALSHA, with ioredis falling back to EVAL
 * once when the server does not have it yet, so the script text is not sent with every call.
 * Without `numberOfKeys`, each call gives the number of keys as its first argument.
 */
export function redisScript(redis: Redis, name: string, lua: string, numberOfKeys?: number): RedisScript {
  if (!(name in redis)) redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  const command = (redis as unknown as Record<string, RedisScript>)[name]!;
  return (...args) => command.apply(redis, args);
}
