import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commonProblems, HttpError, identify, notificationKindLabels, problemSchema, type NotificationKind } from '@ucsc/shared';
import { addresseesOf, type InAppNotifications } from '../inapp';
import type { LiveNotifications } from '../live';
import type { Addressbook } from '../domain/notifications';
import { preferencesSchema, type HeldEmail } from '../held';

export interface NotificationRoutesOptions {
  inApp: InAppNotifications;
  live: LiveNotifications;
  held: HeldEmail;
  /** names the directory entries a user acts for */
  book: Addressbook;
  /** how often an idle stream sends a comment, so proxies keep it open */
  keepAliveMs?: number;
}

const deliveryIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,300}$/, 'a notification id');
const kinds = Object.keys(notificationKindLabels.vi) as [NotificationKind, ...NotificationKind[]];
const itemSchema = z.object({
  id: z.string(),
  recipientId: z.string().describe('the addressee it was for: the account itself or a directory entry it acts for'),
  incidentId: z.string(),
  kind: z.enum(kinds),
  at: z.string(),
  urgent: z.boolean(),
  title: z.string().optional().describe('absent for a TLP:RED incident'),
  read: z.boolean(),
});
const pageSchema = z.object({ items: z.array(itemSchema), unread: z.number().int(), next: z.number().int().optional().describe('pass as `before` for the next, older page') });

/**
 * The signed-in user's notifications (issue 14): the in-app list of the addressees they act for,
 * paged newest first, read marks, the live stream (Server-Sent Events), and the preferences of
 * each addressee. A user sees and changes only their own addressees'.
 */
export async function notificationRoutes(fastify: FastifyInstance, options: NotificationRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { inApp, live, held } = options;
  const addressees = (request: Parameters<typeof identify>[0]) => {
    const actor = identify(request);
    const list = addresseesOf(actor);
    if (list.length === 0) throw new HttpError(403, 'forbidden', 'notifications are for signed-in people; an API token has none');
    return { actor, list };
  };

  app.get('/api/v1/notifications', {
    schema: {
      summary: 'My notifications, newest first',
      querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20), before: z.coerce.number().int().positive().optional().describe('the `next` of the previous page') }),
      response: { ...commonProblems, 400: problemSchema, 200: pageSchema },
    },
  }, async (request) => {
    const { actor, list } = addressees(request);
    return inApp.page(actor.id, list, { limit: request.query.limit, ...(request.query.before !== undefined ? { before: request.query.before } : {}) });
  });

  app.post('/api/v1/notifications/read', {
    schema: {
      summary: 'Marks notifications read: the ids given, or all of them',
      body: z
        .strictObject({ ids: z.array(deliveryIdSchema).min(1).max(100).optional(), all: z.literal(true).optional() })
        .refine((b) => (b.ids === undefined) !== (b.all === undefined), 'give either ids or all: true'),
      response: { ...commonProblems, 400: problemSchema, 200: z.object({ unread: z.number().int() }) },
    },
  }, async (request) => {
    const { actor, list } = addressees(request);
    await inApp.markRead(actor.id, list, request.body.all ? { all: true } : { ids: request.body.ids ?? [] });
    return { unread: (await inApp.page(actor.id, list, { limit: 1 })).unread };
  });

  app.post('/api/v1/notifications/unread', {
    schema: {
      summary: 'Marks notifications unread again: the ids given (of my own addressees; others are passed over)',
      body: z.strictObject({ ids: z.array(deliveryIdSchema).min(1).max(100) }),
      response: { ...commonProblems, 400: problemSchema, 200: z.object({ unread: z.number().int() }) },
    },
  }, async (request) => {
    const { actor, list } = addressees(request);
    await inApp.markUnread(actor.id, list, request.body.ids);
    return { unread: (await inApp.page(actor.id, list, { limit: 1 })).unread };
  });

  app.get('/api/v1/notifications/preferences', {
    schema: {
      summary: 'The preferences of each addressee I act for (channels, quiet hours in Vietnam time, language)',
      response: {
        ...commonProblems,
        200: z.object({
          addressees: z.array(z.object({ recipientId: z.string(), name: z.string().optional(), self: z.boolean().describe('the account itself (reached as a reporter), not a directory entry'), preferences: preferencesSchema })),
        }),
      },
    },
  }, async (request) => {
    const { actor, list } = addressees(request);
    return {
      addressees: await Promise.all(
        list.map(async (recipientId) => {
          const name = recipientId === actor.id ? actor.name : options.book.person(recipientId)?.name;
          return { recipientId, ...(name ? { name } : {}), self: recipientId === actor.id, preferences: await held.preferences(recipientId) };
        }),
      ),
    };
  });

  app.put('/api/v1/notifications/preferences/:recipientId', {
    schema: {
      summary: 'Sets the preferences of an addressee I act for (an organisation shared by several accounts has one set)',
      params: z.object({ recipientId: deliveryIdSchema }),
      body: preferencesSchema,
      response: { ...commonProblems, 400: problemSchema, 404: problemSchema.describe('Not an addressee this account acts for'), 200: z.object({ recipientId: z.string(), preferences: preferencesSchema }) },
    },
  }, async (request) => {
    const { list } = addressees(request);
    const { recipientId } = request.params;
    if (!list.includes(recipientId)) throw new HttpError(404, 'not_found', `params.recipientId: ${recipientId} is not an addressee this account acts for`);
    await held.setPreferences(recipientId, request.body);
    return { recipientId, preferences: await held.preferences(recipientId) };
  });

  // every open stream, ended when the service closes (else closing would wait for the browsers)
  const streams = new Set<() => void>();
  fastify.addHook('preClose', async () => {
    for (const end of streams) end();
  });
  app.get('/api/v1/notifications/stream', {
    schema: { summary: 'My new notifications as they come (Server-Sent Events: `event: notification`, data: the item)', response: { ...commonProblems } },
  }, async (request, reply) => {
    const { list } = addressees(request);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write(': ready\n\n');
    const stop = live.listen(list, (item) => raw.write(`event: notification\nid: ${item.id}\ndata: ${JSON.stringify({ ...item, read: false })}\n\n`));
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), options.keepAliveMs ?? 25_000);
    const end = () => {
      clearInterval(keepAlive);
      stop();
      streams.delete(end);
      raw.end();
    };
    streams.add(end);
    raw.on('close', end);
  });
}
