import { z } from 'zod';
import { actorSchema, assigneeSchema, isoDateTime, provinceRefSchema, tlpSchema, ulidSchema } from '../contracts/common';
import { classificationSchema } from '../contracts/classification';
import type { Redis } from '../redis';

/**
 * The read model of an incident, kept in Redis by the tracker (its only writer) and read by the
 * board. It crosses a service boundary, so it is a contract like the events it is built from.
 */
export const lifecycleStates = ['reported', 'assigned', 'acknowledged'] as const;
export const lifecycleStateSchema = z.enum(lifecycleStates);
export type LifecycleState = z.infer<typeof lifecycleStateSchema>;

/** The official portal's three statuses: Chờ (waiting), Đang xử lý (in progress), Kết thúc (finished). */
export const portalStatusSchema = z.enum(['cho', 'dang_xu_ly', 'ket_thuc']);
export type PortalStatus = z.infer<typeof portalStatusSchema>;

export const assignmentStatusSchema = z.enum(['assigned', 'offered', 'accepted', 'declined', 'timed_out', 'removed']);
export type AssignmentStatus = z.infer<typeof assignmentStatusSchema>;
/** An assignee in one of these no longer works on the incident (and an enterprise no longer sees it). */
export const endedAssignmentStatuses: readonly AssignmentStatus[] = ['declined', 'timed_out', 'removed'];

export const timelineEntrySchema = z.object({
  eventId: ulidSchema,
  type: z.string(),
  at: isoDateTime,
  actor: actorSchema.pick({ kind: true, id: true, name: true }),
  summary: z.string(),
  /** the rule and the candidates behind a routing decision, shown under the entry */
  details: z.array(z.string()).optional(),
});

export const incidentViewSchema = z.object({
  id: ulidSchema,
  /** offset on the incident-events partition of the last event applied: makes replays idempotent */
  version: z.number().int().nonnegative(),
  state: lifecycleStateSchema,
  portalStatus: portalStatusSchema,
  province: provinceRefSchema,
  reportingOrganisation: z.object({ name: z.string() }),
  /** who filed it (the organisation and account, from the report's actor): the basis of the submitter's scope */
  reportedBy: z.object({ actorId: z.string(), organisationId: z.string().optional() }).optional(),
  title: z.string(),
  description: z.string(),
  tlp: tlpSchema,
  detectedAt: isoDateTime,
  reportedAt: isoDateTime,
  assignees: z.array(
    assigneeSchema.extend({
      acknowledgedAt: isoDateTime.optional(),
      // an enterprise is offered the incident and answers; the others are simply assigned
      status: assignmentStatusSchema.optional(),
      offerExpiresAt: isoDateTime.optional(),
      answeredAt: isoDateTime.optional(),
      declineReason: z.string().optional(),
    }),
  ),
  routingReasons: z.array(z.string()),
  classification: classificationSchema.optional(),
  /** set when routing found nobody to offer the incident to: the coordinator must act */
  needsCoordinator: z.object({ since: isoDateTime, reasons: z.array(z.string()) }).optional(),
  timeline: z.array(timelineEntrySchema),
  updatedAt: isoDateTime,
});
export type IncidentView = z.infer<typeof incidentViewSchema>;

/** What the live feed carries: the event that changed an incident and the incident as it is now. */
export const incidentChangeSchema = z.object({
  eventId: ulidSchema,
  type: z.string(),
  incident: incidentViewSchema,
});
export type IncidentChange = z.infer<typeof incidentChangeSchema>;

/** Redis key layout of the incident projection. */
export function incidentKeys(prefix: string) {
  return {
    incident: (id: string) => `${prefix}incident:${id}`,
    /** sorted set of incident ids by last change (ms) */
    byUpdated: `${prefix}incidents:by-updated`,
    byProvince: (code: string) => `${prefix}incidents:province:${code}`,
    /** pub/sub channel of IncidentChange messages */
    feed: `${prefix}feed:incidents`,
  };
}

export async function readIncident(redis: Redis, prefix: string, id: string): Promise<IncidentView | undefined> {
  const raw = await redis.get(incidentKeys(prefix).incident(id));
  return raw ? (JSON.parse(raw) as IncidentView) : undefined;
}

/** The most recently changed incidents, newest first. */
export async function listRecentIncidents(redis: Redis, prefix: string, limit: number): Promise<IncidentView[]> {
  const keys = incidentKeys(prefix);
  const ids = await redis.zrevrange(keys.byUpdated, 0, limit - 1);
  if (ids.length === 0) return [];
  const raws = await redis.mget(ids.map(keys.incident));
  return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as IncidentView);
}
