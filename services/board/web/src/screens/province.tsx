import { useEffect, useState } from 'preact/hooks';
import { commandLabels, type FeedClient, type FeedListItem, type Language } from '../catalogue';
import { dispatchRequest, sendCommand, type Me } from '../api';
import type { Words } from '../i18n';
import { orderQueue } from '../queue';
import { useList } from '../feed';
import { commandsFor } from '../rules';
import { unitName } from '../directory';
import { ListFooter, Queue } from './incident-list';

interface Organisation {
  id: string;
  name: string;
  type: string;
  membership: string | null;
  provinceCode: string | null;
  focalPoint: { name: string; phone: string; email: string };
}
interface Liaison {
  id: string;
  provinceCode: string;
  role: 'leader' | 'officer';
  name: string;
  title: string;
  phone: string;
  email: string;
  onLeave?: boolean;
}

/** The province director's button: to the ministry's leadership, with the reason, for an incident still under way. */
function EscalateToMinistry(props: { me: Me; t: Words; lang: Language; item: FeedListItem }) {
  const { t, lang, item } = props;
  const [open, setOpen] = useState(false);
  const [result, setResult] = useState('');
  if (!commandsFor(props.me.actor, { state: item.state, assignees: [] }).includes('incident.escalate_to_ministry') || item.escalated) return null;
  const label = commandLabels[lang]['incident.escalate_to_ministry'];
  if (!open) return <button type="button" class="secondary" data-testid="escalate-ministry" onClick={() => setOpen(true)}>{label}</button>;
  const send = async (e: Event) => {
    e.preventDefault();
    const reason = String(new FormData(e.currentTarget as HTMLFormElement).get('reason') ?? '');
    const answer = await sendCommand(item.id, 'incident.escalate_to_ministry', { reason });
    setResult(answer.status < 300 ? `${label}: ${t.done}` : `${label}: ${t.refused} — ${answer.body?.message ?? answer.status}`);
  };
  return (
    <form class="action" onSubmit={send} data-testid="escalate-ministry-form">
      <label>{t.reason}<input name="reason" required /></label>
      <button type="submit">{label}</button>
      <span role="status">{result}</span>
    </form>
  );
}

/** One province's incidents, as the feed's province subscription sends them (its true count with them). */
function ProvinceIncidents(props: { me: Me; t: Words; lang: Language; client: FeedClient; code: string }) {
  const list = useList(props.client, { kind: 'province', code: props.code });
  return (
    <section data-testid="province-incidents" data-unit={props.code}>
      <h2>{unitName(props.code)} (<span data-testid="province-total">{list.counts?.total ?? '…'}</span>)</h2>
      <Queue t={props.t} lang={props.lang} incidents={orderQueue(list.items)} action={(item) => <EscalateToMinistry me={props.me} t={props.t} lang={props.lang} item={item} />} />
      <ListFooter t={props.t} shown={list.items.length} total={list.counts?.total} more={list.more} loadMore={list.loadMore} />
    </section>
  );
}

/** The provincial hub's view: its incidents, its network's members and its liaisons (dispatch's directory). */
export function ProvinceView(props: { me: Me; t: Words; lang: Language; client: FeedClient }) {
  const { me, t, lang } = props;
  const codes = me.actor.provinceCodes ?? [];
  const [organisations, setOrganisations] = useState<Organisation[]>([]);
  const [liaisons, setLiaisons] = useState<Liaison[]>([]);
  useEffect(() => {
    void dispatchRequest<{ organisations: Organisation[] }>('GET', '/api/v1/directory/organisations').then((a) => a.status === 200 && setOrganisations(a.body.organisations));
    void dispatchRequest<{ liaisons: Liaison[] }>('GET', '/api/v1/directory/liaisons').then((a) => a.status === 200 && setLiaisons(a.body.liaisons));
  }, []);
  const members = organisations.filter((o) => o.provinceCode !== null && codes.includes(o.provinceCode));
  const own = liaisons.filter((l) => codes.includes(l.provinceCode));
  return (
    <>
      {codes.map((code) => <ProvinceIncidents me={me} t={t} lang={lang} client={props.client} code={code} />)}
      <section aria-labelledby="members-title">
        <h3 id="members-title">{t.members} ({members.length})</h3>
        <ul data-testid="province-members">
          {members.map((o) => <li data-testid="member" data-id={o.id}>{o.name} · {t.focalPoint}: {o.focalPoint.name}, <a href={`tel:${o.focalPoint.phone}`}>{o.focalPoint.phone}</a></li>)}
        </ul>
        <h3>{t.liaisons} ({own.length})</h3>
        <ul data-testid="province-liaisons">
          {own.map((l) => (
            <li data-testid="liaison" data-id={l.id}>
              {l.name} — {l.title} ({l.role === 'leader' ? t.leader : t.officer}) · <a href={`tel:${l.phone}`}>{l.phone}</a> · <a href={`mailto:${l.email}`}>{l.email}</a>
              {l.onLeave && <strong class="flag"> {t.onLeave}</strong>}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
