import type { Actor, IncidentView } from '../src/catalogue';
import { commandsFor } from '../src/rules';
import { countByUnit, isOverdue, matches, noFilters, orderQueue } from '../src/queue';
import { validateReport } from '../src/report-form';
import { formatDate, timeLeft } from '../src/i18n';
import { applyChange } from '../src/feed';

const actor = (roles: Actor['roles'], assigneeIds: string[] = []): Actor => ({ kind: 'user', id: 'u1', roles, assigneeIds, authenticatedBy: 'password' });
const offer = { kind: 'enterprise' as const, id: 'ent-a', name: 'A', organisationId: 'ent-a', organisationName: 'A', role: 'responder' as const, status: 'offered' as const };

function incident(over: Partial<IncidentView> = {}): IncidentView {
  return {
    id: over.id ?? '01J0000000000000000000000A',
    version: 1,
    state: 'triaged',
    portalStatus: 'dang_xu_ly',
    province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' },
    reportingOrganisation: { name: 'Sở A' },
    title: 't',
    description: 'd',
    tlp: 'AMBER',
    detectedAt: '2026-12-01T00:00:00.000Z',
    reportedAt: '2026-12-01T01:00:00.000Z',
    assignees: [],
    routingReasons: [],
    timeline: [],
    updatedAt: '2026-12-01T01:00:00.000Z',
    ...over,
  };
}

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

describe('the queue', () => {
  const breach = { fired: [], breaches: [{ deadlineKey: 'acknowledge', kind: 'acknowledge', dueAt: '2026-12-01T02:00:00.000Z', firedAt: '2026-12-01T02:00:01.000Z', late: false }], climbs: [] };
  it('puts overdue first, then higher priority, and finished last', () => {
    const p3 = incident({ id: 'p3', classification: { category: 'dos', severity: 'normal', priority: 'P3' } as IncidentView['classification'] });
    const p1 = incident({ id: 'p1', classification: { category: 'dos', severity: 'severe', priority: 'P1' } as IncidentView['classification'] });
    const late = incident({ id: 'late', clocks: breach });
    const closed = incident({ id: 'closed', state: 'closed', clocks: breach });
    expect(orderQueue([closed, p3, p1, late]).map((i) => i.id)).toEqual(['late', 'p1', 'p3', 'closed']);
    expect(isOverdue(closed)).toBe(false);
  });
  it('filters by province and TLP, and counts by unit', () => {
    const hanoi = incident({ id: 'a' });
    const hue = incident({ id: 'b', province: { code: '46', name: 'Thành phố Huế', filedAs: 'Huế' }, tlp: 'RED', state: 'closed' });
    expect([hanoi, hue].filter((i) => matches(i, { ...noFilters, province: '46' })).map((i) => i.id)).toEqual(['b']);
    expect([hanoi, hue].filter((i) => matches(i, { ...noFilters, tlp: 'AMBER' })).map((i) => i.id)).toEqual(['a']);
    const counts = countByUnit([hanoi, hue]);
    expect(counts.get('01')).toMatchObject({ total: 1, open: 1 });
    expect(counts.get('46')).toMatchObject({ total: 1, open: 0 });
  });
  it('keeps the newer version of an incident when a late change arrives', () => {
    const held = new Map([['a', incident({ id: 'a', version: 5, state: 'assigned' })]]);
    expect(applyChange(held, incident({ id: 'a', version: 4, state: 'triaged' })).get('a')?.state).toBe('assigned');
    expect(applyChange(held, incident({ id: 'a', version: 6, state: 'responding' })).get('a')?.state).toBe('responding');
  });
});

describe('words and dates', () => {
  it('the report form says what is missing, in Vietnamese by default', () => {
    const errors = validateReport({ title: 'Tấn công', phone: '12' }, 'vi');
    expect(errors.description).toBe('Vui lòng nhập trường này');
    expect(errors.phone).toBe('Số điện thoại không hợp lệ (9–11 chữ số)');
    expect(errors.title).toBeUndefined();
    expect(validateReport({ detectedAt: '2099-01-01T00:00' }, 'en').detectedAt).toBe('The detection time cannot be in the future');
  });
  it('dates are shown in Vietnam’s time zone, and time left counts down', () => {
    expect(formatDate('2026-12-01T17:30:00.000Z', 'vi')).toContain('00:30');
    expect(timeLeft('2026-12-01T02:00:00.000Z', Date.parse('2026-12-01T00:30:00.000Z'), 'vi')).toBe('còn 1 giờ 30 phút');
    expect(timeLeft('2026-12-01T00:00:00.000Z', Date.parse('2026-12-01T00:10:00.000Z'), 'en')).toBe('10 min overdue');
  });
});
