import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  followUpSubmissionSchema,
  HttpError,
  canSee,
  identify,
  invalidFields,
  may,
  mayFileIn,
  normalizeText,
  parseOr400,
  ulidSchema,
  viewFor,
  type Permission,
  type IncidentSummary,
  type ProvinceRef,
  type ProvinceResolver,
} from '@ucsc/shared';
import { checkReport } from '../domain/report';
import { reportStatus } from '../domain/status';
import type { Stored, SubmissionContext, Submissions } from '../submissions';

export interface ReportRoutesOptions {
  submissions: Submissions;
  provinces: ProvinceResolver;
}

export const incidentParams = z.object({ id: ulidSchema.describe('The incident id answered when the report was accepted') });

/** Printable ASCII, as the IETF draft on the Idempotency-Key header allows; long enough for a UUID or a hash. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, '1 to 255 printable ASCII characters');

/**
 * Who submits, checked against the policy table (shared/src/access), with the request's
 * correlation id and Idempotency-Key.
 */
export function submissionContext(request: FastifyRequest, permission: Permission): SubmissionContext {
  const actor = identify(request);
  if (!may(actor, permission)) throw new HttpError(403, 'forbidden', 'this account may not submit reports or follow-ups');
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key !== undefined && !idempotencyKeySchema.safeParse(key).success) {
    throw invalidFields([{ field: 'headers.idempotency-key', rule: 'idempotency_key', message: '1 to 255 printable ASCII characters' }]);
  }
  return { actor, correlationId: String(request.id), idempotencyKey: key };
}

/**
 * A report is filed within the submitter's provinces (its account's or token's; an organisation
 * operating in several has them all); a national coordinator files anywhere.
 */
export function requireProvinceInScope(ctx: SubmissionContext, province: ProvinceRef): void {
  if (!mayFileIn(ctx.actor, province.code)) {
    throw new HttpError(403, 'province_outside_scope', `this account does not file reports for ${province.name}`, [
      { field: 'body.province', rule: 'within_submitter_scope', message: `${province.name} (${province.code}) is not among this account's provinces` },
    ]);
  }
}

/** 202 for a submission stored now, and the same 202 (marked as a replay) for a retry of one stored before. */
export function sendStored<R>(reply: FastifyReply, stored: Stored<R>) {
  if (stored.replayed) void reply.header('idempotent-replayed', 'true');
  return reply.status(202).send(stored.response);
}

/** An incident the caller may see, or 404: the same 404 for one that is not theirs as for one that does not exist. */
export async function visibleIncident(request: FastifyRequest, submissions: Submissions, id: string): Promise<IncidentSummary> {
  const incident = await submissions.findIncident(id);
  if (!incident || !canSee(identify(request), incident)) throw new HttpError(404, 'not_found', `report ${id} not found`);
  return incident;
}

export async function reportRoutes(app: FastifyInstance, options: ReportRoutesOptions): Promise<void> {
  const { submissions, provinces } = options;

  app.post('/api/v1/reports', { config: { recordedByEvent: true } }, async (request, reply) => {
    const ctx = submissionContext(request, 'report.submit');
    const checked = checkReport(request.body, provinces);
    if (!checked.ok) throw invalidFields(checked.problems);
    requireProvinceInScope(ctx, checked.value.province);
    return sendStored(reply, await submissions.submitReport(checked.value.submission, checked.value.province, ctx));
  });

  app.get('/api/v1/reports/:id', async (request) => {
    const { id } = parseOr400(incidentParams, request.params, 'params');
    // what the caller's audience may see (shared/src/access/views), in the portal's shape
    return reportStatus(viewFor(identify(request), await visibleIncident(request, submissions, id))!);
  });

  app.post('/api/v1/reports/:id/follow-ups', { config: { recordedByEvent: true } }, async (request, reply) => {
    const ctx = submissionContext(request, 'report.follow_up');
    const { id } = parseOr400(incidentParams, request.params, 'params');
    const report = parseOr400(followUpSubmissionSchema, normalizeText(request.body ?? {}));
    const incident = await visibleIncident(request, submissions, id);
    return sendStored(reply, await submissions.submitFollowUp(incident, report, ctx));
  });
}
