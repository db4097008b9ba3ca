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

  it('a report with the whole Biểu mẫu 03 keeps its details on the view', () => {
    const details: Payload<'incident.reported'>['report'] = {
      reportingOrganisation: { name: 'Sở Y tế', address: 'Hà Giang', phone: '0219 3866 111', email: 'syt@hagiang.gov.vn' },
      contactPerson: { name: 'Lò Văn Sáng', position: 'Chuyên viên', phone: '0912345678', email: 'sang@hagiang.gov.vn' },
      affectedSystem: { operator: 'Trung tâm CNTT', protectionLevel: 4 },
      alreadyHandled: false,
      detection: { methods: ['monitoring'] },
      alreadyNotified: { parties: [] },
      confidentialityRequested: true,
      reportTime: '2026-11-20T03:00:00.000Z',
      category: 'malware',
    };
    const full = makeEnvelope('incident.reported', { ...reported.payload, report: details } as Payload<'incident.reported'>, ctx) as IncidentEvent;
    expect(replay([full])).toMatchObject({ report: details, followUps: [], attachments: [] });
  });

  it('each follow-up report is kept in order on the timeline; the end-of-response report ends the response, still in progress for the portal', () => {
    const followUp = (report: Payload<'incident.follow_up_reported'>['report']) =>
      makeEnvelope('incident.follow_up_reported', { incidentId, followUpId: ulid(), receivedAt: '2026-11-20T05:00:00.000Z', report }, ctx) as IncidentEvent;
    const update = followUp({ kind: 'situation_update', reportTime: '2026-11-20T05:00:00.000Z', situation: 'Đã cô lập máy chủ' });
    const support = followUp({ kind: 'support_request', reportTime: '2026-11-20T05:00:00.000Z', supportNeeded: 'Phân tích mã độc', urgency: 'urgent' });
    const final = followUp({ kind: 'final_report', reportTime: '2026-11-21T05:00:00.000Z', responseEndedAt: '2026-11-21T04:00:00.000Z', whatHappened: 'a', whatWasDone: 'b', damage: 'c' });
    const during = replay([reported, assigned, acknowledged, update, support]);
    expect(during).toMatchObject({ state: 'acknowledged', portalStatus: 'dang_xu_ly' });
    expect(during?.followUps.map((f) => f.report.kind)).toEqual(['situation_update', 'support_request']);
    expect(during?.timeline.slice(-2).map((t) => t.summary)).toEqual(['Báo cáo cập nhật tình hình', 'Đề nghị hỗ trợ']);
    const ended = replay([reported, assigned, acknowledged, update, support, final]);
    expect(ended).toMatchObject({ state: 'response_ended', portalStatus: 'dang_xu_ly' });
    // the same follow-up delivered twice is recorded once
    const again = applyEvent(ended, final, 99);
    expect(again?.followUps).toHaveLength(3);
    expect(again?.timeline).toEqual(ended?.timeline);
  });

  it('an attachment is kept by reference, once, with the malware flag', () => {
    const attachment = { sha256: 'a'.repeat(64), size: 10, filename: 'sample.bin', mediaType: 'application/octet-stream', kind: 'malware_sample' as const, malware: true, tlp: 'RED' as const };
    const added = makeEnvelope('incident.attachment_added', { incidentId, attachment }, ctx) as IncidentEvent;
    const view = replay([reported, assigned, added, added]);
    expect(view?.attachments).toEqual([{ ...attachment, eventId: added.id, addedAt: added.occurredAt }]);
    expect(view?.state).toBe('assigned');
    expect(view?.timeline.at(-1)?.summary).toBe('Đính kèm mẫu mã độc: sample.bin');
  });

  it('a routing decision made again keeps the acknowledgements of those still assigned', () => {
    const view = replay([reported, assigned, acknowledged, assigned]);
    expect(view?.state).toBe('acknowledged');
    expect(view?.assignees.find((a) => a.id === 'lia-08-sec-leader')?.acknowledgedAt).toBe(acknowledged.occurredAt);
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
