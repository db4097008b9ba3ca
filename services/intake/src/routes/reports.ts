import type { FastifyInstance } from 'fastify';
import { ulid } from 'ulid';
import {
  HttpError,
  identify,
  makeEnvelope,
  may,
  normalizeText,
  parseOr400,
  reportSubmissionSchema,
  type ProvinceResolver,
  type Publisher,
} from '@ucsc/shared';
import { toReportedPayload } from '../domain/report';

export interface ReportRoutesOptions {
  publisher: Publisher;
  provinces: ProvinceResolver;
  retryAfterSeconds: number;
}

export async function reportRoutes(app: FastifyInstance, options: ReportRoutesOptions): Promise<void> {
  app.post('/api/v1/reports', async (request, reply) => {
    const actor = identify(request);
    if (!may(actor, 'report.submit')) throw new HttpError(403, 'forbidden', 'this account may not submit reports');
    const submission = parseOr400(reportSubmissionSchema, normalizeText(request.body ?? {}));
    const incidentId = ulid();
    const payload = toReportedPayload(submission, options.provinces, incidentId, new Date());
    const envelope = makeEnvelope('incident.reported', payload, {
      producedBy: 'intake',
      actor,
      correlationId: String(request.id),
    });
    try {
      await options.publisher.publish('incidentEvents', [envelope]);
    } catch {
      throw new HttpError(503, 'storage_unavailable', 'the report could not be stored; nothing was recorded, retry later', [], {
        'retry-after': String(options.retryAfterSeconds),
      });
    }
    return reply.status(202).send({ incidentId, status: 'cho', reportedAt: payload.reportedAt, province: payload.province });
  });
}
