import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';

export interface LoadSheddingOptions {
  /** requests are refused while the event loop lags more than this (0: never) */
  maxEventLoopDelayMs: number;
  retryAfterSeconds?: number;
}

/**
 * Load shedding by @fastify/under-pressure: while the event loop lags, a request is answered
 * 503 with Retry-After at once (the error handler names it `overloaded`) rather than queued behind
 * the others. /live is exempt: the process is up, and restarting it would not shed anything.
 */
export const loadSheddingPlugin = fp(
  async (app: FastifyInstance, options: LoadSheddingOptions) => {
    await app.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      retryAfter: options.retryAfterSeconds ?? 5,
      message: 'the service is overloaded; try again shortly',
    });
  },
  { name: 'ucsc-load-shedding', fastify: '5.x' },
);
