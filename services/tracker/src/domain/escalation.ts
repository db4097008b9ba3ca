import { endedAssignmentStatuses, type EscalationLadder, type IncidentView } from '@ucsc/shared';
import type { Clock, Deadline, DeadlineKind } from './clocks';
import type { IncidentEvent } from './lifecycle';

/**
 * The ladder of the source articles: the liaison officer is reminded; then the liaison leader is
 * engaged ("meet online at once"); then the incident is marked for on-site support; and when the
 * ministry departments are slow, the province's director goes to the ministry's leadership.
 * Configuration replaces it (escalationLadderSchema); each climb keeps the ladder it started with.
 */
export const defaultLadder: EscalationLadder = {
  id: 'default',
  rungs: [
    { reaches: 'liaison_officer', waitMinutes: 0 },
    { reaches: 'liaison_leader', waitMinutes: 30 },
    { reaches: 'on_site', waitMinutes: 2 * 60 },
    { reaches: 'ministry_leadership', waitMinutes: 4 * 60 },
  ],
};

/** The breaches that start a climb; a missed offer is re-routed by dispatch, the legal report windows are chased by the coordinator. */
export const climbingDeadlines: readonly DeadlineKind[] = ['acknowledge', 'first_progress', 'progress', 'on_site', 'contain', 'resolve', 'coordination_answer'];

export interface Climb {
  incidentId: string;
  /** the breached deadline's key */
  deadlineKey: string;
  /** a copy of the ladder as it was when the climb started: editing the ladder does not rewrite a climb under way */
  ladder: EscalationLadder;
  startedAt: string;
  reached: { rung: number; at: string; late: boolean }[];
  stopped?: { at: string; byEvent: string };
}

export interface RungDue {
  rung: number;
  reaches: EscalationLadder['rungs'][number]['reaches'];
  dueAt: string;
}

/** A breach starts a climb at the moment of the breach (a late sweep does not shift the rungs). */
export function startClimb(incidentId: string, breach: Pick<Deadline, 'key' | 'dueAt'>, ladder: EscalationLadder): Climb {
  return { incidentId, deadlineKey: breach.key, ladder: structuredClone(ladder), startedAt: breach.dueAt, reached: [] };
}

/** When each rung is due: its wait after the rung before (the first, after the breach). */
export function rungSchedule(climb: Climb): RungDue[] {
  let at = Date.parse(climb.startedAt);
  return climb.ladder.rungs.map((r, rung) => {
    at += r.waitMinutes * 60_000;
    return { rung, reaches: r.reaches, dueAt: new Date(at).toISOString() };
  });
}

/** The next rung to reach, unless the climb stopped or reached the top. */
export function nextRung(climb: Climb): RungDue | undefined {
  if (climb.stopped) return undefined;
  return rungSchedule(climb)[climb.reached.length];
}

/**
 * The rungs a sweep at the clock's now reaches, in order, and the climb after them. A stopped
 * climb reaches nobody: a rung already scheduled does nothing once the matter is handled. A rung
 * reached more than `lateAfterMinutes` after it was due (the tracker was down) is marked late.
 */
export function climb(current: Climb, clock: Clock, lateAfterMinutes = 5): { climb: Climb; reached: (RungDue & { late: boolean })[] } {
  const now = clock().getTime();
  if (current.stopped) return { climb: current, reached: [] };
  const due = rungSchedule(current).slice(current.reached.length).filter((r) => Date.parse(r.dueAt) <= now);
  const reached = due.map((r) => ({ ...r, late: now - Date.parse(r.dueAt) > lateAfterMinutes * 60_000 }));
  const at = new Date(now).toISOString();
  return { climb: { ...current, reached: [...current.reached, ...reached.map((r) => ({ rung: r.rung, at, late: r.late }))] }, reached };
}

/** An acknowledgement or a progress update stops the climb. */
export function stopsClimb(event: IncidentEvent): boolean {
  return event.type === 'incident.acknowledged' || event.type === 'incident.progress_posted';
}

export function stopClimb(current: Climb, event: IncidentEvent): Climb {
  return current.stopped ? current : { ...current, stopped: { at: event.occurredAt, byEvent: event.id } };
}

/** A climb whose next rung should have been reached by now (with grace): an alarm, never silence. */
export function overdueRung(current: Climb, clock: Clock, graceMinutes = 5): RungDue | undefined {
  const next = nextRung(current);
  return next && clock().getTime() - Date.parse(next.dueAt) > graceMinutes * 60_000 ? next : undefined;
}

/** Whom a rung reaches among the incident's assignees (the ministry's leadership comes from the directory). */
export function rungRecipients(view: IncidentView, reaches: RungDue['reaches']): IncidentView['assignees'] {
  const active = view.assignees.filter((a) => !endedAssignmentStatuses.includes(a.status ?? 'assigned'));
  switch (reaches) {
    case 'liaison_officer':
      return active.filter((a) => a.kind === 'liaison' && a.role === 'officer');
    case 'liaison_leader':
      return active.filter((a) => a.kind === 'liaison' && a.role === 'leader');
    case 'on_site':
      return active.filter((a) => a.kind === 'enterprise' || a.kind === 'province_hub');
    case 'ministry_leadership':
      // the ministry's leadership is reached through the national coordinator and the standing body assigned
      return active.filter((a) => a.kind === 'national_coordinator' || a.kind === 'standing_body');
  }
}
