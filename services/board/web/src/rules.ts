import { allowedCommands, transitions, type Actor, type CommandRule, type CommandType, type IncidentView } from './catalogue';

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
