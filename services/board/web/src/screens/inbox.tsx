import type { FeedClient, FeedListItem, Language } from '../catalogue';
import type { Me } from '../api';
import { useList } from '../feed';
import type { Words } from '../i18n';
import { orderQueue } from '../queue';
import { Queue } from './incident-list';

/** The enterprise's inbox: what is assigned to it (the feed's assignments subscription), by the state of its own part. */
export function Inbox(props: { me: Me; t: Words; lang: Language; client: FeedClient }) {
  const { me, t, lang } = props;
  const list = useList(props.client, { kind: 'assignments' });
  const mine = new Set(me.actor.assigneeIds ?? []);
  const part = (i: FeedListItem) => i.parts.find((p) => mine.has(p.id))?.status;
  const group = (statuses: string[]) => orderQueue(list.items.filter((i) => statuses.includes(part(i) ?? '')));
  return (
    <>
      <section data-testid="inbox-offers"><h2>{t.offers}</h2><Queue t={t} lang={lang} incidents={group(['offered'])} /></section>
      <section data-testid="inbox-progress"><h2>{t.inProgress}</h2><Queue t={t} lang={lang} incidents={group(['accepted', 'working', 'assigned'])} /></section>
      <section data-testid="inbox-done"><h2>{t.finished}</h2><Queue t={t} lang={lang} incidents={group(['done'])} /></section>
    </>
  );
}
