import { z } from 'zod';
import { actorSchema, assigneeSchema, isoDateTime, provinceRefSchema, tlpSchema, ulidSchema } from '../contracts/common';
import { classificationSchema } from '../contracts/classification';
import { assignmentStatusSchema, endedAssignmentStatuses, lifecycleStateSchema, portalStatusOf, portalStatusSchema, type AssignmentStatus, type LifecycleState, type PortalStatus } from '../contracts/lifecycle';
import { finishedStates } from '../access/transitions';
import { attachmentRefSchema, followUpSubmissionSchema, initialReportDetailsSchema } from '../contracts/report';
import { escalationLadderSchema, milestoneKeys, reporterSchema } from '../contracts/lifecycle';
import type { Envelope } from '../contracts/messages';
import { renderedTimelineEntrySchema, timelineEntrySchema, type TimelineDetail, type TimelineFacts, type TimelineType } from '../contracts/timeline';
import type { Redis } from '../redis';

// moved to the lifecycle's contracts; still importable from here (shared/src/access reads it from here)
export { endedAssignmentStatuses, type AssignmentStatus } from '../contracts/lifecycle';


/** Someone who joined a rung's online meeting: the account, the assignee (directory entry) it acted for, when (the tracker's time). */
export const meetingParticipantSchema = z.object({
  actorId: z.string(),
  actorName: z.string().optional(),
  assigneeId: z.string(),
  assigneeName: z.string(),
  at: isoDateTime,
  eventId: ulidSchema,
});

/** A team on site: the assignee whose people go, their names, and the times of its three steps. */
export const onSiteTeamSchema = z.object({
  /** the id of the command that sent it */
  teamId: ulidSchema,
  assigneeId: z.string(),
  name: z.string(),
  people: z.array(z.string()),
  note: z.string().optional(),
  sentAt: isoDateTime,
  /** the coordinator's account (absent in a submitter's view) */
  sentBy: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  arrivedAt: isoDateTime.optional(),
  leftAt: isoDateTime.optional(),
});
export type OnSiteTeam = z.infer<typeof onSiteTeamSchema>;

/** A team that arrived and has not left: what "on site" means now. */
export const isOnSite = (team: Pick<OnSiteTeam, 'arrivedAt' | 'leftAt'>): boolean => Boolean(team.arrivedAt && !team.leftAt);

/**
 * The read model of an incident, kept in Redis by the tracker (its only writer) and read by the
 * board. It crosses a service boundary, so it is a contract like the events it is built from.
 */
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
  /** the rest of Biểu mẫu 03, when the report carried it */
  report: initialReportDetailsSchema.optional(),
  /** situation updates, requests for support or direction, the end-of-response report, in order */
  followUps: z.array(z.object({ followUpId: ulidSchema, eventId: ulidSchema, receivedAt: isoDateTime, report: followUpSubmissionSchema })).optional(),
  /** evidence, by reference: the content is stored outside Kafka and Redis (see intake) */
  attachments: z.array(attachmentRefSchema.extend({ eventId: ulidSchema, addedAt: isoDateTime })).optional(),
  /** when the incident first reached each step: what the deadlines are measured against */
  milestones: z.partialRecord(z.enum(milestoneKeys), isoDateTime).optional(),
  /** every reporter, its own first and those of incidents merged into it: all are kept informed */
  reporters: z.array(reporterSchema).optional(),
  /** set while merged into another incident: where it went and the state it had, to return to on un-merge */
  mergedInto: z.object({ incidentId: ulidSchema, stateBefore: lifecycleStateSchema }).optional(),
  rejectionReason: z.string().optional(),
  /** coordination orders (Biểu mẫu 06) and who has answered */
  coordinationOrders: z
    .array(
      z.object({
        orderId: ulidSchema,
        issuedAt: isoDateTime,
        addressees: z.array(z.object({ id: z.string(), name: z.string() })),
        answerBy: isoDateTime.optional(),
        answers: z.array(z.object({ addresseeId: z.string(), at: isoDateTime, eventId: ulidSchema })),
      }),
    )
    .optional(),
  /** the teams sent on site: who, sent by whom and when, arrived and left when (the first arrival is the onSite milestone) */
  onSiteTeams: z.array(onSiteTeamSchema).optional(),
  /** ids of the commands already decided on this incident, so that a retried command is not applied twice */
  commandIds: z.array(z.string()).optional(),
  /** the clocks' record (issue 12): what the sweeps fired, the climbs of the escalation ladder */
  clocks: z
    .object({
      /** `remind:<deadline key>` and `breach:<deadline key>`, each fired once */
      fired: z.array(z.string()),
      breaches: z.array(z.object({ deadlineKey: z.string(), kind: z.string(), dueAt: isoDateTime, firedAt: isoDateTime, late: z.boolean() })),
      climbs: z.array(
        z.object({
          incidentId: ulidSchema,
          deadlineKey: z.string(),
          ladder: escalationLadderSchema,
          startedAt: isoDateTime,
          reached: z.array(
            z.object({
              rung: z.number(),
              at: isoDateTime,
              late: z.boolean(),
              recipients: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
              /** a liaison leader's rung: who joined its online meeting (the account, the assignee it acted for) and when, each once */
              joined: z.array(meetingParticipantSchema).optional(),
            }),
          ),
          stopped: z.object({ at: isoDateTime, byEvent: z.string() }).optional(),
        }),
      ),
      /** the province's director went straight to the ministry's leadership */
      ministry: z.object({ at: isoDateTime, reason: z.string(), by: z.string() }).optional(),
    })
    .optional(),
  updatedAt: isoDateTime,
});
export type IncidentView = z.infer<typeof incidentViewSchema>;

/** A view as an answer carries it, its timeline's words rendered in the reader's language (`withWords`). */
export const renderedIncidentViewSchema = incidentViewSchema.extend({ timeline: z.array(renderedTimelineEntrySchema) });
export type RenderedIncidentView = z.infer<typeof renderedIncidentViewSchema>;

/** A timeline entry for an event: who did it, when, from which event, and the facts its words are rendered from when read (contracts/timeline). */
export function timelineEntry<T extends TimelineType>(event: Envelope<T>, facts: TimelineFacts[T], details?: TimelineDetail[]): IncidentView['timeline'][number] {
  const { kind, id, name } = event.actor;
  return {
    eventId: event.id,
    type: event.type,
    at: event.occurredAt,
    actor: { kind, id, ...(name ? { name } : {}) },
    facts,
    ...(details?.length ? { details } : {}),
  };
}

/** An incident without its long texts (the description, the form's details): enough to say what state it is in and who sees it. */
export type IncidentSummary = Omit<IncidentView, 'description' | 'report'>;

/**
 * An incident as its initial report makes it: the tracker's projection starts here, and intake
 * answers from it in the moment before the tracker has projected the report.
 */
export function reportedView(event: Envelope<'incident.reported'>, version: number): IncidentView {
  const p = event.payload;
  return {
    id: p.incidentId,
    version,
    state: 'reported',
    portalStatus: portalStatusOf.reported,
    province: p.province,
    reportingOrganisation: p.reportingOrganisation,
    reportedBy: { actorId: event.actor.id, ...(event.actor.organisationId ? { organisationId: event.actor.organisationId } : {}) },
    title: p.title,
    description: p.description,
    tlp: p.tlp,
    detectedAt: p.detectedAt,
    reportedAt: p.reportedAt,
    assignees: [],
    routingReasons: [],
    timeline: [timelineEntry(event, { organisation: p.reportingOrganisation.name })],
    ...(p.report ? { report: p.report } : {}),
    followUps: [],
    attachments: [],
    updatedAt: event.occurredAt,
  };
}

/**
 * The timeline entries a submitter is shown about its own report. A list of what is shown, not of
 * what is hidden, so that a new kind of event stays internal until someone decides otherwise.
 */
export const submitterTimelineTypes: readonly string[] = [
  'incident.reported',
  'incident.assigned',
  'incident.acknowledged',
  'incident.follow_up_reported',
  'incident.attachment_added',
  // how the matter ends, or starts again: what the portal's Kết thúc must be explained by
  'incident.resolved',
  'incident.closed',
  'incident.rejected',
  'incident.merged',
  'incident.unmerged',
  // on the surviving incident: a report merged in (its reporters now follow this one), or taken out again
  'incident.merge_received',
  'incident.merge_undone',
  'incident.reopened',
  // the team that comes to its premises: who, arriving, leaving (not the network's meetings)
  'incident.on_site_team_sent',
  'incident.on_site_arrived',
  'incident.on_site_left',
];

/** What the live feed carries: the event that changed an incident and the incident as it is now. */
export const incidentChangeSchema = z.object({
  eventId: ulidSchema,
  type: z.string(),
  incident: incidentViewSchema,
});
export type IncidentChange = z.infer<typeof incidentChangeSchema>;

/** The incident is not finished (closed, rejected, merged) and a deadline passed without what it waited for (the clocks' breaches). */
export function isOverdue(view: Pick<IncidentView, 'state' | 'clocks'>): boolean {
  return !(finishedStates as readonly string[]).includes(view.state) && (view.clocks?.breaches.length ?? 0) > 0;
}

/** The escalation rung reached (0: none) on the ladder of any deadline that climbs. */
export function rungOf(view: Pick<IncidentView, 'clocks'>): number {
  return Math.max(0, ...(view.clocks?.climbs ?? []).map((c) => Math.max(0, ...c.reached.map((r) => r.rung))));
}

/** The ladder climbed at least one rung (and has not stopped), or the province went to the ministry's leadership. */
export function isEscalated(view: Pick<IncidentView, 'clocks'>): boolean {
  return Boolean(view.clocks?.ministry) || (view.clocks?.climbs ?? []).some((c) => c.reached.length > 0 && !c.stopped);
}

/** The earliest answer still awaited: an open offer's expiry or a coordination order's answer-by (Biểu mẫu 06). */
export function answerByOf(view: Pick<IncidentView, 'assignees' | 'coordinationOrders'>): string | undefined {
  const offers = view.assignees.filter((a) => a.status === 'offered' && a.offerExpiresAt).map((a) => a.offerExpiresAt!);
  const orders = (view.coordinationOrders ?? []).filter((o) => o.answerBy && o.answers.length < o.addressees.length).map((o) => o.answerBy!);
  return [...offers, ...orders].sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}

/**
 * What a list screen needs of an incident, a tenth of the whole view: the live feed's compact form
 * (`/api/v2/feed`'s snapshots and deltas), sent to clients that show lists rather than one incident.
 */
export interface IncidentListItem {
  id: string;
  version: number;
  state: LifecycleState;
  portalStatus: PortalStatus;
  province: { code: string; name: string };
  title: string;
  tlp: IncidentView['tlp'];
  severity?: string;
  priority?: string;
  category?: string;
  reportedAt: string;
  updatedAt: string;
  /** assignees still on the incident */
  assignees: number;
  acknowledged: number;
  /** the enterprises among them (those offered the incident, who answer and report progress): an inbox finds its own part here */
  parts: { id: string; status: AssignmentStatus; offerExpiresAt?: string }[];
  needsCoordinator: boolean;
  /** present when a deadline passed (isOverdue) */
  overdue?: true;
  /** present when escalated (isEscalated), with the rung reached (rungOf) when the ladder climbed */
  escalated?: true;
  rung?: number;
  /** the earliest answer awaited (answerByOf) */
  answerBy?: string;
  /** the earliest deadline not yet met that this audience is shown, with the configured policy (clocks: nextDue) */
  dueAt?: string;
  /** the type of the event that made this version */
  lastEvent: string;
}

/** What the queue is ordered by: every list screen, and the feed's pages of every list subscription. */
export type QueueKey = Pick<IncidentListItem, 'id' | 'state' | 'overdue' | 'escalated' | 'priority' | 'severity' | 'dueAt' | 'reportedAt'>;
const queueFields = ['id', 'state', 'overdue', 'escalated', 'priority', 'severity', 'dueAt', 'reportedAt'] as const satisfies readonly (keyof QueueKey)[];

/** An item's queue key alone (the board's groups keep these, not whole items); the fields it lacks stay absent. */
export function queueKeyOf(item: QueueKey): QueueKey {
  const key: Record<string, unknown> = {};
  for (const field of queueFields) if (item[field] !== undefined) key[field] = item[field];
  return key as QueueKey;
}

/** Whether two keys say the same of every field (two audiences' keys of one version often do). */
export function sameQueueKey(a: QueueKey, b: QueueKey): boolean {
  return queueFields.every((field) => a[field] === b[field]);
}

const priorityRank = (k: QueueKey) => (k.priority ? Number(k.priority.slice(1)) : k.severity === 'severe' ? 1 : 5);
// UTC ISO strings (nextDue, the report's time as intake stamps it) compare as the times they are:
// the board sorts every member of a group per page, so no Date.parse per comparison
const dueOf = (k: QueueKey) => k.dueAt ?? k.reportedAt;
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
// made when first asked, not when loaded: access/transitions and this file import each other
let finishedSet: ReadonlySet<string> | undefined;
const finished = (k: QueueKey) => Number((finishedSet ??= new Set<string>(finishedStates)).has(k.state));

/**
 * The queue's order, the one the page shows and the board pages in: open before finished, overdue
 * first, then escalated, then priority (P1 first; unclassified severe as P1, else last), then the
 * earliest deadline still open (the report's time when none is), then id.
 */
export function compareQueue(a: QueueKey, b: QueueKey): number {
  return (
    finished(a) - finished(b) ||
    Number(Boolean(b.overdue)) - Number(Boolean(a.overdue)) ||
    Number(Boolean(b.escalated)) - Number(Boolean(a.escalated)) ||
    priorityRank(a) - priorityRank(b) ||
    byString(dueOf(a), dueOf(b)) ||
    byString(a.id, b.id)
  );
}

/** `dueAt`: the next deadline this audience is shown (clocks: nextDue of deadlinesShownTo), worked out once per change by the caller. */
export function incidentListItem(view: IncidentView, lastEvent: string, dueAt?: string): IncidentListItem {
  const active = view.assignees.filter((a) => !endedAssignmentStatuses.includes(a.status ?? 'assigned'));
  const answerBy = answerByOf(view);
  return {
    id: view.id,
    version: view.version,
    state: view.state,
    portalStatus: view.portalStatus,
    province: { code: view.province.code, name: view.province.name },
    title: view.title,
    tlp: view.tlp,
    ...(view.classification
      ? { severity: view.classification.severity, priority: view.classification.priority, category: view.classification.category }
      : {}),
    reportedAt: view.reportedAt,
    updatedAt: view.updatedAt,
    assignees: active.length,
    acknowledged: active.filter((a) => a.acknowledgedAt).length,
    parts: active.filter((a) => a.kind === 'enterprise').map((a) => ({ id: a.id, status: a.status ?? 'assigned', ...(a.offerExpiresAt ? { offerExpiresAt: a.offerExpiresAt } : {}) })),
    needsCoordinator: Boolean(view.needsCoordinator),
    // absent rather than false or 0: most items are neither, and every byte counts per client
    ...(isOverdue(view) ? { overdue: true as const } : {}),
    ...(isEscalated(view) ? { escalated: true as const } : {}),
    ...(rungOf(view) > 0 ? { rung: rungOf(view) } : {}),
    ...(answerBy ? { answerBy } : {}),
    ...(dueAt ? { dueAt } : {}),
    lastEvent,
  };
}

/**
 * How many changes the feed's log keeps (about 3.5 KB each: ~35 MB): a client away for less than
 * that many changes resumes; one away longer is told to reload.
 */
export const feedLogLength = 10_000;

/** Redis key layout of the incident projection. */
export function incidentKeys(prefix: string) {
  return {
    incident: (id: string) => `${prefix}incident:${id}`,
    /** sorted set of incident ids by last change (ms) */
    byUpdated: `${prefix}incidents:by-updated`,
    byProvince: (code: string) => `${prefix}incidents:province:${code}`,
    /** hash of incident id → version of its view (the tracker's write guard) */
    versions: `${prefix}incidents:versions`,
    /**
     * the feed's change log: a stream of IncidentChange messages (field `c`), written by the
     * tracker's projector with the views; its entry ids are the feed's positions
     */
    changes: `${prefix}feed:changes`,
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
