import { useEffect, useState } from 'preact/hooks';
import { assignmentStatusLabels, categoryLabels, commandLabels, lifecycleStateLabels, rungOf, severityLabels, type CommandType, type FeedClient, type IncidentView, type Language } from '../catalogue';
import { attachmentUrl, request, sendCommand, type Me } from '../api';
import { useIncident } from '../feed';
import { FollowUps } from './follow-up';
import { deadlineWords, formatDate, timeLeft, type Words } from '../i18n';
import { commandsFor, ownParts } from '../rules';
import { enterpriseAssignee, enterprises, unitName } from '../directory';

export function IncidentPage(props: { me: Me; t: Words; lang: Language; client: FeedClient; id: string }) {
  const { me, t, lang } = props;
  // the full record while it is open: the feed sends it on subscribe and after every change
  const i = useIncident(props.client, props.id);
  if (i === undefined) return <p class="placeholder">…</p>;
  if (i === null) return <p class="placeholder" data-testid="incident-not-visible">{t.notVisible}</p>;
  const now = Date.now();
  return (
    <article class="incident" data-testid="incident-detail" data-incident-id={i.id} aria-labelledby="incident-title">
      <a href="javascript:history.back()">{t.back}</a>
      <h2 id="incident-title" data-testid="detail-title">{i.title}</h2>
      <p data-testid="detail-state">{lifecycleStateLabels[lang][i.state]} · {unitName(i.province.code)} · TLP:{i.tlp}</p>
      <section aria-label={t.report}>
        <h3>{t.report}</h3>
        <p>{i.description}</p>
        <dl>
          <dt>{t.detectedAt}</dt><dd>{formatDate(i.detectedAt, lang)}</dd>
          <dt>{t.reporter}</dt><dd>{i.reportingOrganisation.name} · {formatDate(i.reportedAt, lang)}</dd>
        </dl>
      </section>
      <section>
        <h3>{t.classification}</h3>
        {i.classification ? <p>{categoryLabels[lang][i.classification.category]} · {severityLabels[lang][i.classification.severity]} · {i.classification.priority}</p> : <p>—</p>}
        <h4>{t.why}</h4>
        <ul>{i.routingReasons.map((r) => <li>{r}</li>)}</ul>
      </section>
      <section>
        <h3>{t.assignees}</h3>
        <ul data-testid="detail-assignees">
          {i.assignees.map((a) => (
            <li data-testid="assignee" data-assignee-id={a.id} data-status={a.status ?? 'assigned'}>
              {a.name} — {assignmentStatusLabels[lang][a.status ?? 'assigned']}
              {a.status === 'offered' && a.offerExpiresAt && <> · {t.answerBy} {formatDate(a.offerExpiresAt, lang)} ({timeLeft(a.offerExpiresAt, now, lang)})</>}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h3>{t.deadlines}</h3>
        <Deadlines t={t} lang={lang} incident={i} />
        <p>{t.rung}: <span data-testid="detail-rung">{rungOf(i)}</span>{i.clocks?.ministry && <span data-testid="detail-ministry"> · {commandLabels[lang]['incident.escalate_to_ministry']} {formatDate(i.clocks.ministry.at, lang)}: {i.clocks.ministry.reason}</span>}</p>
      </section>
      <Actions me={me} t={t} lang={lang} incident={i} />
      {(me.actor.roles ?? []).includes('submitter') && <FollowUps t={t} lang={lang} incident={i} />}
      <section>
        <h3>{t.attachments}</h3>
        <ul data-testid="detail-attachments">
          {(i.attachments ?? []).map((a) => (
            <li data-testid="attachment"><a href={attachmentUrl(i.id, a.sha256)} download={a.filename}>{a.filename}</a> ({a.kind}, {Math.ceil(a.size / 1024)} KB, TLP:{a.tlp}){a.malware && <strong class="flag"> malware</strong>}</li>
          ))}
        </ul>
      </section>
      <section>
        <h3>{t.followUp}</h3>
        <ol data-testid="detail-follow-ups">
          {(i.followUps ?? []).map((f) => <li data-testid="follow-up" data-kind={f.report.kind}><time dateTime={f.receivedAt}>{formatDate(f.receivedAt, lang)}</time> {t[f.report.kind]}</li>)}
        </ol>
      </section>
      <section>
        <h3>{t.timeline}</h3>
        <ol data-testid="detail-timeline">{i.timeline.map((e) => <li><time dateTime={e.at}>{formatDate(e.at, lang)}</time> {e.summary}</li>)}</ol>
      </section>
    </article>
  );
}


/** What a command's form asks for beyond the button. */
function fieldsOf(command: CommandType): string[] {
  switch (command) {
    case 'incident.assign': return ['assigneeId', 'reason'];
    case 'incident.decline_assignment': case 'incident.reject': case 'incident.escalate_to_ministry': case 'incident.reopen': case 'incident.unmerge': return ['reason'];
    case 'incident.post_progress': return ['situation'];
    case 'incident.comment': return ['text'];
    case 'incident.submit_final_report': return ['whatHappened', 'whatWasDone', 'damage'];
    case 'incident.acknowledge': return ['ackAssignee'];
    default: return [];
  }
}
const offered: CommandType[] = ['incident.acknowledge', 'incident.assign', 'incident.accept_assignment', 'incident.decline_assignment', 'incident.post_progress', 'incident.contain', 'incident.resolve', 'incident.submit_final_report', 'incident.close', 'incident.reject', 'incident.escalate_to_ministry', 'incident.reopen', 'incident.comment'];

function Actions(props: { me: Me; t: Words; lang: Language; incident: IncidentView }) {
  const { me, t, lang, incident } = props;
  const [message, setMessage] = useState('');
  const commands = commandsFor(me.actor, incident).filter((c) => offered.includes(c));
  const mine = ownParts(me.actor, incident)[0];
  // whom the actor may acknowledge for: its own parts, or (a coordinator) any part not yet acknowledged
  const ackable = ownParts(me.actor, incident).length ? ownParts(me.actor, incident) : incident.assignees.filter((a) => !a.acknowledgedAt && a.kind !== 'enterprise');
  const run = (command: CommandType) => async (e: Event) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.currentTarget as HTMLFormElement).entries()) as Record<string, string>;
    const now = new Date(Date.now() - 1000).toISOString();
    const body: Record<string, unknown> =
      command === 'incident.assign' ? { assignee: enterpriseAssignee(f.assigneeId ?? ''), reason: f.reason }
      : command === 'incident.post_progress' ? { situation: f.situation, ...(mine ? { assigneeId: mine.id } : {}) }
      : command === 'incident.resolve' ? { responseEndedAt: now }
      : command === 'incident.submit_final_report' ? { report: { kind: 'final_report', reportTime: now, responseEndedAt: incident.milestones?.responseEnded ?? now, whatHappened: f.whatHappened, whatWasDone: f.whatWasDone, damage: f.damage } }
      : command === 'incident.acknowledge' ? { assigneeId: f.ackAssignee }
      : Object.fromEntries(Object.entries(f).filter(([, v]) => v !== ''));
    const answer = await sendCommand(incident.id, command, body, { assigneeId: mine?.id ?? '' });
    setMessage(answer.status < 300 ? `${commandLabels[lang][command]}: ${t.done}` : `${commandLabels[lang][command]}: ${t.refused} — ${answer.body?.message ?? answer.status}`);
  };
  return (
    <section aria-labelledby="actions-title">
      <h3 id="actions-title">{t.actions}</h3>
      {commands.map((command) => (
        <form class="action" onSubmit={run(command)} data-testid={`action-${command.slice('incident.'.length)}`}>
          {fieldsOf(command).map((field) => (
            <label>
              {field === 'reason' ? t.reason : field === 'situation' ? t.situation : field === 'assigneeId' || field === 'ackAssignee' ? t.assignee : field === 'text' ? commandLabels[lang]['incident.comment'] : t[field as 'whatHappened']}
              {field === 'ackAssignee' ? (
                <select name={field} required data-testid="acknowledge-assignee">{ackable.map((a) => <option value={a.id}>{a.name}</option>)}</select>
              ) : field === 'assigneeId' ? (
                <select name={field} required data-testid="assign-enterprise">{enterprises.map((e) => <option value={e.id}>{e.name}</option>)}</select>
              ) : field === 'situation' || field.startsWith('what') || field === 'damage' ? <textarea name={field} required /> : <input name={field} required />}
            </label>
          ))}
          <button type="submit">{commandLabels[lang][command]}</button>
        </form>
      ))}
      <p role="status" data-testid="action-result">{message}</p>
    </section>
  );
}


interface Deadline {
  key: string;
  kind: keyof (typeof deadlineWords)['vi'];
  basis: 'legal' | 'policy';
  dueAt: string;
  metAt?: string;
  status: 'pending' | 'met' | 'met_late' | 'breached';
}

/** The incident's deadlines (the board measures them as the tracker's sweeper does), read again on each new version. */
function Deadlines(props: { t: Words; lang: Language; incident: IncidentView }) {
  const { lang, incident } = props;
  const [deadlines, setDeadlines] = useState<Deadline[]>([]);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    void request<{ now: string; deadlines: Deadline[] }>('GET', `/api/v1/incidents/${incident.id}/deadlines`).then((a) => {
      if (a.status !== 200) return;
      setNow(Date.parse(a.body.now));
      setDeadlines(a.body.deadlines);
    });
  }, [incident.id, incident.version]);
  // the time left moves with the clock, not only with changes
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const w = deadlineWords[lang];
  const order = { breached: 0, pending: 1, met_late: 2, met: 3 };
  const shown = [...deadlines].sort((a, b) => order[a.status] - order[b.status] || Date.parse(a.dueAt) - Date.parse(b.dueAt));
  return (
    <ul data-testid="detail-deadlines">
      {shown.map((d) => (
        <li class={d.status === 'breached' ? 'overdue' : undefined} data-testid="deadline" data-kind={d.kind} data-status={d.status}>
          {w[d.kind]} ({w[d.basis]}): {formatDate(d.dueAt, lang)} —{' '}
          <span data-testid="deadline-left">{d.status === 'met' || d.status === 'met_late' ? `${w[d.status]} ${formatDate(d.metAt, lang)}` : timeLeft(d.dueAt, now, lang)}</span>
        </li>
      ))}
    </ul>
  );
}
