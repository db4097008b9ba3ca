import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { newId } from '../contracts/common';
import type { Logger } from '../log';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** what @fastify/under-pressure does with this route under load (the health plugin exempts /live) */
    pressureHandler?: (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => Promise<void> | void;
  }
}

export interface HttpAppOptions {
  logger: Logger;
  bodyLimit?: number;
}

/**
 * The Fastify instance every service starts from: its logger, request ids (a caller's
 * X-Request-Id when it is a plain one) and body limit. Each service's buildApp then registers the
 * plugins of ./plugins it needs, then its routes.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  return Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : newId();
    },
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
  });
}
