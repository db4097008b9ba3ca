import { ulid } from 'ulid';
import { makeEnvelope, type Actor, type IncidentView, type Payload } from '@ucsc/shared';
import { applyEvent, decide, type Emit, type IncidentCommand, type IncidentEvent } from '@ucsc/tracker';

const actor: Actor = { kind: 'user', id: 'u1', authenticatedBy: 'none' };
const ctx = { producedBy: 'test', actor };
const incidentId = ulid();
const emit: Emit = (type, payload) => makeEnvelope(type, payload, ctx);

const reported = makeEnvelope(
  'incident.reported',
  {
    incidentId,
    province: { code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Hà Giang', formerCode: '02' },
    reportingOrganisation: { name: 'Sở Y tế' },
    title: 'Mã độc',
    description: 'Máy chủ nhiễm mã độc',
    detectedAt: '2026-11-20T02:10:00.000Z',
    reportedAt: '2026-11-20T03:00:00.000Z',
    tlp: 'AMBER',
  },
  ctx,
) as IncidentEvent;
const assignees: Payload<'incident.assigned'>['assignees'] = [
  { kind: 'province_hub', id: 'org-hub-08', name: 'Sở KH&CN Tuyên Quang', organisationId: 'org-hub-08', organisationName: 'Sở KH&CN Tuyên Quang', role: 'hub' },
  { kind: 'liaison', id: 'lia-08-sec-leader', name: 'Trần Văn B', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'leader' },
];
const assigned = makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees, reasons: ['rule'] }, ctx) as IncidentEvent;
const acknowledged = makeEnvelope('incident.acknowledged', { incidentId, assigneeId: 'lia-08-sec-leader' }, ctx) as IncidentEvent;
const acknowledge = (assigneeId: string) => makeEnvelope('incident.acknowledge', { incidentId, assigneeId }, ctx) as IncidentCommand;

function replay(events: IncidentEvent[]): IncidentView | undefined {
  return events.reduce<IncidentView | undefined>((view, event, i) => applyEvent(view, event, i), undefined);
}

describe('incident projection', () => {
  it('a report creates the incident, waiting (Chờ), with the name it was filed under', () => {
    const view = replay([reported]);
    expect(view).toMatchObject({ id: incidentId, state: 'reported', portalStatus: 'cho', version: 0 });
    expect(view?.province).toEqual({ code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Hà Giang', formerCode: '02' });
    expect(view?.timeline).toHaveLength(1);
  });

  it('an assignment records who and why, and is still waiting for an acknowledgement', () => {
    const view = replay([reported, assigned]);
    expect(view).toMatchObject({ state: 'assigned', portalStatus: 'cho', routingReasons: ['rule'], version: 1 });
    expect(view?.assignees.map((a) => a.id)).toEqual(['org-hub-08', 'lia-08-sec-leader']);
  });

  it('an acknowledgement marks that assignee and puts the incident in progress (Đang xử lý)', () => {
    const view = replay([reported, assigned, acknowledged]);
    expect(view).toMatchObject({ state: 'acknowledged', portalStatus: 'dang_xu_ly' });
    expect(view?.assignees.find((a) => a.id === 'lia-08-sec-leader')?.acknowledgedAt).toBe(acknowledged.occurredAt);
    expect(view?.assignees.find((a) => a.id === 'org-hub-08')?.acknowledgedAt).toBeUndefined();
    expect(view?.timeline.map((t) => t.type)).toEqual(['incident.reported', 'incident.assigned', 'incident.acknowledged']);
  });

  it('ignores events about an incident that was never reported', () => {
    expect(applyEvent(undefined, assigned, 5)).toBeUndefined();
    expect(applyEvent(undefined, acknowledged, 5)).toBeUndefined();
  });

  it('a second report with the same id changes nothing but the version', () => {
    const view = replay([reported, assigned]);
    const again = applyEvent(view, reported, 9);
    expect({ ...again, version: view?.version }).toEqual(view);
  });

  it('a rejected command leaves the incident as it was', () => {
    const view = replay([reported, assigned]);
    const rejected = makeEnvelope('incident.command_rejected', { incidentId, commandId: ulid(), commandType: 'incident.acknowledge', reason: 'x' }, ctx) as IncidentEvent;
    expect({ ...applyEvent(view, rejected, 7), version: view?.version }).toEqual(view);
  });
});

describe('lifecycle commands', () => {
  it('an assignee may acknowledge', () => {
    const decision = decide(replay([reported, assigned]), acknowledge('lia-08-sec-leader'), emit);
    expect(decision.accepted).toBe(true);
    if (decision.accepted) expect(decision.events.map((e) => [e.type, e.payload])).toEqual([['incident.acknowledged', { incidentId, assigneeId: 'lia-08-sec-leader' }]]);
  });

  it('refuses an acknowledgement for an unknown incident', () => {
    expect(decide(undefined, acknowledge('x'), emit)).toEqual({ accepted: false, reason: 'unknown incident' });
  });

  it('refuses an acknowledgement by someone not assigned', () => {
    expect(decide(replay([reported, assigned]), acknowledge('ent-x'), emit)).toMatchObject({ accepted: false });
  });

  it('refuses an acknowledgement before anyone is assigned', () => {
    expect(decide(replay([reported]), acknowledge('lia-08-sec-leader'), emit)).toMatchObject({ accepted: false });
  });

  it('refuses a second acknowledgement by the same assignee', () => {
    const decision = decide(replay([reported, assigned, acknowledged]), acknowledge('lia-08-sec-leader'), emit);
    expect(decision).toMatchObject({ accepted: false, reason: expect.stringMatching(/already acknowledged/) });
  });

  it('another assignee may still acknowledge after the first', () => {
    expect(decide(replay([reported, assigned, acknowledged]), acknowledge('org-hub-08'), emit).accepted).toBe(true);
  });
});
