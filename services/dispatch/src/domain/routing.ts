import {
  incidentCategories,
  type Assignee,
  type Classification,
  type DirectoryData,
  type Enterprise,
  type IncidentCategory,
  type Liaison,
  type Organisation,
  type ProvinceRef,
  type RoutingCandidate,
  type RoutingExclusions,
  type Tlp,
} from '@ucsc/shared';

/** The directory, indexed the way routing asks it questions. */
export interface RoutingDirectory {
  hubByProvince: Map<string, Organisation>;
  /** every liaison of a province, substitutes included */
  liaisonsByProvince: Map<string, Liaison[]>;
  organisations: Map<string, Organisation>;
  liaisons: Map<string, Liaison>;
  enterprises: Map<string, Enterprise>;
  /** enterprises that handle a category and cover a province (nationwide ones included), by id */
  enterprisesByProvinceCategory: Map<string, Enterprise[]>;
  /** how many enterprises handle each category anywhere: the exclusion counts need no scan */
  enterpriseCountByCategory: Map<IncidentCategory, number>;
}

const fitKey = (provinceCode: string, category: IncidentCategory) => `${provinceCode}|${category}`;

export function indexDirectory(data: DirectoryData): RoutingDirectory {
  const hubByProvince = new Map<string, Organisation>();
  for (const org of data.organisations) {
    if (org.type === 'province_hub' && org.provinceCode) hubByProvince.set(org.provinceCode, org);
  }
  const liaisonsByProvince = new Map<string, Liaison[]>();
  for (const liaison of data.liaisons) {
    const list = liaisonsByProvince.get(liaison.provinceCode) ?? [];
    list.push(liaison);
    liaisonsByProvince.set(liaison.provinceCode, list);
  }
  const enterprisesByProvinceCategory = new Map<string, Enterprise[]>();
  const enterpriseCountByCategory = new Map<IncidentCategory, number>();
  const unitCodes = data.units.map((u) => u.code);
  const sorted = [...data.enterprises].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const enterprise of sorted) {
    const provinces = enterprise.coverage === 'nationwide' ? unitCodes : enterprise.coverage;
    for (const category of new Set(enterprise.categories)) {
      enterpriseCountByCategory.set(category, (enterpriseCountByCategory.get(category) ?? 0) + 1);
      for (const code of provinces) {
        const key = fitKey(code, category);
        const list = enterprisesByProvinceCategory.get(key);
        if (list) list.push(enterprise);
        else enterprisesByProvinceCategory.set(key, [enterprise]);
      }
    }
  }
  return {
    hubByProvince,
    liaisonsByProvince,
    organisations: new Map(data.organisations.map((o) => [o.id, o])),
    liaisons: new Map(data.liaisons.map((l) => [l.id, l])),
    enterprises: new Map(sorted.map((e) => [e.id, e])),
    enterprisesByProvinceCategory,
    enterpriseCountByCategory,
  };
}

export function organisationAssignee(org: Organisation, kind: Assignee['kind'], role: Assignee['role']): Assignee {
  return { kind, id: org.id, name: org.name, organisationId: org.id, organisationName: org.name, role };
}

export function liaisonAssignee(directory: RoutingDirectory, liaison: Liaison): Assignee {
  const department = directory.organisations.get(liaison.departmentId);
  return {
    kind: 'liaison',
    id: liaison.id,
    name: liaison.name,
    organisationId: liaison.departmentId,
    organisationName: department?.name ?? liaison.departmentId,
    role: liaison.role,
  };
}

export function enterpriseAssignee(enterprise: Enterprise): Assignee {
  return { kind: 'enterprise', id: enterprise.id, name: enterprise.name, organisationId: enterprise.id, organisationName: enterprise.name, role: 'responder' };
}

export function nationalCoordinator(directory: RoutingDirectory): Organisation | undefined {
  for (const org of directory.organisations.values()) if (org.type === 'national_coordinator') return org;
  return undefined;
}

export interface RoutingDecision {
  assignees: Assignee[];
  reasons: string[];
}

/**
 * Who must always act on an incident: the province's hub and its four ministry liaisons (leader
 * and officer of each department, leaders first, as the escalation ladder reads), a substitute
 * standing in for one on leave; for a severe incident also the national coordinator and the
 * standing body. With nobody registered for the province, the national coordinator is told.
 */
export function routeReport(
  directory: RoutingDirectory,
  report: { province: ProvinceRef },
  classification?: Pick<Classification, 'severity'>,
): RoutingDecision {
  const code = report.province.code;
  const assignees: Assignee[] = [];
  const reasons: string[] = [];
  const hub = directory.hubByProvince.get(code);
  if (hub) {
    assignees.push(organisationAssignee(hub, 'province_hub', 'hub'));
    reasons.push(`province hub of ${report.province.name}: ${hub.name}`);
  } else {
    reasons.push(`no province hub is registered for ${report.province.name}`);
  }
  const all = directory.liaisonsByProvince.get(code) ?? [];
  const primaries = all
    .filter((l) => !l.substituteFor)
    .sort((a, b) => a.departmentId.localeCompare(b.departmentId) || (a.role === b.role ? 0 : a.role === 'leader' ? -1 : 1));
  let liaisonCount = 0;
  for (const liaison of primaries) {
    if (!liaison.onLeave) {
      assignees.push(liaisonAssignee(directory, liaison));
      liaisonCount += 1;
      continue;
    }
    const substitute = all.find((s) => s.substituteFor === liaison.id && !s.onLeave);
    if (substitute) {
      assignees.push({ ...liaisonAssignee(directory, substitute), role: liaison.role });
      liaisonCount += 1;
      reasons.push(`${liaison.name} (${liaison.role}) is on leave: substitute ${substitute.name} stands in`);
    } else {
      reasons.push(`${liaison.name} (${liaison.role}) is on leave and no substitute is available`);
    }
  }
  reasons.push(`ministry liaisons of ${report.province.name}: ${liaisonCount} (leader and officer of each department)`);
  const coordinator = nationalCoordinator(directory);
  if (classification?.severity === 'severe') {
    const standingBody = [...directory.organisations.values()].find((o) => o.type === 'standing_body');
    if (coordinator) assignees.push(organisationAssignee(coordinator, 'national_coordinator', 'coordinator'));
    if (standingBody) assignees.push(organisationAssignee(standingBody, 'standing_body', 'standing_body'));
    reasons.push('severe incident (Decision 05/2017 art. 9): the national coordinator and the standing body are assigned');
  } else if (assignees.length === 0 && coordinator) {
    assignees.push(organisationAssignee(coordinator, 'national_coordinator', 'coordinator'));
    reasons.push('nobody is registered for this province: the national coordinator is told at once');
  }
  return { assignees, reasons };
}

/** What routing knows of each enterprise's current load; kept outside the directory (it changes per incident). */
export interface LoadView {
  openAssignments(enterpriseId: string): number;
  /** when it was last offered an incident (a sequence; 0 = never): ties go to the longest idle */
  lastOffered(enterpriseId: string): number;
}

export interface EnterpriseRequest {
  provinceCode: string;
  provinceName: string;
  category: IncidentCategory;
  tlp: Tlp;
  want: number;
  /** enterprises already asked (offered, declined, timed out) or assigned: never asked again */
  exclude: ReadonlySet<string>;
}

export interface EnterpriseSelection {
  chosen: Enterprise[];
  candidates: RoutingCandidate[];
  excluded: RoutingExclusions;
  reasons: string[];
}

/** How many of the enterprises routing looked at are listed on the decision, besides counts. */
const listedCandidates = 10;

/**
 * Picks the enterprises to offer an incident to: those that handle its category, cover its
 * province, may receive its TLP and have capacity left; the least loaded first (open assignments
 * over capacity), ties to the one offered longest ago (round-robin), then by id. O(candidates).
 */
export function selectEnterprises(directory: RoutingDirectory, loads: LoadView, request: EnterpriseRequest): EnterpriseSelection {
  const pool = directory.enterprisesByProvinceCategory.get(fitKey(request.provinceCode, request.category)) ?? [];
  const total = directory.enterprises.size;
  const withCategory = directory.enterpriseCountByCategory.get(request.category) ?? 0;
  const excluded: RoutingExclusions = { category: total - withCategory, coverage: withCategory - pool.length, tlp: 0, capacity: 0, alreadyAsked: 0 };
  const rejected: RoutingCandidate[] = [];
  const fit: { enterprise: Enterprise; open: number; utilisation: number; last: number }[] = [];
  for (const enterprise of pool) {
    const open = loads.openAssignments(enterprise.id);
    let why: string | undefined;
    if (request.exclude.has(enterprise.id)) {
      excluded.alreadyAsked += 1;
      why = 'already asked for this incident (declined, did not answer, or assigned)';
    } else if (request.tlp === 'RED' && !enterprise.acceptsTlpRed) {
      excluded.tlp += 1;
      why = 'does not accept TLP:RED';
    } else if (open >= enterprise.capacity) {
      excluded.capacity += 1;
      why = `at capacity (${open}/${enterprise.capacity})`;
    }
    if (why) {
      if (rejected.length < listedCandidates) rejected.push(candidate(enterprise, open, false, why));
      continue;
    }
    fit.push({ enterprise, open, utilisation: open / enterprise.capacity, last: loads.lastOffered(enterprise.id) });
  }
  // a partial selection: `want` is small, the pool may hold thousands
  const chosen: typeof fit = [];
  const taken = new Set<number>();
  for (let round = 0; round < request.want && taken.size < fit.length; round += 1) {
    let best = -1;
    for (let i = 0; i < fit.length; i += 1) {
      if (taken.has(i)) continue;
      if (best < 0 || better(fit[i]!, fit[best]!)) best = i;
    }
    taken.add(best);
    chosen.push(fit[best]!);
  }
  const candidates: RoutingCandidate[] = chosen.map((c) =>
    candidate(c.enterprise, c.open, true, `fits: least loaded (${c.open}/${c.enterprise.capacity})${c.last === 0 ? ', never offered before' : ', longest since its last offer among equals'}`),
  );
  const runnersUp = fit.filter((_, i) => !taken.has(i)).sort((a, b) => (better(a, b) ? -1 : 1)).slice(0, listedCandidates - candidates.length);
  for (const r of runnersUp) {
    const first = chosen[chosen.length - 1];
    const why = first && r.utilisation > first.utilisation ? 'fits, but more loaded than those chosen' : 'fits, but was offered an incident more recently (round-robin)';
    candidates.push(candidate(r.enterprise, r.open, false, why));
  }
  candidates.push(...rejected.slice(0, Math.max(0, listedCandidates * 2 - candidates.length)));
  const label = incidentCategories[request.category].label;
  const reasons = [
    `enterprises that handle ${label} and cover ${request.provinceName}: ${pool.length}; fit (capacity left${request.tlp === 'RED' ? ', accept TLP:RED' : ''}, not asked before): ${fit.length}`,
    chosen.length
      ? `chosen ${chosen.map((c) => c.enterprise.name).join(', ')}: least loaded, then round-robin`
      : `none fits: ${describeExclusions(excluded)}`,
  ];
  return { chosen: chosen.map((c) => c.enterprise), candidates, excluded, reasons };
}

function better(a: { utilisation: number; last: number; enterprise: Enterprise }, b: { utilisation: number; last: number; enterprise: Enterprise }): boolean {
  if (a.utilisation !== b.utilisation) return a.utilisation < b.utilisation;
  if (a.last !== b.last) return a.last < b.last;
  return a.enterprise.id < b.enterprise.id;
}

function candidate(enterprise: Enterprise, open: number, chosen: boolean, why: string): RoutingCandidate {
  return { id: enterprise.id, name: enterprise.name, openAssignments: open, capacity: enterprise.capacity, chosen, why };
}

export function describeExclusions(excluded: RoutingExclusions): string {
  return [
    `${excluded.category} do not handle the category`,
    `${excluded.coverage} do not cover the province`,
    `${excluded.tlp} do not accept TLP:RED`,
    `${excluded.capacity} are at capacity`,
    `${excluded.alreadyAsked} were already asked`,
  ].join(', ');
}

/** The enterprises that handle a category and cover a province: whose load a decision reads. */
export function enterprisePool(directory: RoutingDirectory, provinceCode: string, category: IncidentCategory): readonly Enterprise[] {
  return directory.enterprisesByProvinceCategory.get(fitKey(provinceCode, category)) ?? [];
}
