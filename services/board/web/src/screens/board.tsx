import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { categoryLabels, finishedStates, incidentCategories, lifecycleStateLabels, lifecycleStates, severityLabels, tlpLevels, type FeedClient, type Language } from '../catalogue';
import { useList, useUnitCounts } from '../feed';
import type { Words } from '../i18n';
import { feedFilters, noFilters, orderQueue, type Filters } from '../queue';
import { enterprises, unitList } from '../directory';
import { ListFooter, Queue } from './incident-list';

const unitCodes = unitList.map((u) => u.code);

export function NationalBoard(props: { t: Words; lang: Language; client: FeedClient }) {
  const { t, lang } = props;
  const [filters, setFilters] = useState<Filters>(() => ({ ...noFilters, ...JSON.parse(sessionStorage.getItem('ucsc.filters') ?? '{}') }));
  useEffect(() => sessionStorage.setItem('ucsc.filters', JSON.stringify(filters)), [filters]);
  // the tiles' numbers are the server's, over everything the user may see (not what the page holds)
  const counts = useUnitCounts(props.client, unitCodes);
  // the queue is filtered on the server: its count and pages are over everything that matches
  const list = useList(props.client, { kind: 'country' }, feedFilters(filters));
  const seen = useRef(new Map(enterprises.map((e) => [e.id, e.name])));
  for (const i of list.items) for (const p of i.parts) if (!seen.current.has(p.id)) seen.current.set(p.id, p.id);
  const assignees = [...seen.current.entries()];
  const queue = useMemo(() => orderQueue(list.items), [list.items]);
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
                <button type="button" class="tile" aria-pressed={filters.province === u.code} data-testid="unit-tile" data-unit={u.code}
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
        <h2 id="queue-title">{t.queue} (<span data-testid="queue-total">{list.counts?.total ?? '…'}</span>)</h2>
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
        <ListFooter t={t} shown={queue.length} total={list.counts?.total} more={list.more} loadMore={list.loadMore} />
      </section>
    </>
  );
}
