import type { EscalationLadder, IncidentView, Payload, ResponsePolicy } from '@ucsc/shared';
import { deadlinesOf, defaultResponsePolicy, type Clock } from './clocks';
import { climb, climbingDeadlines, defaultLadder, nextRung, rungRecipients, type Climb } from './escalation';
import { applyEvent, type Emit, type IncidentEvent } from './lifecycle';

export interface SweepPolicy {
  policy?: ResponsePolicy;
  /** the ladder in force: a climb that starts now keeps a copy of it */
  ladder?: EscalationLadder;
  /** a deadline or rung fired this long after it was due is marked late (the tracker was away) */
  lateAfterMinutes?: number;
  /** Vietnam's public holidays (YYYY-MM-DD): a legal period ending on one runs to the next working day */
  holidays?: readonly string[];
}

const epoch: Clock = () => new Date(0);
const fired = (view: IncidentView, what: string) => view.clocks?.fired.includes(what) ?? false;

/**
 * When the sweep next has something to do for this incident: the earliest reminder, breach or
 * rung not yet fired; undefined when nothing is left. Pure: the projector keeps it as the
 * incident's score in the deadline index, so a sweep reads only the incidents that are due.
 */
export function nextFireAt(view: IncidentView, options: SweepPolicy = {}): number | undefined {
  let next = Infinity;
  for (const d of deadlinesOf(view, { policy: options.policy ?? defaultResponsePolicy, clock: epoch, ...(options.holidays ? { holidays: options.holidays } : {}) })) {
    if (d.metAt || d.kind === 'accept') continue;
    const remindAt = Date.parse(d.remindAt);
    const dueAt = Date.parse(d.dueAt);
    if (!fired(view, `remind:${d.key}`) && remindAt < dueAt) next = Math.min(next, remindAt);
    if (!fired(view, `breach:${d.key}`)) next = Math.min(next, dueAt);
  }
  for (const c of view.clocks?.climbs ?? []) {
    const rung = nextRung(c as Climb);
    if (rung) next = Math.min(next, Date.parse(rung.dueAt));
  }
  return next === Infinity ? undefined : next;
}

/**
 * What a sweep at the clock's now fires for one incident, as events: a reminder before each open
 * deadline, a breach once it passed (marked late when fired long after), and the rungs of every
 * climb that are due, including those of a climb the breach starts now. Each once: what the view
 * records as fired is not fired again, so a second sweep over the same view fires nothing. An
 * offer's window is dispatch's to watch (it re-routes), so it starts no climb here.
 */
export function sweepIncident(view: IncidentView, clock: Clock, emit: Emit, options: SweepPolicy = {}): IncidentEvent[] {
  const now = clock().getTime();
  const firedAt = clock().toISOString();
  const lateMs = (options.lateAfterMinutes ?? 5) * 60_000;
  const ladder = options.ladder ?? defaultLadder;
  const events: IncidentEvent[] = [];
  let current = view;
  const fire = (event: IncidentEvent) => {
    events.push(event);
    current = applyEvent(current, event, current.version) ?? current;
  };
  for (const d of deadlinesOf(view, { policy: options.policy ?? defaultResponsePolicy, clock, ...(options.holidays ? { holidays: options.holidays } : {}) })) {
    if (d.metAt || d.kind === 'accept') continue;
    const ref: Omit<Payload<'incident.deadline_reminded'>, 'firedAt'> = {
      incidentId: view.id,
      deadlineKey: d.key,
      kind: d.kind,
      basis: d.basis,
      dueAt: d.dueAt,
      ...(d.assigneeId ? { assigneeId: d.assigneeId } : {}),
    };
    const dueAt = Date.parse(d.dueAt);
    if (now > dueAt) {
      if (fired(current, `breach:${d.key}`)) continue;
      const climbs = climbingDeadlines.includes(d.kind);
      fire(emit('incident.deadline_breached', { ...ref, firedAt, late: now - dueAt > lateMs, ...(climbs ? { ladder } : {}) }));
    } else if (now >= Date.parse(d.remindAt) && !fired(current, `remind:${d.key}`)) {
      fire(emit('incident.deadline_reminded', { ...ref, firedAt }));
    }
  }
  for (const c of current.clocks?.climbs ?? []) {
    const { reached } = climb(c as Climb, clock, options.lateAfterMinutes);
    for (const rung of reached) {
      const recipients = rungRecipients(current, rung.reaches).map((a) => ({ id: a.id, name: a.name }));
      fire(
        emit('incident.escalation_rung_reached', {
          incidentId: view.id,
          deadlineKey: c.deadlineKey,
          ladderId: c.ladder.id,
          rung: rung.rung,
          reaches: rung.reaches,
          recipients,
          dueAt: rung.dueAt,
          firedAt,
          late: rung.late,
        }),
      );
    }
  }
  return events;
}
