import { z } from 'zod';
import { attachmentRefSchema, attachmentUploadQuerySchema, commonProblems, followUpSubmissionSchema, problemSchema, provinceRefSchema, reportSubmissionSchema, ulidSchema, type ProvinceResolver } from '@ucsc/shared';
import { reportStatusSchema } from '../domain/status';

/**
 * What intake's routes declare: each schema validates its part of a request (or shapes an
 * answer) and is the same one the OpenAPI document shows.
 */

export const incidentParams = z.object({ id: ulidSchema.describe('The incident id answered when the report was accepted') });
export const downloadParams = incidentParams.extend({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex sha256') });

/** Printable ASCII, as the IETF draft on the Idempotency-Key header allows; long enough for a UUID or a hash. */
export const idempotencyKeySchema = z.string().refine((key) => /^[\x21-\x7e]{1,255}$/.test(key), { message: '1 to 255 printable ASCII characters', params: { rule: 'idempotency_key' } });
export const submissionHeaders = z.object({
  'idempotency-key': idempotencyKeySchema
    .optional()
    .describe('A retry with the same key returns the first answer (header Idempotent-Replayed: true) instead of storing again; the same key with other content is 422.'),
});

/**
 * An upload names its file in the query string, but its description travels in a header
 * (percent-encoded UTF-8), so that it is not written to request logs and proxies' access logs
 * with the URL: it may say what the evidence shows. A description in the query is refused.
 */
export const attachmentUploadQuery = attachmentUploadQuerySchema.omit({ description: true }).strict();
export const attachmentHeaders = submissionHeaders.extend({
  'x-attachment-description': z
    .string()
    .transform((value, ctx) => {
      try {
        return decodeURIComponent(value).normalize('NFC');
      } catch {
        ctx.addIssue({ code: 'custom', message: 'percent-encoded UTF-8', params: { rule: 'percent_encoded' } });
        return z.NEVER;
      }
    })
    .pipe(attachmentUploadQuerySchema.shape.description.unwrap())
    .optional()
    .describe('What the file is (percent-encoded UTF-8, up to 2,000 characters); kept out of the URL so that it is not logged with it'),
});

/** Biểu mẫu 03 as the API takes it: the contract's schema, and a province the directory knows. */
export function reportBody(provinces: ProvinceResolver) {
  return reportSubmissionSchema.extend({
    province: reportSubmissionSchema.shape.province.superRefine((name, ctx) => {
      if (!provinces.resolve(name)) ctx.addIssue({ code: 'custom', message: `"${name}" is not a current or former province or city`, params: { rule: 'known_province' } });
    }),
  });
}

export const reportAcceptedSchema = z.object({
  incidentId: ulidSchema,
  status: z.literal('cho'),
  reportedAt: z.string(),
  province: provinceRefSchema,
  attachments: z.array(z.object({ sha256: z.string(), filename: z.string() })).optional(),
});
export const followUpAcceptedSchema = z.object({ incidentId: ulidSchema, followUpId: ulidSchema, kind: z.string(), receivedAt: z.string() });
export const attachmentAcceptedSchema = attachmentRefSchema.extend({ incidentId: ulidSchema });

const unavailable = problemSchema.describe('Kafka did not acknowledge in time: nothing was stored; retry after Retry-After seconds');

/** The answers of a route that stores a submission, with what it answers when it is stored. */
export const submissionResponses = <S extends z.ZodType>(stored: S) =>
  ({
    ...commonProblems,
    202: stored.describe('Stored (or a retry of a submission stored before: header Idempotent-Replayed)'),
    400: problemSchema.describe('Invalid fields, all of them'),
    404: problemSchema.describe('Unknown incident, or not yours'),
    409: problemSchema.describe('The same submission is being stored right now'),
    413: problemSchema.describe('Larger than the limit'),
    415: problemSchema.describe('Not the content type this route takes'),
    422: problemSchema.describe('Idempotency-Key reused for different content'),
    503: unavailable,
  }) as const;

/** The named schemas of intake's document. */
export const components = {
  ReportSubmission: reportSubmissionSchema,
  ReportAccepted: reportAcceptedSchema,
  ReportStatus: reportStatusSchema,
  FollowUpSubmission: followUpSubmissionSchema,
  FollowUpAccepted: followUpAcceptedSchema,
  AttachmentAccepted: attachmentAcceptedSchema,
  Problem: problemSchema,
};
