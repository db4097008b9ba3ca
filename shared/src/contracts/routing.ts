import { z } from 'zod';
import { assigneeSchema, isoDateTime, text, ulidSchema } from './common';
import { classificationSchema } from './classification';

/** Dispatch classified an incident (severity, priority, category, TLP) and recorded why. */
export const incidentClassifiedSchema = classificationSchema.extend({ incidentId: ulidSchema });

/** One enterprise dispatch looked at for an offer, and why it was or was not chosen. */
export const routingCandidateSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  openAssignments: z.number().int().nonnegative(),
  capacity: z.number().int().positive(),
  chosen: z.boolean(),
  why: z.string().min(1),
});
export type RoutingCandidate = z.infer<typeof routingCandidateSchema>;

/** How many enterprises each rule ruled out, so a decision over 60,000 stays readable. */
export const routingExclusionsSchema = z.object({
  category: z.number().int().nonnegative(),
  coverage: z.number().int().nonnegative(),
  tlp: z.number().int().nonnegative(),
  capacity: z.number().int().nonnegative(),
  alreadyAsked: z.number().int().nonnegative(),
});
export type RoutingExclusions = z.infer<typeof routingExclusionsSchema>;

/** Dispatch offered the incident to a member enterprise, which must accept within the window. */
export const assignmentOfferedSchema = z.object({
  incidentId: ulidSchema,
  assignee: assigneeSchema,
  offeredAt: isoDateTime,
  offerExpiresAt: isoDateTime,
  /** which rule led here: first routing, a decline, a timeout */
  rule: z.enum(['initial', 'after_decline', 'after_timeout']),
  reasons: z.array(z.string().min(1)).min(1),
  candidates: z.array(routingCandidateSchema),
  excluded: routingExclusionsSchema,
  /**
   * the offer's turn in dispatch's round robin (the store's sequence, in digits: ties of load go to
   * the enterprise offered longest ago), so that a rebuild from the log restores the same order
   */
  sequence: z.string().regex(/^\d{1,20}$/).optional(),
});

export const assignmentAcceptedSchema = z.object({
  incidentId: ulidSchema,
  assigneeId: z.string().min(1),
  note: z.string().max(2000).optional(),
});

export const assignmentDeclinedSchema = z.object({
  incidentId: ulidSchema,
  assigneeId: z.string().min(1),
  reason: z.string().min(1).max(2000),
});

/** The enterprise did not answer within its acceptance window. */
export const assignmentTimedOutSchema = z.object({
  incidentId: ulidSchema,
  assigneeId: z.string().min(1),
  offeredAt: isoDateTime,
  expiredAt: isoDateTime,
});

/** No enterprise fits: the national coordinator is told at once, never silence. */
export const routingNoFitSchema = z.object({
  incidentId: ulidSchema,
  wanted: z.number().int().positive(),
  found: z.number().int().nonnegative(),
  rule: z.enum(['initial', 'after_decline', 'after_timeout']),
  reasons: z.array(z.string().min(1)).min(1),
  excluded: routingExclusionsSchema,
  /** the national coordinator, told at once (absent only when the directory has none) */
  notified: assigneeSchema.optional(),
});

/** A coordinator changed who is assigned; recorded with who (the envelope's actor) and why. */
export const routingOverriddenSchema = z.object({
  incidentId: ulidSchema,
  added: z.array(assigneeSchema),
  removed: z.array(z.object({ id: z.string().min(1), name: z.string().min(1) })),
  reason: z.string().min(1).max(2000),
});

/** Command (to the tracker): an enterprise accepts the incident offered to it. */
export const acceptAssignmentSchema = z.object({
  incidentId: ulidSchema,
  assigneeId: z.string().min(1),
  note: text(2000).optional(),
});

/** Command (to the tracker): an enterprise declines the incident offered to it, saying why. */
export const declineAssignmentSchema = z.object({
  incidentId: ulidSchema,
  assigneeId: z.string().min(1),
  reason: text(2000),
});

/** Command (to dispatch, which owns routing): a coordinator adds or removes assignees. */
export const overrideRoutingSchema = z.object({
  incidentId: ulidSchema,
  add: z.array(z.object({ kind: z.enum(['enterprise', 'organisation', 'liaison']), id: z.string().min(1) })).max(50),
  remove: z.array(z.string().min(1)).max(50),
  reason: text(2000),
});
