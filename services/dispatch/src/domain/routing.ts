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
  /** the same pools' capacity and TLP:RED acceptance as flat arrays: the hot loop reads only these */
  poolTraits: Map<string, { capacity: Float64Array; acceptsTlpRed: Uint8Array }>;
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
  const poolTraits = new Map<string, { capacity: Float64Array; acceptsTlpRed: Uint8Array }>();
  for (const [key, pool] of enterprisesByProvinceCategory) {
    poolTraits.set(key, { capacity: Float64Array.from(pool, (e) => e.capacity), acceptsTlpRed: Uint8Array.from(pool, (e) => (e.acceptsTlpRed ? 1 : 0)) });
  }
  return {
    hubByProvince,
    liaisonsByProvince,
    poolTraits,
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

/** The load of the enterprises of one pool, aligned with it (index i is pool[i]); 0 when unknown. */
export interface PoolLoads {
  /** open assignments */
  open: ArrayLike<number | undefined>;
  /** when it was last offered an incident (a sequence; 0 = never): ties go to the longest idle */
  last: ArrayLike<number | undefined>;
}

/** What routing knows of enterprises' current load; kept outside the directory (it changes per incident). */
export interface LoadView {
  forPool(pool: readonly Enterprise[]): PoolLoads;
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
  const key = fitKey(request.provinceCode, request.category);
  const pool = directory.enterprisesByProvinceCategory.get(key) ?? [];
  const traits = directory.poolTraits.get(key) ?? { capacity: new Float64Array(0), acceptsTlpRed: new Uint8Array(0) };
  const total = directory.enterprises.size;
  const withCategory = directory.enterpriseCountByCategory.get(request.category) ?? 0;
  const excluded: RoutingExclusions = { category: total - withCategory, coverage: withCategory - pool.length, tlp: 0, capacity: 0, alreadyAsked: 0 };
  const rejected: RoutingCandidate[] = [];
  const { open: openOf, last: lastOf } = loads.forPool(pool);
  const { capacity: capacityOf, acceptsTlpRed: redOf } = traits;
  const red = request.tlp === 'RED';
  const asked = request.exclude.size > 0;
  // one pass keeping the best few: `want` and the listed runners-up are few, the pool may hold thousands
  const k = request.want + listedCandidates;
  const ranked: Ranked[] = [];
  let worstUtilisation = Infinity;
  let worstLast = Infinity;
  let fitCount = 0;
  for (let i = 0; i < pool.length; i += 1) {
    const open = openOf[i] ?? 0;
    const capacity = capacityOf[i]!;
    let rule: 'alreadyAsked' | 'tlp' | 'capacity' | undefined;
    if (asked && request.exclude.has(pool[i]!.id)) rule = 'alreadyAsked';
    else if (red && redOf[i] === 0) rule = 'tlp';
    else if (open >= capacity) rule = 'capacity';
    if (rule) {
      excluded[rule] += 1;
      if (rejected.length < listedCandidates) rejected.push(candidate(pool[i]!, open, false, exclusionWhy[rule](open, capacity)));
      continue;
    }
    fitCount += 1;
    const utilisation = open / capacity;
    const last = lastOf[i] ?? 0;
    // pools are sorted by id, so a later index loses a tie
    if (ranked.length === k && (utilisation > worstUtilisation || (utilisation === worstUtilisation && last >= worstLast))) continue;
    const item: Ranked = { index: i, enterprise: pool[i]!, open, utilisation, last };
    let at = ranked.length < k ? ranked.length : k - 1;
    while (at > 0 && better(item, ranked[at - 1]!)) {
      ranked[at] = ranked[at - 1]!;
      at -= 1;
    }
    ranked[at] = item;
    const worst = ranked[ranked.length - 1]!;
    worstUtilisation = worst.utilisation;
    worstLast = worst.last;
  }
  const chosen = ranked.slice(0, request.want);
  const candidates: RoutingCandidate[] = chosen.map((c) =>
    candidate(c.enterprise, c.open, true, `fits: least loaded (${c.open}/${c.enterprise.capacity})${c.last === 0 ? ', never offered before' : ', longest since its last offer among equals'}`),
  );
  const lastChosen = chosen[chosen.length - 1];
  for (const r of ranked.slice(request.want, request.want + listedCandidates - candidates.length)) {
    const why = lastChosen && r.utilisation > lastChosen.utilisation ? 'fits, but more loaded than those chosen' : 'fits, but was offered an incident more recently (round-robin)';
    candidates.push(candidate(r.enterprise, r.open, false, why));
  }
  candidates.push(...rejected.slice(0, Math.max(0, listedCandidates - candidates.length)));
  const label = incidentCategories[request.category].label;
  const reasons = [
    `enterprises that handle ${label} and cover ${request.provinceName}: ${pool.length}; fit (capacity left${red ? ', accept TLP:RED' : ''}, not asked before): ${fitCount}`,
    chosen.length
      ? `chosen ${chosen.map((c) => c.enterprise.name).join(', ')}: least loaded, then round-robin`
      : `none fits: ${describeExclusions(excluded)}`,
  ];
  return { chosen: chosen.map((c) => c.enterprise), candidates, excluded, reasons };
}

type Ranked = { index: number; enterprise: Enterprise; open: number; utilisation: number; last: number };

const exclusionWhy = {
  alreadyAsked: () => 'already asked for this incident (declined, did not answer, or assigned)',
  tlp: () => 'does not accept TLP:RED',
  capacity: (open: number, capacity: number) => `at capacity (${open}/${capacity})`,
};

function better(a: Ranked, b: Ranked): boolean {
  if (a.utilisation !== b.utilisation) return a.utilisation < b.utilisation;
  if (a.last !== b.last) return a.last < b.last;
  return a.index < b.index;
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
