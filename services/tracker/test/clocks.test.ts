import { ulid } from 'ulid';
import { escalationLadderSchema, makeEnvelope, responsePolicySchema, type Actor, type IncidentView } from '@ucsc/shared';
import {
  climb,
  deadlinesOf,
  defaultLadder,
  defaultResponsePolicy,
  dueNow,
  endOfLegalPeriod,
  nextRung,
  overdueRung,
  responseTimesOf,
  rungRecipients,
  rungSchedule,
  startClimb,
  stopClimb,
  stopsClimb,
  type Clock,
  type Deadline,
  type IncidentEvent,
} from '@ucsc/tracker';
import { minutesAfter, testAssignees, testIncident, testReportedAt } from '../../../test/support/incidents';

const reportedAt = testReportedAt;
/** A fake clock: tests never wait for real time. */
const at = (iso: string): Clock => () => new Date(iso);
const actor: Actor = { kind: 'user', id: 'u1', authenticatedBy: 'password' };

const { officer, leader, offeredEnterprise } = testAssignees;
const incident = (change: Partial<IncidentView> = {}): IncidentView => testIncident({ assignees: [officer, leader, offeredEnterprise], ...change });
const find = (deadlines: Deadline[], key: string) => deadlines.find((d) => d.key === key);

describe('legal periods, counted in Vietnam time', () => {
  it.each([
    ['a detection in the morning', '2026-11-20T02:10:00.000Z', '2026-11-25T17:00:00.000Z'],
    // 01:30 on the 21st in Hà Nội is still the 20th in UTC: the period counts from the 21st
    ['a detection after midnight in Vietnam, the evening before in UTC', '2026-11-20T18:30:00.000Z', '2026-11-26T17:00:00.000Z'],
    ['a detection at the last second of a Vietnamese day', '2026-11-20T16:59:59.999Z', '2026-11-25T17:00:00.000Z'],
  ])('within 5 days of %s: the day itself does not count, the period ends at 24:00 of the fifth', (_what, start, end) => {
    expect(endOfLegalPeriod(start, 5)).toBe(end);
  });

  it.each([
    // Monday the 23rd + 5 = Saturday the 28th: to the end of Monday the 30th
    ['a last day on a Saturday runs to the end of Monday', '2026-11-23T02:00:00.000Z', [], '2026-11-30T17:00:00.000Z'],
    // Tuesday the 24th + 5 = Sunday the 29th
    ['a last day on a Sunday runs to the end of Monday', '2026-11-24T02:00:00.000Z', [], '2026-11-30T17:00:00.000Z'],
    // Friday the 20th + 5 = Wednesday the 25th, a holiday here, then Thursday
    ['a last day on a configured holiday runs to the next working day', '2026-11-20T02:10:00.000Z', ['2026-11-25'], '2026-11-26T17:00:00.000Z'],
    ['holidays then a weekend: past all of them', '2026-11-20T02:10:00.000Z', ['2026-11-25', '2026-11-26', '2026-11-27'], '2026-11-30T17:00:00.000Z'],
    ['a holiday inside the period changes nothing (calendar days)', '2026-11-20T02:10:00.000Z', ['2026-11-23'], '2026-11-25T17:00:00.000Z'],
  ])('%s (Civil Code art. 148(5))', (_what, start, holidays, end) => {
    expect(endOfLegalPeriod(start, 5, holidays)).toBe(end);
  });
});

describe('the policy table', () => {
  it('is data the configuration schema accepts, for every severity and priority', () => {
    expect(responsePolicySchema.parse(defaultResponsePolicy)).toEqual(defaultResponsePolicy);
    expect(escalationLadderSchema.parse(defaultLadder)).toEqual(defaultLadder);
  });

  it('a severe incident is held to tighter times than a normal one of the same priority, and needs people on site', () => {
    for (const p of ['P1', 'P2', 'P3', 'P4'] as const) {
      const severe = defaultResponsePolicy.severe[p];
      const normal = defaultResponsePolicy.normal[p];
      expect(severe.acknowledge).toBeLessThanOrEqual(normal.acknowledge);
      expect(severe.resolve).toBeLessThanOrEqual(normal.resolve);
      expect(severe.onSite).not.toBeNull();
      expect(normal.onSite).toBeNull();
    }
  });

  it('until classified, an incident gets the strictest normal times', () => {
    expect(responseTimesOf(defaultResponsePolicy, undefined)).toEqual(defaultResponsePolicy.normal.P1);
  });
});

describe('an incident’s deadlines, with a fake clock', () => {
  it('acknowledge: pending, then breached when the clock passes it; a reminder before', () => {
    const view = incident();
    const early = find(deadlinesOf(view, { clock: at(minutesAfter(reportedAt, 10)) }), 'acknowledge');
    expect(early).toMatchObject({ basis: 'legal', status: 'pending', dueAt: minutesAfter(reportedAt, 60), remindAt: minutesAfter(reportedAt, 30) });
    expect(find(deadlinesOf(view, { clock: at(minutesAfter(reportedAt, 61)) }), 'acknowledge')?.status).toBe('breached');
    const { remind, breached } = dueNow(deadlinesOf(view, { clock: at(minutesAfter(reportedAt, 45)) }), at(minutesAfter(reportedAt, 45)));
    expect(remind.map((d) => d.key)).toEqual(['acknowledge']);
    expect(breached).toEqual([]);
  });

  it('acknowledge met in time, or late', () => {
    const clock = at(minutesAfter(reportedAt, 500));
    expect(find(deadlinesOf(incident({ milestones: { acknowledged: minutesAfter(reportedAt, 20) } }), { clock }), 'acknowledge')?.status).toBe('met');
    expect(find(deadlinesOf(incident({ milestones: { acknowledged: minutesAfter(reportedAt, 70) } }), { clock }), 'acknowledge')?.status).toBe('met_late');
  });

  it('the 5-day notification window from detection, met by the report', () => {
    expect(find(deadlinesOf(incident(), { clock: at(reportedAt) }), 'notify')).toMatchObject({ status: 'met', dueAt: '2026-11-25T17:00:00.000Z' });
    const late = incident({ detectedAt: '2026-11-01T01:00:00.000Z' });
    expect(find(deadlinesOf(late, { clock: at(reportedAt) }), 'notify')?.status).toBe('met_late');
  });

  it('an offer must be answered by its expiry', () => {
    const view = incident();
    expect(find(deadlinesOf(view, { clock: at(minutesAfter(reportedAt, 121)) }), 'accept:ent-a')).toMatchObject({ status: 'breached', assigneeId: 'ent-a' });
    const answered = incident({ assignees: view.assignees.map((a) => (a.id === 'ent-a' ? { ...a, status: 'accepted' as const, answeredAt: minutesAfter(reportedAt, 30) } : a)) });
    expect(find(deadlinesOf(answered, { clock: at(minutesAfter(reportedAt, 121)) }), 'accept:ent-a')?.status).toBe('met');
  });

  it('while responding, a progress update is due every interval after the last; each cycle has its own key', () => {
    const last = minutesAfter(reportedAt, 100);
    const view = incident({ state: 'responding', milestones: { acknowledged: reportedAt, firstProgress: reportedAt, lastProgress: last } });
    const due = find(deadlinesOf(view, { clock: at(minutesAfter(last, 8 * 60 + 1)) }), `progress:${last}`);
    expect(due).toMatchObject({ kind: 'progress', status: 'breached', dueAt: minutesAfter(last, 8 * 60) });
    const next = minutesAfter(last, 8 * 60 + 5);
    const after = deadlinesOf({ ...view, milestones: { ...view.milestones, lastProgress: next } }, { clock: at(next) });
    expect(after.filter((d) => d.kind === 'progress').map((d) => [d.key, d.status])).toEqual([[`progress:${next}`, 'pending']]);
  });

  it('on site only where the policy requires it (severe)', () => {
    expect(deadlinesOf(incident(), { clock: at(reportedAt) }).some((d) => d.kind === 'on_site')).toBe(false);
    const severe = incident({ classification: { ...incident().classification!, severity: 'severe', priority: 'P1' } });
    expect(find(deadlinesOf(severe, { clock: at(reportedAt) }), 'on_site')).toMatchObject({ dueAt: minutesAfter(reportedAt, 4 * 60), status: 'pending' });
  });

  it('Biểu mẫu 04 within 5 days of the end of the response, in Vietnam days', () => {
    const ended = '2026-11-22T20:00:00.000Z'; // 03:00 on the 23rd in Hà Nội
    const view = incident({ state: 'resolved', milestones: { acknowledged: reportedAt, resolved: ended, responseEnded: ended } });
    // the fifth day is Saturday the 28th: the period runs to 24:00 on Monday the 30th (Civil Code art. 148(5))
    expect(find(deadlinesOf(view, { clock: at('2026-11-28T17:00:00.001Z') }), 'final_report')).toMatchObject({ basis: 'legal', status: 'pending', dueAt: '2026-11-30T17:00:00.000Z' });
    expect(find(deadlinesOf(view, { clock: at('2026-11-30T17:00:00.001Z') }), 'final_report')?.status).toBe('breached');
    // and to Tuesday when that Monday is a configured holiday
    expect(find(deadlinesOf(view, { clock: at('2026-11-30T17:00:00.001Z'), holidays: ['2026-11-30'] }), 'final_report')).toMatchObject({ status: 'pending', dueAt: '2026-12-01T17:00:00.000Z' });
    const received = { ...view, state: 'report_received' as const, milestones: { ...view.milestones, reportReceived: '2026-11-25T00:00:00.000Z' } };
    expect(find(deadlinesOf(received, { clock: at('2026-12-30T00:00:00.000Z') }), 'final_report')?.status).toBe('met');
  });

  it('contain and resolve restart when the incident is reopened; a resolution counts as containment', () => {
    const reopened = minutesAfter(reportedAt, 10_000);
    const view = incident({ state: 'reopened', milestones: { acknowledged: reportedAt, reopened } });
    expect(find(deadlinesOf(view, { clock: at(reopened) }), 'contain')?.dueAt).toBe(minutesAfter(reopened, 24 * 60));
    const resolved = incident({ state: 'resolved', milestones: { acknowledged: reportedAt, resolved: minutesAfter(reportedAt, 60) } });
    expect(find(deadlinesOf(resolved, { clock: at(reopened) }), 'contain')?.status).toBe('met');
  });

  it('a closed, rejected or merged incident has nothing left to be late for', () => {
    for (const state of ['closed', 'rejected', 'merged'] as const) {
      const open = deadlinesOf(incident({ state }), { clock: at(minutesAfter(reportedAt, 100_000)) }).filter((d) => !d.metAt);
      expect(open).toEqual([]);
    }
  });

  it('an unanswered coordination order is overdue after its answer-by time, per addressee', () => {
    const orderId = ulid();
    const view = incident({
      state: 'responding',
      coordinationOrders: [{ orderId, issuedAt: reportedAt, answerBy: minutesAfter(reportedAt, 60), addressees: [{ id: 'ent-a', name: 'A' }, { id: 'ent-b', name: 'B' }], answers: [{ addresseeId: 'ent-a', at: minutesAfter(reportedAt, 30), eventId: ulid() }] }],
    });
    const deadlines = deadlinesOf(view, { clock: at(minutesAfter(reportedAt, 61)) });
    expect(find(deadlines, `answer:${orderId}:ent-a`)?.status).toBe('met');
    expect(find(deadlines, `answer:${orderId}:ent-b`)?.status).toBe('breached');
  });
});

describe('the escalation ladder, with a fake clock', () => {
  const breach = { key: 'acknowledge', dueAt: minutesAfter(reportedAt, 60) };
  const event = (type: 'incident.acknowledged' | 'incident.progress_posted' | 'incident.commented', when: string) =>
    ({
      ...makeEnvelope(
        type,
        (type === 'incident.acknowledged' ? { incidentId: ulid(), assigneeId: 'lia-officer' } : type === 'incident.progress_posted' ? { incidentId: ulid(), situation: 'x' } : { incidentId: ulid(), text: 'x' }) as never,
        { producedBy: 'tracker', actor },
      ),
      occurredAt: when,
    }) as IncidentEvent;

  it('each rung is due its wait after the one before, from the moment of the breach', () => {
    const c = startClimb('inc', breach, defaultLadder);
    expect(rungSchedule(c).map((r) => [r.reaches, r.dueAt])).toEqual([
      ['liaison_officer', breach.dueAt],
      ['liaison_leader', minutesAfter(breach.dueAt, 30)],
      ['on_site', minutesAfter(breach.dueAt, 150)],
      ['ministry_leadership', minutesAfter(breach.dueAt, 390)],
    ]);
  });

  it('climbs rung by rung as the clock moves, each rung once', () => {
    let c = startClimb('inc', breach, defaultLadder);
    const first = climb(c, at(minutesAfter(breach.dueAt, 1)));
    expect(first.reached.map((r) => r.reaches)).toEqual(['liaison_officer']);
    c = first.climb;
    expect(climb(c, at(minutesAfter(breach.dueAt, 2))).reached).toEqual([]);
    const second = climb(c, at(minutesAfter(breach.dueAt, 31)));
    expect(second.reached.map((r) => [r.reaches, r.late])).toEqual([['liaison_leader', false]]);
    expect(nextRung(second.climb)?.reaches).toBe('on_site');
  });

  it('an acknowledgement stops the climb: a rung already scheduled reaches nobody', () => {
    const c = climb(startClimb('inc', breach, defaultLadder), at(minutesAfter(breach.dueAt, 1))).climb;
    expect(stopsClimb(event('incident.acknowledged', minutesAfter(breach.dueAt, 10)))).toBe(true);
    const stopped = stopClimb(c, event('incident.acknowledged', minutesAfter(breach.dueAt, 10)));
    expect(climb(stopped, at(minutesAfter(breach.dueAt, 1000))).reached).toEqual([]);
    expect(nextRung(stopped)).toBeUndefined();
    expect(overdueRung(stopped, at(minutesAfter(breach.dueAt, 1000)))).toBeUndefined();
  });

  it('progress stops it too; a comment does not', () => {
    expect(stopsClimb(event('incident.progress_posted', reportedAt))).toBe(true);
    expect(stopsClimb(event('incident.commented', reportedAt))).toBe(false);
  });

  it('after the tracker was down, the missed rungs are reached at once, in order, marked late', () => {
    const back = minutesAfter(breach.dueAt, 391);
    const { reached } = climb(startClimb('inc', breach, defaultLadder), at(back));
    expect(reached.map((r) => [r.reaches, r.late])).toEqual([
      ['liaison_officer', true],
      ['liaison_leader', true],
      ['on_site', true],
      ['ministry_leadership', false],
    ]);
  });

  it('editing the ladder does not rewrite a climb under way', () => {
    const ladder = structuredClone(defaultLadder);
    const c = startClimb('inc', breach, ladder);
    ladder.rungs[1]!.waitMinutes = 5;
    expect(rungSchedule(c)[1]?.dueAt).toBe(minutesAfter(breach.dueAt, 30));
  });

  it('a next rung overdue past the grace is an alarm', () => {
    const c = climb(startClimb('inc', breach, defaultLadder), at(minutesAfter(breach.dueAt, 1))).climb;
    expect(overdueRung(c, at(minutesAfter(breach.dueAt, 33)))).toBeUndefined();
    expect(overdueRung(c, at(minutesAfter(breach.dueAt, 36)))).toMatchObject({ rung: 1, reaches: 'liaison_leader' });
  });

  it('the liaison rungs reach the incident’s liaison officer, then its leader', () => {
    expect(rungRecipients(incident(), 'liaison_officer').map((a) => a.id)).toEqual(['lia-officer']);
    expect(rungRecipients(incident(), 'liaison_leader').map((a) => a.id)).toEqual(['lia-leader']);
  });
});
