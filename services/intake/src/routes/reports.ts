import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  followUpSubmissionSchema,
  HttpError,
  canSee,
  commonProblems,
  identify,
  may,
  mayFileIn,
  problemSchema,
  viewFor,
  languageOf,
  languageQuerySchema,
  type Permission,
  type IncidentSummary,
  type ProvinceRef,
  type ProvinceResolver,
} from '@ucsc/shared';
import { reportStatus, reportStatusSchema } from '../domain/status';
import type { Stored, SubmissionContext, Submissions } from '../submissions';
import { followUpAcceptedSchema, incidentParams, reportAcceptedSchema, reportBody, submissionHeaders, submissionResponses } from './schemas';

export interface ReportRoutesOptions {
  submissions: Submissions;
  provinces: ProvinceResolver;
}

/**
 * Who submits, checked against the policy table (shared/src/access), with the request's
 * correlation id and Idempotency-Key (its form checked by the route's declared headers).
 */
export function submissionContext(request: FastifyRequest, permission: Permission): SubmissionContext {
  const actor = identify(request);
  if (!may(actor, permission)) throw new HttpError(403, 'forbidden', 'this account may not submit reports or follow-ups');
  const key = request.headers['idempotency-key'];
  return { actor, correlationId: String(request.id), idempotencyKey: Array.isArray(key) ? key[0] : key };
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

export async function reportRoutes(fastify: FastifyInstance, options: ReportRoutesOptions): Promise<void> {
  const { submissions, provinces } = options;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/v1/reports',
    {
      config: { recordedByEvent: true },
      schema: {
        summary: 'Submit an initial incident report (Biểu mẫu 03)',
        description:
          'Answers 202 with the incident id only after Kafka acknowledged the report (acks=all). Every invalid field is named at once. Without an Idempotency-Key, the same organisation, system and detection time within the idempotency window is the same report.',
        headers: submissionHeaders,
        body: reportBody(provinces),
        response: submissionResponses(reportAcceptedSchema),
      },
    },
    async (request, reply) => {
      const ctx = submissionContext(request, 'report.submit');
      const province = provinces.resolve(request.body.province)!;
      requireProvinceInScope(ctx, province);
      return sendStored(reply, await submissions.submitReport(request.body, province, ctx));
    },
  );

  app.get(
    '/api/v1/reports/:id',
    {
      schema: {
        summary: 'Status of a report, for its submitter',
        description: 'Chờ / Đang xử lý / Kết thúc, the finer lifecycle state, who handles it, and the timeline the submitter may see. 404 both for an unknown id and for a report the caller may not see.',
        params: incidentParams,
        querystring: languageQuerySchema,
        response: { ...commonProblems, 200: reportStatusSchema, 400: problemSchema, 404: problemSchema.describe('Unknown, or not yours') },
      },
    },
    // what the caller's audience may see (shared/src/access/views), in the portal's shape
    async (request) =>
      reportStatus(viewFor(identify(request), await visibleIncident(request, submissions, request.params.id))!, languageOf(request.query.lang, request.headers['accept-language'])),
  );

  app.post(
    '/api/v1/reports/:id/follow-ups',
    {
      config: { recordedByEvent: true },
      schema: {
        summary: 'Send a follow-up report: situation update, request for support or direction, end-of-response report (Biểu mẫu 04)',
        description: 'Each is an event on the incident. Retrying the same content (or the same Idempotency-Key) records it once.',
        params: incidentParams,
        headers: submissionHeaders,
        body: followUpSubmissionSchema,
        response: submissionResponses(followUpAcceptedSchema),
      },
    },
    async (request, reply) => {
      const ctx = submissionContext(request, 'report.follow_up');
      const incident = await visibleIncident(request, submissions, request.params.id);
      return sendStored(reply, await submissions.submitFollowUp(incident, request.body, ctx));
    },
  );
}
