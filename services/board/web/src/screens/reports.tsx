import { useEffect, useState } from 'preact/hooks';
import type { Language } from '../catalogue';
import { request, type Me } from '../api';
import type { Words } from '../i18n';
import { unitList, unitName } from '../directory';
import { LeagueChart } from './league-chart';
import { minutesText, type LeagueRow } from '../league';

interface Summary {
  total: number;
  byCategory: { category: string; label: string; count: number; inHouse: number; domesticHelp: number; foreignHelp: number }[];
  damage: { incidentId: string; category: string; damage: string }[];
}
/** The year in Vietnam now (the summaries' periods are Vietnam's). */
const vietnamYear = () => new Date(Date.now() + 7 * 3600_000).getUTCFullYear();

/** Reports: Biểu mẫu 05 (6-monthly or annual) and the league table, for the country or a province, as the board computes them, with CSV. */
export function Reports(props: { me: Me; t: Words; lang: Language }) {
  const { me, t, lang } = props;
  const national = (me.actor.roles ?? []).some((r) => r === 'national_coordinator' || r === 'auditor');
  const own = me.actor.provinceCodes ?? [];
  const [year, setYear] = useState(vietnamYear());
  const [half, setHalf] = useState('');
  const [province, setProvince] = useState(national ? '' : (own[0] ?? ''));
  const [summary, setSummary] = useState<Summary>();
  const [league, setLeague] = useState<LeagueRow[]>([]);
  const [error, setError] = useState('');
  const query = new URLSearchParams({ year: String(year), ...(half ? { half } : {}), ...(province ? { province } : {}) });
  useEffect(() => {
    setError('');
    void request<Summary>('GET', `/api/v1/summaries/bieu-mau-05?${query}`).then((a) => (a.status === 200 ? setSummary(a.body) : setError((a.body as { message?: string } | null)?.message ?? String(a.status))));
    void request<{ rows: LeagueRow[] }>('GET', `/api/v1/summaries/league-table?${query}`).then((a) => a.status === 200 && setLeague(a.body.rows));
  }, [query.toString()]);
  const most = Math.max(1, ...(summary?.byCategory ?? []).map((r) => r.count));
  const minutes = (m: number | null) => minutesText(m, lang);
  return (
    <>
      <h2>{t.reports}</h2>
      <fieldset class="filters">
        <legend>{t.period}</legend>
        <label>{t.year}<input type="number" min="2000" max="2100" value={year} data-testid="report-year" onChange={(e) => setYear(Number(e.currentTarget.value))} /></label>
        <label>
          {t.period}
          <select value={half} data-testid="report-half" onChange={(e) => setHalf(e.currentTarget.value)}>
            <option value="">{t.annual}</option>
            <option value="1">{t.firstHalf}</option>
            <option value="2">{t.secondHalf}</option>
          </select>
        </label>
        <label>
          {t.province}
          <select value={province} data-testid="report-province" onChange={(e) => setProvince(e.currentTarget.value)}>
            {national && <option value="">{t.country}</option>}
            {(national ? unitList.map((u) => u.code) : own).map((code) => <option value={code}>{unitName(code)}</option>)}
          </select>
        </label>
      </fieldset>
      {error && <p role="alert" class="error">{error}</p>}
      <section aria-labelledby="bm05-title">
        <h3 id="bm05-title">{t.bieuMau05} — <span data-testid="bm05-total">{summary?.total ?? '…'}</span> {t.incidents}</h3>
        <a href={`/api/v1/summaries/bieu-mau-05?${query}&format=csv`} download data-testid="bm05-csv">{t.exportCsv}</a>
        <div class="table-wrap"><table data-testid="bm05-table">
          <thead><tr><th>{t.category}</th><th>{t.total}</th><th>{t.inHouse}</th><th>{t.domesticHelp}</th><th>{t.foreignHelp}</th><th aria-hidden="true"></th></tr></thead>
          <tbody>
            {(summary?.byCategory ?? []).filter((r) => r.count > 0).map((r) => (
              <tr data-testid="bm05-row" data-category={r.category}>
                <td>{r.label}</td><td data-testid="bm05-count">{r.count}</td><td>{r.inHouse}</td><td>{r.domesticHelp}</td><td>{r.foreignHelp}</td>
                <td class="bar-cell" aria-hidden="true"><span class="bar" style={{ width: `${(100 * r.count) / most}%` }} /></td>
              </tr>
            ))}
          </tbody>
        </table></div>
      </section>
      <section aria-labelledby="league-title">
        <h3 id="league-title">{t.leagueTable}</h3>
        <a href={`/api/v1/summaries/league-table?${query}&format=csv`} download data-testid="league-csv">{t.exportCsv}</a>
        <LeagueChart t={t} lang={lang} rows={league} />
        <div class="table-wrap"><table data-testid="league-table">
          <thead><tr><th>{t.unit}</th><th>{t.measure}</th><th>{t.total}</th><th>{t.median}</th><th>p90</th></tr></thead>
          <tbody>
            {league.map((r) => (
              <tr data-testid="league-row" data-kind={r.kind}><td>{r.name}</td><td>{(t as unknown as Record<string, string>)[`measure_${r.measure}`] ?? r.measure}</td><td>{r.count}</td><td>{minutes(r.medianMinutes)}</td><td>{minutes(r.p90Minutes)}</td></tr>
            ))}
          </tbody>
        </table></div>
      </section>
    </>
  );
}
