import { useEffect, useState } from 'preact/hooks';
import type { FeedClient, Language } from '../catalogue';
import { request, type Me } from '../api';
import type { Words } from '../i18n';
import { orderQueue } from '../queue';
import { useList } from '../feed';
import { unitName } from '../directory';
import { ListFooter, Queue } from './incident-list';

/** One province's incidents, as the feed's province subscription sends them (its true count with them). */
function ProvinceIncidents(props: { t: Words; lang: Language; client: FeedClient; code: string }) {
  const list = useList(props.client, { kind: 'province', code: props.code });
  return (
    <section data-testid="province-incidents" data-unit={props.code}>
      <h2>{unitName(props.code)} (<span data-testid="province-total">{list.counts?.total ?? '…'}</span>)</h2>
      <Queue t={props.t} lang={props.lang} incidents={orderQueue(list.items)} />
      <ListFooter t={props.t} shown={list.items.length} total={list.counts?.total} more={list.more} loadMore={list.loadMore} />
    </section>
  );
}

export function ProvinceView(props: { me: Me; t: Words; lang: Language; client: FeedClient }) {
  const { me, t, lang } = props;
  const codes = me.actor.provinceCodes ?? [];
  const [directory, setDirectory] = useState<{ liaisons: any[]; organisations: any[] }>({ liaisons: [], organisations: [] });
  useEffect(() => {
    void Promise.all(['liaisons', 'organisations'].map((e) => request('GET', `/api/v1/directory/${e}`))).then(([l, o]) =>
      setDirectory({ liaisons: l?.status === 200 ? (l.body.entries ?? []) : [], organisations: o?.status === 200 ? (o.body.entries ?? []) : [] }),
    );
  }, []);
  return (
    <>
      {codes.map((code) => <ProvinceIncidents t={t} lang={lang} client={props.client} code={code} />)}
      <section>
        <h3>{t.members}</h3>
        <ul>{directory.organisations.filter((o) => codes.includes(o.provinceCode)).map((o) => <li>{o.name}</li>)}</ul>
        <h3>{t.liaisons}</h3>
        <ul>{directory.liaisons.filter((l) => codes.includes(l.provinceCode)).map((l) => <li>{l.name}</li>)}</ul>
      </section>
    </>
  );
}
