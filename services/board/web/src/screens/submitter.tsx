import { useState } from 'preact/hooks';
import type { FeedClient, Language } from '../catalogue';
import { useList } from '../feed';
import { orderQueue } from '../queue';
import type { Me } from '../api';
import type { Words } from '../i18n';
import { validateReport, type ReportDraft } from '../report-form';
import { ListFooter, Queue } from './incident-list';

export function Submitter(props: { me: Me; t: Words; lang: Language; client: FeedClient }) {
  const { me, t, lang } = props;
  const [draft, setDraft] = useState<ReportDraft>(() => JSON.parse(localStorage.getItem(`ucsc.draft.${me.actor.id}`) ?? '{}'));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const field = (name: keyof ReportDraft, label: string, kind: 'input' | 'textarea' | 'datetime' = 'input') => (
    <label>
      {label}
      {kind === 'textarea' ? (
        <textarea name={name} value={draft[name] ?? ''} aria-invalid={Boolean(errors[name])} aria-describedby={`${name}-error`} onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })} />
      ) : (
        <input name={name} type={kind === 'datetime' ? 'datetime-local' : 'text'} value={draft[name] ?? ''} aria-invalid={Boolean(errors[name])} aria-describedby={`${name}-error`} onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })} />
      )}
      {errors[name] && <span class="error" id={`${name}-error`} data-testid={`error-${name}`}>{errors[name]}</span>}
    </label>
  );
  const check = (e: Event) => {
    e.preventDefault();
    setErrors(validateReport(draft, lang));
  };
  const save = () => {
    localStorage.setItem(`ucsc.draft.${me.actor.id}`, JSON.stringify(draft));
    setSaved(true);
  };
  // a submitter sees its organisation's reports (shared/src/access: canSee): the feed sends just those
  const mine = useList(props.client, { kind: 'country' });
  return (
    <>
      <form class="report" onSubmit={check} noValidate aria-labelledby="form-title" data-testid="report-form">
        <h2 id="form-title">{t.report}</h2>
        {field('title', t.title)}
        {field('description', t.description, 'textarea')}
        {field('detectedAt', t.detectedAt, 'datetime')}
        {field('organisation', t.reporter)}
        {field('phone', t.phone)}
        <div class="row">
          <button type="button" onClick={save} data-testid="save-draft">{t.saveDraft}</button>
          <button type="submit" data-testid="check-report">{t.send}</button>
          {saved && <span role="status">{t.draftSaved}</span>}
        </div>
      </form>
      <section>
        <h2>{t.myReports}</h2>
        <Queue t={t} lang={lang} incidents={orderQueue(mine.items)} />
        <ListFooter t={t} shown={mine.items.length} total={mine.counts?.total} more={mine.more} loadMore={mine.loadMore} />
      </section>
    </>
  );
}
