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
