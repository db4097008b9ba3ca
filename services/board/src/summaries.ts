import { incidentCategories, vietnamOffsetMs, type IncidentFigures } from '@ucsc/shared';

// the periods of Biểu mẫu 05 are Vietnamese dates: they start at midnight in Vietnam's time

/** A period of Biểu mẫu 05: the first or second half of a year (6-monthly), or the whole year (annual). */
export interface Period {
  year: number;
  half?: 1 | 2;
}

export function periodBounds({ year, half }: Period): { from: string; to: string } {
  const [m0, m1] = half === 1 ? [0, 6] : half === 2 ? [6, 12] : [0, 12];
  return { from: new Date(Date.UTC(year, m0, 1) - vietnamOffsetMs).toISOString(), to: new Date(Date.UTC(year, m1, 1) - vietnamOffsetMs).toISOString() };
}

/** Incidents that count: detected in the period, in the scope, and incidents (neither rejected nor merged into another). */
export function inPeriod(incidents: readonly IncidentFigures[], period: Period, provinceCode?: string): IncidentFigures[] {
  const { from, to } = periodBounds(period);
  return incidents.filter((i) => i.detectedAt >= from && i.detectedAt < to && i.state !== 'rejected' && i.state !== 'merged' && (!provinceCode || i.province.code === provinceCode));
}

export interface Summary {
  scope: { level: 'province' | 'country'; provinceCode?: string; provinceName?: string };
  period: Period & { from: string; to: string };
  total: number;
  byCategory: { category: string; label: string; count: number; inHouse: number; domesticHelp: number; foreignHelp: number }[];
  /** the damage each end-of-response report states (Biểu mẫu 04, Thiệt hại), by incident */
  damage: { incidentId: string; category: string; damage: string }[];
}

/**
 * Biểu mẫu 05: counts per category, handled in-house / with domestic / with foreign help, and damage,
 * from each incident's figures (the tracker keeps them: shared/src/projections/indexes.ts).
 */
export function summarise(incidents: readonly IncidentFigures[], period: Period, provinceCode?: string): Summary {
  const counted = inPeriod(incidents, period, provinceCode);
  const rows = new Map(Object.entries(incidentCategories).map(([category, { label }]) => [category, { category, label, count: 0, inHouse: 0, domesticHelp: 0, foreignHelp: 0 }]));
  const damage: Summary['damage'] = [];
  for (const i of counted) {
    const row = rows.get(i.category) ?? rows.get('other')!;
    row.count += 1;
    if (i.handledWith === 'in_house') row.inHouse += 1;
    else if (i.handledWith === 'domestic_help') row.domesticHelp += 1;
    else row.foreignHelp += 1;
    if (i.damage !== undefined) damage.push({ incidentId: i.id, category: i.category, damage: i.damage });
  }
  const province = provinceCode ? (counted[0]?.province ?? incidents.find((i) => i.province.code === provinceCode)?.province) : undefined;
  return {
    scope: provinceCode ? { level: 'province', provinceCode, ...(province ? { provinceName: province.name } : {}) } : { level: 'country' },
    period: { ...period, ...periodBounds(period) },
    total: counted.length,
    byCategory: [...rows.values()],
    damage,
  };
}

/** The p-th percentile (nearest rank) of minutes, or null with none. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export type Measure = 'acknowledge' | 'accept' | 'contain' | 'resolve';
export interface LeagueRow {
  kind: 'province' | 'liaison' | 'enterprise';
  id: string;
  name: string;
  measure: Measure;
  count: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

const minutesBetween = (from: string, to: string | undefined) => (to ? (Date.parse(to) - Date.parse(from)) / 60_000 : undefined);

/**
 * The league table: from the report, minutes to acknowledge, to accept (an enterprise's answer), to
 * contain and to resolve, per province (the incident's), per liaison (its own acknowledgement) and
 * per enterprise (its acceptance, and the incidents it took part in), median and 90th percentile.
 */
export function leagueTable(incidents: readonly IncidentFigures[], period: Period, provinceCode?: string): LeagueRow[] {
  const samples = new Map<string, { kind: LeagueRow['kind']; id: string; name: string; measure: Measure; minutes: number[] }>();
  const add = (kind: LeagueRow['kind'], id: string, name: string, measure: Measure, minutes: number | undefined) => {
    if (minutes === undefined) return;
    const key = `${kind} ${id} ${measure}`;
    const entry = samples.get(key) ?? { kind, id, name, measure, minutes: [] };
    entry.minutes.push(minutes);
    samples.set(key, entry);
  };
  for (const i of inPeriod(incidents, period, provinceCode)) {
    const m = i.milestones;
    const outcome: [Measure, string | undefined][] = [['acknowledge', m.acknowledged], ['contain', m.contained], ['resolve', m.resolved]];
    for (const [measure, at] of outcome) add('province', i.province.code, i.province.name, measure, minutesBetween(i.reportedAt, at));
    for (const a of i.liaisons) add('liaison', a.id, a.name, 'acknowledge', minutesBetween(i.reportedAt, a.acknowledgedAt));
    for (const a of i.enterprises) {
      add('enterprise', a.id, a.name, 'accept', minutesBetween(i.reportedAt, a.answeredAt));
      for (const measure of ['contain', 'resolve'] as const) add('enterprise', a.id, a.name, measure, minutesBetween(i.reportedAt, measure === 'contain' ? m.contained : m.resolved));
    }
  }
  return [...samples.values()]
    .map(({ minutes, ...row }) => {
      const sorted = [...minutes].sort((x, y) => x - y);
      return { ...row, count: sorted.length, medianMinutes: percentile(sorted, 50), p90Minutes: percentile(sorted, 90) };
    })
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id) || a.measure.localeCompare(b.measure));
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
/** RFC 4180 CSV with a header row. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
