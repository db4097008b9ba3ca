// An incident view as the projection holds it, for the unit tests of what reads one (clocks,
// sweeps, views): routed in Hà Nội, normal P2 malware, TLP:AMBER, two liaisons. Tests change what
// they are about; nothing here talks to Kafka or Redis.
import { ulid } from 'ulid';
import type { IncidentView, Payload } from '@ucsc/shared';

type Assignee = IncidentView['assignees'][number];

export const testReportedAt = '2026-11-20T02:00:00.000Z';
export const minutesAfter = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

export const testAssignees = {
  officer: { kind: 'liaison', id: 'lia-officer', name: 'Cán bộ', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'officer' },
  leader: { kind: 'liaison', id: 'lia-leader', name: 'Lãnh đạo', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'leader' },
  nationalCoordinator: { kind: 'national_coordinator', id: 'org-nc', name: 'Điều phối quốc gia', organisationId: 'org-nc', organisationName: 'ĐPQG', role: 'coordinator' },
  /** an enterprise offered the incident, two hours to accept */
  offeredEnterprise: { kind: 'enterprise', id: 'ent-a', name: 'A', organisationId: 'ent-a', organisationName: 'A', role: 'responder', status: 'offered', offerExpiresAt: minutesAfter(testReportedAt, 120) },
} as const satisfies Record<string, Assignee>;

export function testIncident(change: Partial<IncidentView> = {}): IncidentView {
  return {
    id: ulid(),
    version: 3,
    state: 'routed',
    portalStatus: 'cho',
    province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' },
    reportingOrganisation: { name: 'Sở Y tế' },
    title: 't',
    description: 'd',
    tlp: 'AMBER',
    detectedAt: '2026-11-20T01:00:00.000Z',
    reportedAt: testReportedAt,
    assignees: [testAssignees.officer, testAssignees.leader],
    routingReasons: [],
    // normal P2: acknowledge 60 min, accept 120, first progress 240, contain 24 h, resolve 5 days, progress every 8 h, reminders 30 min before
    classification: { severity: 'normal', priority: 'P2', category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['r'] },
    timeline: [],
    updatedAt: testReportedAt,
    ...change,
  };
}

/** A report as intake publishes it (the payload of incident.reported), in Tuyên Quang; tests change what they are about. */
export function testReport(incidentId: string, change: Partial<Payload<'incident.reported'>> = {}): Payload<'incident.reported'> {
  return {
    incidentId,
    province: { code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Tuyên Quang' },
    reportingOrganisation: { name: 'Sở Y tế' },
    title: 'Mã độc',
    description: 'Máy chủ nhiễm mã độc',
    detectedAt: '2026-11-20T02:10:00.000Z',
    reportedAt: '2026-11-20T03:00:00.000Z',
    tlp: 'AMBER',
    ...change,
  };
}

/** Whom dispatch assigns in Tuyên Quang: the province's hub and a liaison leader. */
export const testProvinceAssignees: Payload<'incident.assigned'>['assignees'] = [
  { kind: 'province_hub', id: 'org-hub-08', name: 'Sở KH&CN Tuyên Quang', organisationId: 'org-hub-08', organisationName: 'Sở KH&CN Tuyên Quang', role: 'hub' },
  { kind: 'liaison', id: 'lia-08-sec-leader', name: 'Trần Văn B', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'leader' },
];
