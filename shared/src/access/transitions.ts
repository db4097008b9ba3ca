import { policy } from './index';
import type { LifecycleState } from '../contracts/lifecycle';
import type { Role } from '../contracts/common';
import type { TopicMessageType } from '../contracts/topics';

export type CommandType = TopicMessageType<'incidentCommands'>;
export type IncidentEventType = TopicMessageType<'incidentEvents'>;

/** Where a command takes an incident from a state: a state, the same state, or (un-merge) back where it was. */
export type Target = LifecycleState | 'same' | 'state_before_merge';

export interface CommandRule {
  /** who may issue it (services acting for the system always may) */
  roles: readonly Role[];
  /**
   * among those roles, who: `incident` = anyone of them who may see the incident (canSee);
   * `assignee` = whoever answers for the assignee the command names (mayActFor), and may see it.
   */
  scope: 'incident' | 'assignee';
  /** the events an accepted command emits (the first is always emitted; merge and un-merge also write to the other incident) */
  events: readonly IncidentEventType[];
  /** the states it is allowed in, and where it takes the incident; a state not listed refuses it (409) */
  from: Partial<Record<LifecycleState, Target>>;
}

const responders: readonly Role[] = ['province_coordinator', 'liaison_officer', 'liaison_leader', 'national_coordinator', 'enterprise_responder'];
const coordinators: readonly Role[] = ['province_coordinator', 'national_coordinator'];
const receivers: readonly Role[] = ['province_coordinator', 'liaison_officer', 'liaison_leader', 'national_coordinator'];
const participants: readonly Role[] = ['submitter', ...responders];

/** While a response is under way (before it ends), any of these. */
const underWay = ['acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'] as const;
/** Not finished: not closed, rejected or merged away. */
const open = ['reported', 'routed', ...underWay, 'resolved', 'report_received'] as const;
/** Closed, rejected or merged away: nothing is left to be late for, and the submitter's own Biểu mẫu 04 does not move these. */
export const finishedStates = ['closed', 'rejected', 'merged'] as const satisfies readonly LifecycleState[];
const all = [...open, ...finishedStates] as const;

const stay = (states: readonly LifecycleState[]): Partial<Record<LifecycleState, Target>> => Object.fromEntries(states.map((s) => [s, 'same']));

/**
 * The lifecycle: every command, who may issue it, in which states, and where it leads. The one
 * place these rules live: `decide` reads it, `applyEvent` moves the state by it, the docs print it.
 */
export const transitions = {
  'incident.acknowledge': {
    roles: policy['incident.acknowledge'],
    scope: 'assignee',
    events: ['incident.acknowledged'],
    // another assignee's acknowledgement later on is recorded, the state stays
    from: { reported: 'acknowledged', routed: 'acknowledged', reopened: 'acknowledged', ...stay(['acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'resolved', 'report_received']) },
  },
  'incident.triage': {
    roles: receivers,
    scope: 'incident',
    events: ['incident.triaged'],
    from: { acknowledged: 'triaged', reopened: 'triaged' },
  },
  'incident.assign': {
    roles: coordinators,
    scope: 'incident',
    events: ['incident.assignee_added'],
    from: { triaged: 'assigned', reopened: 'assigned', ...stay(['routed', 'acknowledged', 'assigned', 'responding', 'contained']) },
  },
  'incident.unassign': {
    roles: coordinators,
    scope: 'incident',
    events: ['incident.assignee_removed'],
    from: stay(['routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened']),
  },
  'incident.accept_assignment': {
    roles: policy['assignment.respond'],
    scope: 'assignee',
    events: ['incident.assignment_accepted'],
    from: { triaged: 'assigned', ...stay(['reported', 'routed', 'acknowledged', 'assigned', 'responding', 'contained', 'reopened']) },
  },
  'incident.decline_assignment': {
    roles: policy['assignment.respond'],
    scope: 'assignee',
    events: ['incident.assignment_declined'],
    from: stay(['reported', 'routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened']),
  },
  'incident.post_progress': {
    roles: responders,
    scope: 'incident',
    events: ['incident.progress_posted'],
    from: { acknowledged: 'responding', triaged: 'responding', assigned: 'responding', reopened: 'responding', ...stay(['responding', 'contained']) },
  },
  'incident.request_support': {
    roles: responders,
    scope: 'incident',
    events: ['incident.support_requested'],
    from: stay(underWay),
  },
  'incident.contain': {
    roles: responders,
    scope: 'incident',
    events: ['incident.contained'],
    from: { triaged: 'contained', assigned: 'contained', responding: 'contained' },
  },
  'incident.resolve': {
    roles: responders,
    scope: 'incident',
    events: ['incident.resolved'],
    from: { triaged: 'resolved', assigned: 'resolved', responding: 'resolved', contained: 'resolved' },
  },
  'incident.submit_final_report': {
    roles: ['submitter', 'province_coordinator', 'enterprise_responder', 'national_coordinator'],
    scope: 'incident',
    events: ['incident.follow_up_reported'],
    from: { resolved: 'report_received' },
  },
  'incident.close': {
    roles: policy['incident.close'],
    scope: 'incident',
    events: ['incident.closed'],
    // only after the end-of-response report (Biểu mẫu 04)
    from: { report_received: 'closed' },
  },
  'incident.reject': {
    roles: coordinators,
    scope: 'incident',
    events: ['incident.rejected'],
    from: { reported: 'rejected', routed: 'rejected', acknowledged: 'rejected', triaged: 'rejected', reopened: 'rejected' },
  },
  'incident.merge': {
    roles: ['national_coordinator'],
    scope: 'incident',
    events: ['incident.merged', 'incident.merge_received'],
    from: Object.fromEntries(['reported', 'routed', ...underWay].map((s) => [s, 'merged'])),
  },
  'incident.unmerge': {
    roles: ['national_coordinator'],
    scope: 'incident',
    events: ['incident.unmerged', 'incident.merge_undone'],
    from: { merged: 'state_before_merge' },
  },
  'incident.reopen': {
    roles: coordinators,
    scope: 'incident',
    events: ['incident.reopened'],
    from: { resolved: 'reopened', report_received: 'reopened', closed: 'reopened', rejected: 'reopened' },
  },
  'incident.comment': {
    roles: participants,
    scope: 'incident',
    events: ['incident.commented'],
    from: stay(all.filter((s) => s !== 'merged')),
  },
  'incident.change_tlp': {
    roles: participants,
    scope: 'incident',
    events: ['incident.tlp_changed'],
    from: stay(all.filter((s) => s !== 'merged')),
  },
  'incident.change_severity': {
    roles: coordinators,
    scope: 'incident',
    events: ['incident.severity_changed'],
    from: stay(open),
  },
  'incident.issue_coordination_order': {
    roles: ['national_coordinator'],
    scope: 'incident',
    events: ['incident.coordination_order_issued'],
    from: stay(['reported', 'routed', ...underWay]),
  },
  'incident.answer_coordination_order': {
    roles: responders,
    scope: 'incident',
    events: ['incident.coordination_order_answered'],
    from: stay(['reported', 'routed', ...underWay, 'resolved']),
  },
  'incident.escalate_to_ministry': {
    // the province's director (its coordinator) when the ministry departments are slow; a national coordinator may too
    roles: coordinators,
    scope: 'incident',
    events: ['incident.ministry_escalated'],
    from: stay(['reported', 'routed', ...underWay]),
  },
  'incident.join_meeting': {
    // whoever the engaged rung reached or answers for the incident: each names the assignee it acts for (mayActFor)
    roles: responders,
    scope: 'incident',
    events: ['incident.meeting_joined'],
    from: stay(['reported', 'routed', ...underWay]),
  },
  'incident.send_on_site_team': {
    roles: coordinators,
    scope: 'incident',
    events: ['incident.on_site_team_sent'],
    from: stay(underWay),
  },
  'incident.arrive_on_site': {
    // the team's own people (decide checks they answer for the team's assignee)
    roles: responders,
    scope: 'incident',
    events: ['incident.on_site_arrived'],
    from: stay(underWay),
  },
  'incident.leave_on_site': {
    // stay until it is solved: only once the response has ended
    roles: responders,
    scope: 'incident',
    events: ['incident.on_site_left'],
    from: stay(['resolved', 'report_received', 'closed']),
  },
} as const satisfies Record<CommandType, CommandRule>;

/** The commands a state allows, in table order: what a 409 lists. */
export function allowedCommands(state: LifecycleState): CommandType[] {
  return (Object.keys(transitions) as CommandType[]).filter((c) => (transitions[c] as CommandRule).from[state] !== undefined);
}

/** The command whose rule moves the state when this event is applied (the first event it emits). */
export const commandOfEvent: Partial<Record<IncidentEventType, CommandType>> = Object.fromEntries(
  (Object.entries(transitions) as [CommandType, CommandRule][]).map(([command, rule]) => [rule.events[0], command]),
);
