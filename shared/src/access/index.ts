import { roles, type Actor, type Role } from '../contracts/common';
import { endedAssignmentStatuses, type AssignmentStatus, type IncidentView } from '../projections/incidents';

/** What decides who sees an incident: nothing else of it is read. */
export type VisibilityFacts = Pick<IncidentView, 'province' | 'tlp' | 'reportedBy' | 'assignees'> & Partial<Pick<IncidentView, 'reporters'>>;

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
  /** list, create, rename, disable accounts; what they may see is 'access.grant' */
  'users.manage': ['admin', 'national_coordinator'],
  /** grant a role that sees incidents, or change the scope (provinces, assignee ids) of an account that has one */
  'access.grant': ['national_coordinator'],
  /** issue or rotate an API token: its secret reads its organisation's reports */
  'tokens.issue': ['province_coordinator', 'national_coordinator'],
  /** list and revoke API tokens (taking access away is always allowed to those who manage it) */
  'tokens.revoke': ['admin', 'province_coordinator', 'national_coordinator'],
  'audit.read': ['auditor', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof policy;

/** Roles whose holders see incidents: every role but admin. Only a national coordinator grants one. */
export const incidentRoles: readonly Role[] = roles.filter((r) => r !== 'admin');

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

/** A reporting organisation: the one that filed it, or one whose report was merged into it (until un-merged). */
function fromReportingOrganisation(actor: Actor, incident: VisibilityFacts): boolean {
  const org = actor.organisationId;
  if (!org) return false;
  return incident.reportedBy?.organisationId === org || (incident.reporters ?? []).some((r) => r.organisationId === org);
}

/** Assigned and still assigned: an enterprise whose assignment ended no longer sees the incident. */
function isCurrentAssignee(actor: Actor, incident: VisibilityFacts): boolean {
  const ids = actor.assigneeIds ?? [];
  return incident.assignees.some((a) => ids.includes(a.id) && !endedAssignmentStatuses.includes(a.status ?? 'assigned'));
}

/**
 * Scope: whose incident this is to see at all, and as whom (the audience of shared/src/access/views).
 * An actor with no role that sees incidents (an admin) sees none, whatever else it carries.
 */
export function scopeOf(actor: Actor, incident: VisibilityFacts): 'coordinator' | 'responder' | 'submitter' | undefined {
  if (!hasRole(actor, ...incidentRoles)) return undefined;
  if (hasRole(actor, 'national_coordinator', 'auditor')) return 'coordinator';
  if (isCurrentAssignee(actor, incident)) return 'responder';
  if (hasRole(actor, 'province_coordinator', 'liaison_officer', 'liaison_leader') && (actor.provinceCodes ?? []).includes(incident.province.code)) return 'responder';
  return fromReportingOrganisation(actor, incident) ? 'submitter' : undefined;
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
  return scopeOf(actor, incident) !== undefined && tlpAllows(actor, incident);
}

/** The facts of an account that decide what it may see. */
export interface AccountAccess {
  id?: string;
  roles: readonly Role[];
  provinceCodes: readonly string[];
  assigneeIds: readonly string[];
  organisationId: string;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Why this actor may not make an account (before: undefined for a new one) into `after`, or
 * undefined when it may. Who sees incidents is decided only by a national coordinator: an admin
 * manages accounts but can never give itself, an account it controls, or anyone else, a role
 * that sees incidents or a wider scope. Nobody changes its own access, and no account is both
 * admin and one that sees incidents (it could grant itself what it then reads).
 */
export function accountChangeRefusal(actor: Actor, before: AccountAccess | undefined, after: AccountAccess): { code: string; message: string } | undefined {
  const accessChanged =
    !before ||
    !sameSet(before.roles, after.roles) ||
    !sameSet(before.provinceCodes, after.provinceCodes) ||
    !sameSet(before.assigneeIds, after.assigneeIds) ||
    before.organisationId !== after.organisationId;
  if (before && before.id === actor.id && accessChanged) return { code: 'self_grant', message: 'no account changes its own roles or scope' };
  const seesIncidents = after.roles.some((r) => incidentRoles.includes(r));
  if (seesIncidents && after.roles.includes('admin')) {
    return { code: 'separation_of_duties', message: 'an admin account cannot also hold a role that sees incidents' };
  }
  const widens = !before || after.roles.some((r) => !before.roles.includes(r)) || after.provinceCodes.some((c) => !before.provinceCodes.includes(c)) || after.assigneeIds.some((a) => !before.assigneeIds.includes(a)) || before.organisationId !== after.organisationId;
  if (seesIncidents && widens && !may(actor, 'access.grant')) {
    return { code: 'grant_needs_national_coordinator', message: 'only a national coordinator grants a role that sees incidents or widens its scope' };
  }
  return undefined;
}

/**
 * Why this actor may not set a new password on this account, or undefined when it may. Whoever sets
 * it can sign in as the account: for one that sees incidents, that is a grant of what it sees, so
 * only a national coordinator does it (an admin resets the others'). One's own is always one's own.
 */
export function passwordResetRefusal(actor: Actor, account: Pick<AccountAccess, 'id' | 'roles'>): { code: string; message: string } | undefined {
  if (account.id === actor.id) return undefined;
  if (account.roles.some((r) => incidentRoles.includes(r)) && !may(actor, 'access.grant')) {
    return { code: 'reset_needs_national_coordinator', message: 'only a national coordinator sets a new password on an account that sees incidents' };
  }
  return undefined;
}

/**
 * Where an actor may file a report: within its provinces (an organisation operating in several
 * has them all on its account or token), anywhere for a national coordinator.
 */
export function mayFileIn(actor: Actor, provinceCode: string): boolean {
  return hasRole(actor, 'national_coordinator') || (actor.provinceCodes ?? []).includes(provinceCode);
}

/**
 * Whether an assignee in this status answers for the incident: acknowledging needs an assignment
 * held (assigned, an offer accepted, or at work); an offer is only answered (accept or decline) while open.
 */
export function assignmentAllows(action: 'acknowledge' | 'respond', status: AssignmentStatus | undefined): boolean {
  const s = status ?? 'assigned';
  return action === 'acknowledge' ? s === 'assigned' || s === 'accepted' || s === 'working' : s === 'offered';
}

export * from './views';
