import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, identify, isoDateTime, may, parseOr400, type Redis } from '@ucsc/shared';
import { queryAudit } from '../audit';

const auditQuery = z.strictObject({
  action: z.string().max(100).optional(),
  actorId: z.string().max(100).optional(),
  target: z.string().max(100).optional(),
  since: isoDateTime.optional(),
  until: isoDateTime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Auditors read the audit trail; nothing in the API can change it (there is no route that would). */
export async function auditRoutes(app: FastifyInstance, options: { redis: Redis; redisPrefix: string }): Promise<void> {
  app.get('/api/v1/audit', async (request) => {
    const actor = identify(request);
    if (!may(actor, 'audit.read')) throw new HttpError(403, 'forbidden', 'only auditors read the audit trail');
    const query = parseOr400(auditQuery, request.query, 'query');
    return { entries: await queryAudit(options.redis, options.redisPrefix, query) };
  });
}
