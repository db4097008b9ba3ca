import { allowedCommands, endedAssignmentStatuses, mayActFor, transitions, type Actor, type CommandRule, type CommandType, type IncidentView } from './catalogue';

/** The assignees of the incident this actor answers for (its own assignee ids). */
export function ownParts(actor: Actor, incident: Pick<IncidentView, 'assignees'>): IncidentView['assignees'] {
  const mine = new Set(actor.assigneeIds ?? []);
  return incident.assignees.filter((a) => mine.has(a.id));
}

/**
 * The commands the page offers: those the incident's state allows (the transition table) that one
 * of the actor's roles may issue; a command scoped to an assignee only when the actor answers for
 * one. The tracker decides again; this only hides buttons that would be refused.
 */
export function commandsFor(actor: Actor, incident: Pick<IncidentView, 'state' | 'assignees'>): CommandType[] {
  const roles = new Set<string>(actor.roles);
  const parts = ownParts(actor, incident);
  return allowedCommands(incident.state).filter((command) => {
    const rule = transitions[command] as CommandRule;
    if (!rule.roles.some((r) => roles.has(r))) return false;
    if (rule.scope === 'assignee' && !roles.has('national_coordinator') && parts.length === 0) return false;
    if (command === 'incident.accept_assignment' || command === 'incident.decline_assignment') return parts.some((p) => p.status === 'offered');
    return true;
  });
}

/** On the incident and not waiting to answer an offer: who may join a meeting or be sent on site. */
const answered = (incident: Pick<IncidentView, 'assignees'>) => incident.assignees.filter((a) => a.status !== 'offered' && !endedAssignmentStatuses.includes(a.status ?? 'assigned'));

/** Whom the actor may act for on the incident (shared mayActFor, as the tracker decides): of those on it who have answered. */
function actsFor(actor: Actor, incident: Pick<IncidentView, 'assignees'>): IncidentView['assignees'] {
  return answered(incident).filter((a) => mayActFor(actor, a.id));
}

/**
 * The online meetings this actor may join now: each liaison leader's rung reached that it has not
 * joined, with the assignees it may join for (the tracker decides again).
 */
export function meetingsToJoin(actor: Actor, incident: Pick<IncidentView, 'state' | 'assignees' | 'clocks'>): { deadlineKey: string; rung: number; for: IncidentView['assignees'] }[] {
  if (!commandsFor(actor, incident).includes('incident.join_meeting')) return [];
  const parties = actsFor(actor, incident);
  if (parties.length === 0) return [];
  return (incident.clocks?.climbs ?? []).flatMap((c) =>
    c.reached
      .filter((r) => c.ladder.rungs[r.rung]?.reaches === 'liaison_leader' && !r.joined?.some((j) => j.actorId === actor.id))
      .map((r) => ({ deadlineKey: c.deadlineKey, rung: r.rung, for: parties })),
  );
}

/** The on-site teams whose arrival or departure this actor may record now: those it answers for (mayActFor, as the tracker decides). */
export function onSiteSteps(actor: Actor, incident: Pick<IncidentView, 'state' | 'assignees' | 'onSiteTeams'>): OnSiteStep[] {
  const commands = commandsFor(actor, incident);
  return (incident.onSiteTeams ?? []).filter((t) => mayActFor(actor, t.assigneeId)).flatMap((t): OnSiteStep[] => {
    if (!t.arrivedAt && commands.includes('incident.arrive_on_site')) return [{ teamId: t.teamId, step: 'incident.arrive_on_site' }];
    if (t.arrivedAt && !t.leftAt && commands.includes('incident.leave_on_site')) return [{ teamId: t.teamId, step: 'incident.leave_on_site' }];
    return [];
  });
}
export interface OnSiteStep {
  teamId: string;
  step: 'incident.arrive_on_site' | 'incident.leave_on_site';
}

/** Who a coordinator may send on site: the assignees on the incident without a team there already. */
export function sendableTeams(incident: Pick<IncidentView, 'assignees' | 'onSiteTeams'>): IncidentView['assignees'] {
  const busy = new Set((incident.onSiteTeams ?? []).filter((t) => !t.leftAt).map((t) => t.assigneeId));
  return answered(incident).filter((a) => !busy.has(a.id));
}
