import Redis, { type ChainableCommander, type RedisOptions } from 'ioredis';
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

type ScriptArgument = string | number | Buffer;

/** A Lua script of a client: called on its own, or queued in a MULTI or pipeline of that client. */
export interface RedisScript {
  (...args: ScriptArgument[]): Promise<unknown>;
  /** the same call as one step of `step` (its reply comes with the others' from exec) */
  queue(step: ChainableCommander, ...args: ScriptArgument[]): ChainableCommander;
}

/**
 * A Lua script as a command of this client: sent by EVALSHA, with ioredis falling back to EVAL
 * once when the server does not have it yet, so the script text is not sent with every call.
 * Without `numberOfKeys`, each call gives the number of keys as its first argument.
 */
export function redisScript(redis: Redis, name: string, lua: string, numberOfKeys?: number): RedisScript {
  if (!(name in redis)) redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  // a defined command is a method of the client and of its MULTIs and pipelines, under its name
  type Commands = Record<string, (...args: ScriptArgument[]) => unknown>;
  const script = (...args: ScriptArgument[]) => (redis as unknown as Commands)[name]!.apply(redis, args) as Promise<unknown>;
  return Object.assign(script, { queue: (step: ChainableCommander, ...args: ScriptArgument[]) => (step as unknown as Commands)[name]!.apply(step, args) as ChainableCommander });
}
