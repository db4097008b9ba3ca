import { useState } from 'preact/hooks';
import { categoryLabels, detectionMethods, incidentCategories, notifiedParties, tlpLevels, type FeedClient, type Language } from '../catalogue';
import { intakeRequest, notSentYet, type Me } from '../api';
import { useList } from '../feed';
import type { Words } from '../i18n';
import { orderQueue } from '../queue';
import { draftPaths as fieldPath, problemsByField, toSubmission, validateReport, type ReportDraft } from '../report-form';
import { unitList, unitName } from '../directory';
import { ListFooter, Queue } from './incident-list';

type Field = Exclude<keyof ReportDraft, 'idempotencyKey' | 'alreadyHandled' | 'detection' | 'notified'>;

const draftKey = (me: Me) => `ucsc.draft.${me.actor.id}`;

/** The submitter's screen: the Biểu mẫu 03 form (checked as intake checks it, kept as a draft, sent to intake with its attachments) and its reports. */
export function Submitter(props: { me: Me; t: Words; lang: Language; client: FeedClient }) {
  const { me, t, lang } = props;
  const home = me.actor.provinceCodes?.[0];
  const [draft, setDraft] = useState<ReportDraft>(() => ({ tlp: 'AMBER', ...(home ? { province: home } : {}), ...JSON.parse(localStorage.getItem(draftKey(me)) ?? '{}') }));
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: 'saved' | 'sending' | 'sent' | 'failed'; text: string; incidentId?: string }>();
  const set = (patch: Partial<ReportDraft>) => setDraft({ ...draft, ...patch });
  const input = (name: Field, label: string, kind: 'text' | 'textarea' | 'datetime' | 'email' | 'tel' = 'text') => {
    const value = (draft[name] as string | undefined) ?? '';
    const path = fieldPath[name];
    const attrs = { name: path, id: `f-${name}`, value, 'aria-invalid': Boolean(errors[path]), 'aria-describedby': `${name}-error`, 'data-testid': `field-${name}` };
    return (
      <label for={`f-${name}`}>
        {label}
        {kind === 'textarea' ? (
          <textarea {...attrs} onInput={(e) => set({ [name]: e.currentTarget.value })} />
        ) : (
          <input {...attrs} type={kind === 'datetime' ? 'datetime-local' : kind} onInput={(e) => set({ [name]: e.currentTarget.value })} />
        )}
        {errors[path] && <span class="error" id={`${name}-error`} data-testid={`error-${name}`}>{errors[path]}</span>}
      </label>
    );
  };
  const checks = (name: 'detection' | 'notified', legend: string, options: readonly string[], words: Record<string, string>) => (
    <fieldset data-testid={`field-${name}`} aria-describedby={`${name}-error`}>
      <legend>{legend}</legend>
      {options.map((o) => (
        <label class="check">
          <input type="checkbox" name={`${name}.${o}`} checked={(draft[name] ?? []).includes(o)}
            onChange={(e) => set({ [name]: e.currentTarget.checked ? [...(draft[name] ?? []), o] : (draft[name] ?? []).filter((x) => x !== o) })} />
          {words[o] ?? o}
        </label>
      ))}
      {errors[fieldPath[name]] && <span class="error" id={`${name}-error`} data-testid={`error-${name}`}>{errors[fieldPath[name]]}</span>}
    </fieldset>
  );
  const save = () => {
    localStorage.setItem(draftKey(me), JSON.stringify(draft));
    setStatus({ kind: 'saved', text: t.draftSaved });
  };
  const send = async (e: Event) => {
    e.preventDefault();
    const found = validateReport(draft, lang);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setStatus({ kind: 'failed', text: t.fixErrors });
      (document.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
      return;
    }
    // one key per draft, kept with it: sending again after a lost answer files the report once
    const sending = { ...draft, idempotencyKey: draft.idempotencyKey ?? crypto.randomUUID() };
    setDraft(sending);
    localStorage.setItem(draftKey(me), JSON.stringify(sending));
    setStatus({ kind: 'sending', text: '…' });
    const answer = await intakeRequest('POST', '/api/v1/reports', toSubmission(sending), { 'idempotency-key': sending.idempotencyKey });
    if (answer.status === 400 && answer.body?.problems) {
      setErrors(problemsByField(answer.body.problems, lang));
      return setStatus({ kind: 'failed', text: t.fixErrors });
    }
    if (answer.status !== 202 && answer.status !== 200) {
      return setStatus({ kind: 'failed', text: notSentYet(answer) ? t.tryAgain : `${t.refused} (${answer.status}) ${answer.body?.message ?? ''}` });
    }
    const incidentId = answer.body.incidentId as string;
    // the evidence, each file as it is, on the incident just made
    const failedFiles: string[] = [];
    for (const file of files) {
      const query = new URLSearchParams({ kind: /\.(log|txt)$/i.test(file.name) ? 'log' : 'other', filename: file.name });
      const upload = await intakeRequest('POST', `/api/v1/reports/${incidentId}/attachments?${query}`, file);
      if (upload.status !== 202 && upload.status !== 200) failedFiles.push(file.name);
    }
    localStorage.removeItem(draftKey(me));
    setDraft({ tlp: 'AMBER', ...(home ? { province: home } : {}) });
    setFiles([]);
    setErrors({});
    setStatus({ kind: 'sent', incidentId, text: failedFiles.length ? `${t.reportSent} ${t.attachmentsFailed}: ${failedFiles.join(', ')}` : t.reportSent });
  };
  const mine = useList(props.client, { kind: 'country' });
  return (
    <>
      <form class="report" onSubmit={send} noValidate aria-labelledby="form-title" data-testid="report-form">
        <h2 id="form-title">{t.report}</h2>
        <fieldset>
          <legend>{t.incident}</legend>
          <label for="f-province">
            {t.province}
            <select id="f-province" name="province" value={draft.province ?? ''} data-testid="field-province" onChange={(e) => set({ province: e.currentTarget.value })}>
              <option value="">—</option>
              {unitList.map((u) => <option value={u.code}>{unitName(u.code)}</option>)}
            </select>
            {errors.province && <span class="error" data-testid="error-province">{errors.province}</span>}
          </label>
          {input('title', t.title)}
          {input('description', t.description, 'textarea')}
          {input('detectedAt', t.detectedAt, 'datetime')}
          <label for="f-category">
            {t.category}
            <select id="f-category" name="category" value={draft.category ?? ''} onChange={(e) => set({ category: e.currentTarget.value })}>
              <option value="">—</option>
              {Object.keys(incidentCategories).map((c) => <option value={c}>{categoryLabels[lang][c as keyof typeof incidentCategories]}</option>)}
            </select>
          </label>
          <label for="f-tlp">
            TLP
            <select id="f-tlp" name="tlp" value={draft.tlp ?? 'AMBER'} onChange={(e) => set({ tlp: e.currentTarget.value })}>
              {tlpLevels.map((l) => <option value={l}>TLP:{l}</option>)}
            </select>
          </label>
          <label class="check">
            <input type="checkbox" name="alreadyHandled" checked={Boolean(draft.alreadyHandled)} onChange={(e) => set({ alreadyHandled: e.currentTarget.checked })} />
            {t.alreadyHandled}
          </label>
          {checks('detection', t.detection, detectionMethods.filter((m) => m !== 'notified' && m !== 'other'), t as unknown as Record<string, string>)}
          {checks('notified', t.alreadyNotified, notifiedParties.filter((p) => p !== 'other'), t as unknown as Record<string, string>)}
        </fieldset>
        <fieldset>
          <legend>{t.reporter}</legend>
          {input('organisationName', t.name)}
          {input('organisationAddress', t.address)}
          {input('organisationPhone', t.phone, 'tel')}
          {input('organisationEmail', t.email, 'email')}
        </fieldset>
        <fieldset>
          <legend>{t.contact}</legend>
          {input('contactName', t.name)}
          {input('contactPosition', t.position)}
          {input('contactPhone', t.phone, 'tel')}
          {input('contactEmail', t.email, 'email')}
        </fieldset>
        <fieldset>
          <legend>{t.affectedSystem}</legend>
          {input('systemOperator', t.operator)}
          {input('systemName', t.systemName)}
          {input('supportRequested', t.supportRequested, 'textarea')}
        </fieldset>
        <label for="f-files">
          {t.attachments}
          <input id="f-files" type="file" multiple data-testid="field-files" onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} />
        </label>
        <div class="row">
          <button type="button" onClick={save} data-testid="save-draft">{t.saveDraft}</button>
          <button type="submit" data-testid="send-report">{t.send}</button>
        </div>
        {status && (
          <p role="status" data-testid="report-status" data-kind={status.kind}>
            {status.text} {status.incidentId && <a href={`#/incident/${status.incidentId}`} data-testid="sent-incident">{status.incidentId}</a>}
          </p>
        )}
      </form>
      <section>
        <h2>{t.myReports} (<span data-testid="my-reports-total">{mine.counts?.total ?? '…'}</span>)</h2>
        <Queue t={t} lang={lang} incidents={orderQueue(mine.items)} portal />
        <ListFooter t={t} shown={mine.items.length} total={mine.counts?.total} more={mine.more} loadMore={mine.loadMore} />
      </section>
    </>
  );
}

