import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '@ucsc/shared';

/** The request headers the notifier needs to authenticate and answer: the session (cookie or bearer) and its CSRF token. */
const forwarded = ['cookie', 'authorization', 'x-csrf-token', 'content-type', 'accept', 'x-request-id'] as const;
const returned = ['content-type', 'cache-control', 'retry-after', 'www-authenticate'] as const;

function only(names: readonly string[], headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

/**
 * The web app's notifications, on the board's origin: forwarded to the notifier (with Fastify's
 * own @fastify/reply-from), which owns them (the list, read marks, preferences, the live stream)
 * and authenticates the session itself, by exchanging it here like every other service. The board
 * adds no rule of its own but sign-in.
 */
export async function notificationForwardRoutes(app: FastifyInstance, options: { notifierUrl: string }): Promise<void> {
  // the live stream (server-sent events) stays open: no body timeout; an answer's headers come within 10 s
  await app.register(replyFrom, { base: options.notifierUrl, undici: { headersTimeout: 10_000, bodyTimeout: 0 }, disableRequestLogging: true });
  const forward = (request: FastifyRequest, reply: FastifyReply) =>
    reply.from(request.url, {
      rewriteRequestHeaders: (_request, headers) => only(forwarded, headers),
      rewriteHeaders: (headers) => only(returned, headers),
      // the notifier's own 503 is the browser's to retry, with its Retry-After
      retryDelay: () => null,
      onError: (failed, { error }) => {
        request.log.warn({ err: error }, 'notifier not reached');
        failed.send(new HttpError(503, 'notifier_unavailable', 'notifications cannot be reached now; try again shortly', [], { 'retry-after': '5' }));
      },
    });
  // authenticated here first, like every board route: the rate limit counts per user, failed
  // sign-ins per browser address, and a cookie write must carry its CSRF token; the notifier then
  // checks the same credential itself (an exchange, cached), since it owns what it answers
  const schema = { hide: true };
  app.route({ method: ['GET', 'POST', 'PUT'], url: '/api/v1/notifications', schema, handler: forward });
  app.route({ method: ['GET', 'POST', 'PUT'], url: '/api/v1/notifications/*', schema, handler: forward });
}
