import type { IncidentView, Language } from '../catalogue';
import type { Me } from '../api';
import type { Words } from '../i18n';
import { orderQueue } from '../queue';
import { ownParts } from '../rules';
import { Queue } from './incident-list';

export function Inbox(props: { me: Me; t: Words; lang: Language; incidents: IncidentView[] }) {
  const { me, t, lang } = props;
  const part = (i: IncidentView) => ownParts(me.actor, i)[0]?.status;
  const group = (statuses: string[]) => orderQueue(props.incidents.filter((i) => statuses.includes(part(i) ?? '')));
  return (
    <>
      <section data-testid="inbox-offers"><h2>{t.offers}</h2><Queue t={t} lang={lang} incidents={group(['offered'])} /></section>
      <section data-testid="inbox-progress"><h2>{t.inProgress}</h2><Queue t={t} lang={lang} incidents={group(['accepted', 'working', 'assigned'])} /></section>
      <section data-testid="inbox-done"><h2>{t.finished}</h2><Queue t={t} lang={lang} incidents={group(['done'])} /></section>
    </>
  );
}
