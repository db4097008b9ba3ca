import { ulid } from 'ulid';
import { canSee, may, mayActFor, policy, roles, type Actor, type IncidentView, type Permission, type Role, type Tlp } from '@ucsc/shared';

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
    'users.manage': ['admin'],
    'tokens.manage': ['admin', 'province_coordinator'],
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

describe('who sees an incident: scope, then TLP', () => {
  const incident = (tlp: Tlp, change: Partial<IncidentView> = {}): IncidentView => ({
    id: ulid(),
    version: 1,
    state: 'assigned',
    portalStatus: 'cho',
    province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' },
    reportingOrganisation: { name: 'Sở Y tế' },
    reportedBy: { actorId: 'u-reporter', organisationId: 'org-agency-a' },
    title: 't',
    description: 'd',
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
    routingReasons: [],
    timeline: [],
    updatedAt: '2026-11-20T00:00:00.000Z',
    ...change,
  });

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
  ];
  const levels: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];
  const hub = { kind: 'province_hub' as const, id: 'org-hub-01', name: 'Hub', organisationId: 'org-hub-01', organisationName: 'Hub', role: 'hub' as const };

  it.each(table.flatMap(([who, row]) => levels.map((tlp, i) => [who, tlp, row[i]!] as const)))('%s, TLP:%s → %s', (who, tlp, visible) => {
    const base = incident(tlp);
    expect(canSee(people[who]!, { ...base, assignees: [hub, ...base.assignees] })).toBe(visible);
  });
});
