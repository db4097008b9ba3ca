import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '@ucsc/shared';

/** The request headers the notifier needs to authenticate and answer: the session (cookie or bearer) and its CSRF token. */
const forwarded = ['cookie', 'authorization', 'x-csrf-token', 'content-type', 'accept', 'x-request-id'] as const;
const returned = ['content-type', 'cache-control', 'retry-after', 'www-authenticate'] as const;

/**
 * The web app's notifications, on the board's origin: forwarded to the notifier, which owns them
 * (the list, read marks, preferences, the live stream) and authenticates the session itself, by
 * exchanging it here like every other service. The board adds no rule of its own but sign-in.
 */
export async function notificationForwardRoutes(app: FastifyInstance, options: { notifierUrl: string }): Promise<void> {
  const open = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const c of open) c.abort();
  });
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const controller = new AbortController();
    open.add(controller);
    // the browser went away (a stream closed, a page left): so does the call to the notifier
    reply.raw.on('close', () => controller.abort());
    const headers: Record<string, string> = {};
    for (const h of forwarded) {
      const v = request.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== undefined;
    let response: Response;
    try {
      response = await fetch(new URL(request.url, options.notifierUrl), {
        method: request.method,
        headers,
        ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
        signal: controller.signal,
        redirect: 'manual',
      });
    } catch (error) {
      request.log.warn({ err: error }, 'notifier not reached');
      open.delete(controller);
      throw new HttpError(503, 'notifier_unavailable', 'notifications cannot be reached now; try again shortly', [], { 'retry-after': '5' });
    }
    reply.status(response.status);
    for (const h of returned) {
      const v = response.headers.get(h);
      if (v !== null) reply.header(h, v);
    }
    if (!response.body) {
      open.delete(controller);
      return reply.send();
    }
    const body = Readable.fromWeb(response.body as never);
    body.on('close', () => open.delete(controller));
    body.on('error', () => undefined); // the browser or the notifier went away: nothing to answer
    return reply.send(body);
  };
  // authenticated here first, like every board route: the rate limit counts per user, failed
  // sign-ins per browser address, and a cookie write must carry its CSRF token; the notifier then
  // checks the same credential itself (an exchange, cached), since it owns what it answers
  const schema = { hide: true };
  app.route({ method: ['GET', 'POST', 'PUT'], url: '/api/v1/notifications', schema, handler: forward });
  app.route({ method: ['GET', 'POST', 'PUT'], url: '/api/v1/notifications/*', schema, handler: forward });
}
