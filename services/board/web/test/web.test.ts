import type { Actor, IncidentView } from '../src/catalogue';
import { commandsFor, meetingsToJoin, onSiteSteps, sendableTeams } from '../src/rules';
import { feedFilters, noFilters, orderQueue } from '../src/queue';
import { incidentListItem, isOverdue, reportSubmissionSchema } from '../../../../shared/src/browser';
import { deadlinesOf, deadlinesShownTo, nextDue } from '../../../../shared/src/clocks';
import { followUp, problemsByField, toSubmission, validateReport, type ReportDraft } from '../src/report-form';
import { formatVietnamTime, timeLeft } from '../src/i18n';
import { applyDelta } from '../src/feed';
import { loadDirectoryFiles } from '../../../../shared/src/directory';
import { formFields, fromForm, problemOf, toForm, validateEntry } from '../src/directory-form';
import { leagueChart, minutesText, type LeagueRow } from '../src/league';
import { intakeRequest, notSentYet, request, retryTiming, sendCommand, setLinks } from '../src/api';
import { minutesAfter, testAssignees, testIncident, testReportedAt } from '../../../../test/support/incidents';

const actor = (roles: Actor['roles'], assigneeIds: string[] = []): Actor => ({ kind: 'user', id: 'u1', roles, assigneeIds, authenticatedBy: 'password' });
const offer = { kind: 'enterprise' as const, id: 'ent-a', name: 'A', organisationId: 'ent-a', organisationName: 'A', role: 'responder' as const, status: 'offered' as const };

// the shared fixture, triaged and with nobody on it unless a test says otherwise
const incident = (over: Partial<IncidentView> = {}): IncidentView => testIncident({ state: 'triaged', assignees: [], ...over });

describe('the actions the page offers follow the shared transition table', () => {
  it('a national coordinator may assign a triaged incident, a submitter may not', () => {
    expect(commandsFor(actor(['national_coordinator']), incident())).toContain('incident.assign');
    expect(commandsFor(actor(['submitter']), incident())).not.toContain('incident.assign');
  });
  it('an enterprise sees accept and decline only for its own open offer', () => {
    const offered = incident({ assignees: [offer] });
    expect(commandsFor(actor(['enterprise_responder'], ['ent-a']), offered)).toEqual(expect.arrayContaining(['incident.accept_assignment', 'incident.decline_assignment']));
    expect(commandsFor(actor(['enterprise_responder'], ['ent-b']), offered)).not.toContain('incident.accept_assignment');
    const accepted = incident({ assignees: [{ ...offer, status: 'accepted' }] });
    expect(commandsFor(actor(['enterprise_responder'], ['ent-a']), accepted)).not.toContain('incident.accept_assignment');
  });
  it('close is offered only once the end-of-response report is in', () => {
    expect(commandsFor(actor(['national_coordinator']), incident({ state: 'resolved' }))).not.toContain('incident.close');
    expect(commandsFor(actor(['national_coordinator']), incident({ state: 'report_received' }))).toContain('incident.close');
  });
});

describe('the ladder’s online meeting and on-site support on the page', () => {
  const at = '2026-12-01T03:00:00.000Z';
  const ladder = { id: 'default', rungs: [{ reaches: 'liaison_officer' as const, waitMinutes: 0 }, { reaches: 'liaison_leader' as const, waitMinutes: 30 }] };
  const climbs = (joined: { actorId: string }[] = []) => ({
    fired: [],
    breaches: [],
    climbs: [{ incidentId: 'i', deadlineKey: 'acknowledge', ladder, startedAt: at, reached: [{ rung: 0, at, late: false }, { rung: 1, at, late: false, joined: joined.map((j) => ({ ...j, assigneeId: testAssignees.leader.id, assigneeName: 'L', at, eventId: 'e' })) }] }],
  });
  const leader = { ...actor(['liaison_leader'], [testAssignees.leader.id]), provinceCodes: ['01'] };
  it('a liaison leader is offered to join the leader’s rung it was reached by, for its own part, until it has joined', () => {
    const engaged = incident({ state: 'routed', assignees: [testAssignees.officer, testAssignees.leader], clocks: climbs() });
    expect(meetingsToJoin(leader, engaged)).toEqual([{ deadlineKey: 'acknowledge', rung: 1, for: [testAssignees.leader] }]);
    expect(meetingsToJoin(leader, { ...engaged, clocks: climbs([{ actorId: 'u1' }]) })).toEqual([]);
    // a submitter never; nor anyone once the incident is resolved (the table)
    expect(meetingsToJoin(actor(['submitter'], [testAssignees.leader.id]), engaged)).toEqual([]);
    expect(meetingsToJoin(leader, { ...engaged, state: 'resolved' })).toEqual([]);
  });
  const team = { teamId: 't1', assigneeId: 'ent-a', name: 'A', people: ['Nguyễn Văn An'], sentAt: at };
  const firm = actor(['enterprise_responder'], ['ent-a']);
  const working = { ...offer, status: 'working' as const };
  it('a team’s people record arrival while under way, and departure only once resolved', () => {
    const sent = incident({ state: 'responding', assignees: [working], onSiteTeams: [team] });
    expect(onSiteSteps(firm, sent)).toEqual([{ teamId: 't1', step: 'incident.arrive_on_site' }]);
    expect(onSiteSteps(actor(['enterprise_responder'], ['ent-b']), sent)).toEqual([]);
    const there = { ...sent, onSiteTeams: [{ ...team, arrivedAt: at }] };
    expect(onSiteSteps(firm, there)).toEqual([]);
    expect(onSiteSteps(firm, { ...there, state: 'resolved' })).toEqual([{ teamId: 't1', step: 'incident.leave_on_site' }]);
    expect(onSiteSteps(firm, { ...there, state: 'resolved', onSiteTeams: [{ ...team, arrivedAt: at, leftAt: at }] })).toEqual([]);
  });
  it('a coordinator may send a team of an assignee on the incident that has none there; others may not send', () => {
    const responding = incident({ state: 'responding', assignees: [working, { ...offer, id: 'ent-b' }] });
    expect(commandsFor(actor(['province_coordinator']), responding)).toContain('incident.send_on_site_team');
    expect(commandsFor(firm, responding)).not.toContain('incident.send_on_site_team');
    expect(sendableTeams(responding).map((a) => a.id)).toEqual(['ent-a']);
    expect(sendableTeams({ ...responding, onSiteTeams: [team] })).toEqual([]);
  });
});

describe('the queue', () => {
  const breach = { fired: [], breaches: [{ deadlineKey: 'acknowledge', kind: 'acknowledge', dueAt: '2026-12-01T02:00:00.000Z', firedAt: '2026-12-01T02:00:01.000Z', late: false }], climbs: [] };
  const item = (over: Partial<IncidentView>) => incidentListItem(incident(over), 'incident.reported');
  it('puts overdue first, then escalated, then higher priority, and finished last', () => {
    const p3 = item({ id: 'p3', classification: { category: 'dos', severity: 'normal', priority: 'P3' } as IncidentView['classification'] });
    const p1 = item({ id: 'p1', classification: { category: 'dos', severity: 'severe', priority: 'P1' } as IncidentView['classification'] });
    const late = item({ id: 'late', clocks: breach });
    const toMinistry = item({ id: 'ministry', clocks: { fired: [], breaches: [], climbs: [], ministry: { at: '2026-12-01T03:00:00.000Z', reason: 'r', by: 'u' } } });
    const closed = item({ id: 'closed', state: 'closed', clocks: breach });
    expect(orderQueue([closed, p3, p1, toMinistry, late]).map((i) => i.id)).toEqual(['late', 'ministry', 'p1', 'p3', 'closed']);
    expect([late.overdue, closed.overdue, toMinistry.escalated, p1.escalated]).toEqual([true, undefined, true, undefined]);
    expect(isOverdue(incident({ state: 'closed', clocks: breach }))).toBe(false);
  });
  it('within a priority, the earliest deadline still open comes first; each item says its next deadline', () => {
    // the board works each item's next deadline out with the configured policy (the shipped one here)
    const withDue = (over: Partial<IncidentView>) => incidentListItem(incident(over), 'incident.reported', nextDue(deadlinesOf(incident(over))));
    const acknowledged = withDue({ id: 'acked', milestones: { acknowledged: testReportedAt } });
    const waiting = withDue({ id: 'waiting' });
    // normal P2: acknowledge within 60 minutes of the report; once acknowledged, the first progress within 240
    expect(waiting.dueAt).toBe(minutesAfter(testReportedAt, 60));
    expect(acknowledged.dueAt).toBe(minutesAfter(testReportedAt, 240));
    expect(orderQueue([acknowledged, waiting]).map((i) => i.id)).toEqual(['waiting', 'acked']);
    expect(withDue({ state: 'closed' }).dueAt).toBeUndefined();
    // a submitter is shown its own legal deadlines only: to notify (met by the report), the end-of-response report
    expect(nextDue(deadlinesShownTo('submitter', deadlinesOf(incident({}))))).toBeUndefined();
  });
  it('an open offer gives the item its answer-by time, and its part names the enterprise', () => {
    const offered = item({ assignees: [{ ...offer, offerExpiresAt: '2026-12-01T02:00:00.000Z' }] });
    expect(offered.answerBy).toBe('2026-12-01T02:00:00.000Z');
    expect(offered.parts).toEqual([{ id: 'ent-a', status: 'offered', offerExpiresAt: '2026-12-01T02:00:00.000Z' }]);
    expect(item({ assignees: [{ ...offer, status: 'declined' }] }).parts).toEqual([]);
  });
  it('the board’s filters go to the server as the feed’s filters', () => {
    expect(feedFilters(noFilters)).toEqual({});
    expect(feedFilters({ ...noFilters, province: '46', tlp: 'RED', assignee: 'ent-a' })).toEqual({ provinces: ['46'], tlp: ['RED'], assignee: 'ent-a' });
  });
  it('keeps the newer version of an incident when a late change arrives, and drops what left', () => {
    const held = new Map([['a', item({ id: 'a', version: 5, state: 'assigned' })], ['b', item({ id: 'b' })]]);
    expect(applyDelta(held, [item({ id: 'a', version: 4, state: 'triaged' })], []).get('a')?.state).toBe('assigned');
    const next = applyDelta(held, [item({ id: 'a', version: 6, state: 'responding' })], ['b']);
    expect([next.get('a')?.state, next.has('b')]).toEqual(['responding', false]);
  });
});

describe('words and dates', () => {
  const complete: ReportDraft = {
    province: '01', title: 'Tấn công thay đổi giao diện', description: 'Trang chủ bị thay đổi', detectedAt: '2026-12-01T08:30',
    organisationName: 'Sở Tài chính Hà Nội', organisationAddress: '38B Triệu Việt Vương', organisationPhone: '024 3976 2777', organisationEmail: 'vanphong@sotaichinh.hanoi.gov.vn',
    contactName: 'Nguyễn Thị Hoa', contactPosition: 'Trưởng phòng', contactPhone: '0912 345 678', contactEmail: 'hoa.nt@sotaichinh.hanoi.gov.vn',
    systemOperator: 'Trung tâm Thông tin', detection: ['monitoring'], notified: [],
  };
  it('the report form checks with intake’s own schema and says what is wrong in Vietnamese by default', () => {
    const errors = validateReport({ title: 'Tấn công', organisationPhone: '12' }, 'vi');
    expect(errors.description).toBe('Vui lòng nhập trường này');
    expect(errors['reportingOrganisation.phone']).toBe('Số điện thoại không hợp lệ (ví dụ 0912 345 678 hoặc +84 24 3943 6684)');
    expect(errors['detection.methods']).toBe('Vui lòng chọn ít nhất một mục');
    expect(errors.title).toBeUndefined();
    expect(validateReport({ ...complete, detectedAt: '2099-01-01T00:00' }, 'en')).toEqual({ detectedAt: 'The time cannot be in the future' });
    expect(validateReport(complete, 'vi', new Date('2026-12-02T00:00:00Z'))).toEqual({});
    expect(reportSubmissionSchema.parse(toSubmission(complete)).detectedAt).toBe('2026-12-01T08:30:00+07:00');
  });
  it('intake’s 400 is worded the same way, field by field', () => {
    expect(problemsByField([{ field: 'body.contactPerson.email', rule: 'invalid_format' }, { field: 'body.province', rule: 'province_unknown' }], 'vi')).toEqual({
      'contactPerson.email': 'Địa chỉ email không hợp lệ',
      province: 'Không có tỉnh/thành này',
    });
  });
  it('a Biểu mẫu 04 needs what happened, what was done and the damage', () => {
    const made = followUp('final_report', { whatHappened: 'DDoS', responseEndedAt: '2026-12-01T10:00' }, 'vi');
    expect(made.errors).toEqual({ whatWasDone: 'Vui lòng nhập trường này', damage: 'Vui lòng nhập trường này' });
    expect(followUp('situation_update', { situation: 'Đã cô lập' }, 'vi').errors).toEqual({});
  });
  it('dates are shown in Vietnam’s time zone, and time left counts down', () => {
    expect(formatVietnamTime('2026-12-01T17:30:00.000Z', 'vi')).toContain('00:30');
    expect(timeLeft('2026-12-01T02:00:00.000Z', Date.parse('2026-12-01T00:30:00.000Z'), 'vi')).toBe('còn 1 giờ 30 phút');
    expect(timeLeft('2026-12-01T00:00:00.000Z', Date.parse('2026-12-01T00:10:00.000Z'), 'en')).toBe('10 min overdue');
  });
});

describe('a directory entry’s form maps to and from the entry dispatch takes', () => {
  const seeded = loadDirectoryFiles();
  it('every seeded entry of every kind comes back from its form as it was, and passes the contract', () => {
    for (const entity of ['units', 'organisations', 'liaisons', 'enterprises'] as const) {
      expect(seeded[entity].length).toBeGreaterThan(0);
      for (const entry of seeded[entity]) {
        const back = fromForm(entity, toForm(entity, entry));
        expect([entity, back]).toEqual([entity, entry]);
        expect(validateEntry(entity, back, 'vi')).toEqual({});
      }
    }
  });
  it('the form shows each field as entered: lists one a line, nationwide or ticked provinces, none as empty, an unset flag unticked', () => {
    const enterprise = seeded.enterprises.find((e) => e.coverage === 'nationwide')!;
    const form = toForm('enterprises', enterprise);
    expect(form.capabilities).toBe(enterprise.capabilities.join('\n'));
    expect(form.coverage).toEqual(['nationwide']);
    expect(form['contact.phone']).toBe(enterprise.contact.phone);
    expect(form.acceptanceWindowMinutes).toBe('');
    const liaison = toForm('liaisons', seeded.liaisons[0]);
    expect([liaison.substituteFor, liaison.onLeave]).toEqual(['', false]);
    expect(toForm('units', seeded.units[0]).formerUnits).toEqual(seeded.units[0]!.formerUnits);
  });
  it('what is typed becomes the entry: trimmed words, numbers, an empty choice as none, ticked provinces as the coverage, a tick as true', () => {
    const enterprise = seeded.enterprises[0]!;
    const form = { ...toForm('enterprises', enterprise), name: '  Công ty mới  ', capacity: '7', acceptanceWindowMinutes: '45', capabilities: 'forensics\n\n malware_analysis ', coverage: ['01', '79'], acceptsTlpRed: false };
    expect(fromForm('enterprises', form)).toEqual({ ...enterprise, name: 'Công ty mới', capacity: 7, acceptanceWindowMinutes: 45, capabilities: ['forensics', 'malware_analysis'], coverage: ['01', '79'], acceptsTlpRed: false });
    const organisation = fromForm('organisations', { ...toForm('organisations', seeded.organisations[0]), membership: '', provinceCode: '' });
    expect([organisation.membership, organisation.provinceCode]).toEqual([null, null]);
    expect(fromForm('liaisons', { ...toForm('liaisons', seeded.liaisons[0]), onLeave: true }).onLeave).toBe(true);
  });
  it('a new entry’s empty form is refused field by field in Vietnamese, with the contract’s own schema', () => {
    const errors = validateEntry('enterprises', fromForm('enterprises', toForm('enterprises')), 'vi');
    expect(errors).toMatchObject({ id: 'Vui lòng nhập trường này', name: 'Vui lòng nhập trường này', categories: 'Vui lòng chọn ít nhất một mục', 'contact.email': 'Địa chỉ email không hợp lệ' });
    expect(Object.keys(errors).every((path) => formFields.enterprises.some((f) => path === f.path || path.startsWith(`${f.path}.`)))).toBe(true);
    expect(validateEntry('liaisons', { ...seeded.liaisons[0], phone: 'gọi tôi' }, 'en')).toEqual({ phone: 'Not a phone number' });
  });
  it('a problem dispatch names inside a list is shown under the list', () => {
    expect(problemOf({ 'coverage.2': 'Không có tỉnh/thành này' }, 'coverage')).toBe('Không có tỉnh/thành này');
    expect(problemOf({ 'coverage.2': 'x' }, 'capacity')).toBeUndefined();
  });
});

describe('the league table’s chart', () => {
  const row = (kind: LeagueRow['kind'], id: string, measure: string, medianMinutes: number | null, p90Minutes: number | null): LeagueRow => ({ kind, id, name: id, measure, count: 3, medianMinutes, p90Minutes });
  it('draws one measure: grouped by province, liaison, enterprise, quickest median first, scaled to the longest p90, rows without a time left out', () => {
    const rows = [
      row('enterprise', 'ent-b', 'acknowledge', 30, 50),
      row('province', '79', 'acknowledge', 40, 200),
      row('province', '01', 'acknowledge', 10, 20),
      row('liaison', 'lia-x', 'acknowledge', null, null),
      row('province', '48', 'resolve', 900, 1500),
    ];
    const chart = leagueChart(rows, 'acknowledge');
    expect(chart.groups.map((g) => [g.kind, g.rows.map((r) => r.id)])).toEqual([['province', ['01', '79']], ['enterprise', ['ent-b']]]);
    expect(chart.longest).toBe(200);
    expect(leagueChart(rows, 'resolve').longest).toBe(1500);
    expect(leagueChart(rows, 'accept').groups).toEqual([]);
  });
  it('says minutes, and hours past two, in the page’s language', () => {
    expect([minutesText(42.4, 'vi'), minutesText(150, 'vi'), minutesText(150, 'en'), minutesText(null, 'en')]).toEqual(['42 phút', '2.5 giờ', '2.5 h', '—']);
  });
});

describe('a request a service shed under load is sent again by the page', () => {
  const realFetch = globalThis.fetch;
  const realWait = retryTiming.wait;
  let calls: { url: string; headers: Record<string, string> }[];
  let waits: number[];
  /** a fetch that answers with the given statuses in turn (each 503 with Retry-After when given) */
  const answering = (...answers: [number, string?][]) => {
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, headers: { ...(init.headers as Record<string, string>) } });
      const [status, retryAfter] = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      return new Response(JSON.stringify({ status }), { status, headers: { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) } });
    }) as typeof fetch;
  };
  beforeEach(() => {
    calls = [];
    waits = [];
    retryTiming.wait = async (ms) => {
      waits.push(ms);
    };
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
    retryTiming.wait = realWait;
  });

  it('a PUT shed twice is sent again after each Retry-After, and its answer is the one that got through', async () => {
    answering([503, '2'], [503, '3'], [200]);
    const answer = await request('PUT', '/api/v1/notifications/preferences/x', { email: true });
    expect(answer.status).toBe(200);
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([2000, 3000]);
  });
  it('gives up after three more tries, and when the service asks for a wait longer than 10 s', async () => {
    answering([503, '1']);
    expect((await request('GET', '/api/v1/incidents')).status).toBe(503);
    expect(calls).toHaveLength(4);
    calls = [];
    answering([429, '60']);
    expect((await request('DELETE', '/api/v1/x')).status).toBe(429);
    expect(calls).toHaveLength(1);
  });
  it('a write that could be done twice is not sent again; a report with its Idempotency-Key is', async () => {
    answering([503, '1'], [202]);
    expect((await request('POST', '/api/v1/auth/login', { username: 'a' })).status).toBe(503);
    expect(calls).toHaveLength(1);
    calls = [];
    setLinks({ intake: 'http://intake.example' });
    const answer = await intakeRequest('POST', '/api/v1/reports', { title: 't' }, { 'idempotency-key': 'k-1' });
    expect(answer.status).toBe(202);
    expect(calls.map((c) => [c.url, c.headers['idempotency-key']])).toEqual([
      ['http://intake.example/api/v1/reports', 'k-1'],
      ['http://intake.example/api/v1/reports', 'k-1'],
    ]);
  });
  it('a report intake is still storing (409 with Retry-After) is asked again until it is stored; a 409 without one is an answer', async () => {
    setLinks({ intake: 'http://intake.example' });
    answering([409, '1'], [202]);
    expect((await intakeRequest('POST', '/api/v1/reports', {}, { 'idempotency-key': 'k-2' })).status).toBe(202);
    expect(waits).toEqual([1000]);
    calls = [];
    answering([409]);
    expect((await request('PUT', '/api/v1/directory/units/01', {})).status).toBe(409);
    expect(calls).toHaveLength(1);
  });
  it('what was not sent for now is told apart from a refusal', () => {
    expect([0, 503, 429].map((status) => notSentYet({ status, body: null }))).toEqual([true, true, true]);
    expect(notSentYet({ status: 409, body: { error: 'submission_in_progress' } })).toBe(true);
    expect([400, 403, 409].map((status) => notSentYet({ status, body: { error: 'conflict' } }))).toEqual([false, false, false]);
  });
  it('a command carries an id of its own, the same on every try, so that it is done once', async () => {
    answering([503, '1'], [200]);
    expect((await sendCommand('01KBENCH000000000000000001', 'incident.acknowledge', {})).status).toBe(200);
    const ids = calls.map((c) => c.headers['command-id']);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ids[1]).toBe(ids[0]);
    calls = [];
    answering([200]);
    await sendCommand('01KBENCH000000000000000001', 'incident.acknowledge', {});
    expect(calls[0]!.headers['command-id']).not.toBe(ids[0]);
  });
});
