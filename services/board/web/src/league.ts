import type { Language } from './catalogue';

/** A row of the board's league table (GET /api/v1/summaries/league-table). */
export interface LeagueRow {
  kind: 'province' | 'liaison' | 'enterprise';
  id: string;
  name: string;
  measure: string;
  count: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export const leagueMeasures = ['acknowledge', 'accept', 'contain', 'resolve'] as const;
const kinds = ['province', 'liaison', 'enterprise'] as const;
/** Each kind of row under the name the directory's parts have in the catalogue. */
export const kindPart = { province: 'units', liaison: 'liaisons', enterprise: 'enterprises' } as const;

/** Minutes as people read them: minutes up to two hours, hours after. */
export const minutesText = (m: number | null, lang: Language) =>
  m === null ? '—' : m >= 120 ? `${(m / 60).toFixed(1)} ${lang === 'vi' ? 'giờ' : 'h'}` : `${Math.round(m)} ${lang === 'vi' ? 'phút' : 'min'}`;

/** The chart's groups for one measure: by kind (province, liaison, enterprise), quickest median first; the scale is the longest p90. */
export function leagueChart(rows: readonly LeagueRow[], measure: string): { groups: { kind: LeagueRow['kind']; rows: LeagueRow[] }[]; longest: number } {
  const measured = rows.filter((r) => r.measure === measure && r.medianMinutes !== null);
  const groups = kinds
    .map((kind) => ({ kind, rows: measured.filter((r) => r.kind === kind).sort((a, b) => a.medianMinutes! - b.medianMinutes! || a.name.localeCompare(b.name)) }))
    .filter((g) => g.rows.length > 0);
  return { groups, longest: Math.max(1, ...measured.map((r) => r.p90Minutes ?? r.medianMinutes!)) };
}
