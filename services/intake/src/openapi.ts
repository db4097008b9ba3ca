import { z } from 'zod';
import { attachmentRefSchema, attachmentUploadQuerySchema, followUpSubmissionSchema, provinceRefSchema, reportSubmissionSchema, ulidSchema } from '@ucsc/shared';
import { reportStatusSchema } from './domain/status';
import { idempotencyKeySchema, incidentParams } from './routes/reports';

/**
 * The OpenAPI 3.1 document of intake, generated from the zod schemas the routes validate with:
 * a field described here is the field checked there, never written twice.
 */

const problemSchema = z.object({
  error: z.string().describe('machine-readable code, e.g. validation_failed, body_too_large, storage_unavailable'),
  message: z.string(),
  problems: z.array(z.object({ field: z.string().describe('e.g. body.contactPerson.phone'), rule: z.string().describe('e.g. too_small, invalid_format, vietnamese_phone, not_in_future, known_province'), message: z.string() })).optional(),
});
const reportAcceptedSchema = z.object({
  incidentId: ulidSchema,
  status: z.literal('cho'),
  reportedAt: z.string(),
  province: provinceRefSchema,
  attachments: z.array(z.object({ sha256: z.string(), filename: z.string() })).optional(),
});
const followUpAcceptedSchema = z.object({ incidentId: ulidSchema, followUpId: ulidSchema, kind: z.string(), receivedAt: z.string() });
const attachmentAcceptedSchema = attachmentRefSchema.extend({ incidentId: ulidSchema });

export const components = {
  ReportSubmission: reportSubmissionSchema,
  ReportAccepted: reportAcceptedSchema,
  ReportStatus: reportStatusSchema,
  FollowUpSubmission: followUpSubmissionSchema,
  FollowUpAccepted: followUpAcceptedSchema,
  AttachmentAccepted: attachmentAcceptedSchema,
  Problem: problemSchema,
} as const;
type ComponentName = keyof typeof components;

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName) => ({ content: { 'application/json': { schema: ref(name) } } });
const problem = (description: string) => ({ description, ...json('Problem') });

function parameters(schema: z.ZodObject, where: 'path' | 'query' | 'header') {
  const jsonSchema = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(jsonSchema.properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (jsonSchema.required ?? []).includes(name),
    ...(s.description ? { description: s.description } : {}),
    schema: s,
  }));
}

const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'A retry with the same key returns the first answer (header Idempotent-Replayed: true) instead of storing again; the same key with other content is 422.',
  schema: z.toJSONSchema(idempotencyKeySchema),
};
const unavailable = { description: 'Kafka did not acknowledge in time: nothing was stored; retry after Retry-After seconds', headers: { 'Retry-After': { schema: { type: 'integer' } } }, ...json('Problem') };
const id = parameters(incidentParams, 'path');

export interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  description: string;
  spec: Record<string, unknown>;
}

export const operations: Operation[] = [
  {
    method: 'post',
    path: '/api/v1/reports',
    summary: 'Submit an initial incident report (Biểu mẫu 03)',
    description:
      'Answers 202 with the incident id only after Kafka acknowledged the report (acks=all). Every invalid field is named at once. Without an Idempotency-Key, the same organisation, system and detection time within the idempotency window is the same report.',
    spec: {
      parameters: [idempotencyHeader],
      requestBody: { required: true, ...json('ReportSubmission') },
      responses: {
        202: { description: 'Stored (or a retry of a report stored before)', ...json('ReportAccepted') },
        400: problem('Invalid fields, all of them'),
        409: problem('The same submission is being stored right now'),
        413: problem('Body larger than BODY_LIMIT_BYTES'),
        415: problem('Not application/json'),
        422: problem('Idempotency-Key reused for a different report'),
        503: unavailable,
      },
    },
  },
  {
    method: 'post',
    path: '/api/v1/reports/email',
    summary: 'Submit a report as an email ([TBSC] subject, raw RFC 5322 message)',
    description:
      'The body is the whole message (message/rfc822). The form is read from "Label: value" lines of Biểu mẫu 03 or from a JSON part; the title from the subject after [TBSC]; attached files become attachments of the incident. A rejection lists every missing or wrong field by its label on the form.',
    spec: {
      parameters: [idempotencyHeader],
      requestBody: { required: true, content: { 'message/rfc822': { schema: { type: 'string', format: 'binary' } } } },
      responses: { 202: { description: 'Stored', ...json('ReportAccepted') }, 400: problem('email_rejected: what is missing or wrong'), 413: problem('Too large'), 415: problem('Not message/rfc822'), 503: unavailable },
    },
  },
  {
    method: 'get',
    path: '/api/v1/reports/{id}',
    summary: 'Status of a report, for its submitter',
    description: 'Chờ / Đang xử lý / Kết thúc, the finer lifecycle state, who handles it, and the timeline the submitter may see. 404 both for an unknown id and for a report the caller may not see.',
    spec: { parameters: id, responses: { 200: { description: 'The status', ...json('ReportStatus') }, 404: problem('Unknown, or not yours') } },
  },
  {
    method: 'post',
    path: '/api/v1/reports/{id}/follow-ups',
    summary: 'Send a follow-up report: situation update, request for support or direction, end-of-response report (Biểu mẫu 04)',
    description: 'Each is an event on the incident. Retrying the same content (or the same Idempotency-Key) records it once.',
    spec: {
      parameters: [...id, idempotencyHeader],
      requestBody: { required: true, ...json('FollowUpSubmission') },
      responses: { 202: { description: 'Stored', ...json('FollowUpAccepted') }, 400: problem('Invalid fields'), 404: problem('Unknown incident'), 503: unavailable },
    },
  },
  {
    method: 'post',
    path: '/api/v1/reports/{id}/attachments',
    summary: 'Attach evidence: a log, a malware sample or another file',
    description: 'The body is the file, of any content type, up to ATTACHMENT_LIMIT_BYTES. Stored by sha256 outside Kafka; the event carries the reference. Malware samples are flagged.',
    spec: {
      parameters: [...id, ...parameters(attachmentUploadQuerySchema, 'query')],
      requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      responses: { 202: { description: 'Stored', ...json('AttachmentAccepted') }, 404: problem('Unknown incident'), 413: problem('Larger than the limit'), 503: unavailable },
    },
  },
  {
    method: 'get',
    path: '/api/v1/reports/{id}/attachments/{sha256}',
    summary: 'Download an attachment',
    description: 'Always application/octet-stream with Content-Disposition: attachment and X-Content-Type-Options: nosniff; X-Malware-Sample: true on malware samples. 404 for those who may not see the incident or the attachment.',
    spec: {
      parameters: [...id, { name: 'sha256', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } }],
      responses: { 200: { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, 404: problem('Not found, or not yours') },
    },
  },
];

// every operation needs a credential; the shared authentication answers these before the route runs
const signInResponses = {
  401: problem('unauthenticated: no credential, or an invalid, expired or revoked one'),
  403: problem('forbidden: this account may not do this (or insufficient_scope for an API token)'),
  429: problem('rate_limited: too many requests; retry after Retry-After seconds'),
};

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    const operationId = `${op.method}${op.path.replace(/[^a-zA-Z]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
    const spec = { ...op.spec, responses: { ...signInResponses, ...(op.spec.responses as Record<string, unknown>) } };
    paths[op.path]![op.method] = { summary: op.summary, description: op.description, operationId, ...spec };
  }
  const schemas = Object.fromEntries(
    Object.entries(components).map(([name, schema]) => {
      const { $schema: _draft, ...rest } = z.toJSONSchema(schema, { io: name.endsWith('Submission') ? 'input' : 'output', unrepresentable: 'any' }) as Record<string, unknown>;
      return [name, rest];
    }),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'ucsc intake',
      version: '1',
      description: 'Incident reports of the national incident-response network (Circular 20/2017: Biểu mẫu 03, follow-up reports, Biểu mẫu 04).',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A session token (POST /api/v1/auth/login on the board) or an organisation’s API token (ucsc_tok-…), as Authorization: Bearer …',
        },
      },
    },
    security: [{ bearer: [] }],
  };
}
