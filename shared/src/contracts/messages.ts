import { z } from 'zod';
import { actorSchema, isoDateTime, ulidSchema } from './common';
import {
  acknowledgeIncidentSchema,
  incidentAcknowledgedSchema,
  incidentAssignedSchema,
  incidentAttachmentAddedSchema,
  incidentFollowUpReportedSchema,
  incidentCommandRejectedSchema,
  incidentReportedSchema,
} from './incident';

/** Every event and command type, with its payload schema. Types come from here, never written twice. */
export const messageSchemas = {
  'incident.reported': incidentReportedSchema,
  'incident.follow_up_reported': incidentFollowUpReportedSchema,
  'incident.attachment_added': incidentAttachmentAddedSchema,
  'incident.assigned': incidentAssignedSchema,
  'incident.acknowledged': incidentAcknowledgedSchema,
  'incident.command_rejected': incidentCommandRejectedSchema,
  'incident.acknowledge': acknowledgeIncidentSchema,
} as const satisfies Record<string, z.ZodType>;

export type MessageType = keyof typeof messageSchemas;
export type Payload<T extends MessageType> = z.infer<(typeof messageSchemas)[T]>;

/** The envelope every message travels in. */
export const envelopeSchema = z.object({
  id: ulidSchema,
  type: z.string().min(1),
  occurredAt: isoDateTime,
  schemaVersion: z.literal(1),
  producedBy: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).optional(),
  actor: actorSchema,
  payload: z.unknown(),
});

type EnvelopeBase = Omit<z.infer<typeof envelopeSchema>, 'type' | 'payload'>;
export type Envelope<T extends MessageType = MessageType> = T extends MessageType
  ? EnvelopeBase & { type: T; payload: Payload<T> }
  : never;
