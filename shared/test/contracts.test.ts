import { ulid } from 'ulid';
import { makeEnvelope, messageSchemas, parseMessage, topics, type MessageType } from '@ucsc/shared';

const actor = { kind: 'user', id: 'u1', authenticatedBy: 'none' } as const;
const incidentId = ulid();
const province = { code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Hà Giang', formerCode: '02' };
const now = '2026-11-20T03:00:00.000Z';
const enterprise = { kind: 'enterprise', id: 'ent-a', name: 'Công ty A', organisationId: 'ent-a', organisationName: 'Công ty A', role: 'responder' };
const excluded = { category: 1, coverage: 2, tlp: 0, capacity: 0, alreadyAsked: 0 };
const assignee = { kind: 'liaison', id: 'lia-08-sec-leader', name: 'Nguyễn Văn A', organisationId: 'org-dept-security', organisationName: 'Cục An toàn thông tin', role: 'leader' };

const identityUser = { id: 'usr-1', username: 'hanoi.baocao', name: 'Nguyễn Thị Hoa', organisationId: 'org-hub-01', roles: ['submitter'], provinceCodes: ['01'], assigneeIds: [], passwordHash: 'scrypt$…', disabled: false, createdAt: now, updatedAt: now };
const identityToken = { id: 'tok-1', name: 'cổng thư', organisationId: 'org-hub-01', provinceCodes: ['01'], scopes: ['reports:write'], secretHash: 'ab', createdBy: 'usr-2', createdAt: now, expiresAt: now, revokedAt: now };

/** One valid and one invalid payload for every message type: a new type without examples fails here. */
const examples: Record<MessageType, { valid: unknown; invalid: unknown; rule: string }> = {
  'incident.reported': {
    valid: {
      incidentId,
      province,
      reportingOrganisation: { name: 'Sở Y tế' },
      title: 'Mã độc',
      description: 'Máy chủ nhiễm mã độc',
      detectedAt: '2026-11-20T02:10:00+07:00',
      reportedAt: '2026-11-20T03:00:00.000Z',
      tlp: 'AMBER',
    },
    invalid: { incidentId, province, reportingOrganisation: { name: 'x' }, title: 'x', description: 'x', detectedAt: 'yesterday', reportedAt: '2026-11-20T03:00:00Z', tlp: 'PURPLE' },
    rule: 'tlp',
  },
  'incident.follow_up_reported': {
    valid: { incidentId, followUpId: ulid(), receivedAt: '2026-11-20T05:00:00.000Z', report: { kind: 'situation_update', reportTime: '2026-11-20T05:00:00+07:00', situation: 'Đã cô lập máy chủ' } },
    invalid: { incidentId, followUpId: ulid(), receivedAt: '2026-11-20T05:00:00.000Z', report: { kind: 'rumour', reportTime: '2026-11-20T05:00:00Z' } },
    rule: 'report',
  },
  'incident.attachment_added': {
    valid: { incidentId, attachment: { sha256: 'a'.repeat(64), size: 3, filename: 'auth.log', mediaType: 'text/plain', kind: 'log', malware: false, tlp: 'AMBER' } },
    invalid: { incidentId, attachment: { sha256: 'not-a-hash', size: 3, filename: 'auth.log', mediaType: 'text/plain', kind: 'log', malware: false, tlp: 'AMBER' } },
    rule: 'attachment',
  },
  'incident.assigned': {
    valid: { incidentId, provinceCode: '08', assignees: [assignee], reasons: ['province liaisons'] },
    invalid: { incidentId, provinceCode: '08', assignees: [], reasons: ['none'] },
    rule: 'assignees',
  },
  'incident.acknowledged': {
    valid: { incidentId, assigneeId: 'lia-08-sec-leader' },
    invalid: { incidentId: 'not-a-ulid', assigneeId: 'x' },
    rule: 'incidentId',
  },
  'incident.command_rejected': {
    valid: { incidentId, commandId: ulid(), commandType: 'incident.acknowledge', reason: 'unknown incident' },
    invalid: { incidentId, commandId: ulid(), commandType: 'incident.acknowledge' },
    rule: 'reason',
  },
  'audit.recorded': {
    valid: { action: 'auth.signed_in', outcome: 'success', detail: { method: 'password' } },
    invalid: { action: 'auth.signed_in', outcome: 'maybe' },
    rule: 'outcome',
  },
  'incident.acknowledge': {
    valid: { incidentId, assigneeId: 'lia-08-sec-leader', note: 'Đã nhận' },
    invalid: { incidentId, assigneeId: '' },
    rule: 'assigneeId',
  },
  'incident.classified': {
    valid: { incidentId, severity: 'normal', priority: 'P3', category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['r'] },
    invalid: { incidentId, severity: 'grave', priority: 'P3', category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['r'] },
    rule: 'severity',
  },
  'incident.assignment_offered': {
    valid: { incidentId, assignee: enterprise, offeredAt: now, offerExpiresAt: now, rule: 'initial', reasons: ['fits'], candidates: [], excluded },
    invalid: { incidentId, assignee: enterprise, offeredAt: now, offerExpiresAt: now, rule: 'because', reasons: ['fits'], candidates: [], excluded },
    rule: 'rule',
  },
  'incident.assignment_accepted': {
    valid: { incidentId, assigneeId: 'ent-a' },
    invalid: { incidentId, assigneeId: '' },
    rule: 'assigneeId',
  },
  'incident.assignment_declined': {
    valid: { incidentId, assigneeId: 'ent-a', reason: 'hết năng lực' },
    invalid: { incidentId, assigneeId: 'ent-a' },
    rule: 'reason',
  },
  'incident.assignment_timed_out': {
    valid: { incidentId, assigneeId: 'ent-a', offeredAt: now, expiredAt: now },
    invalid: { incidentId, assigneeId: 'ent-a', offeredAt: now, expiredAt: 'soon' },
    rule: 'expiredAt',
  },
  'incident.routing_no_fit': {
    valid: { incidentId, wanted: 1, found: 0, rule: 'initial', reasons: ['none'], excluded },
    invalid: { incidentId, wanted: 0, found: 0, rule: 'initial', reasons: ['none'], excluded },
    rule: 'wanted',
  },
  'incident.routing_overridden': {
    valid: { incidentId, added: [enterprise], removed: [], reason: 'chỉ đạo' },
    invalid: { incidentId, added: [enterprise], removed: [], reason: '' },
    rule: 'reason',
  },
  'incident.accept_assignment': {
    valid: { incidentId, assigneeId: 'ent-a' },
    invalid: { incidentId: 'x', assigneeId: 'ent-a' },
    rule: 'incidentId',
  },
  'incident.decline_assignment': {
    valid: { incidentId, assigneeId: 'ent-a', reason: 'quá tải' },
    invalid: { incidentId, assigneeId: 'ent-a', reason: '  ' },
    rule: 'reason',
  },
  'incident.override_routing': {
    valid: { incidentId, add: [{ kind: 'enterprise', id: 'ent-a' }], remove: [], reason: 'chỉ đạo' },
    invalid: { incidentId, add: [{ kind: 'person', id: 'x' }], remove: [], reason: 'chỉ đạo' },
    rule: 'add',
  },
  // the lifecycle (issue 12)
  'incident.triage': {
    valid: { incidentId, severity: 'severe', priority: 'P1', category: 'ransomware', note: 'Đã xác minh với đơn vị' },
    invalid: { incidentId, severity: 'severe', priority: 'P9', category: 'ransomware' },
    rule: 'priority',
  },
  'incident.triaged': {
    valid: { incidentId, severity: 'normal', priority: 'P3', category: 'malware' },
    invalid: { incidentId, severity: 'normal', priority: 'P3', category: 'gossip' },
    rule: 'category',
  },
  'incident.assign': { valid: { incidentId, assignee: enterprise, reason: 'có năng lực' }, invalid: { incidentId, assignee: { ...enterprise, kind: 'friend' }, reason: 'x' }, rule: 'assignee' },
  'incident.assignee_added': { valid: { incidentId, assignee: enterprise, offerExpiresAt: now, reason: 'có năng lực' }, invalid: { incidentId, assignee: enterprise, offerExpiresAt: 'later', reason: 'x' }, rule: 'offerExpiresAt' },
  'incident.unassign': { valid: { incidentId, assigneeId: 'ent-a', reason: 'thay đơn vị' }, invalid: { incidentId, assigneeId: 'ent-a', reason: '' }, rule: 'reason' },
  'incident.assignee_removed': { valid: { incidentId, assigneeId: 'ent-a', reason: 'thay đơn vị' }, invalid: { incidentId, reason: 'x' }, rule: 'assigneeId' },
  'incident.post_progress': {
    valid: { incidentId, assigneeId: 'ent-a', situation: 'Đã cô lập máy chủ' },
    invalid: { incidentId, situation: '   ' },
    rule: 'situation',
  },
  'incident.progress_posted': {
    valid: { incidentId, situation: 'Đã cô lập máy chủ', attachments: [{ sha256: 'b'.repeat(64), size: 3, filename: 'a.log', mediaType: 'text/plain', kind: 'log', malware: false, tlp: 'AMBER' }] },
    invalid: { incidentId, situation: 'x', attachments: [{ sha256: 'nope' }] },
    rule: 'attachments',
  },
  'incident.request_support': { valid: { incidentId, supportNeeded: 'Phân tích mã độc', urgency: 'urgent' }, invalid: { incidentId, supportNeeded: 'x', urgency: 'now' }, rule: 'urgency' },
  'incident.support_requested': { valid: { incidentId, supportNeeded: 'Phân tích mã độc', urgency: 'normal' }, invalid: { incidentId }, rule: 'supportNeeded' },
  'incident.contain': { valid: { incidentId }, invalid: { incidentId: 'x' }, rule: 'incidentId' },
  'incident.contained': { valid: { incidentId, note: 'Đã chặn IP' }, invalid: { incidentId, note: '' }, rule: 'note' },
  'incident.resolve': { valid: { incidentId, responseEndedAt: now }, invalid: { incidentId, responseEndedAt: 'today' }, rule: 'responseEndedAt' },
  'incident.resolved': { valid: { incidentId, responseEndedAt: now, note: 'Khôi phục xong' }, invalid: { incidentId }, rule: 'responseEndedAt' },
  'incident.submit_final_report': {
    valid: { incidentId, report: { kind: 'final_report', reportTime: now, responseEndedAt: now, whatHappened: 'a', whatWasDone: 'b', damage: 'c' } },
    invalid: { incidentId, report: { kind: 'final_report', reportTime: now } },
    rule: 'report',
  },
  'incident.close': { valid: { incidentId }, invalid: {}, rule: 'incidentId' },
  'incident.closed': { valid: { incidentId, note: 'Đủ hồ sơ' }, invalid: { incidentId: 7 }, rule: 'incidentId' },
  'incident.reject': { valid: { incidentId, reason: 'Không phải sự cố' }, invalid: { incidentId }, rule: 'reason' },
  'incident.rejected': { valid: { incidentId, reason: 'Không phải sự cố' }, invalid: { incidentId, reason: '' }, rule: 'reason' },
  'incident.merge': { valid: { incidentId, intoIncidentId: ulid(), reason: 'Cùng một cuộc tấn công' }, invalid: { incidentId, intoIncidentId: 'other', reason: 'x' }, rule: 'intoIncidentId' },
  'incident.merged': { valid: { incidentId, intoIncidentId: ulid(), reason: 'Cùng một cuộc tấn công' }, invalid: { incidentId, reason: 'x' }, rule: 'intoIncidentId' },
  'incident.merge_received': {
    valid: { incidentId, fromIncidentId: ulid(), reporters: [{ incidentId: ulid(), actorId: 'u1', organisationName: 'Sở Y tế' }] },
    invalid: { incidentId, fromIncidentId: ulid(), reporters: [] },
    rule: 'reporters',
  },
  'incident.unmerge': { valid: { incidentId, reason: 'Gộp nhầm' }, invalid: { incidentId, reason: ' ' }, rule: 'reason' },
  'incident.unmerged': { valid: { incidentId, fromIncidentId: ulid(), reason: 'Gộp nhầm' }, invalid: { incidentId, fromIncidentId: 'x', reason: 'Gộp nhầm' }, rule: 'fromIncidentId' },
  'incident.merge_undone': { valid: { incidentId, fromIncidentId: ulid() }, invalid: { incidentId }, rule: 'fromIncidentId' },
  'incident.reopen': { valid: { incidentId, reason: 'Tái nhiễm' }, invalid: { incidentId }, rule: 'reason' },
  'incident.reopened': { valid: { incidentId, reason: 'Tái nhiễm' }, invalid: { incidentId, reason: '' }, rule: 'reason' },
  'incident.comment': { valid: { incidentId, text: 'Đã gọi điện cho đơn vị' }, invalid: { incidentId, text: '' }, rule: 'text' },
  'incident.commented': { valid: { incidentId, text: 'Đã gọi điện cho đơn vị' }, invalid: { incidentId }, rule: 'text' },
  'incident.change_tlp': { valid: { incidentId, tlp: 'RED' }, invalid: { incidentId, tlp: 'BLACK' }, rule: 'tlp' },
  'incident.tlp_changed': { valid: { incidentId, from: 'AMBER', to: 'RED' }, invalid: { incidentId, from: 'AMBER', to: 'BLACK' }, rule: 'to' },
  'incident.change_severity': { valid: { incidentId, severity: 'severe', reason: 'Lan rộng' }, invalid: { incidentId, severity: 'severe' }, rule: 'reason' },
  'incident.severity_changed': { valid: { incidentId, from: 'normal', to: 'severe', reason: 'Lan rộng' }, invalid: { incidentId, to: 'huge', reason: 'x' }, rule: 'to' },
  'incident.issue_coordination_order': {
    valid: { incidentId, addressees: [{ id: 'ent-a', name: 'Công ty A' }], instructions: 'Chặn các IP sau', answerBy: now },
    invalid: { incidentId, addressees: [], instructions: 'x' },
    rule: 'addressees',
  },
  'incident.coordination_order_issued': {
    valid: { incidentId, orderId: ulid(), addressees: [{ id: 'ent-a', name: 'Công ty A' }], instructions: 'Chặn các IP sau' },
    invalid: { incidentId, addressees: [{ id: 'ent-a', name: 'Công ty A' }], instructions: 'x' },
    rule: 'orderId',
  },
  'incident.answer_coordination_order': { valid: { incidentId, orderId: ulid(), addresseeId: 'ent-a', answer: 'Đã chặn' }, invalid: { incidentId, orderId: ulid(), addresseeId: 'ent-a', answer: '' }, rule: 'answer' },
  'incident.coordination_order_answered': { valid: { incidentId, orderId: ulid(), addresseeId: 'ent-a', answer: 'Đã chặn' }, invalid: { incidentId, orderId: ulid(), answer: 'Đã chặn' }, rule: 'addresseeId' },
  'incident.join_meeting': { valid: { incidentId, deadlineKey: 'acknowledge', rung: 1, assigneeId: 'lia-01-sec-leader' }, invalid: { incidentId, deadlineKey: 'acknowledge', rung: -1, assigneeId: 'lia-01-sec-leader' }, rule: 'rung' },
  'incident.meeting_joined': { valid: { incidentId, deadlineKey: 'acknowledge', rung: 1, assigneeId: 'lia-01-sec-leader' }, invalid: { incidentId, rung: 1, assigneeId: 'lia-01-sec-leader' }, rule: 'deadlineKey' },
  'incident.send_on_site_team': { valid: { incidentId, teamAssigneeId: 'ent-a', people: ['Nguyễn Văn A'] }, invalid: { incidentId, teamAssigneeId: 'ent-a', people: [] }, rule: 'people' },
  'incident.on_site_team_sent': { valid: { incidentId, teamId: ulid(), teamAssigneeId: 'ent-a', people: ['Nguyễn Văn A'] }, invalid: { incidentId, teamAssigneeId: 'ent-a', people: ['Nguyễn Văn A'] }, rule: 'teamId' },
  'incident.arrive_on_site': { valid: { incidentId, teamId: ulid() }, invalid: { incidentId, teamId: 'team-1' }, rule: 'teamId' },
  'incident.on_site_arrived': { valid: { incidentId, teamId: ulid() }, invalid: { incidentId, teamId: ulid(), note: ' ' }, rule: 'note' },
  'incident.leave_on_site': { valid: { incidentId, teamId: ulid(), note: 'Đã khôi phục' }, invalid: { incidentId }, rule: 'teamId' },
  'incident.on_site_left': { valid: { incidentId, teamId: ulid() }, invalid: { incidentId, teamId: '' }, rule: 'teamId' },
  'incident.deadline_reminded': {
    valid: { incidentId, deadlineKey: 'acknowledge', kind: 'acknowledge', basis: 'policy', dueAt: now, firedAt: now },
    invalid: { incidentId, deadlineKey: 'acknowledge', kind: 'acknowledge', basis: 'whim', dueAt: now, firedAt: now },
    rule: 'basis',
  },
  'incident.deadline_breached': {
    valid: { incidentId, deadlineKey: 'acknowledge', kind: 'acknowledge', basis: 'legal', dueAt: now, firedAt: now, late: true, ladder: { id: 'default', rungs: [{ reaches: 'liaison_officer', waitMinutes: 0 }] } },
    invalid: { incidentId, deadlineKey: 'acknowledge', kind: 'acknowledge', basis: 'legal', dueAt: now, firedAt: now },
    rule: 'late',
  },
  'incident.escalation_rung_reached': {
    valid: { incidentId, deadlineKey: 'acknowledge', ladderId: 'default', rung: 1, reaches: 'liaison_leader', recipients: [{ id: 'lia-01-sec-leader', name: 'Lãnh đạo' }], dueAt: now, firedAt: now, late: false },
    invalid: { incidentId, deadlineKey: 'acknowledge', ladderId: 'default', rung: 1, reaches: 'the_president', recipients: [], dueAt: now, firedAt: now, late: false },
    rule: 'reaches',
  },
  'incident.ministry_escalated': { valid: { incidentId, reason: 'Các Cục chậm' }, invalid: { incidentId, reason: '' }, rule: 'reason' },
  'incident.notification_sent': {
    valid: { incidentId, deliveryId: 'x.lia-08.email', aboutEventId: incidentId, channel: 'email', recipientId: 'lia-08', recipientName: 'Trần Văn B' },
    invalid: { incidentId, deliveryId: 'x.lia-08.email', aboutEventId: incidentId, channel: 'sms', recipientId: 'lia-08', recipientName: 'Trần Văn B' },
    rule: 'channel',
  },
  'incident.notification_failed': {
    valid: { incidentId, deliveryId: 'x.lia-08.webhook', aboutEventId: incidentId, channel: 'webhook', recipientId: 'lia-08', recipientName: 'Trần Văn B', attempt: 1, error: 'answered 500', dead: false },
    invalid: { incidentId, deliveryId: 'x.lia-08.webhook', aboutEventId: incidentId, channel: 'webhook', recipientId: 'lia-08', recipientName: 'Trần Văn B', attempt: 0, error: 'answered 500', dead: false },
    rule: 'attempt',
  },
  'incident.escalate_to_ministry': { valid: { incidentId, reason: 'Các Cục chậm' }, invalid: { incidentId }, rule: 'reason' },
  'directory.unit_put': {
    valid: { unit: { code: '08', name: 'Tỉnh Tuyên Quang', shortName: 'Tuyên Quang', kind: 'province', region: 'north', formerUnits: [{ code: '02', name: 'Tỉnh Hà Giang', shortName: 'Hà Giang' }] } },
    invalid: { unit: { code: '8', name: 'Tỉnh Tuyên Quang', shortName: 'Tuyên Quang', kind: 'province', region: 'north', formerUnits: [] } },
    rule: 'unit',
  },
  'directory.organisation_put': {
    valid: { organisation: { id: 'org-x', name: 'Sở X', shortName: 'X', type: 'province_hub', membership: 'mandatory', provinceCode: '08', contact: { phone: '024 1234 5678', email: 'a@b.vn' }, focalPoint: { name: 'A', phone: '0912 345 678', email: 'a@b.vn' } } },
    invalid: { organisation: { id: 'org-x', name: 'Sở X', shortName: 'X', type: 'club', membership: 'mandatory', provinceCode: '08', contact: { phone: '024 1234 5678', email: 'a@b.vn' }, focalPoint: { name: 'A', phone: '0912 345 678', email: 'a@b.vn' } } },
    rule: 'organisation',
  },
  'directory.organisation_removed': { valid: { id: 'org-x' }, invalid: { id: '' }, rule: 'id' },
  'directory.liaison_put': {
    valid: { liaison: { id: 'lia-x', provinceCode: '08', departmentId: 'org-dept-security', role: 'leader', substituteFor: null, name: 'A', title: 'B', phone: '0912 345 678', email: 'a@b.vn' } },
    invalid: { liaison: { id: 'lia-x', provinceCode: '08', departmentId: 'org-dept-security', role: 'boss', substituteFor: null, name: 'A', title: 'B', phone: '0912 345 678', email: 'a@b.vn' } },
    rule: 'liaison',
  },
  'directory.liaison_removed': { valid: { id: 'lia-x', reason: 'nghỉ hưu' }, invalid: {}, rule: 'id' },
  'directory.enterprise_put': {
    valid: { enterprise: { id: 'ent-x', name: 'Công ty X', shortName: 'X', membership: 'voluntary', kind: 'security_firm', capabilities: ['forensics'], categories: ['malware'], coverage: 'nationwide', capacity: 3, acceptsTlpRed: false, contact: { phone: '024 1234 5678', email: 'a@b.vn' }, focalPoint: { name: 'A', phone: '0912 345 678', email: 'a@b.vn' } } },
    invalid: { enterprise: { id: 'ent-x', name: 'Công ty X', shortName: 'X', membership: 'voluntary', kind: 'security_firm', capabilities: ['forensics'], categories: ['malware'], coverage: 'nationwide', capacity: 0, acceptsTlpRed: false, contact: { phone: '024 1234 5678', email: 'a@b.vn' }, focalPoint: { name: 'A', phone: '0912 345 678', email: 'a@b.vn' } } },
    rule: 'enterprise',
  },
  'directory.enterprise_removed': { valid: { id: 'ent-x' }, invalid: { id: 7 }, rule: 'id' },
  'identity.user_put': {
    valid: { user: identityUser },
    invalid: { user: { ...identityUser, roles: [] } },
    rule: 'user',
  },
  'identity.token_put': {
    valid: { token: identityToken },
    invalid: { token: { ...identityToken, scopes: ['reports:delete'] } },
    rule: 'token',
  },
};

describe('message schemas', () => {
  it.each(Object.keys(messageSchemas) as MessageType[])('%s accepts a valid payload and names the field of an invalid one', (type) => {
    const { valid, invalid, rule } = examples[type];
    expect(messageSchemas[type].safeParse(valid).success).toBe(true);
    const result = messageSchemas[type].safeParse(invalid);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0])).toContain(rule);
  });

  it('every message type on the topic table has a schema, and every schema has a topic', () => {
    const onTopics = Object.values(topics).flatMap((t) => [...t.messageTypes]);
    expect(new Set(onTopics)).toEqual(new Set(Object.keys(messageSchemas)));
  });
});

describe('envelope', () => {
  const envelope = makeEnvelope('incident.acknowledged', { incidentId, assigneeId: 'a' }, { producedBy: 'test', actor });

  it('carries id, type, time, version, producer, correlation and actor', () => {
    expect(envelope).toMatchObject({ type: 'incident.acknowledged', schemaVersion: 1, producedBy: 'test', actor });
    expect(envelope.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(envelope.correlationId).toBe(envelope.id);
    expect(Number.isNaN(Date.parse(envelope.occurredAt))).toBe(false);
  });

  it('refuses to wrap a payload that does not match its schema', () => {
    expect(() => makeEnvelope('incident.acknowledged', { incidentId: 'nope', assigneeId: 'a' }, { producedBy: 't', actor })).toThrow();
  });

  it('round-trips through a topic that allows its type', () => {
    const parsed = parseMessage('incidentEvents', Buffer.from(JSON.stringify(envelope)));
    expect(parsed).toEqual({ ok: true, value: envelope });
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), 'invalid_json'],
    ['no value', null, 'empty_record'],
    ['no envelope', Buffer.from(JSON.stringify({ hello: 'world' })), 'invalid_envelope'],
    ['a type the topic does not carry', Buffer.from(JSON.stringify({ ...envelope, type: 'incident.acknowledge' })), 'unexpected_type'],
    ['a payload that does not match', Buffer.from(JSON.stringify({ ...envelope, payload: { incidentId } })), 'invalid_payload'],
  ])('rejects %s with a reason', (_what, value, code) => {
    const parsed = parseMessage('incidentEvents', value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.code).toBe(code);
  });

  it('a reader that names the part of a payload it uses checks that part, with the same rules, and is not given the rest', () => {
    const reported = examples['incident.reported'].valid as Record<string, unknown>;
    const facts = messageSchemas['incident.reported'].omit({ report: true });
    const withDetails = { ...reported, report: { supportRequested: 42 } }; // the rest of the form, wrong: not this reader's to read
    const record = (payload: unknown) => Buffer.from(JSON.stringify(makeEnvelope('incident.reported', payload as never, { producedBy: 't', actor, payloadAlreadyValidated: true })));
    expect(parseMessage('incidentEvents', record(withDetails)).ok).toBe(false);
    const narrow = parseMessage('incidentEvents', record(withDetails), { 'incident.reported': facts });
    expect(narrow.ok).toBe(true);
    if (narrow.ok) expect(narrow.value.payload).not.toHaveProperty('report');
    // what it does read is checked as before
    const badFacts = parseMessage('incidentEvents', record({ ...reported, tlp: 'PURPLE' }), { 'incident.reported': facts });
    expect(badFacts.ok).toBe(false);
    if (!badFacts.ok) expect(badFacts.issues?.join(' ')).toMatch(/tlp/);
  });
});
