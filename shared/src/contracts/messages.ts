import { z } from 'zod';
import { actorSchema, isoDateTime, ulidSchema } from './common';
import { auditRecordedSchema } from './audit';
import {
  acknowledgeIncidentSchema,
  incidentAcknowledgedSchema,
  incidentAssignedSchema,
  incidentAttachmentAddedSchema,
  incidentFollowUpReportedSchema,
  incidentCommandRejectedSchema,
  incidentReportedSchema,
} from './incident';
import {
  acceptAssignmentSchema,
  assignmentAcceptedSchema,
  assignmentDeclinedSchema,
  assignmentOfferedSchema,
  assignmentTimedOutSchema,
  declineAssignmentSchema,
  incidentClassifiedSchema,
  overrideRoutingSchema,
  routingNoFitSchema,
  routingOverriddenSchema,
} from './routing';
import {
  directoryEnterprisePutSchema,
  directoryEntryRemovedSchema,
  directoryLiaisonPutSchema,
  directoryOrganisationPutSchema,
  directoryUnitPutSchema,
} from './directory';
import { identityTokenPutSchema, identityUserPutSchema } from './identity';

/** Every event and command type, with its payload schema. Types come from here, never written twice. */
export const messageSchemas = {
  'incident.reported': incidentReportedSchema,
  'incident.follow_up_reported': incidentFollowUpReportedSchema,
  'incident.attachment_added': incidentAttachmentAddedSchema,
  'incident.assigned': incidentAssignedSchema,
  'incident.acknowledged': incidentAcknowledgedSchema,
  'incident.command_rejected': incidentCommandRejectedSchema,
  'incident.acknowledge': acknowledgeIncidentSchema,
  'audit.recorded': auditRecordedSchema,
  // classification and routing (dispatch), and the enterprises' answers (tracker)
  'incident.classified': incidentClassifiedSchema,
  'incident.assignment_offered': assignmentOfferedSchema,
  'incident.assignment_accepted': assignmentAcceptedSchema,
  'incident.assignment_declined': assignmentDeclinedSchema,
  'incident.assignment_timed_out': assignmentTimedOutSchema,
  'incident.routing_no_fit': routingNoFitSchema,
  'incident.routing_overridden': routingOverriddenSchema,
  'incident.accept_assignment': acceptAssignmentSchema,
  'incident.decline_assignment': declineAssignmentSchema,
  'incident.override_routing': overrideRoutingSchema,
  // the directory: every change to who is in the network
  'directory.unit_put': directoryUnitPutSchema,
  'directory.organisation_put': directoryOrganisationPutSchema,
  'directory.organisation_removed': directoryEntryRemovedSchema,
  'directory.liaison_put': directoryLiaisonPutSchema,
  'directory.liaison_removed': directoryEntryRemovedSchema,
  'directory.enterprise_put': directoryEnterprisePutSchema,
  'directory.enterprise_removed': directoryEntryRemovedSchema,
  // identity: accounts and API tokens (the board owns them)
  'identity.user_put': identityUserPutSchema,
  'identity.token_put': identityTokenPutSchema,
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
