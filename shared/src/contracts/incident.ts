import { z } from 'zod';
import { classificationFactsShape } from './classification';
import { assigneeSchema, isoDateTime, provinceRefSchema, text, tlpSchema, ulidSchema } from './common';
import { attachmentRefSchema, followUpSubmissionSchema, initialReportDetailsSchema } from './report';

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
  /** what classification needs (category, protection level, impacts…), as the reporter told it */
  ...classificationFactsShape,
  /** the rest of Biểu mẫu 03; absent on events written before the form was complete */
  report: initialReportDetailsSchema.optional(),
});

/** A follow-up report on an incident (situation update, requests, Biểu mẫu 04), as the submitter sent it. */
export const incidentFollowUpReportedSchema = z.object({
  incidentId: ulidSchema,
  followUpId: ulidSchema,
  receivedAt: isoDateTime,
  report: followUpSubmissionSchema,
});

/** Evidence attached to an incident; the content is stored outside Kafka, addressed by its sha256. */
export const incidentAttachmentAddedSchema = z.object({
  incidentId: ulidSchema,
  attachment: attachmentRefSchema,
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
  /** how the sender is answered: 403 not this actor's, 404 unknown, 409 not in this state, 422 a rule of the content */
  status: z.union([z.literal(403), z.literal(404), z.literal(409), z.literal(422)]).optional(),
  /** the state that refused it, and what that state allows */
  state: z.string().optional(),
  allowed: z.array(z.string()).optional(),
  /** the refusal's name, when more precise than its status (e.g. assignment_not_held) */
  code: z.string().regex(/^[a-z_]{1,60}$/).optional(),
});

/** Command: an assignee acknowledges an incident. */
export const acknowledgeIncidentSchema = z.object({
  incidentId: ulidSchema,
  assigneeId: z.string().min(1),
  note: text(2000).optional(),
});
