import { ulid } from 'ulid';
import { makeEnvelope, renderTimelineEntry, type Actor, type IncidentView, type Payload, type TimelineEntry } from '@ucsc/shared';
import { applyEvent, decide, type Emit, type IncidentCommand, type IncidentEvent } from '@ucsc/tracker';
import { testProvinceAssignees, testReport } from '../../../test/support/incidents';

// the timeline stores facts; its words are the catalogue's, rendered on read
const words = (t: TimelineEntry) => renderTimelineEntry(t, 'vi').summary;
const lines = (t: TimelineEntry) => renderTimelineEntry(t, 'vi').details;

// decide checks who: a national coordinator may act for any assignee
const actor: Actor = { kind: 'user', id: 'u1', roles: ['national_coordinator'], authenticatedBy: 'none' };
const ctx = { producedBy: 'test', actor };
const incidentId = ulid();
const emit: Emit = (type, payload) => makeEnvelope(type, payload, ctx);

const reported = makeEnvelope('incident.reported', testReport(incidentId, { province: { code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Hà Giang', formerCode: '02' } }), ctx) as IncidentEvent;
const assignees = testProvinceAssignees;
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
    expect(view).toMatchObject({ state: 'routed', portalStatus: 'cho', routingReasons: ['rule'], version: 1 });
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
    expect(during?.followUps?.map((f) => f.report.kind)).toEqual(['situation_update', 'support_request']);
    expect(during?.timeline.slice(-2).map(words)).toEqual(['Báo cáo cập nhật tình hình', 'Đề nghị hỗ trợ']);
    const ended = replay([reported, assigned, acknowledged, update, support, final]);
    expect(ended).toMatchObject({ state: 'report_received', portalStatus: 'dang_xu_ly' });
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
    expect(view?.state).toBe('routed');
    expect(words(view!.timeline.at(-1)!)).toBe('Đính kèm mẫu mã độc: sample.bin');
  });

  it('a routing decision made again keeps the acknowledgements of those still assigned', () => {
    const view = replay([reported, assigned, acknowledged, assigned]);
    expect(view?.state).toBe('acknowledged');
    expect(view?.assignees.find((a) => a.id === 'lia-08-sec-leader')?.acknowledgedAt).toBe(acknowledged.occurredAt);
  });

  it('a rejected command leaves the incident as it was', () => {
    const view = replay([reported, assigned]);
    const commandId = ulid();
    const rejected = makeEnvelope('incident.command_rejected', { incidentId, commandId, commandType: 'incident.acknowledge', reason: 'x' }, ctx) as IncidentEvent;
    const after = applyEvent(view, rejected, 7);
    expect({ ...after, version: view?.version, commandIds: undefined }).toEqual({ ...view, commandIds: undefined });
    // the refused command is decided: a retry of it is not decided again
    expect(after?.commandIds).toEqual([commandId]);
  });
});

describe('lifecycle commands', () => {
  it('an assignee may acknowledge', () => {
    const decision = decide(replay([reported, assigned]), acknowledge('lia-08-sec-leader'), emit);
    expect(decision.accepted).toBe(true);
    if (decision.accepted) expect(decision.events.map((e) => [e.type, e.payload])).toEqual([['incident.acknowledged', { incidentId, assigneeId: 'lia-08-sec-leader' }]]);
  });

  it('refuses an acknowledgement for an unknown incident', () => {
    expect(decide(undefined, acknowledge('x'), emit)).toEqual({ accepted: false, status: 404, reason: 'unknown incident' });
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

describe('classification and enterprise assignments on the incident', () => {
  const enterprise = { kind: 'enterprise', id: 'ent-a', name: 'Công ty A', organisationId: 'ent-a', organisationName: 'Công ty A', role: 'responder' } as const;
  const classified = makeEnvelope(
    'incident.classified',
    { incidentId, severity: 'normal', priority: 'P3', category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['normal: …', 'priority P3: …'] },
    ctx,
  ) as IncidentEvent;
  const offered = makeEnvelope(
    'incident.assignment_offered',
    {
      incidentId,
      assignee: enterprise,
      offeredAt: '2026-11-20T03:00:00.000Z',
      offerExpiresAt: '2026-11-20T03:30:00.000Z',
      rule: 'initial',
      reasons: ['policy asks for 1'],
      candidates: [{ id: 'ent-a', name: 'Công ty A', openAssignments: 0, capacity: 3, chosen: true, why: 'least loaded' }],
      excluded: { category: 1, coverage: 0, tlp: 0, capacity: 0, alreadyAsked: 0 },
    },
    ctx,
  ) as IncidentEvent;
  const answer = (type: 'incident.accept_assignment' | 'incident.decline_assignment') =>
    makeEnvelope(type, type === 'incident.accept_assignment' ? { incidentId, assigneeId: 'ent-a' } : { incidentId, assigneeId: 'ent-a', reason: 'quá tải' }, ctx) as IncidentCommand;
  const declined = makeEnvelope('incident.assignment_declined', { incidentId, assigneeId: 'ent-a', reason: 'quá tải' }, ctx) as IncidentEvent;
  const accepted = makeEnvelope('incident.assignment_accepted', { incidentId, assigneeId: 'ent-a' }, ctx) as IncidentEvent;
  const timedOut = makeEnvelope('incident.assignment_timed_out', { incidentId, assigneeId: 'ent-a', offeredAt: '2026-11-20T03:00:00.000Z', expiredAt: '2026-11-20T03:30:00.000Z' }, ctx) as IncidentEvent;
  const noFit = makeEnvelope(
    'incident.routing_no_fit',
    {
      incidentId,
      wanted: 1,
      found: 0,
      rule: 'after_decline',
      reasons: ['none fits'],
      excluded: { category: 0, coverage: 0, tlp: 0, capacity: 0, alreadyAsked: 1 },
      notified: { kind: 'national_coordinator', id: 'org-national-coordinator', name: 'Cục ATTT', organisationId: 'org-national-coordinator', organisationName: 'Cục ATTT', role: 'coordinator' },
    },
    ctx,
  ) as IncidentEvent;

  it('the classification and its reasons are on the incident and its timeline', () => {
    const view = replay([reported, classified]);
    expect(view?.classification).toMatchObject({ severity: 'normal', priority: 'P3' });
    expect(lines(view!.timeline.at(-1)!)).toEqual(['normal: …', 'priority P3: …']);
  });

  it('an offer lists the enterprise as offered, with its window, and the candidates on the timeline', () => {
    const view = replay([reported, assigned, offered]);
    expect(view?.assignees.at(-1)).toMatchObject({ id: 'ent-a', status: 'offered', offerExpiresAt: '2026-11-20T03:30:00.000Z' });
    expect(lines(view!.timeline.at(-1)!)).toEqual(['policy asks for 1', '✓ Công ty A (0/3): least loaded']);
  });

  it.each([
    ['accepted', accepted, { status: 'accepted' }],
    ['declined', declined, { status: 'declined', declineReason: 'quá tải' }],
    ['timed out', timedOut, { status: 'timed_out' }],
  ] as const)('an offer %s shows on the enterprise', (_what, event, expected) => {
    expect(replay([reported, assigned, offered, event])?.assignees.at(-1)).toMatchObject(expected);
  });

  it('an answer after the offer ended changes nothing but the version', () => {
    const view = replay([reported, assigned, offered, timedOut]);
    expect({ ...applyEvent(view, accepted, 99), version: view?.version }).toEqual(view);
  });

  it('no fit flags the incident for the coordinator, who is added; an override clears the flag', () => {
    const flagged = replay([reported, assigned, offered, declined, noFit]);
    expect(flagged?.needsCoordinator).toMatchObject({ reasons: ['none fits'] });
    expect(flagged?.assignees.some((a) => a.id === 'org-national-coordinator')).toBe(true);
    const override = makeEnvelope('incident.routing_overridden', { incidentId, added: [{ ...enterprise, id: 'ent-b', organisationId: 'ent-b' }], removed: [], reason: 'chỉ đạo' }, ctx) as IncidentEvent;
    const after = applyEvent(flagged, override, 10);
    expect(after?.needsCoordinator).toBeUndefined();
    expect(after?.assignees.find((a) => a.id === 'ent-b')).toMatchObject({ status: 'accepted' });
    expect(lines(after!.timeline.at(-1)!)).toEqual(['Lý do: chỉ đạo']);
  });

  it('only an enterprise with an open offer may accept or decline it', () => {
    const open = replay([reported, assigned, offered]);
    expect(decide(open, answer('incident.accept_assignment'), emit)).toMatchObject({ accepted: true, events: [{ type: 'incident.assignment_accepted' }] });
    expect(decide(open, answer('incident.decline_assignment'), emit)).toMatchObject({ accepted: true, events: [{ type: 'incident.assignment_declined', payload: { reason: 'quá tải' } }] });
    const answered = replay([reported, assigned, offered, declined]);
    expect(decide(answered, answer('incident.accept_assignment'), emit)).toMatchObject({ accepted: false, reason: expect.stringMatching(/no open offer/) });
    expect(decide(replay([reported, assigned]), answer('incident.accept_assignment'), emit)).toMatchObject({ accepted: false, reason: expect.stringMatching(/not assigned/) });
    const liaison = makeEnvelope('incident.accept_assignment', { incidentId, assigneeId: 'lia-08-sec-leader' }, ctx) as IncidentCommand;
    expect(decide(replay([reported, assigned]), liaison, emit)).toMatchObject({ accepted: false });
  });

  it('an enterprise only offered the incident cannot acknowledge it; once it accepted, it may; one that declined or timed out may not', () => {
    expect(decide(replay([reported, assigned, offered]), acknowledge('ent-a'), emit)).toMatchObject({ accepted: false, reason: expect.stringMatching(/does not hold/) });
    expect(decide(replay([reported, assigned, offered, accepted]), acknowledge('ent-a'), emit)).toMatchObject({ accepted: true, events: [{ type: 'incident.acknowledged' }] });
    expect(decide(replay([reported, assigned, offered, declined]), acknowledge('ent-a'), emit)).toMatchObject({ accepted: false });
    expect(decide(replay([reported, assigned, offered, timedOut]), acknowledge('ent-a'), emit)).toMatchObject({ accepted: false });
  });
});
