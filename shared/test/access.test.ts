import { ulid } from 'ulid';
import { testIncident } from '../../test/support/incidents';
import { accountChangeRefusal, assignmentAllows, canSee, may, mayActFor, mayFileIn, policy, roles, submitterView, responderView, viewFor, type AccountAccess, type Actor, type IncidentView, type Permission, type Role, type Tlp } from '@ucsc/shared';

const actor = (role: Role, extra: Partial<Actor> = {}): Actor => ({ kind: 'user', id: `u-${role}`, roles: [role], authenticatedBy: 'password', ...extra });

describe('the policy table, edge by edge', () => {
  // written out independently of the table: a change to the policy must change this test too
  const expected: Record<Permission, Role[]> = {
    'report.submit': ['submitter', 'province_coordinator', 'national_coordinator'],
    'report.follow_up': ['submitter', 'province_coordinator', 'national_coordinator'],
    'incident.acknowledge': ['province_coordinator', 'liaison_officer', 'liaison_leader', 'national_coordinator', 'enterprise_responder'],
    'assignment.respond': ['enterprise_responder', 'national_coordinator'],
    'routing.override': ['national_coordinator'],
    'incident.close': ['national_coordinator'],
    'incidents.export': ['national_coordinator', 'auditor'],
    'directory.manage': ['admin'],
    'users.manage': ['admin', 'national_coordinator'],
    'access.grant': ['national_coordinator'],
    'tokens.issue': ['province_coordinator', 'national_coordinator'],
    'tokens.revoke': ['admin', 'province_coordinator', 'national_coordinator'],
    'audit.read': ['auditor', 'admin'],
  };

  it('covers every permission', () => {
    expect(Object.keys(policy).sort()).toEqual(Object.keys(expected).sort());
  });

  const edges = (Object.keys(expected) as Permission[]).flatMap((p) => roles.map((r) => [p, r, expected[p].includes(r)] as const));
  it.each(edges)('%s by %s: %s', (permission, role, allowed) => {
    expect(may(actor(role), permission)).toBe(allowed);
  });

  it('an actor with no roles may do nothing', () => {
    for (const p of Object.keys(policy) as Permission[]) expect(may({ kind: 'api_token', id: 't', authenticatedBy: 'api_token' }, p)).toBe(false);
  });

  it('acting for an assignee needs to be that assignee, or the national coordinator', () => {
    expect(mayActFor(actor('liaison_officer', { assigneeIds: ['lia-01-sec-officer'] }), 'lia-01-sec-officer')).toBe(true);
    expect(mayActFor(actor('liaison_officer', { assigneeIds: ['lia-01-sec-officer'] }), 'lia-01-sec-leader')).toBe(false);
    expect(mayActFor(actor('national_coordinator'), 'lia-01-sec-leader')).toBe(true);
    expect(mayActFor(actor('auditor'), 'lia-01-sec-leader')).toBe(false);
  });
});

/** An incident in Hà Nội, filed by org-agency-a, assigned to a liaison and offered to enterprises. */
const incident = (tlp: Tlp, change: Partial<IncidentView> = {}): IncidentView => {
  const { classification: _unclassified, ...view } = testIncident({
    version: 1,
    state: 'assigned',
    reportedBy: { actorId: 'u-reporter', organisationId: 'org-agency-a' },
    tlp,
    detectedAt: '2026-11-20T00:00:00.000Z',
    reportedAt: '2026-11-20T00:00:00.000Z',
    assignees: [
      { kind: 'liaison', id: 'lia-01-sec-officer', name: 'L', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'officer' },
      { kind: 'enterprise', id: 'ent-a', name: 'A', organisationId: 'ent-a', organisationName: 'A', role: 'responder', status: 'offered' },
      { kind: 'enterprise', id: 'ent-timed-out', name: 'T', organisationId: 'ent-timed-out', organisationName: 'T', role: 'responder', status: 'timed_out' },
      { kind: 'enterprise', id: 'ent-removed', name: 'R', organisationId: 'ent-removed', organisationName: 'R', role: 'responder', status: 'removed' },
      { kind: 'enterprise', id: 'ent-ended', name: 'E', organisationId: 'ent-ended', organisationName: 'E', role: 'responder', status: 'declined' },
    ],
    updatedAt: '2026-11-20T00:00:00.000Z',
  });
  return { ...view, ...change };
};

describe('who sees an incident: scope, then TLP', () => {

  const people: Record<string, Actor> = {
    'a submitter of the reporting organisation': actor('submitter', { organisationId: 'org-agency-a' }),
    'a submitter of another organisation in the province': actor('submitter', { organisationId: 'org-agency-b', provinceCodes: ['01'] }),
    'the province coordinator': actor('province_coordinator', { organisationId: 'org-hub-01', provinceCodes: ['01'], assigneeIds: ['org-hub-01'] }),
    'another province’s coordinator': actor('province_coordinator', { organisationId: 'org-hub-08', provinceCodes: ['08'] }),
    'the assigned liaison': actor('liaison_officer', { provinceCodes: ['01'], assigneeIds: ['lia-01-sec-officer'] }),
    'a liaison of the province, not assigned': actor('liaison_leader', { provinceCodes: ['01'], assigneeIds: ['lia-01-dig-leader'] }),
    'another province’s liaison': actor('liaison_officer', { provinceCodes: ['08'], assigneeIds: ['lia-08-sec-officer'] }),
    'the enterprise offered the incident': actor('enterprise_responder', { organisationId: 'ent-a', assigneeIds: ['ent-a'] }),
    'an enterprise that declined': actor('enterprise_responder', { organisationId: 'ent-ended', assigneeIds: ['ent-ended'] }),
    'an enterprise that did not answer in time': actor('enterprise_responder', { organisationId: 'ent-timed-out', assigneeIds: ['ent-timed-out'] }),
    'an enterprise a coordinator removed': actor('enterprise_responder', { organisationId: 'ent-removed', assigneeIds: ['ent-removed'] }),
    'an enterprise never assigned': actor('enterprise_responder', { organisationId: 'ent-z', assigneeIds: ['ent-z'] }),
    'a national coordinator': actor('national_coordinator'),
    'an auditor': actor('auditor'),
    'an admin': actor('admin'),
    'an admin account in the reporting organisation': actor('admin', { organisationId: 'org-agency-a', provinceCodes: ['01'], assigneeIds: ['org-hub-01'] }),
  };

  // columns: CLEAR, GREEN, AMBER, AMBER+STRICT, RED
  const table: [string, boolean[]][] = [
    ['a submitter of the reporting organisation', [true, true, true, true, true]],
    ['a submitter of another organisation in the province', [false, false, false, false, false]],
    ['the province coordinator', [true, true, true, false, true]], // the hub is a named recipient (an assignee)
    ['another province’s coordinator', [false, false, false, false, false]],
    ['the assigned liaison', [true, true, true, false, true]],
    ['a liaison of the province, not assigned', [true, true, true, false, false]],
    ['another province’s liaison', [false, false, false, false, false]],
    ['the enterprise offered the incident', [true, true, true, false, true]],
    ['an enterprise that declined', [false, false, false, false, false]],
    ['an enterprise that did not answer in time', [false, false, false, false, false]],
    ['an enterprise a coordinator removed', [false, false, false, false, false]],
    ['an enterprise never assigned', [false, false, false, false, false]],
    ['a national coordinator', [true, true, true, true, true]],
    ['an auditor', [true, true, true, true, false]],
    ['an admin', [false, false, false, false, false]],
    ['an admin account in the reporting organisation', [false, false, false, false, false]], // admins see no incidents, whatever else they carry
  ];
  const levels: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];
  const hub = { kind: 'province_hub' as const, id: 'org-hub-01', name: 'Hub', organisationId: 'org-hub-01', organisationName: 'Hub', role: 'hub' as const };

  it.each(table.flatMap(([who, row]) => levels.map((tlp, i) => [who, tlp, row[i]!] as const)))('%s, TLP:%s → %s', (who, tlp, visible) => {
    const base = incident(tlp);
    expect(canSee(people[who]!, { ...base, assignees: [hub, ...base.assignees] })).toBe(visible);
  });

  it('a reporter whose report was merged into the incident sees it at every TLP its own organisation would, until un-merged', () => {
    const other = people['a submitter of another organisation in the province']!;
    const own = { incidentId: ulid(), actorId: 'u-reporter', organisationId: 'org-agency-a', organisationName: 'Sở Y tế' };
    const mergedIn = { incidentId: ulid(), actorId: 'u-b', organisationId: 'org-agency-b', organisationName: 'Sở Tài chính', mergedVia: ulid() };
    for (const tlp of levels) {
      expect([tlp, canSee(other, incident(tlp, { reporters: [own, mergedIn] }))]).toEqual([tlp, true]);
      // un-merged: the reporter left the list again
      expect([tlp, canSee(other, incident(tlp, { reporters: [own] }))]).toEqual([tlp, false]);
    }
  });
});

describe('who grants access to incidents', () => {
  const admin = actor('admin', { id: 'u-admin' });
  const national = actor('national_coordinator', { id: 'u-nc' });
  const account = (roles: Role[], extra: Partial<AccountAccess> = {}): AccountAccess => ({ id: 'u-x', roles, provinceCodes: [], assigneeIds: [], organisationId: 'org-hub-01', ...extra });
  const code = (...args: Parameters<typeof accountChangeRefusal>) => accountChangeRefusal(...args)?.code;

  it('nobody changes its own roles or scope, not even to add a role', () => {
    expect(code(admin, account(['admin'], { id: 'u-admin' }), account(['admin', 'national_coordinator'], { id: 'u-admin' }))).toBe('self_grant');
    expect(code(national, account(['national_coordinator'], { id: 'u-nc' }), account(['national_coordinator', 'auditor'], { id: 'u-nc' }))).toBe('self_grant');
  });

  it.each(roles.filter((r) => r !== 'admin'))('an admin may not grant %s, to a new account or an existing one; a national coordinator may', (role) => {
    expect(code(admin, undefined, account([role]))).toBe('grant_needs_national_coordinator');
    expect(code(admin, account(['admin']), account([role]))).toBe('grant_needs_national_coordinator');
    expect(code(admin, account(['submitter']), account(['submitter', role]))).toBe(role === 'submitter' ? undefined : 'grant_needs_national_coordinator');
    expect(code(national, undefined, account([role]))).toBeUndefined();
  });

  it('an admin may not widen a scope, may narrow one, and may manage admin accounts; no account is admin and a reader of incidents', () => {
    expect(code(admin, account(['liaison_officer'], { provinceCodes: ['01'] }), account(['liaison_officer'], { provinceCodes: ['01', '08'] }))).toBe('grant_needs_national_coordinator');
    expect(code(admin, account(['liaison_officer'], { assigneeIds: [] }), account(['liaison_officer'], { assigneeIds: ['lia-01-sec-leader'] }))).toBe('grant_needs_national_coordinator');
    expect(code(admin, account(['liaison_officer'], { provinceCodes: ['01', '08'] }), account(['liaison_officer'], { provinceCodes: ['01'] }))).toBeUndefined();
    expect(code(admin, account(['submitter', 'auditor']), account(['submitter']))).toBeUndefined();
    expect(code(admin, undefined, account(['admin']))).toBeUndefined();
    expect(code(national, account(['admin']), account(['admin', 'auditor']))).toBe('separation_of_duties');
  });
});

describe('where a report may be filed, and what an assignment allows', () => {
  it('within the account’s provinces (all of them for an organisation in several); anywhere for a national coordinator', () => {
    const several = actor('submitter', { provinceCodes: ['01', '08'] });
    expect([mayFileIn(several, '01'), mayFileIn(several, '08'), mayFileIn(several, '48')]).toEqual([true, true, false]);
    expect(mayFileIn(actor('submitter'), '01')).toBe(false);
    expect(mayFileIn(actor('national_coordinator'), '48')).toBe(true);
  });

  it('acknowledging needs an assignment held; an offer is answered only while open', () => {
    expect((['assigned', 'offered', 'accepted', 'declined', 'timed_out', 'removed', 'working', 'done', undefined] as const).map((s) => assignmentAllows('acknowledge', s))).toEqual([true, false, true, false, false, false, true, false, true]);
    expect((['assigned', 'offered', 'accepted', 'declined', 'timed_out', 'removed', 'working', 'done', undefined] as const).map((s) => assignmentAllows('respond', s))).toEqual([false, true, false, false, false, false, false, false, false]);
  });
});

describe('what each audience sees of an incident', () => {
  const base = incident('AMBER', {
    assignees: [
      { kind: 'liaison', id: 'lia-01-sec-officer', name: 'L', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'officer' },
      { kind: 'enterprise', id: 'ent-x', name: 'X', organisationId: 'ent-x', organisationName: 'X', role: 'responder', status: 'declined', declineReason: 'quá tải' },
    ],
    routingReasons: ['tỉnh 01: đầu mối …'],
    classification: { severity: 'normal', priority: 'P3', category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['…'] },
    needsCoordinator: { since: '2026-11-20T00:00:00.000Z', reasons: ['không doanh nghiệp nào phù hợp'] },
    timeline: [
      { eventId: ulid(), type: 'incident.reported', at: '2026-11-20T00:00:00.000Z', actor: { kind: 'user', id: 'u-reporter' }, facts: { organisation: 'Sở A' } },
      { eventId: ulid(), type: 'incident.assignment_offered', at: '2026-11-20T00:00:01.000Z', actor: { kind: 'service', id: 'dispatch' }, facts: { who: 'X', expiresAt: '2026-11-20T00:30:00.000Z' }, details: ['· Y (3/4): tải cao'] },
    ],
    attachments: [],
  });
  const redEvent = ulid();
  const withRed: IncidentView = {
    ...base,
    attachments: [{ sha256: 'a'.repeat(64), size: 1, filename: 'mat.log', mediaType: 'text/plain', kind: 'log', malware: false, tlp: 'RED', eventId: redEvent, addedAt: '2026-11-20T00:00:02.000Z' }],
    timeline: [...base.timeline, { eventId: redEvent, type: 'incident.attachment_added', at: '2026-11-20T00:00:02.000Z', actor: { kind: 'user', id: 'u-reporter' }, facts: { kind: 'log', filename: 'mat.log' } }],
  };

  it('a submitter: no routing internals, no classification, only the timeline a submitter is shown, only those still on it', () => {
    const view = submitterView(base);
    expect(view.routingReasons).toEqual([]);
    expect(view.classification).toBeUndefined();
    expect(view.needsCoordinator).toBeUndefined();
    expect(view.timeline.map((t) => t.type)).toEqual(['incident.reported']);
    expect(view.assignees.map((a) => a.id)).toEqual(['lia-01-sec-officer']);
    expect(viewFor(actor('submitter', { organisationId: 'org-agency-a' }), base)).toEqual(view);
  });

  it('a responder: the report and the classification, without the candidates, routing reasons or others’ reasons for declining', () => {
    const view = responderView(base);
    expect(view.classification).toEqual(base.classification);
    expect(view.routingReasons).toEqual([]);
    expect(view.timeline.every((t) => t.details === undefined)).toBe(true);
    expect(view.assignees.find((a) => a.id === 'ent-x')?.declineReason).toBeUndefined();
    expect(viewFor(actor('liaison_officer', { provinceCodes: ['01'], assigneeIds: ['lia-01-sec-officer'] }), base)).toEqual(view);
  });

  it('a coordinator sees it whole; nobody sees an attachment marked stricter than they may see, nor its timeline line', () => {
    expect(viewFor(actor('national_coordinator'), withRed)).toBe(withRed);
    const auditor = viewFor(actor('auditor'), withRed)!;
    expect(auditor.attachments).toEqual([]);
    expect(JSON.stringify(auditor)).not.toContain('mat.log');
    expect(viewFor(actor('admin'), base)).toBeUndefined();
  });
});
