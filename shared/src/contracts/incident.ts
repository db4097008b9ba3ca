import { z } from 'zod';
import { classificationFactsShape } from './classification';
import { assigneeSchema, isoDateTime, provinceRefSchema, text, tlpSchema, ulidSchema } from './common';

/** What a submitter sends to intake (the minimal initial report; Biểu mẫu 03 grows from here). */
export const reportSubmissionSchema = z.strictObject({
  province: text(100).describe('Current or former (before 1/7/2025) province or city, by name or two-digit code'),
  reportingOrganisation: z.strictObject({
    name: text(300).describe('Reporting organisation'),
  }),
  title: text(300).describe('Short title of the incident'),
  description: text(20_000).describe('What happened'),
  detectedAt: isoDateTime.describe('When the incident was detected (ISO 8601 with offset)'),
  tlp: tlpSchema.default('AMBER').describe('Traffic Light Protocol 2.0 marking'),
  // what dispatch classifies on (category, protection level, impacts…): optional, see classification.ts
  ...classificationFactsShape,
});
export type ReportSubmission = z.infer<typeof reportSubmissionSchema>;

/** Intake received and stored an initial report. */
export const incidentReportedSchema = z.object({
  incidentId: ulidSchema,
  province: provinceRefSchema,
  reportingOrganisation: z.object({ name: z.string().min(1) }),
  title: z.string().min(1),
  description: z.string().min(1),
  detectedAt: isoDateTime,
  reportedAt: isoDateTime,
  tlp: tlpSchema,
  ...classificationFactsShape,
});

/** Dispatch decided who must act, and why. */
export const incidentAssignedSchema = z.object({
  incidentId: ulidSchema,
  provinceCode: z.string().regex(/^\d{2}$/),
  assignees: z.array(assigneeSchema).min(1),
  reasons: z.array(z.string().min(1)).min(1),
});

/** An assignee acknowledged the incident (the law: acknowledge at once). */
export const incidentAcknowledgedSchema = z.object({
  incidentId: ulidSchema,
  assigneeId: z.string().min(1),
  note: z.string().max(2000).optional(),
});

/** The tracker refused a command; kept on the log as the audit trail of who tried what. */
export const incidentCommandRejectedSchema = z.object({
  incidentId: ulidSchema,
  commandId: ulidSchema,
  commandType: z.string().min(1),
  reason: z.string().min(1),
});

/** Command: an assignee acknowledges an incident. */
export const acknowledgeIncidentSchema = z.object({
  incidentId: ulidSchema,
  assigneeId: z.string().min(1),
  note: text(2000).optional(),
});
