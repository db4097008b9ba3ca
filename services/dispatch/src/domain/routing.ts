import type { Assignee, DirectoryData, Liaison, Organisation, Payload } from '@ucsc/shared';

/** The directory, indexed the way routing asks it questions. */
export interface RoutingDirectory {
  hubByProvince: Map<string, Organisation>;
  liaisonsByProvince: Map<string, Liaison[]>;
  organisations: Map<string, Organisation>;
}

export function indexDirectory(data: DirectoryData): RoutingDirectory {
  const hubByProvince = new Map<string, Organisation>();
  for (const org of data.organisations) {
    if (org.type === 'province_hub' && org.provinceCode) hubByProvince.set(org.provinceCode, org);
  }
  const liaisonsByProvince = new Map<string, Liaison[]>();
  for (const liaison of data.liaisons) {
    if (liaison.substituteFor) continue; // substitutes stand in only when the roster says so
    const list = liaisonsByProvince.get(liaison.provinceCode) ?? [];
    list.push(liaison);
    liaisonsByProvince.set(liaison.provinceCode, list);
  }
  return { hubByProvince, liaisonsByProvince, organisations: new Map(data.organisations.map((o) => [o.id, o])) };
}

export interface RoutingDecision {
  assignees: Assignee[];
  reasons: string[];
}

/**
 * Who must act on a new report: the province's hub, and its ministry liaisons (leader and
 * officer of each department), leaders first, as the escalation ladder reads.
 */
export function routeReport(directory: RoutingDirectory, report: Payload<'incident.reported'>): RoutingDecision {
  const code = report.province.code;
  const assignees: Assignee[] = [];
  const reasons: string[] = [];
  const hub = directory.hubByProvince.get(code);
  if (hub) {
    assignees.push({ kind: 'province_hub', id: hub.id, name: hub.name, organisationId: hub.id, organisationName: hub.name, role: 'hub' });
    reasons.push(`province hub of ${report.province.name}: ${hub.name}`);
  } else {
    reasons.push(`no province hub is registered for ${report.province.name}`);
  }
  const liaisons = [...(directory.liaisonsByProvince.get(code) ?? [])].sort(
    (a, b) => a.departmentId.localeCompare(b.departmentId) || (a.role === b.role ? 0 : a.role === 'leader' ? -1 : 1),
  );
  for (const liaison of liaisons) {
    const department = directory.organisations.get(liaison.departmentId);
    assignees.push({
      kind: 'liaison',
      id: liaison.id,
      name: liaison.name,
      organisationId: liaison.departmentId,
      organisationName: department?.name ?? liaison.departmentId,
      role: liaison.role,
    });
  }
  reasons.push(`ministry liaisons of ${report.province.name}: ${liaisons.length} (leader and officer of each department)`);
  if (assignees.length === 0) {
    const coordinator = [...directory.organisations.values()].find((o) => o.type === 'national_coordinator');
    if (coordinator) {
      assignees.push({
        kind: 'national_coordinator',
        id: coordinator.id,
        name: coordinator.name,
        organisationId: coordinator.id,
        organisationName: coordinator.name,
        role: 'coordinator',
      });
      reasons.push('nobody is registered for this province: the national coordinator is told at once');
    }
  }
  return { assignees, reasons };
}
