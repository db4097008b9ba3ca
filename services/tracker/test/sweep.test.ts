import { makeEnvelope, renderTimeline, type IncidentView } from '@ucsc/shared';
import { applyEvent, nextFireAt, sweepIncident, sweeperActor, type Clock, type Emit, type IncidentEvent } from '@ucsc/tracker';
import { testAssignees, testIncident, testReportedAt } from '../../../test/support/incidents';

const reportedAt = testReportedAt;
const after = (minutes: number) => new Date(Date.parse(reportedAt) + minutes * 60_000);
const at = (minutes: number): Clock => () => after(minutes);
const emitAt = (clock: Clock): Emit => (type, payload) => makeEnvelope(type, payload, { producedBy: 'tracker', actor: sweeperActor, occurredAt: clock().toISOString() });

const { officer, leader, nationalCoordinator } = testAssignees;
const incident = (change: Partial<IncidentView> = {}): IncidentView => testIncident({ assignees: [officer, leader, nationalCoordinator], ...change });

/** What the projector does with what a sweep fired. */
const applied = (view: IncidentView, events: IncidentEvent[]) => events.reduce((v, e, i) => applyEvent(v, e, v.version + i + 1)!, view);
const sweep = (view: IncidentView, clock: Clock) => sweepIncident(view, clock, emitAt(clock));
const summary = (events: IncidentEvent[]) =>
  events.map((e) => (e.type === 'incident.escalation_rung_reached' ? `rung ${e.payload.rung} ${e.payload.reaches}${e.payload.late ? ' late' : ''}` : `${e.type.split('_')[1]} ${(e.payload as { deadlineKey: string }).deadlineKey}${(e.payload as { late?: boolean }).late ? ' late' : ''}`));

describe('a sweep fires each reminder, breach and rung once, from the view alone', () => {
  it('a reminder before the deadline, then the breach, then nothing more from the same view', () => {
    let view = incident();
    expect(sweep(view, at(10))).toEqual([]);
    const reminded = sweep(view, at(31)); // 30 min before the 60-minute acknowledgement
    expect(summary(reminded)).toEqual(['reminded acknowledge']);
    view = applied(view, reminded);
    expect(sweep(view, at(40))).toEqual([]);
    const breached = sweep(view, at(61));
    // the breach starts a climb: its first rung (no wait) is due at once; the officer is reminded
    expect(summary(breached)).toEqual(['breached acknowledge', 'rung 0 liaison_officer']);
    expect(breached[1]!.type === 'incident.escalation_rung_reached' && breached[1]!.payload.recipients).toEqual([{ id: 'lia-officer', name: 'Cán bộ' }]);
    view = applied(view, breached);
    expect(sweep(view, at(62))).toEqual([]);
    expect(renderTimeline(view.timeline, 'vi').map((t) => t.summary)).toEqual(['Nhắc hạn: xác nhận tiếp nhận (hạn 10:00 20/11/26)', 'Quá hạn: xác nhận tiếp nhận (hạn 10:00 20/11/26)', 'Báo cáo vượt cấp: nhắc cán bộ đầu mối']);
  });

  it('the next time to look is kept: the reminder, then the breach, then the next rung', () => {
    let view = incident();
    expect(nextFireAt(view)).toBe(after(30).getTime());
    view = applied(view, sweep(view, at(31)));
    expect(nextFireAt(view)).toBe(after(60).getTime());
    view = applied(view, sweep(view, at(61)));
    // the leader's rung, 30 minutes after the breach; the reminder of first progress comes later
    expect(nextFireAt(view)).toBe(after(90).getTime());
  });

  it('a clock jump forward of a day: every deadline passed fires once, marked late, and every rung due once', () => {
    let view = incident();
    const jumped = sweep(view, at(24 * 60 + 1));
    expect(summary(jumped)).toEqual([
      'breached acknowledge late',
      'breached first_progress late',
      // contain was due at 24 h: one minute ago, within the grace, so on time; its climb has only begun
      'breached contain',
      'rung 0 liaison_officer late',
      'rung 1 liaison_leader late',
      'rung 2 on_site late',
      'rung 3 ministry_leadership late',
      'rung 0 liaison_officer late',
      'rung 1 liaison_leader late',
      'rung 2 on_site late',
      'rung 3 ministry_leadership late',
      'rung 0 liaison_officer',
    ]);
    view = applied(view, jumped);
    expect(sweep(view, at(24 * 60 + 2))).toEqual([]);
    expect(view.clocks?.breaches.map((b) => [b.deadlineKey, b.late])).toEqual([['acknowledge', true], ['first_progress', true], ['contain', false]]);
  });

  it('an acknowledgement stops the climb: a rung scheduled after it calls nobody', () => {
    let view = incident();
    view = applied(view, sweep(view, at(61)));
    const ack = makeEnvelope('incident.acknowledged', { incidentId: view.id, assigneeId: 'lia-leader' }, { producedBy: 'tracker', actor: sweeperActor, occurredAt: after(70).toISOString() });
    view = applyEvent(view, ack, view.version + 1)!;
    expect(view.clocks?.climbs[0]?.stopped).toEqual({ at: after(70).toISOString(), byEvent: ack.id });
    // the leader's rung was due at 90 minutes: nothing
    expect(summary(sweep(view, at(95)))).toEqual([]);
  });

  it('a finished incident has nothing left to be late for; a climb keeps the ladder it started with', () => {
    expect(sweep(incident({ state: 'closed' }), at(24 * 60))).toEqual([]);
    expect(nextFireAt(incident({ state: 'rejected' }))).toBeUndefined();
    const ladder = { id: 'short', rungs: [{ reaches: 'liaison_leader' as const, waitMinutes: 0 }] };
    const view = incident();
    const fired = sweepIncident(view, at(61), emitAt(at(61)), { ladder });
    expect(summary(fired)).toEqual(['breached acknowledge', 'rung 0 liaison_leader']);
    const climbing = applied(view, fired);
    // the configuration changes afterwards: the climb under way still has one rung, now reached
    const later = sweepIncident(climbing, at(24 * 60), emitAt(at(24 * 60)), { ladder: { id: 'long', rungs: [{ reaches: 'liaison_officer', waitMinutes: 0 }, { reaches: 'on_site', waitMinutes: 1 }] } });
    const rungs = later.flatMap((e) => (e.type === 'incident.escalation_rung_reached' ? [`${e.payload.deadlineKey} ${e.payload.ladderId} ${e.payload.rung}`] : []));
    // only the climb that starts now (first progress, 4 h) uses the new ladder
    expect(rungs).toEqual(['first_progress long 0', 'first_progress long 1']);
  });
});
