import type { Actor, Role } from '../contracts/common';
import { endedAssignmentStatuses, type IncidentView } from '../projections/incidents';

/** What decides who sees an incident: nothing else of it is read. */
export type VisibilityFacts = Pick<IncidentView, 'province' | 'tlp' | 'reportedBy' | 'assignees'>;

/**
 * The policy table: which roles may do what. The one place this is decided; routes ask `may`.
 * Read scopes (who sees which incident) are decided by `canSee` below.
 */
export const policy = {
  'report.submit': ['submitter', 'province_coordinator', 'national_coordinator'],
  'report.follow_up': ['submitter', 'province_coordinator', 'national_coordinator'],
  'incident.acknowledge': ['province_coordinator', 'liaison_officer', 'liaison_leader', 'national_coordinator', 'enterprise_responder'],
  'assignment.respond': ['enterprise_responder', 'national_coordinator'],
  'routing.override': ['national_coordinator'],
  'incident.close': ['national_coordinator'],
  'incidents.export': ['national_coordinator', 'auditor'],
  'directory.manage': ['admin'],
  'users.manage': ['admin'],
  'tokens.manage': ['admin', 'province_coordinator'],
  'audit.read': ['auditor', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof policy;

export function hasRole(actor: Actor, ...roles: readonly Role[]): boolean {
  return (actor.roles ?? []).some((r) => roles.includes(r));
}

export function may(actor: Actor, permission: Permission): boolean {
  return hasRole(actor, ...policy[permission]);
}

/** Whether the actor answers for this assignee (its own roster id, enterprise or hub), or coordinates nationally. */
export function mayActFor(actor: Actor, assigneeId: string): boolean {
  return (actor.assigneeIds ?? []).includes(assigneeId) || hasRole(actor, 'national_coordinator');
}

function fromReportingOrganisation(actor: Actor, incident: VisibilityFacts): boolean {
  return Boolean(actor.organisationId) && incident.reportedBy?.organisationId === actor.organisationId;
}

/** Assigned and still assigned: an enterprise whose assignment ended no longer sees the incident. */
function isCurrentAssignee(actor: Actor, incident: VisibilityFacts): boolean {
  const ids = actor.assigneeIds ?? [];
  return incident.assignees.some((a) => ids.includes(a.id) && !endedAssignmentStatuses.includes(a.status ?? 'assigned'));
}

/** Scope: whose incident this is to see at all. */
function inScope(actor: Actor, incident: VisibilityFacts): boolean {
  if (hasRole(actor, 'national_coordinator', 'auditor')) return true;
  if (isCurrentAssignee(actor, incident)) return true;
  if (hasRole(actor, 'province_coordinator', 'liaison_officer', 'liaison_leader') && (actor.provinceCodes ?? []).includes(incident.province.code)) return true;
  return fromReportingOrganisation(actor, incident);
}

/** TLP 2.0 narrows the scope: AMBER+STRICT stays in the reporting organisation and the coordinators; RED with its named recipients. */
function tlpAllows(actor: Actor, incident: VisibilityFacts): boolean {
  switch (incident.tlp) {
    case 'CLEAR':
    case 'GREEN':
    case 'AMBER':
      return true;
    case 'AMBER+STRICT':
      return fromReportingOrganisation(actor, incident) || hasRole(actor, 'national_coordinator', 'auditor');
    case 'RED':
      return fromReportingOrganisation(actor, incident) || hasRole(actor, 'national_coordinator') || isCurrentAssignee(actor, incident);
  }
}

/**
 * Whether someone may see an incident: the one place every read, list, export and feed message
 * asks. Scope first (organisation, province, assignment, role), then the TLP marking.
 */
export function canSee(actor: Actor, incident: VisibilityFacts): boolean {
  return inScope(actor, incident) && tlpAllows(actor, incident);
}
