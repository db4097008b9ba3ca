import { useEffect, useState } from 'preact/hooks';
import type { IncidentView, Language } from '../catalogue';
import { request, type Me } from '../api';
import type { Words } from '../i18n';
import { orderQueue } from '../queue';
import { unitName } from '../directory';
import { Queue } from './incident-list';

export function ProvinceView(props: { me: Me; t: Words; lang: Language; incidents: IncidentView[] }) {
  const { me, t, lang } = props;
  const codes = me.actor.provinceCodes ?? [];
  const [directory, setDirectory] = useState<{ liaisons: any[]; organisations: any[] }>({ liaisons: [], organisations: [] });
  useEffect(() => {
    void Promise.all(['liaisons', 'organisations'].map((e) => request('GET', `/api/v1/directory/${e}`))).then(([l, o]) =>
      setDirectory({ liaisons: l?.status === 200 ? (l.body.entries ?? []) : [], organisations: o?.status === 200 ? (o.body.entries ?? []) : [] }),
    );
  }, []);
  const mine = orderQueue(props.incidents.filter((i) => codes.includes(i.province.code)));
  return (
    <>
      <h2>{codes.map(unitName).join(', ')}</h2>
      <Queue t={t} lang={lang} incidents={mine} />
      <section>
        <h3>{t.members}</h3>
        <ul>{directory.organisations.filter((o) => codes.includes(o.provinceCode)).map((o) => <li>{o.name}</li>)}</ul>
        <h3>{t.liaisons}</h3>
        <ul>{directory.liaisons.filter((l) => codes.includes(l.provinceCode)).map((l) => <li>{l.name}</li>)}</ul>
      </section>
    </>
  );
}
