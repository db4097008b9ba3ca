import { z } from 'zod';
import { incidentCategorySchema, prioritySchema, severitySchema } from './classification';
import { assigneeSchema, isoDateTime, text, tlpSchema, ulidSchema } from './common';
import { attachmentRefSchema, finalReportSchema } from './report';

// ── states ────────────────────────────────────────────────────────────────────────────────────

/**
 * An incident's lifecycle (issue 12), in the order a response goes. `routed` is dispatch's
 * automatic choice of the receiving units and responders, which comes before anyone confirms
 * receipt; `assigned` is a responder taking the response after triage. The rules that move an
 * incident between them are the tracker's transition table (services/tracker/src/domain/).
 */
export const lifecycleStates = [
  'reported',
  'routed',
  /** the receiving unit confirmed receipt (the law: at once) */
  'acknowledged',
  /** verified and classified by a person */
  'triaged',
  'assigned',
  'responding',
  'contained',
  /** the response ended */
  'resolved',
  /** the end-of-response report (Biểu mẫu 04) is in; the coordinator may close */
  'report_received',
  'closed',
  /** not an incident (with a reason) */
  'rejected',
  /** the same attack as another incident, which now carries its reporters */
  'merged',
  /** a resolved, closed or rejected incident taken up again */
  'reopened',
] as const;
export const lifecycleStateSchema = z.enum(lifecycleStates);
export type LifecycleState = z.infer<typeof lifecycleStateSchema>;

/** The official portal's three statuses: Chờ (waiting), Đang xử lý (in progress), Kết thúc (finished). */
export const portalStatusSchema = z.enum(['cho', 'dang_xu_ly', 'ket_thuc']);
export type PortalStatus = z.infer<typeof portalStatusSchema>;

/** What the submitter sees of each state. */
export const portalStatusOf: Record<LifecycleState, PortalStatus> = {
  reported: 'cho',
  routed: 'cho',
  acknowledged: 'dang_xu_ly',
  triaged: 'dang_xu_ly',
  assigned: 'dang_xu_ly',
  responding: 'dang_xu_ly',
  contained: 'dang_xu_ly',
  // finished for the responders, but the report is due and the coordinator still has to close it
  resolved: 'dang_xu_ly',
  report_received: 'dang_xu_ly',
  closed: 'ket_thuc',
  rejected: 'ket_thuc',
  // its reporters follow the incident it was merged into, which is still being handled or not
  merged: 'dang_xu_ly',
  reopened: 'dang_xu_ly',
};

/**
 * Each assignee's own part, beside the incident's state. Liaisons and hubs are `assigned`; an
 * enterprise is `offered` and answers; `working` once it posts progress, `done` when the incident
 * is resolved. A part in `releasedAssignmentStatuses` no longer counts towards the enterprise's load.
 */
export const assignmentStatuses = ['assigned', 'offered', 'accepted', 'declined', 'timed_out', 'removed', 'working', 'done'] as const;
export const assignmentStatusSchema = z.enum(assignmentStatuses);
export type AssignmentStatus = z.infer<typeof assignmentStatusSchema>;
/** An assignee in one of these no longer works on the incident (and an enterprise no longer sees it). */
export const endedAssignmentStatuses: readonly AssignmentStatus[] = ['declined', 'timed_out', 'removed'];
/** An enterprise's load is released when its part is in one of these (done: it still sees the incident, for Biểu mẫu 04). */
export const releasedAssignmentStatuses: readonly AssignmentStatus[] = [...endedAssignmentStatuses, 'done'];

/** The moments an incident's view records (the first time each happened; lastProgress: the latest). */
export const milestoneKeys = [
  'acknowledged',
  'triaged',
  'assigned',
  'firstProgress',
  'lastProgress',
  'onSite',
  'contained',
  'resolved',
  'responseEnded',
  'reportReceived',
  'closed',
  'rejected',
  'reopened',
] as const;
export type Milestone = (typeof milestoneKeys)[number];

// ── commands (to the tracker, on incident.commands, keyed by incident id) ────────────────────────
// acknowledge, accept_assignment and decline_assignment are in incident.ts and routing.ts.

const incidentId = { incidentId: ulidSchema };
const reason = text(2000);

/** Command: the receiving unit has verified the incident and classifies it. */
export const triageIncidentSchema = z.object({
  ...incidentId,
  severity: severitySchema,
  priority: prioritySchema,
  category: incidentCategorySchema,
  note: text(5000).optional(),
});

/** Command: a coordinator assigns a responder; an enterprise is offered the incident and must accept. */
export const assignResponderSchema = z.object({ ...incidentId, assignee: assigneeSchema, reason });

/** Command: a coordinator takes an assignee off the incident. */
export const unassignResponderSchema = z.object({ ...incidentId, assigneeId: z.string().min(1), reason });

/** Command: a situation update (free text, optional attachments already uploaded, by reference). */
export const postProgressSchema = z.object({
  ...incidentId,
  /** the assignee it is posted for; absent when a coordinator posts for the incident as a whole */
  assigneeId: z.string().min(1).optional(),
  situation: text(20_000),
  attachments: z.array(attachmentRefSchema).max(20).optional(),
  // "on site" has one source: an on-site team's arrival (arrive_on_site), which meets the on-site
  // deadline; an update posted while a team is there says so on the timeline (derived, not sent)
});

/** Command: a responder asks for support (people, analysis, direction). */
export const requestSupportSchema = z.object({
  ...incidentId,
  assigneeId: z.string().min(1).optional(),
  supportNeeded: text(5000),
  urgency: z.enum(['normal', 'urgent']).default('normal'),
});

export const containIncidentSchema = z.object({ ...incidentId, note: text(5000).optional() });
export const resolveIncidentSchema = z.object({ ...incidentId, responseEndedAt: isoDateTime, note: text(5000).optional() });

/** Command: Biểu mẫu 04 through the board (the submitter's own goes through intake as a follow-up). */
export const submitFinalReportSchema = z.object({ ...incidentId, report: finalReportSchema });

/** Command: the coordinator closes the incident; only after the end-of-response report. */
export const closeIncidentSchema = z.object({ ...incidentId, note: text(5000).optional() });
export const rejectIncidentSchema = z.object({ ...incidentId, reason });

/** Command: this incident is the same attack as another; its reporters move there and are kept. */
export const mergeIncidentSchema = z.object({ ...incidentId, intoIncidentId: ulidSchema, reason });
export const unmergeIncidentSchema = z.object({ ...incidentId, reason });
export const reopenIncidentSchema = z.object({ ...incidentId, reason });
export const commentOnIncidentSchema = z.object({ ...incidentId, text: text(5000) });
/** Command: change the TLP marking; only up, unless the actor is a coordinator. */
export const changeTlpSchema = z.object({ ...incidentId, tlp: tlpSchema, reason: reason.optional() });
export const changeSeveritySchema = z.object({ ...incidentId, severity: severitySchema, priority: prioritySchema.optional(), reason });

/** Command: the national coordinator's coordination order (Biểu mẫu 06) to members, who must answer. */
export const issueCoordinationOrderSchema = z.object({
  ...incidentId,
  addressees: z.array(z.object({ id: z.string().min(1), name: z.string().min(1) })).min(1).max(50),
  instructions: text(20_000),
  answerBy: isoDateTime.optional(),
});
export const answerCoordinationOrderSchema = z.object({
  ...incidentId,
  /** the id of the command that issued the order (the order's id) */
  orderId: ulidSchema,
  addresseeId: z.string().min(1),
  answer: text(20_000),
});

/**
 * Command: someone the engaged liaison leader's rung reached, or who answers for the incident,
 * joined its online meeting ("meet online at once"). Who: the account sending it and the
 * assignee (directory entry) it acts for; when: the tracker's time of decision (the event's).
 */
export const joinMeetingSchema = z.object({
  ...incidentId,
  /** the climb (its breached deadline's key) and the rung whose meeting it is */
  deadlineKey: text(200),
  rung: z.number().int().nonnegative(),
  assigneeId: z.string().min(1),
});

/** Command: a coordinator sends a team on site (the on-site rung, or the coordinator's own decision). */
export const sendOnSiteTeamSchema = z.object({
  ...incidentId,
  /** the assignee (directory entry: enterprise, hub, liaison's department) whose people go */
  teamAssigneeId: z.string().min(1),
  /** the people's names, as typed (the board makes text NFC) */
  people: z.array(text(200)).min(1).max(20),
  note: text(2000).optional(),
});
/** Command: the team arrived on site (this meets the on-site deadline). */
export const arriveOnSiteSchema = z.object({ ...incidentId, teamId: ulidSchema, note: text(2000).optional() });
/** Command: the team left the site; only once the incident is resolved ("stay until it is solved"). */
export const leaveOnSiteSchema = arriveOnSiteSchema;

// ── events (on incident.events) ─────────────────────────────────────────────────────────────────

export const incidentTriagedSchema = triageIncidentSchema;
/** A responder was added by a coordinator; an offer carries the time it must be answered by. */
export const assigneeAddedSchema = z.object({ ...incidentId, assignee: assigneeSchema, offerExpiresAt: isoDateTime.optional(), reason });
export const assigneeRemovedSchema = unassignResponderSchema;
export const progressPostedSchema = postProgressSchema;
export const supportRequestedSchema = requestSupportSchema;
export const incidentContainedSchema = containIncidentSchema;
export const incidentResolvedSchema = resolveIncidentSchema;
export const incidentClosedSchema = closeIncidentSchema;
export const incidentRejectedSchema = rejectIncidentSchema;

/** Who filed a report, kept when its incident is merged so that every reporter stays informed. */
export const reporterSchema = z.object({
  incidentId: ulidSchema,
  actorId: z.string().min(1).optional(),
  organisationId: z.string().optional(),
  organisationName: z.string().min(1),
  /** the incident it came with, when merged in: un-merging that incident takes it away again */
  mergedVia: ulidSchema.optional(),
});
export type Reporter = z.infer<typeof reporterSchema>;

/** On the incident merged away (keyed by its id). */
export const incidentMergedSchema = z.object({ ...incidentId, intoIncidentId: ulidSchema, reason });
/** On the incident that absorbs it (keyed by that one's id): the reporters it now carries. */
export const mergeReceivedSchema = z.object({ ...incidentId, fromIncidentId: ulidSchema, reporters: z.array(reporterSchema).min(1) });
/** On the incident taken back out; it returns to the state it had when it was merged. */
export const incidentUnmergedSchema = z.object({ ...incidentId, fromIncidentId: ulidSchema, reason });
/** On the incident that absorbed it: its reporters leave again. */
export const mergeUndoneSchema = z.object({ ...incidentId, fromIncidentId: ulidSchema });
export const incidentReopenedSchema = reopenIncidentSchema;
export const incidentCommentedSchema = commentOnIncidentSchema;
export const tlpChangedSchema = z.object({ ...incidentId, from: tlpSchema, to: tlpSchema, reason: reason.optional() });
export const severityChangedSchema = z.object({
  ...incidentId,
  from: severitySchema.optional(),
  to: severitySchema,
  priority: prioritySchema.optional(),
  reason,
});
export const coordinationOrderIssuedSchema = issueCoordinationOrderSchema.extend({ orderId: ulidSchema });
export const coordinationOrderAnsweredSchema = answerCoordinationOrderSchema;
export const meetingJoinedSchema = joinMeetingSchema;
/** The team's id is the id of the command that sent it. */
export const onSiteTeamSentSchema = sendOnSiteTeamSchema.extend({ teamId: ulidSchema });
export const onSiteArrivedSchema = arriveOnSiteSchema;
export const onSiteLeftSchema = leaveOnSiteSchema;

// ── clocks and the escalation ladder: what the tracker's sweeps fire (events on incident.events) ──

/** Which deadline: its key is stable within the incident (see deadlinesOf), its kind names the rule. */
const deadlineRef = {
  ...incidentId,
  deadlineKey: z.string().min(1),
  kind: z.string().min(1),
  basis: z.enum(['legal', 'policy']),
  dueAt: isoDateTime,
  /** the assignee it is about, when it is one's (an offer, an answer to an order) */
  assigneeId: z.string().min(1).optional(),
};
/** A reminder, before a deadline. */
export const deadlineRemindedSchema = z.object({ ...deadlineRef, firedAt: isoDateTime });
/** A deadline passed without what it waited for; `late`: fired well after it passed (the tracker was away), not at the time. */
export const deadlineBreachedSchema = z.object({
  ...deadlineRef,
  firedAt: isoDateTime,
  late: z.boolean(),
  /** a breach that starts a climb carries the ladder in force then: editing the ladder later does not rewrite this climb */
  ladder: z.lazy(() => escalationLadderSchema).optional(),
});
/** A rung of the escalation ladder reached, and whom it reaches (in the web app and on the board until notifications land). */
export const escalationRungReachedSchema = z.object({
  ...incidentId,
  deadlineKey: z.string().min(1),
  ladderId: z.string().min(1),
  rung: z.number().int().nonnegative(),
  reaches: z.enum(['liaison_officer', 'liaison_leader', 'on_site', 'ministry_leadership']),
  recipients: z.array(z.object({ id: z.string().min(1), name: z.string().min(1) })),
  dueAt: isoDateTime,
  firedAt: isoDateTime,
  late: z.boolean(),
});
/** Command: the province's director goes straight to the ministry's leadership, in one action, with a reason. */
export const escalateToMinistrySchema = z.object({ ...incidentId, reason });
export const ministryEscalatedSchema = escalateToMinistrySchema;

// ── clocks and the escalation ladder: configuration as data ─────────────────────────────────────

const minutes = z.number().int().positive();

/** The response times of one severity and priority, in minutes; null: not required (e.g. on site for a minor one). */
export const responseTimesSchema = z.object({
  acknowledge: minutes,
  accept: minutes,
  firstProgress: minutes,
  onSite: minutes.nullable(),
  contain: minutes,
  resolve: minutes,
  /** while responding, a situation update at least this often */
  progressInterval: minutes,
  /** a reminder this long before each deadline */
  remindBefore: minutes,
});
export type ResponseTimes = z.infer<typeof responseTimesSchema>;

/** The policy table: response times per severity and priority (data, not code). */
export const responsePolicySchema = z.record(severitySchema, z.record(prioritySchema, responseTimesSchema));
export type ResponsePolicy = z.infer<typeof responsePolicySchema>;

/** Whom a rung of the escalation ladder reaches. */
export const ladderRungTargets = ['liaison_officer', 'liaison_leader', 'on_site', 'ministry_leadership'] as const;
export const ladderRungSchema = z.object({
  reaches: z.enum(ladderRungTargets),
  /** minutes after the breach (first rung) or after the rung before */
  waitMinutes: z.number().int().nonnegative(),
});
export const escalationLadderSchema = z.object({
  id: z.string().min(1),
  rungs: z.array(ladderRungSchema).min(1),
});
export type EscalationLadder = z.infer<typeof escalationLadderSchema>;

// ── notifications: what the notifier delivered, or could not (events on incident.events, on the timeline) ──

const notificationRef = {
  ...incidentId,
  /** (event, recipient, channel): the one identity of a delivery, also its webhook-id and Message-ID */
  deliveryId: z.string().min(1),
  /** the event it told of */
  aboutEventId: ulidSchema,
  channel: z.enum(['email', 'webhook', 'inapp']),
  recipientId: z.string().min(1),
  recipientName: z.string().min(1),
};
/** The notifier delivered a notice (for a grouped email: one such event per incident it counted). */
export const notificationSentSchema = z.object({ ...notificationRef, grouped: z.number().int().positive().optional() });
/** A delivery failed: retried (`dead` false) or given up after its retries or on a 410 (`dead` true). */
export const notificationFailedSchema = z.object({ ...notificationRef, attempt: z.number().int().positive(), error: z.string().min(1).max(500), dead: z.boolean() });
