import { useState } from 'preact/hooks';
import type { FollowUpKind, IncidentView, Language } from '../catalogue';
import { intakeRequest, notSentYet } from '../api';
import type { Words } from '../i18n';
import { followUp, problemsByField } from '../report-form';

const kinds: FollowUpKind[] = ['situation_update', 'support_request', 'direction_request', 'final_report'];
const fieldsOf: Record<FollowUpKind, string[]> = {
  situation_update: ['situation'],
  support_request: ['supportNeeded'],
  direction_request: ['question'],
  final_report: ['responseEndedAt', 'whatHappened', 'whatWasDone', 'damage'],
};

/**
 * The submitter's follow-up reports on its incident, sent to intake (POST /api/v1/reports/:id/follow-ups):
 * a situation update, a request for support or direction, and the end-of-response report (Biểu mẫu 04).
 * Checked by the contract's schema before sending, each with its own Idempotency-Key kept until it is accepted.
 */
export function FollowUps(props: { t: Words; lang: Language; incident: IncidentView }) {
  const { t, lang } = props;
  const [kind, setKind] = useState<FollowUpKind>('situation_update');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [key, setKey] = useState<string>();
  const [result, setResult] = useState('');
  const send = async (e: Event) => {
    e.preventDefault();
    const made = followUp(kind, fields, lang);
    setErrors(made.errors);
    if (Object.keys(made.errors).length) return setResult(t.fixErrors);
    const idempotencyKey = key ?? crypto.randomUUID();
    setKey(idempotencyKey);
    const answer = await intakeRequest('POST', `/api/v1/reports/${props.incident.id}/follow-ups`, made.body, { 'idempotency-key': idempotencyKey });
    if (answer.status === 400 && answer.body?.problems) {
      setErrors(problemsByField(answer.body.problems, lang));
      return setResult(t.fixErrors);
    }
    if (answer.status !== 202 && answer.status !== 200) return setResult(notSentYet(answer) ? t.tryAgain : `${t.refused} (${answer.status}) ${answer.body?.message ?? ''}`);
    setFields({});
    setKey(undefined);
    setResult(`${t[kind]}: ${t.done}`);
  };
  return (
    <section aria-labelledby="follow-up-title">
      <h3 id="follow-up-title">{t.followUp}</h3>
      <form class="report" onSubmit={send} noValidate data-testid="follow-up-form">
        <label>
          {t.followUpKind}
          <select value={kind} data-testid="follow-up-kind" onChange={(e) => { setKind(e.currentTarget.value as FollowUpKind); setErrors({}); }}>
            {kinds.map((k) => <option value={k}>{t[k]}</option>)}
          </select>
        </label>
        {fieldsOf[kind].map((name) => (
          <label>
            {t[name as 'situation']}
            {name === 'responseEndedAt' ? (
              <input type="datetime-local" name={name} value={fields[name] ?? ''} aria-invalid={Boolean(errors[name])} onInput={(e) => setFields({ ...fields, [name]: e.currentTarget.value })} />
            ) : (
              <textarea name={name} value={fields[name] ?? ''} aria-invalid={Boolean(errors[name])} onInput={(e) => setFields({ ...fields, [name]: e.currentTarget.value })} />
            )}
            {errors[name] && <span class="error" data-testid={`follow-up-error-${name}`}>{errors[name]}</span>}
          </label>
        ))}
        <button type="submit" data-testid="send-follow-up">{t.send}</button>
        <p role="status" data-testid="follow-up-result">{result}</p>
      </form>
    </section>
  );
}
