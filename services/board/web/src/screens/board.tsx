import { useEffect, useMemo, useState } from 'preact/hooks';
import { categoryLabels, finishedStates, incidentCategories, lifecycleStateLabels, lifecycleStates, severityLabels, tlpLevels, type IncidentView, type Language } from '../catalogue';
import { watchUnitCounts } from '../feed';
import type { FeedCounts } from '../catalogue';
import type { Words } from '../i18n';
import { countByUnit, matches, noFilters, orderQueue, type Filters } from '../queue';
import { unitList } from '../directory';
import { Queue } from './incident-list';

export function NationalBoard(props: { t: Words; lang: Language; incidents: IncidentView[] }) {
  const { t, lang } = props;
  const [filters, setFilters] = useState<Filters>(() => ({ ...noFilters, ...JSON.parse(sessionStorage.getItem('ucsc.filters') ?? '{}') }));
  useEffect(() => sessionStorage.setItem('ucsc.filters', JSON.stringify(filters)), [filters]);
  const held = useMemo(() => countByUnit(props.incidents), [props.incidents]);
  // the tiles' numbers are the server's, over everything the user may see (not what the page holds)
  const [counts, setCounts] = useState(new Map<string, FeedCounts>());
  useEffect(() => watchUnitCounts(unitList.map((u) => u.code), (code, c) => setCounts((m) => new Map(m).set(code, c))), []);
  const assignees = useMemo(() => [...new Map(props.incidents.flatMap((i) => i.assignees).map((a) => [a.id, a.name])).entries()], [props.incidents]);
  const queue = useMemo(() => orderQueue(props.incidents.filter((i) => matches(i, filters))), [props.incidents, filters]);
  const set = (key: keyof Filters) => (e: Event) => setFilters({ ...filters, [key]: (e.currentTarget as HTMLSelectElement).value });
  const select = (key: keyof Filters, label: string, options: [string, string][]) => (
    <label>
      {label}
      <select value={filters[key]} onChange={set(key)} data-testid={`filter-${key}`}>
        <option value="">{t.all}</option>
        {options.map(([v, l]) => <option value={v}>{l}</option>)}
      </select>
    </label>
  );
  return (
    <>
      <section aria-labelledby="units-title">
        <h2 id="units-title">{t.units}</h2>
        <ul class="tiles" data-testid="unit-tiles">
          {unitList.map((u) => {
            const c = counts.get(u.code);
            const open = c ? c.total - finishedStates.reduce((n, s) => n + (c.byState[s] ?? 0), 0) : 0;
            return (
              <li>
                <button type="button" class={`tile${held.get(u.code)?.overdue ? ' hot' : ''}`} aria-pressed={filters.province === u.code} data-testid="unit-tile" data-unit={u.code}
                  onClick={() => setFilters({ ...filters, province: filters.province === u.code ? '' : u.code })}>
                  <span class="tile-name">{u.shortName}</span>
                  <span class="tile-count" data-testid="unit-open">{open} {t.open}</span>
                  <span class="tile-sub">{c?.bySeverity.severe ?? 0} {t.severe} · <span data-testid="unit-total">{c?.total ?? 0}</span> {t.total}</span>
                </button>
              </li>
            );
          })}
        </ul>
      </section>
      <section aria-labelledby="queue-title">
        <h2 id="queue-title">{t.queue} ({queue.length})</h2>
        <fieldset class="filters">
          <legend>{t.filters}</legend>
          {select('province', t.province, unitList.map((u) => [u.code, u.shortName]))}
          {select('category', t.category, Object.keys(incidentCategories).map((c) => [c, categoryLabels[lang][c as keyof typeof incidentCategories]]))}
          {select('severity', t.severity, [['severe', severityLabels[lang].severe], ['normal', severityLabels[lang].normal]])}
          {select('state', t.state, lifecycleStates.map((s) => [s, lifecycleStateLabels[lang][s]]))}
          {select('assignee', t.assignee, assignees)}
          {select('tlp', t.tlp, tlpLevels.map((l) => [l, `TLP:${l}`]))}
        </fieldset>
        <Queue t={t} lang={lang} incidents={queue} />
      </section>
    </>
  );
}
