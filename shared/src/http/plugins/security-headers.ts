import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';

/**
 * Security headers by @fastify/helmet. Every answer of ours is JSON unless a route says otherwise
 * (the board's page, an attachment download set their own Content-Security-Policy), so the default
 * policy allows nothing. Helmet has no Permissions-Policy; answers are not cached unless a route says so.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'ucsc-security-headers', fastify: '5.x' },
);
