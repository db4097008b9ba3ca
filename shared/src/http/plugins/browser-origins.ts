import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/**
 * The board's web app is served by the board but calls intake (reports, attachments) and dispatch
 * (the directory) from the browser, with the user's session cookie: those services allow the
 * configured origins only, with credentials (CORS). Writes still need the CSRF token, as every write
 * of a cookie session does. Registered before the other plugins, so that a preflight (which carries
 * no credentials) is answered before authentication asks for them.
 */
export const browserOriginsConfigShape = {
  CORS_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((list) => list.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine((o) => URL.canParse(o) && new URL(o).origin === o, 'each must be an origin: scheme://host[:port], no path')).max(20))
    .describe('Origins of pages that may call this API from a browser with the user’s session (the board’s web app, e.g. http://127.0.0.1:3100), comma-separated; none by default'),
};

export async function allowBrowserOrigins(app: FastifyInstance, origins: readonly string[], methods: readonly string[] = ['GET', 'POST']): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: [...origins],
    credentials: true,
    methods: [...methods],
    allowedHeaders: ['content-type', 'x-csrf-token', 'idempotency-key', 'x-attachment-description', 'x-correlation-id'],
    exposedHeaders: ['retry-after', 'location'],
    maxAge: 600,
  });
}
