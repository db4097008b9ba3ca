import { finishedStates } from './access/transitions';
import { prioritySchema, type Classification, type Priority } from './contracts/classification';
import type { LifecycleState, ResponsePolicy, ResponseTimes } from './contracts/lifecycle';
import type { IncidentView } from './projections/incidents';

// The clocks of an incident (issue 12): pure, in shared/ because the tracker's sweeper fires them
// and the board shows them (GET /api/v1/incidents/:id/deadlines), with the same configured policy.

import { vietnamOffsetMs } from './contracts/labels';
export { vietnamOffsetMs, vietnamTimeZone } from './contracts/labels';
const minute = 60_000;

/** An injectable clock: tests pass a fake one and never wait for real days. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/**
 * The end of a period of `days` days that starts with an event, as the Civil Code counts it
 * (2015, arts. 147–148): calendar days (the law says "05 ngày", not working days); the day of the
 * event does not count; the period ends at 24:00 of its last day, in Vietnam time; and when that
 * last day is a Saturday, a Sunday or a public holiday (`holidays`, Vietnamese dates YYYY-MM-DD,
 * configuration), at the end of the next working day (art. 148(5)). "Within 5 days" of a detection
 * at 09:00 on Monday the 1st ends at 24:00 on Saturday the 6th, so at 24:00 on Monday the 8th.
 */
export function endOfLegalPeriod(startIso: string, days: number, holidays: readonly string[] = []): string {
  const local = new Date(Date.parse(startIso) + vietnamOffsetMs);
  let last = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + days);
  const restDay = (day: number) => {
    const date = new Date(day);
    return date.getUTCDay() === 0 || date.getUTCDay() === 6 || holidays.includes(date.toISOString().slice(0, 10));
  };
  while (restDay(last)) last += 24 * 3600_000;
  return new Date(last + 24 * 3600_000 - vietnamOffsetMs).toISOString();
}

/** The law's own windows (Decision 05/2017, Circular 20/2017). "At once" is measured by the policy's time to acknowledge. */
export const legalWindows = {
  /** the owner notifies within 5 days of detection */
  notifyDays: 5,
  /** the end-of-response report (Biểu mẫu 04) within 5 days after the response ends */
  finalReportDays: 5,
  /** reminders of a legal deadline this long before it */
  remindBeforeMinutes: 24 * 60,
} as const;

// minutes: acknowledge, accept, first progress, on site (null: not required), contain, resolve, progress interval, remind before
const row = (t: [number, number, number, number | null, number, number, number, number]): ResponseTimes => ({
  acknowledge: t[0],
  accept: t[1],
  firstProgress: t[2],
  onSite: t[3],
  contain: t[4],
  resolve: t[5],
  progressInterval: t[6],
  remindBefore: t[7],
});
const h = 60;

/** The policy shipped with the system: configuration replaces it (it is data, validated by responsePolicySchema). */
export const defaultResponsePolicy: ResponsePolicy = {
  severe: {
    P1: row([15, 30, 60, 4 * h, 8 * h, 48 * h, 2 * h, 10]),
    P2: row([15, 30, 2 * h, 8 * h, 12 * h, 72 * h, 4 * h, 15]),
    P3: row([30, 60, 4 * h, 24 * h, 24 * h, 5 * 24 * h, 8 * h, 30]),
    P4: row([30, 60, 8 * h, 48 * h, 48 * h, 7 * 24 * h, 24 * h, 60]),
  },
  normal: {
    P1: row([30, 60, 2 * h, null, 12 * h, 72 * h, 4 * h, 15]),
    P2: row([60, 2 * h, 4 * h, null, 24 * h, 5 * 24 * h, 8 * h, 30]),
    P3: row([2 * h, 4 * h, 8 * h, null, 48 * h, 7 * 24 * h, 24 * h, 60]),
    P4: row([4 * h, 8 * h, 24 * h, null, 5 * 24 * h, 14 * 24 * h, 48 * h, 2 * h]),
  },
};

/** The times that apply to an incident; until it is classified, the strictest of the normal ones. */
export function responseTimesOf(policy: ResponsePolicy, classification?: Pick<Classification, 'severity' | 'priority'>): ResponseTimes {
  return classification ? policy[classification.severity][classification.priority] : policy.normal[prioritySchema.options[0] as Priority];
}

export const deadlineKinds = ['notify', 'acknowledge', 'accept', 'first_progress', 'on_site', 'contain', 'resolve', 'progress', 'final_report', 'coordination_answer'] as const;
export type DeadlineKind = (typeof deadlineKinds)[number];

export interface Deadline {
  /** stable within the incident, so that a sweeper fires each deadline once (a progress cycle has its own) */
  key: string;
  kind: DeadlineKind;
  basis: 'legal' | 'policy';
  dueAt: string;
  remindAt: string;
  metAt?: string;
  status: 'pending' | 'met' | 'met_late' | 'breached';
  /** the assignee it is about (an offer, an answer to a coordination order) */
  assigneeId?: string;
}

export const addMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * minute).toISOString();
// read when called, not when loaded: access/transitions and the projections import each other through this file
const finished = (state: LifecycleState) => (finishedStates as readonly LifecycleState[]).includes(state);
const underWay: readonly LifecycleState[] = ['responding', 'contained'];

/**
 * An incident's deadlines, from its state and its history (the view's milestones, offers and
 * orders), as of the clock's now. Pure: the sweeper fires the breached ones, the board shows them.
 */
export function deadlinesOf(view: IncidentView, options: { policy?: ResponsePolicy; clock?: Clock; holidays?: readonly string[] } = {}): Deadline[] {
  const now = (options.clock ?? systemClock)().getTime();
  const times = responseTimesOf(options.policy ?? defaultResponsePolicy, view.classification);
  const m = view.milestones ?? {};
  const deadlines: Deadline[] = [];
  const add = (d: Omit<Deadline, 'status' | 'remindAt'>, remindBefore: number) => {
    const due = Date.parse(d.dueAt);
    const status = d.metAt ? (Date.parse(d.metAt) <= due ? 'met' : 'met_late') : now > due ? 'breached' : 'pending';
    if (!d.metAt && finished(view.state)) return;
    deadlines.push({ ...d, remindAt: addMinutes(d.dueAt, -remindBefore), status, ...(d.metAt ? { metAt: d.metAt } : {}) });
  };
  const legal = legalWindows.remindBeforeMinutes;
  const policyClock = (key: DeadlineKind, start: string, minutes: number, metAt: string | undefined) =>
    add({ key, kind: key, basis: 'policy', dueAt: addMinutes(start, minutes), metAt }, times.remindBefore);

  add({ key: 'notify', kind: 'notify', basis: 'legal', dueAt: endOfLegalPeriod(view.detectedAt, legalWindows.notifyDays, options.holidays), metAt: view.reportedAt }, legal);
  // the law says "at once"; the policy says how long that is. A reopened incident's clocks start again.
  const start = m.reopened ?? view.reportedAt;
  add({ key: 'acknowledge', kind: 'acknowledge', basis: 'legal', dueAt: addMinutes(view.reportedAt, times.acknowledge), metAt: m.acknowledged }, times.remindBefore);
  for (const a of view.assignees) {
    if (!a.offerExpiresAt || a.status === 'removed') continue;
    const answered = a.status !== 'offered' && a.status !== 'timed_out' ? a.answeredAt : undefined;
    add({ key: `accept:${a.id}`, kind: 'accept', basis: 'policy', dueAt: a.offerExpiresAt, metAt: answered, assigneeId: a.id }, times.remindBefore);
  }
  policyClock('first_progress', start, times.firstProgress, m.firstProgress);
  if (times.onSite !== null) policyClock('on_site', start, times.onSite, m.onSite);
  policyClock('contain', start, times.contain, m.contained ?? m.resolved);
  policyClock('resolve', start, times.resolve, m.resolved);
  if (underWay.includes(view.state) && m.lastProgress) {
    const dueAt = addMinutes(m.lastProgress, times.progressInterval);
    add({ key: `progress:${m.lastProgress}`, kind: 'progress', basis: 'policy', dueAt }, times.remindBefore);
  }
  const ended = m.responseEnded ?? m.resolved;
  if (ended) add({ key: 'final_report', kind: 'final_report', basis: 'legal', dueAt: endOfLegalPeriod(ended, legalWindows.finalReportDays, options.holidays), metAt: m.reportReceived }, legal);
  for (const order of view.coordinationOrders ?? []) {
    if (!order.answerBy) continue;
    for (const addressee of order.addressees) {
      const answer = order.answers.find((a) => a.addresseeId === addressee.id);
      add({ key: `answer:${order.orderId}:${addressee.id}`, kind: 'coordination_answer', basis: 'legal', dueAt: order.answerBy, metAt: answer?.at, assigneeId: addressee.id }, times.remindBefore);
    }
  }
  return deadlines;
}

/** What the clocks are measured with: the configured response policy and Vietnam's legal holidays. */
export interface ClockSettings {
  policy?: ResponsePolicy;
  holidays?: readonly string[];
}

/**
 * The deadlines an audience is shown (scopeOf): a submitter its own legal obligations (to notify, the
 * end-of-response report); the policy's internal targets are the network's.
 */
export function deadlinesShownTo(audience: 'coordinator' | 'responder' | 'submitter' | undefined, deadlines: readonly Deadline[]): Deadline[] {
  return audience === 'submitter' ? deadlines.filter((d) => d.basis === 'legal' && (d.kind === 'notify' || d.kind === 'final_report')) : [...deadlines];
}

/**
 * The earliest of these deadlines not yet met: what the queue orders by and a list item shows; none
 * once every one is met. In UTC (`toISOString`), as every other time the queue compares, so that it
 * compares them as strings (an offer's or an order's time may have been given with an offset).
 */
export function nextDue(deadlines: readonly Deadline[]): string | undefined {
  let next = Infinity;
  for (const d of deadlines) if (!d.metAt) next = Math.min(next, Date.parse(d.dueAt));
  return next === Infinity ? undefined : new Date(next).toISOString();
}

/** The deadlines a sweep at `now` must act on: reminders due and breaches, each named by its key. */
export function dueNow(deadlines: readonly Deadline[], clock: Clock): { remind: Deadline[]; breached: Deadline[] } {
  const now = clock().getTime();
  const open = deadlines.filter((d) => !d.metAt);
  return {
    remind: open.filter((d) => Date.parse(d.remindAt) <= now && Date.parse(d.dueAt) >= now),
    breached: open.filter((d) => d.status === 'breached'),
  };
}
