import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from '../../redis';
import { HttpError } from '../errors';
import type { AuthenticationOptions } from '../auth';

export interface RateLimitsOptions {
  redis: Redis;
  redisPrefix: string;
  access: Pick<AuthenticationOptions, 'rateLimitPerMinute' | 'anonymousRateLimitPerMinute'>;
}

/**
 * Requests per minute by @fastify/rate-limit with its Redis store, so every copy of a service
 * counts the same: per signed-in user or API token (whoever authentication found the credentials
 * name), else per address. An unknown URL counts too.
 */
export const rateLimitsPlugin = fp(
  async (app: FastifyInstance, options: RateLimitsOptions) => {
    const { rateLimitPerMinute, anonymousRateLimitPerMinute } = options.access;
    await app.register(rateLimit, {
      redis: options.redis,
      nameSpace: `${options.redisPrefix}ratelimit:`,
      timeWindow: 60_000,
      keyGenerator: (request) => {
        const actor = request.authenticated?.actor;
        return actor ? `${actor.kind}:${actor.id}` : `addr:${request.ip}`;
      },
      max: (_request, key) => (key.startsWith('addr:') ? anonymousRateLimitPerMinute : rateLimitPerMinute),
      errorResponseBuilder: () => new HttpError(429, 'rate_limited', 'too many requests'),
    });
    // the not-found handler is no route, so the plugin's per-route hook does not reach it
    const limit = app.rateLimit();
    app.addHook('onRequest', async (request, reply) => {
      if (request.is404) await limit.call(app, request, reply);
    });
  },
  { name: 'ucsc-rate-limits', fastify: '5.x', dependencies: ['ucsc-authentication'] },
);
