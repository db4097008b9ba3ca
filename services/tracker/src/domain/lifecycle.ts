import {
  assignmentAllows,
  canSee,
  hasRole,
  incidentCategories,
  isOnSite,
  mayActFor,
  portalStatusOf,
  reportedView,
  timelineEntry,
  tlpLevels,
  endedAssignmentStatuses,
  type Envelope,
  type IncidentView,
  type LifecycleState,
  type Milestone,
  type OnSiteTeam,
  type Payload,
  type Reporter,
  type ResponsePolicy,
  type TimelineDetail,
  type TimelineFacts,
  type TimelineType,
  type TopicMessageType,
} from '@ucsc/shared';
import { addMinutes, defaultResponsePolicy, responseTimesOf } from './clocks';
import { startClimb, stopClimb, stopsClimb, type Climb } from './escalation';
import { allowedCommands, commandOfEvent, finishedStates, transitions, type CommandRule, type CommandType, type IncidentEventType } from '@ucsc/shared';

export type IncidentEvent = Envelope<TopicMessageType<'incidentEvents'>>;
export type IncidentCommand = Envelope<CommandType>;
/** Wraps a payload in an envelope that carries the command's actor and correlation. */
export type Emit = <T extends IncidentEventType>(type: T, payload: Payload<T>) => Envelope<T>;

type Assigned = IncidentView['assignees'][number];

/** The state an event's command leads to from the view's state; a state the table does not list stays (never backwards). */
function targetState(view: IncidentView, command: CommandType | undefined): LifecycleState {
  const target = command ? (transitions[command] as CommandRule).from[view.state] : undefined;
  if (target === undefined || target === 'same') return view.state;
  if (target === 'state_before_merge') return view.mergedInto?.stateBefore ?? view.state;
  return target;
}

/** Records the first time of each milestone (the latest for lastProgress and reopened). */
function withMilestones(view: IncidentView, at: string, keys: readonly Milestone[]): IncidentView {
  const milestones = { ...view.milestones };
  for (const key of keys) if (!milestones[key] || key === 'lastProgress' || key === 'reopened') milestones[key] = at;
  return { ...view, milestones };
}

/** The facts an event's timeline entry is rendered from (the words are the catalogue's, shared/src/contracts/timeline.ts). */
type FactsOf<E extends IncidentEvent> = TimelineFacts[E['type'] & TimelineType];

function withState<E extends IncidentEvent>(
  view: IncidentView,
  state: LifecycleState,
  event: E,
  version: number,
  facts: FactsOf<E>,
  details?: TimelineDetail[],
): IncidentView {
  const next = state === 'assigned' && view.state !== 'assigned' ? withMilestones(view, event.occurredAt, ['assigned']) : view;
  return {
    ...next,
    state,
    portalStatus: portalStatusOf[state],
    version,
    updatedAt: event.occurredAt,
    timeline: [...view.timeline, timelineEntry(event as Envelope<TimelineType>, facts, details)],
  };
}

/** The state change an event's own command brings (see the transition table). */
function advance<E extends IncidentEvent>(view: IncidentView, event: E, version: number, facts: FactsOf<E>, details?: TimelineDetail[]): IncidentView {
  return withState(view, targetState(view, commandOfEvent[event.type]), event, version, facts, details);
}

/** Adds assignees, or replaces those already listed under the same id (a re-offer after a removal). */
function upsertAssignees(list: Assigned[], added: Assigned[]): Assigned[] {
  const ids = new Set(added.map((a) => a.id));
  return [...list.filter((a) => !ids.has(a.id)), ...added];
}

function updateAssignee(view: IncidentView, id: string, change: Partial<Assigned>): Assigned[] {
  return view.assignees.map((a) => (a.id === id ? { ...a, ...change } : a));
}

const nameOf = (view: IncidentView, assigneeId: string) => view.assignees.find((a) => a.id === assigneeId)?.name ?? assigneeId;

function updateTeam(view: IncidentView, teamId: string, change: Partial<OnSiteTeam>): OnSiteTeam[] {
  return (view.onSiteTeams ?? []).map((t) => (t.teamId === teamId ? { ...t, ...change } : t));
}

/** The climb of a breached deadline and the rung of it reached, when it was. */
function reachedRung(view: IncidentView, deadlineKey: string, rung: number) {
  const climb = view.clocks?.climbs.find((c) => c.deadlineKey === deadlineKey);
  return { climb, reached: climb?.reached.find((r) => r.rung === rung) };
}

/** Every reporter an incident carries: its own, and those of incidents merged into it. */
export function reportersOf(view: IncidentView): Reporter[] {
  if (view.reporters) return view.reporters;
  const { actorId, organisationId } = view.reportedBy ?? {};
  return [{ incidentId: view.id, ...(actorId ? { actorId } : {}), ...(organisationId ? { organisationId } : {}), organisationName: view.reportingOrganisation.name }];
}

/** A routing event moves a new incident to `routed`; after that, who is assigned changes beside the state. */
const routedState = (view: IncidentView): LifecycleState => (view.state === 'reported' ? 'routed' : view.state);
const finished: readonly LifecycleState[] = finishedStates;

/** The event types that record the command they came from (their causation id) on the view. */
const commandResults = new Set<string>(Object.values(transitions).flatMap((rule) => rule.events));

/**
 * The projection of one event onto an incident's current state. Pure: the same events in the same
 * order always give the same view, which is what makes rebuilding from Kafka possible.
 * Returns undefined for an event about an incident that was never reported.
 */
export function applyEvent(view: IncidentView | undefined, event: IncidentEvent, version: number): IncidentView | undefined {
  let next = project(view, event, version);
  if (!next) return next;
  // an acknowledgement or a progress update stops every climb under way: no rung after it calls anyone
  if (stopsClimb(event) && next.clocks?.climbs.some((c) => !c.stopped)) {
    next = { ...next, clocks: { ...next.clocks, climbs: next.clocks.climbs.map((c) => stopClimb(c as Climb, event)) } };
  }
  const commandId = event.type === 'incident.command_rejected' ? event.payload.commandId : commandResults.has(event.type) ? event.causationId : undefined;
  if (!commandId || next.commandIds?.includes(commandId)) return next;
  return { ...next, commandIds: [...(next.commandIds ?? []), commandId] };
}

function project(view: IncidentView | undefined, event: IncidentEvent, version: number): IncidentView | undefined {
  if (event.type === 'incident.reported') return view ? { ...view, version } : reportedView(event, version);
  if (!view) return undefined;
  const at = event.occurredAt;
  switch (event.type) {
    case 'incident.assigned': {
      // a re-routing keeps the acknowledgements of those still assigned
      const acknowledged = new Map(view.assignees.map((a) => [a.id, a.acknowledgedAt]));
      const assignees = event.payload.assignees.map((a) => {
        const when = acknowledged.get(a.id);
        return when ? { ...a, acknowledgedAt: when } : a;
      });
      const next = { ...view, assignees, routingReasons: event.payload.reasons };
      return withState(next, routedState(view), event, version, { count: event.payload.assignees.length });
    }
    case 'incident.acknowledged': {
      const assignees = updateAssignee(view, event.payload.assigneeId, { acknowledgedAt: at });
      return advance(withMilestones({ ...view, assignees }, at, ['acknowledged']), event, version, { who: nameOf(view, event.payload.assigneeId) });
    }
    case 'incident.follow_up_reported': {
      const { followUpId, receivedAt, report } = event.payload;
      const followUps = view.followUps ?? [];
      if (followUps.some((f) => f.followUpId === followUpId)) return { ...view, version };
      let next: IncidentView = { ...view, followUps: [...followUps, { followUpId, eventId: event.id, receivedAt, report }] };
      if (report.kind !== 'final_report' || finished.includes(view.state)) return withState(next, view.state, event, version, { kind: report.kind });
      // Biểu mẫu 04 says when the response ended: through the board it comes after resolve; the
      // submitter's own, through intake, is a fact the tracker records from any open state
      next = withMilestones(next, report.responseEndedAt, ['resolved', 'responseEnded']);
      return withState(withMilestones(next, at, ['reportReceived']), 'report_received', event, version, { kind: report.kind });
    }
    case 'incident.attachment_added': {
      const { attachment } = event.payload;
      const attachments = view.attachments ?? [];
      if (attachments.some((a) => a.sha256 === attachment.sha256)) return { ...view, version };
      const kind = attachment.malware ? 'malware' : attachment.kind === 'log' ? 'log' : 'file';
      const next = { ...view, attachments: [...attachments, { ...attachment, eventId: event.id, addedAt: at }] };
      return withState(next, view.state, event, version, { kind, filename: attachment.filename });
    }
    case 'incident.command_rejected':
      return { ...view, version };
    case 'incident.classified': {
      const { incidentId: _id, ...classification } = event.payload;
      const { severity, priority, category, rsitClass, tlp } = classification;
      return withState({ ...view, classification }, view.state, event, version, { severity, priority, category, rsitClass, tlp }, classification.reasons);
    }
    case 'incident.assignment_offered': {
      const p = event.payload;
      const offered: Assigned = { ...p.assignee, status: 'offered', offerExpiresAt: p.offerExpiresAt };
      const candidates = p.candidates.map(({ name, chosen, openAssignments, capacity, why }) => ({ candidate: { name, chosen, openAssignments, capacity, why } }));
      const next = { ...view, assignees: upsertAssignees(view.assignees, [offered]) };
      return withState(next, routedState(view), event, version, { who: p.assignee.name, expiresAt: p.offerExpiresAt }, [...p.reasons, ...candidates]);
    }
    case 'incident.assignment_accepted': {
      const who = view.assignees.find((a) => a.id === event.payload.assigneeId);
      if (!who || who.status !== 'offered') return { ...view, version };
      const assignees = updateAssignee(view, who.id, { status: 'accepted', answeredAt: at });
      const { needsCoordinator: _cleared, ...rest } = view;
      return advance({ ...rest, assignees }, event, version, { who: who.name });
    }
    case 'incident.assignment_declined': {
      const who = view.assignees.find((a) => a.id === event.payload.assigneeId);
      if (!who || who.status !== 'offered') return { ...view, version };
      const assignees = updateAssignee(view, who.id, { status: 'declined', answeredAt: at, declineReason: event.payload.reason });
      return withState({ ...view, assignees }, view.state, event, version, { who: who.name, reason: event.payload.reason });
    }
    case 'incident.assignment_timed_out': {
      const who = view.assignees.find((a) => a.id === event.payload.assigneeId);
      if (!who || who.status !== 'offered') return { ...view, version };
      const assignees = updateAssignee(view, who.id, { status: 'timed_out', answeredAt: at });
      return withState({ ...view, assignees }, view.state, event, version, { who: who.name });
    }
    case 'incident.routing_no_fit': {
      const p = event.payload;
      const needsCoordinator = { since: at, reasons: p.reasons };
      const notified = p.notified && !view.assignees.some((a) => a.id === p.notified?.id) ? [p.notified] : [];
      const next = { ...view, needsCoordinator, assignees: upsertAssignees(view.assignees, notified) };
      // found as many as wanted (the catalogue words it so): the enterprises fit, but the province has nobody of its own to act
      return withState(next, routedState(view), event, version, { found: p.found, wanted: p.wanted }, p.reasons);
    }
    case 'incident.routing_overridden': {
      const p = event.payload;
      const removed = new Set(p.removed.map((r) => r.id));
      const kept = view.assignees.map((a) => (removed.has(a.id) ? { ...a, status: 'removed' as const } : a));
      const added: Assigned[] = p.added.map((a) => ({ ...a, status: a.kind === 'enterprise' ? ('accepted' as const) : ('assigned' as const) }));
      const { needsCoordinator: _cleared, ...rest } = view;
      const next = { ...rest, assignees: upsertAssignees(kept, added) };
      const facts = { added: p.added.map((a) => a.name), removed: p.removed.map((r) => r.name) };
      return withState(p.added.length ? next : { ...view, assignees: kept }, routedState(view), event, version, facts, [{ reason: p.reason }]);
    }
    // ── the lifecycle's own events: the state moves by the transition table ──
    case 'incident.triaged': {
      const { severity, priority, category, note } = event.payload;
      const reasons = [`xác minh: ${note ?? 'không ghi chú'}`];
      const base = view.classification ?? { rsitClass: incidentCategories[category].rsit, tlp: view.tlp, reasons: [] };
      const classification = { ...base, severity, priority, category, rsitClass: incidentCategories[category].rsit, reasons: [...base.reasons, ...reasons] };
      return advance(withMilestones({ ...view, classification }, at, ['triaged']), event, version, { severity, priority, category }, note ? [note] : undefined);
    }
    case 'incident.assignee_added': {
      const { assignee, offerExpiresAt, reason } = event.payload;
      const added: Assigned = offerExpiresAt ? { ...assignee, status: 'offered', offerExpiresAt } : { ...assignee, status: 'assigned' };
      const next = { ...view, assignees: upsertAssignees(view.assignees, [added]) };
      return advance(next, event, version, { who: assignee.name, ...(offerExpiresAt ? { offerExpiresAt } : {}) }, [{ reason }]);
    }
    case 'incident.assignee_removed': {
      const assignees = updateAssignee(view, event.payload.assigneeId, { status: 'removed' });
      return advance({ ...view, assignees }, event, version, { who: nameOf(view, event.payload.assigneeId) }, [{ reason: event.payload.reason }]);
    }
    case 'incident.progress_posted': {
      const { assigneeId, situation, attachments } = event.payload;
      let next: IncidentView = withMilestones(view, at, ['firstProgress', 'lastProgress']);
      const who = assigneeId ? view.assignees.find((a) => a.id === assigneeId) : undefined;
      if (who?.status === 'accepted') next = { ...next, assignees: updateAssignee(next, who.id, { status: 'working' }) };
      const known = new Set((view.attachments ?? []).map((a) => a.sha256));
      const added = (attachments ?? []).filter((a) => !known.has(a.sha256)).map((a) => ({ ...a, eventId: event.id, addedAt: at }));
      if (added.length) next = { ...next, attachments: [...(view.attachments ?? []), ...added] };
      // on site: a team arrived and has not left (the arrival is the one source of it)
      return advance(next, event, version, { ...(who ? { who: who.name } : {}), onSite: (view.onSiteTeams ?? []).some(isOnSite) }, [situation]);
    }
    case 'incident.support_requested': {
      const { supportNeeded, urgency } = event.payload;
      return advance(view, event, version, { urgent: urgency === 'urgent' }, [supportNeeded]);
    }
    case 'incident.contained':
      return advance(withMilestones(view, at, ['contained']), event, version, {}, event.payload.note ? [event.payload.note] : undefined);
    case 'incident.resolved': {
      // each responder's part is done: its load is released, it still sees the incident for Biểu mẫu 04
      const assignees = view.assignees.map((a) => (a.status === 'accepted' || a.status === 'working' ? { ...a, status: 'done' as const } : a));
      let next = withMilestones({ ...view, assignees }, at, ['resolved']);
      next = withMilestones(next, event.payload.responseEndedAt, ['responseEnded']);
      return advance(next, event, version, {}, event.payload.note ? [event.payload.note] : undefined);
    }
    case 'incident.closed':
      return advance(withMilestones(view, at, ['closed']), event, version, {}, event.payload.note ? [event.payload.note] : undefined);
    case 'incident.rejected':
      return advance(withMilestones({ ...view, rejectionReason: event.payload.reason }, at, ['rejected']), event, version, {}, [{ reason: event.payload.reason }]);
    case 'incident.merged': {
      if (view.state === 'merged') return { ...view, version };
      const next = { ...view, mergedInto: { incidentId: event.payload.intoIncidentId, stateBefore: view.state } };
      return advance(next, event, version, { into: event.payload.intoIncidentId }, [{ reason: event.payload.reason }]);
    }
    case 'incident.unmerged': {
      if (!view.mergedInto) return { ...view, version };
      const { mergedInto: _gone, ...rest } = view;
      return withState(rest, targetState(view, 'incident.unmerge'), event, version, { from: event.payload.fromIncidentId }, [{ reason: event.payload.reason }]);
    }
    case 'incident.merge_received': {
      const { fromIncidentId, reporters } = event.payload;
      const kept = reportersOf(view).filter((r) => r.mergedVia !== fromIncidentId);
      const next = { ...view, reporters: [...kept, ...reporters.map((r) => ({ ...r, mergedVia: fromIncidentId }))] };
      return withState(next, view.state, event, version, { from: fromIncidentId, reporters: reporters.length });
    }
    case 'incident.merge_undone': {
      const { fromIncidentId } = event.payload;
      const next = { ...view, reporters: reportersOf(view).filter((r) => r.mergedVia !== fromIncidentId) };
      return withState(next, view.state, event, version, { from: fromIncidentId });
    }
    case 'incident.reopened': {
      // a new round of response: what ended it no longer holds
      const { firstProgress: _f, lastProgress: _l, onSite: _s, contained: _c, resolved: _r, responseEnded: _e, reportReceived: _p, closed: _d, rejected: _j, ...kept } = view.milestones ?? {};
      const { rejectionReason: _reason, ...rest } = view;
      const assignees = view.assignees.map((a) => (a.status === 'done' ? { ...a, status: 'accepted' as const } : a));
      // a team still on site is on site for the new round from now
      const onSite = (view.onSiteTeams ?? []).some(isOnSite) ? (['onSite'] as const) : [];
      const next = withMilestones({ ...rest, assignees, milestones: kept }, at, ['reopened', ...onSite]);
      return advance(next, event, version, {}, [{ reason: event.payload.reason }]);
    }
    case 'incident.commented':
      return advance(view, event, version, {}, [event.payload.text]);
    case 'incident.tlp_changed': {
      const { from, to, reason } = event.payload;
      const classification = view.classification ? { ...view.classification, tlp: to } : undefined;
      const next = { ...view, tlp: to, ...(classification ? { classification } : {}) };
      return advance(next, event, version, { from, to }, reason ? [{ reason }] : undefined);
    }
    case 'incident.severity_changed': {
      const { to, priority, reason } = event.payload;
      const classification = view.classification ? { ...view.classification, severity: to, ...(priority ? { priority } : {}) } : undefined;
      return advance({ ...view, ...(classification ? { classification } : {}) }, event, version, { severity: to, ...(priority ? { priority } : {}) }, [{ reason }]);
    }
    case 'incident.coordination_order_issued': {
      const { orderId, addressees, instructions, answerBy } = event.payload;
      const orders = view.coordinationOrders ?? [];
      if (orders.some((o) => o.orderId === orderId)) return { ...view, version };
      const order = { orderId, issuedAt: at, addressees, ...(answerBy ? { answerBy } : {}), answers: [] };
      return advance({ ...view, coordinationOrders: [...orders, order] }, event, version, { addressees: addressees.map((a) => a.name) }, [instructions]);
    }
    case 'incident.coordination_order_answered': {
      const { orderId, addresseeId, answer } = event.payload;
      const orders = (view.coordinationOrders ?? []).map((o) =>
        o.orderId === orderId && !o.answers.some((a) => a.addresseeId === addresseeId) ? { ...o, answers: [...o.answers, { addresseeId, at, eventId: event.id }] } : o,
      );
      const who = view.coordinationOrders?.find((o) => o.orderId === orderId)?.addressees.find((a) => a.id === addresseeId)?.name ?? addresseeId;
      return advance({ ...view, coordinationOrders: orders }, event, version, { who }, [answer]);
    }
    // ── the ladder's online meeting and on-site support ──
    case 'incident.meeting_joined': {
      const { deadlineKey, rung, assigneeId } = event.payload;
      const { climb, reached } = reachedRung(view, deadlineKey, rung);
      const actor = event.actor;
      if (!climb || !reached || reached.joined?.some((j) => j.actorId === actor.id)) return { ...view, version };
      const joined = { actorId: actor.id, ...(actor.name ? { actorName: actor.name } : {}), assigneeId, assigneeName: nameOf(view, assigneeId), at, eventId: event.id };
      const climbs = view.clocks!.climbs.map((c) => (c === climb ? { ...c, reached: c.reached.map((r) => (r === reached ? { ...r, joined: [...(r.joined ?? []), joined] } : r)) } : c));
      return advance({ ...view, clocks: { ...clocksOf(view), climbs } }, event, version, { who: actor.name ?? actor.id, for: joined.assigneeName });
    }
    case 'incident.on_site_team_sent': {
      const { teamId, teamAssigneeId, people, note } = event.payload;
      const teams = view.onSiteTeams ?? [];
      if (teams.some((t) => t.teamId === teamId)) return { ...view, version };
      const by = { id: event.actor.id, ...(event.actor.name ? { name: event.actor.name } : {}) };
      const team: OnSiteTeam = { teamId, assigneeId: teamAssigneeId, name: nameOf(view, teamAssigneeId), people, ...(note ? { note } : {}), sentAt: at, sentBy: by };
      return advance({ ...view, onSiteTeams: [...teams, team] }, event, version, { team: team.name, people }, note ? [note] : undefined);
    }
    case 'incident.on_site_arrived': {
      const team = view.onSiteTeams?.find((t) => t.teamId === event.payload.teamId);
      if (!team || team.arrivedAt) return { ...view, version };
      const next = withMilestones({ ...view, onSiteTeams: updateTeam(view, team.teamId, { arrivedAt: at }) }, at, ['onSite']);
      return advance(next, event, version, { team: team.name }, event.payload.note ? [event.payload.note] : undefined);
    }
    case 'incident.on_site_left': {
      const team = view.onSiteTeams?.find((t) => t.teamId === event.payload.teamId);
      if (!team || !team.arrivedAt || team.leftAt) return { ...view, version };
      return advance({ ...view, onSiteTeams: updateTeam(view, team.teamId, { leftAt: at }) }, event, version, { team: team.name }, event.payload.note ? [event.payload.note] : undefined);
    }
    // ── the clocks: what the sweeps fired, and the ladder ──
    case 'incident.deadline_reminded': {
      const { deadlineKey, kind, dueAt } = event.payload;
      const clocks = clocksOf(view);
      if (clocks.fired.includes(`remind:${deadlineKey}`)) return { ...view, version };
      const next = { ...view, clocks: { ...clocks, fired: [...clocks.fired, `remind:${deadlineKey}`] } };
      return withState(next, view.state, event, version, { kind, dueAt });
    }
    case 'incident.deadline_breached': {
      const { deadlineKey, kind, dueAt, firedAt, late, ladder } = event.payload;
      const clocks = clocksOf(view);
      if (clocks.fired.includes(`breach:${deadlineKey}`)) return { ...view, version };
      const climbs = ladder ? [...clocks.climbs, startClimb(view.id, { key: deadlineKey, dueAt }, ladder)] : clocks.climbs;
      const breaches = [...clocks.breaches, { deadlineKey, kind, dueAt, firedAt, late }];
      const next = { ...view, clocks: { ...clocks, fired: [...clocks.fired, `breach:${deadlineKey}`], breaches, climbs } };
      return withState(next, view.state, event, version, { kind, dueAt, late });
    }
    case 'incident.escalation_rung_reached': {
      const { deadlineKey, rung, reaches, recipients, firedAt, late } = event.payload;
      const clocks = clocksOf(view);
      const climb = clocks.climbs.find((c) => c.deadlineKey === deadlineKey);
      if (!climb || climb.reached.some((r) => r.rung === rung)) return { ...view, version };
      const climbs = clocks.climbs.map((c) => (c === climb ? { ...c, reached: [...c.reached, { rung, at: firedAt, late, recipients }] } : c));
      return withState({ ...view, clocks: { ...clocks, climbs } }, view.state, event, version, { reaches, late }, [{ recipients: recipients.map((r) => r.name) }]);
    }
    // ── what the notifier delivered: on the timeline, the state unchanged ──
    case 'incident.notification_sent': {
      const { channel, recipientName, grouped } = event.payload;
      return withState(view, view.state, event, version, { channel, recipient: recipientName, ...(grouped ? { grouped } : {}) });
    }
    case 'incident.notification_failed': {
      const { channel, recipientName, attempt, dead } = event.payload;
      return withState(view, view.state, event, version, { channel, recipient: recipientName, attempt, dead }, [event.payload.error]);
    }
    case 'incident.ministry_escalated': {
      const clocks = clocksOf(view);
      const next = { ...view, clocks: { ...clocks, ministry: { at, reason: event.payload.reason, by: event.actor.name ?? event.actor.id } } };
      return advance(next, event, version, {}, [{ reason: event.payload.reason }]);
    }
  }
}

const clocksOf = (view: IncidentView): NonNullable<IncidentView['clocks']> => view.clocks ?? { fired: [], breaches: [], climbs: [] };
// ── deciding commands ─────────────────────────────────────────────────────────────────────────

/** A refusal: 404 unknown incident, 403 not this actor's to do, 409 not in this state (naming what is), 422 a rule of the content. */
export interface Refusal {
  accepted: false;
  status: 403 | 404 | 409 | 422;
  reason: string;
  state?: LifecycleState;
  allowed?: CommandType[];
  /** a name more precise than the status, for the answer's `error` (e.g. assignment_not_held) */
  code?: string;
}
/** `duplicate`: the command was decided before (a retry): nothing more to emit. */
export type Decision = { accepted: true; events: IncidentEvent[]; duplicate?: true } | Refusal;

export interface DecideContext {
  /** response times per severity and priority (an offer's window) */
  policy?: ResponsePolicy;
  /** other incidents as they are now: a merge needs the one it merges into */
  incident?: (id: string) => IncidentView | undefined;
}

const refuse = (status: Refusal['status'], reason: string, extra: Partial<Refusal> = {}): Refusal => ({ accepted: false, status, reason, ...extra });
const accept = (...events: IncidentEvent[]): Decision => ({ accepted: true, events });

/** The assignee a command names, when it acts for one. */
function namedAssignee(command: IncidentCommand): string | undefined {
  const p = command.payload as { assigneeId?: string; addresseeId?: string };
  return command.type === 'incident.unassign' ? undefined : (p.assigneeId ?? p.addresseeId);
}

/** Who may: the roles of the table, then whether the actor may see the incident, then whether it answers for the assignee it names. */
function authorise(view: IncidentView, command: IncidentCommand, rule: CommandRule): Refusal | undefined {
  const { actor } = command;
  if (actor.kind === 'service' || actor.kind === 'system') return undefined;
  if (!hasRole(actor, ...rule.roles)) return refuse(403, `${command.type} needs one of the roles ${rule.roles.join(', ')}`);
  if (!canSee(actor, view)) return refuse(403, `${actor.id} may not see this incident`);
  const assigneeId = namedAssignee(command);
  if ((rule.scope === 'assignee' || assigneeId) && !mayActFor(actor, assigneeId ?? '')) return refuse(403, `${actor.id} does not answer for ${assigneeId ?? 'an assignee'}`);
  return undefined;
}

/** Whether an acknowledgement by this assignee is already on record (since the incident was last reopened). */
function hasAcknowledged(view: IncidentView, assignee: Assigned): boolean {
  const reopened = view.milestones?.reopened;
  return Boolean(assignee.acknowledgedAt && (!reopened || assignee.acknowledgedAt >= reopened));
}

/**
 * Which events a command leads to, given the incident as it is now; or why it is refused. Pure:
 * the time is the command's own (occurredAt), the rules are the transition table's.
 */
export function decide(view: IncidentView | undefined, command: IncidentCommand, emit: Emit, context: DecideContext = {}): Decision {
  if (!view) return refuse(404, 'unknown incident');
  if (view.commandIds?.includes(command.id)) return { accepted: true, events: [], duplicate: true };
  const rule = transitions[command.type] as CommandRule;
  const forbidden = authorise(view, command, rule);
  if (forbidden) return forbidden;
  if (rule.from[view.state] === undefined) {
    const allowed = allowedCommands(view.state);
    return refuse(409, `${command.type} is not allowed while the incident is ${view.state}; allowed: ${allowed.join(', ') || 'nothing'}`, { state: view.state, allowed });
  }
  const assignee = (id: string) => view.assignees.find((a) => a.id === id);
  const current = (id: string) => {
    const found = assignee(id);
    return found && !endedAssignmentStatuses.includes(found.status ?? 'assigned') ? found : undefined;
  };
  const conflict = (reason: string, code?: string) => refuse(409, reason, { state: view.state, ...(code ? { code } : {}) });
  switch (command.type) {
    case 'incident.acknowledge': {
      const { incidentId, assigneeId, note } = command.payload;
      const who = assignee(assigneeId);
      if (!who) return conflict(`${assigneeId} is not assigned to this incident`);
      if (!assignmentAllows('acknowledge', who.status)) return conflict(`${who.name} does not hold this assignment (${who.status ?? 'assigned'})`, 'assignment_not_held');
      if (hasAcknowledged(view, who)) return conflict(`${who.name} already acknowledged`);
      return accept(emit('incident.acknowledged', { incidentId, assigneeId, ...(note ? { note } : {}) }));
    }
    case 'incident.accept_assignment':
    case 'incident.decline_assignment': {
      const who = assignee(command.payload.assigneeId);
      if (!who) return conflict(`${command.payload.assigneeId} is not assigned to this incident`);
      if (!assignmentAllows('respond', who.status)) return conflict(`${who.name} has no open offer to answer (${who.status ?? 'assigned'})`, 'no_open_offer');
      if (command.type === 'incident.accept_assignment') {
        const { incidentId, assigneeId, note } = command.payload;
        return accept(emit('incident.assignment_accepted', { incidentId, assigneeId, ...(note ? { note } : {}) }));
      }
      const { incidentId, assigneeId, reason } = command.payload;
      return accept(emit('incident.assignment_declined', { incidentId, assigneeId, reason }));
    }
    case 'incident.triage':
      return accept(emit('incident.triaged', command.payload));
    case 'incident.assign': {
      const { incidentId, assignee: who, reason } = command.payload;
      if (current(who.id)) return conflict(`${who.name} is already assigned`);
      // an enterprise is offered the incident and must accept within the policy's window
      const times = responseTimesOf(context.policy ?? defaultResponsePolicy, view.classification);
      const offer = who.kind === 'enterprise' ? { offerExpiresAt: addMinutes(command.occurredAt, times.accept) } : {};
      return accept(emit('incident.assignee_added', { incidentId, assignee: who, reason, ...offer }));
    }
    case 'incident.unassign': {
      if (!current(command.payload.assigneeId)) return conflict(`${command.payload.assigneeId} is not assigned to this incident`);
      return accept(emit('incident.assignee_removed', command.payload));
    }
    case 'incident.post_progress':
    case 'incident.request_support': {
      const { assigneeId } = command.payload;
      const who = assigneeId ? current(assigneeId) : undefined;
      if (assigneeId && !who) return conflict(`${assigneeId} is not assigned to this incident`);
      if (who?.status === 'offered') return conflict(`${who.name} must accept the assignment first`);
      return command.type === 'incident.post_progress'
        ? accept(emit('incident.progress_posted', command.payload))
        : accept(emit('incident.support_requested', command.payload));
    }
    case 'incident.contain':
      return accept(emit('incident.contained', command.payload));
    case 'incident.resolve':
      if (Date.parse(command.payload.responseEndedAt) > Date.parse(command.occurredAt)) return refuse(422, 'responseEndedAt must not be in the future');
      return accept(emit('incident.resolved', command.payload));
    case 'incident.submit_final_report': {
      // the command's id is the follow-up's: a retried submission is the same report
      const { incidentId, report } = command.payload;
      return accept(emit('incident.follow_up_reported', { incidentId, followUpId: command.id, receivedAt: command.occurredAt, report }));
    }
    case 'incident.close':
      return accept(emit('incident.closed', command.payload));
    case 'incident.reject':
      return accept(emit('incident.rejected', command.payload));
    case 'incident.merge': {
      const { incidentId, intoIncidentId, reason } = command.payload;
      if (intoIncidentId === incidentId) return refuse(422, 'an incident cannot be merged into itself');
      const into = context.incident?.(intoIncidentId);
      if (!into) return conflict(`the incident to merge into (${intoIncidentId}) is unknown`);
      if (finished.includes(into.state)) return conflict(`the incident to merge into is ${into.state}`);
      return accept(
        emit('incident.merged', { incidentId, intoIncidentId, reason }),
        emit('incident.merge_received', { incidentId: intoIncidentId, fromIncidentId: incidentId, reporters: reportersOf(view) }),
      );
    }
    case 'incident.unmerge': {
      const { incidentId, reason } = command.payload;
      const from = view.mergedInto!.incidentId; // set whenever the state is merged
      return accept(emit('incident.unmerged', { incidentId, fromIncidentId: from, reason }), emit('incident.merge_undone', { incidentId: from, fromIncidentId: incidentId }));
    }
    case 'incident.reopen':
      return accept(emit('incident.reopened', command.payload));
    case 'incident.comment':
      return accept(emit('incident.commented', command.payload));
    case 'incident.change_tlp': {
      const { incidentId, tlp, reason } = command.payload;
      if (tlp === view.tlp) return conflict(`the incident is already TLP:${tlp}`);
      const lowering = tlpLevels.indexOf(tlp) < tlpLevels.indexOf(view.tlp);
      if (lowering && command.actor.kind === 'user' && !hasRole(command.actor, 'national_coordinator')) {
        return refuse(403, `only a coordinator may lower the marking (TLP:${view.tlp} to TLP:${tlp})`);
      }
      return accept(emit('incident.tlp_changed', { incidentId, from: view.tlp, to: tlp, ...(reason ? { reason } : {}) }));
    }
    case 'incident.change_severity': {
      const { incidentId, severity, priority, reason } = command.payload;
      const was = view.classification;
      if (was?.severity === severity && (!priority || priority === was.priority)) return conflict(`the incident is already ${severity}${priority ? `, ${priority}` : ''}`);
      return accept(emit('incident.severity_changed', { incidentId, ...(was ? { from: was.severity } : {}), to: severity, ...(priority ? { priority } : {}), reason }));
    }
    case 'incident.issue_coordination_order':
      return accept(emit('incident.coordination_order_issued', { ...command.payload, orderId: command.id }));
    case 'incident.escalate_to_ministry':
      if (view.clocks?.ministry) return conflict(`the incident was already escalated to the ministry's leadership (${view.clocks.ministry.at})`);
      return accept(emit('incident.ministry_escalated', command.payload));
    case 'incident.join_meeting': {
      const { deadlineKey, rung, assigneeId } = command.payload;
      const { climb, reached } = reachedRung(view, deadlineKey, rung);
      if (!climb || !reached || climb.ladder.rungs[rung]?.reaches !== 'liaison_leader') {
        return conflict(`no online meeting at rung ${rung} of the climb of ${deadlineKey}: only a liaison leader's rung has one, once reached`, 'no_meeting');
      }
      const who = current(assigneeId);
      if (!who) return conflict(`${assigneeId} is not assigned to this incident`);
      if (who.status === 'offered') return conflict(`${who.name} must accept the assignment first`);
      if (reached.joined?.some((j) => j.actorId === command.actor.id)) return conflict(`${command.actor.id} already joined this meeting`, 'already_joined');
      return accept(emit('incident.meeting_joined', command.payload));
    }
    case 'incident.send_on_site_team': {
      const { teamAssigneeId } = command.payload;
      const who = current(teamAssigneeId);
      if (!who) return conflict(`${teamAssigneeId} is not assigned to this incident: assign it first`);
      if (who.status === 'offered') return conflict(`${who.name} must accept the assignment first`);
      if ((view.onSiteTeams ?? []).some((t) => t.assigneeId === teamAssigneeId && !t.leftAt)) return conflict(`${who.name} already has a team sent on site`, 'team_already_sent');
      return accept(emit('incident.on_site_team_sent', { ...command.payload, teamId: command.id }));
    }
    case 'incident.arrive_on_site':
    case 'incident.leave_on_site': {
      const { teamId } = command.payload;
      const team = view.onSiteTeams?.find((t) => t.teamId === teamId);
      if (!team) return conflict(`no on-site team ${teamId} on this incident`);
      // the team's own people record it (a national coordinator answers for every assignee)
      if (command.actor.kind === 'user' && !mayActFor(command.actor, team.assigneeId)) return refuse(403, `${command.actor.id} does not answer for ${team.name}`);
      if (command.type === 'incident.arrive_on_site') {
        if (team.arrivedAt) return conflict(`${team.name} already arrived (${team.arrivedAt})`, 'already_arrived');
        return accept(emit('incident.on_site_arrived', command.payload));
      }
      if (!team.arrivedAt) return conflict(`${team.name} has not arrived on site`, 'not_arrived');
      if (team.leftAt) return conflict(`${team.name} already left (${team.leftAt})`, 'already_left');
      return accept(emit('incident.on_site_left', command.payload));
    }
    case 'incident.answer_coordination_order': {
      const { orderId, addresseeId } = command.payload;
      const order = view.coordinationOrders?.find((o) => o.orderId === orderId);
      if (!order) return conflict(`no coordination order ${orderId} on this incident`);
      if (!order.addressees.some((a) => a.id === addresseeId)) return conflict(`the order was not addressed to ${addresseeId}`);
      if (order.answers.some((a) => a.addresseeId === addresseeId)) return conflict(`${addresseeId} already answered this order`);
      return accept(emit('incident.coordination_order_answered', command.payload));
    }
  }
}
