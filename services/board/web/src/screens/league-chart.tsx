import { useState } from 'preact/hooks';
import { directoryEntityLabels, type Language } from '../catalogue';
import type { Words } from '../i18n';
import { kindPart, leagueChart, leagueMeasures, minutesText, type LeagueRow } from '../league';

const rowHeight = 50;
const headingHeight = 28;

/**
 * The league table as horizontal bars, one measure at a time: per unit the median (dark) and the
 * 90th percentile (light, behind it). Bars are sized in percent and text in pixels, so it reads the
 * same at 360 px as on a desktop; screen readers get the chart's title and every row in words.
 */
export function LeagueChart(props: { t: Words; lang: Language; rows: readonly LeagueRow[] }) {
  const { t, lang } = props;
  const measureName = (m: string) => (t as unknown as Record<string, string>)[`measure_${m}`] ?? m;
  const present = leagueMeasures.filter((m) => props.rows.some((r) => r.measure === m));
  const [chosen, setChosen] = useState<string>();
  const measure = chosen && present.includes(chosen as (typeof leagueMeasures)[number]) ? chosen : present[0];
  if (!measure) return null;
  const { groups, longest } = leagueChart(props.rows, measure);
  const width = (m: number | null) => `${(100 * (m ?? 0)) / longest}%`;
  let y = 0;
  const drawn = groups.map((group) => {
    const top = y;
    y += headingHeight + group.rows.length * rowHeight;
    return { ...group, top };
  });
  const title = `${t.leagueTable}: ${measureName(measure)} (${t.median}, p90)`;
  const words = groups
    .flatMap((g) => g.rows.map((r) => `${r.name}: ${t.median} ${minutesText(r.medianMinutes, lang)}, p90 ${minutesText(r.p90Minutes, lang)} (${r.count})`))
    .join('; ');
  return (
    <figure class="league-chart" data-testid="league-chart">
      <label>
        {t.measure}
        <select value={measure} onChange={(e) => setChosen(e.currentTarget.value)} data-testid="league-chart-measure">
          {present.map((m) => <option value={m}>{measureName(m)}</option>)}
        </select>
      </label>
      <svg width="100%" height={y} role="img" aria-labelledby="league-chart-title league-chart-desc" data-testid="league-chart-svg">
        <title id="league-chart-title">{title}</title>
        <desc id="league-chart-desc">{words}</desc>
        {drawn.map((group) => (
          <g data-kind={group.kind}>
            <text x="0" y={group.top + 18} class="chart-heading">{directoryEntityLabels[lang][kindPart[group.kind]]}</text>
            {group.rows.map((r, i) => {
              const top = group.top + headingHeight + i * rowHeight;
              return (
                <g data-testid="league-bar" data-id={r.id}>
                  <text x="0" y={top + 13}>{r.name}</text>
                  <rect x="0" y={top + 18} width={width(r.p90Minutes)} height="12" class="p90" />
                  <rect x="0" y={top + 18} width={width(r.medianMinutes)} height="12" class="median" />
                  <text x="0" y={top + 44} class="chart-values">{t.median} {minutesText(r.medianMinutes, lang)} · p90 {minutesText(r.p90Minutes, lang)} · {r.count} {t.incidents}</text>
                </g>
              );
            })}
          </g>
        ))}
      </svg>
      <figcaption class="legend">
        <span class="swatch median" aria-hidden="true" /> {t.median} <span class="swatch p90" aria-hidden="true" /> p90
      </figcaption>
    </figure>
  );
}
