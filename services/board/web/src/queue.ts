import type { IncidentView, LifecycleState } from './catalogue';
import { finishedStates } from './catalogue';

export interface Filters {
  province: string;
  category: string;
  severity: string;
  state: string;
  assignee: string;
  tlp: string;
}
export const noFilters: Filters = { province: '', category: '', severity: '', state: '', assignee: '', tlp: '' };

const finished = new Set<LifecycleState>(finishedStates);

/** A deadline missed (a breach the clocks fired) on an incident that is not finished. */
export function isOverdue(incident: IncidentView): boolean {
  return !finished.has(incident.state) && (incident.clocks?.breaches.length ?? 0) > 0;
}

/** The escalation ladder climbed at least one rung, or the province went to the ministry. */
export function isEscalated(incident: IncidentView): boolean {
  return Boolean(incident.clocks?.ministry) || (incident.clocks?.climbs ?? []).some((c) => c.reached.length > 0 && !c.stopped);
}

/** The escalation rung reached (0: none). */
export function rungOf(incident: IncidentView): number {
  return Math.max(0, ...(incident.clocks?.climbs ?? []).map((c) => Math.max(0, ...c.reached.map((r) => r.rung))));
}

/** The earliest time something is due on it: an open offer, else when it was reported. */
function dueOf(incident: IncidentView): number {
  const offers = incident.assignees.filter((a) => a.status === 'offered' && a.offerExpiresAt).map((a) => Date.parse(a.offerExpiresAt!));
  return offers.length ? Math.min(...offers) : Date.parse(incident.reportedAt);
}

const priorityRank = (incident: IncidentView) => {
  const p = incident.classification?.priority;
  return p ? Number(p.slice(1)) : incident.classification?.severity === 'severe' ? 1 : 5;
};

/** The queue: open before finished, overdue first, then priority (P1 first), then the earliest due. */
export function orderQueue(incidents: readonly IncidentView[]): IncidentView[] {
  return [...incidents].sort(
    (a, b) =>
      Number(finished.has(a.state)) - Number(finished.has(b.state)) ||
      Number(isOverdue(b)) - Number(isOverdue(a)) ||
      priorityRank(a) - priorityRank(b) ||
      dueOf(a) - dueOf(b) ||
      a.id.localeCompare(b.id),
  );
}

export function matches(incident: IncidentView, f: Filters): boolean {
  return (
    (!f.province || incident.province.code === f.province) &&
    (!f.category || incident.classification?.category === f.category) &&
    (!f.severity || incident.classification?.severity === f.severity) &&
    (!f.state || incident.state === f.state) &&
    (!f.assignee || incident.assignees.some((a) => a.id === f.assignee)) &&
    (!f.tlp || incident.tlp === f.tlp)
  );
}

export interface UnitCounts {
  total: number;
  open: number;
  severe: number;
  overdue: number;
  byState: Partial<Record<LifecycleState, number>>;
}

/** Counts by unit, state and severity of the incidents held. */
export function countByUnit(incidents: readonly IncidentView[]): Map<string, UnitCounts> {
  const counts = new Map<string, UnitCounts>();
  for (const i of incidents) {
    let c = counts.get(i.province.code);
    if (!c) counts.set(i.province.code, (c = { total: 0, open: 0, severe: 0, overdue: 0, byState: {} }));
    c.total += 1;
    if (!finished.has(i.state)) c.open += 1;
    if (i.classification?.severity === 'severe') c.severe += 1;
    if (isOverdue(i)) c.overdue += 1;
    c.byState[i.state] = (c.byState[i.state] ?? 0) + 1;
  }
  return counts;
}
