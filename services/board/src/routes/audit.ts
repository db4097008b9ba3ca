import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditRecordedSchema, commonProblems, HttpError, identify, isoDateTime, may, problemSchema, type Redis } from '@ucsc/shared';
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
const auditEntries = z.object({ entries: z.array(z.looseObject({ id: z.string(), type: z.literal('audit.recorded'), occurredAt: z.string(), payload: auditRecordedSchema })) });

export async function auditRoutes(fastify: FastifyInstance, options: { redis: Redis; redisPrefix: string }): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const schema = { summary: 'The audit trail, newest first (auditors)', querystring: auditQuery, response: { ...commonProblems, 200: auditEntries, 400: problemSchema } };
  // who may not read it learns nothing of its query's rules: the permission is checked first
  const auditorsOnly = async (request: Parameters<typeof identify>[0]) => {
    if (!may(identify(request), 'audit.read')) throw new HttpError(403, 'forbidden', 'only auditors read the audit trail');
  };
  app.get('/api/v1/audit', { preValidation: auditorsOnly, schema }, async (request) => ({ entries: await queryAudit(options.redis, options.redisPrefix, request.query) }));
}
