import { useEffect, useState } from 'preact/hooks';
import { assignmentStatusLabels, categoryLabels, commandLabels, lifecycleStateLabels, renderTimelineEntry, rungOf, severityLabels, type FeedClient, type IncidentView, type Language } from '../catalogue';
import { attachmentUrl, intakeRequest, request, type Me } from '../api';
import { useIncident } from '../feed';
import { FollowUps } from './follow-up';
import { deadlineWords, formatVietnamTime, timeLeft, type Words } from '../i18n';
import { unitName } from '../directory';
import { Actions } from './actions';

export function IncidentPage(props: { me: Me; t: Words; lang: Language; client: FeedClient; id: string }) {
  const { me, t, lang } = props;
  // the full record while it is open: the feed sends it on subscribe and after every change
  const i = useIncident(props.client, props.id);
  if (i === undefined) return <p class="placeholder">…</p>;
  if (i === null) return <p class="placeholder" data-testid="incident-not-visible">{t.notVisible}</p>;
  const now = Date.now();
  // the network's own meetings: a submitter's view does not carry them
  const inNetwork = (me.actor.roles ?? []).some((r) => r !== 'submitter');
  return (
    <article class="incident" data-testid="incident-detail" data-incident-id={i.id} aria-labelledby="incident-title">
      <a href="javascript:history.back()">{t.back}</a>
      <h2 id="incident-title" data-testid="detail-title">{i.title}</h2>
      <p data-testid="detail-state">{lifecycleStateLabels[lang][i.state]} · {unitName(i.province.code)} · TLP:{i.tlp}</p>
      <section aria-label={t.report}>
        <h3>{t.report}</h3>
        <p>{i.description}</p>
        <dl>
          <dt>{t.detectedAt}</dt><dd>{formatVietnamTime(i.detectedAt, lang)}</dd>
          <dt>{t.reporter}</dt><dd>{i.reportingOrganisation.name} · {formatVietnamTime(i.reportedAt, lang)}</dd>
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
              {a.status === 'offered' && a.offerExpiresAt && <> · {t.answerBy} {formatVietnamTime(a.offerExpiresAt, lang)} ({timeLeft(a.offerExpiresAt, now, lang)})</>}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h3>{t.deadlines}</h3>
        <Deadlines t={t} lang={lang} incident={i} />
        <p>{t.rung}: <span data-testid="detail-rung">{rungOf(i)}</span>{i.clocks?.ministry && <span data-testid="detail-ministry"> · {commandLabels[lang]['incident.escalate_to_ministry']} {formatVietnamTime(i.clocks.ministry.at, lang)}: {i.clocks.ministry.reason}</span>}</p>
      </section>
      <Actions me={me} t={t} lang={lang} incident={i} />
      {(me.actor.roles ?? []).includes('submitter') && <FollowUps t={t} lang={lang} incident={i} />}
      {(i.coordinationOrders ?? []).length > 0 && (
        <section>
          <h3>{t.orders}</h3>
          <ul data-testid="detail-orders">
            {(i.coordinationOrders ?? []).map((o) => (
              <li data-testid="order" data-order-id={o.orderId}>
                {formatVietnamTime(o.issuedAt, lang)}{o.answerBy && <> · {t.answerBy} {formatVietnamTime(o.answerBy, lang)} ({timeLeft(o.answerBy, now, lang)})</>}
                <ul>{o.addressees.map((a) => <li data-testid="order-addressee" data-answered={o.answers.some((x) => x.addresseeId === a.id)}>{a.name}: {o.answers.some((x) => x.addresseeId === a.id) ? t.answered : t.notAnswered}</li>)}</ul>
              </li>
            ))}
          </ul>
        </section>
      )}
      {(i.onSiteTeams ?? []).length > 0 && (
        <section>
          <h3>{t.onSiteTeams}</h3>
          <ul data-testid="detail-on-site">
            {(i.onSiteTeams ?? []).map((team) => (
              <li data-testid="on-site-team" data-team-id={team.teamId} data-arrived={Boolean(team.arrivedAt)} data-left={Boolean(team.leftAt)}>
                {team.name}: {team.people.join(', ')} · {formatVietnamTime(team.sentAt, lang)}{team.sentBy && ` ${t.sentBy} ${team.sentBy.name ?? team.sentBy.id}`} · {team.arrivedAt ? `${t.arrived} ${formatVietnamTime(team.arrivedAt, lang)}` : t.notArrived}
                {team.leftAt && ` · ${t.left} ${formatVietnamTime(team.leftAt, lang)}`}
              </li>
            ))}
          </ul>
        </section>
      )}
      {(i.clocks?.climbs ?? []).some((c) => c.reached.length > 0) && (
        <section>
          <h3>{t.climbs}</h3>
          <ul data-testid="detail-climbs">
            {(i.clocks?.climbs ?? []).flatMap((c) =>
              c.reached.map((r) => (
                <li data-testid="climb-rung" data-rung={r.rung}>
                  {deadlineWords[lang][c.deadlineKey.split(':')[0] as 'acknowledge'] ?? c.deadlineKey} · {t.rung} {r.rung} · {formatVietnamTime(r.at, lang)}{r.recipients?.length ? ` → ${r.recipients.map((x) => x.name).join(', ')}` : ''}
                  {c.ladder.rungs[r.rung]?.reaches === 'liaison_leader' && inNetwork && (
                    // the rung's online meeting: who joined and when (a submitter's view has none of it)
                    <ul data-testid="meeting-participants" aria-label={t.meeting}>
                      {(r.joined ?? []).map((j) => <li data-testid="meeting-participant">{j.actorName ?? j.actorId} ({t.onBehalfOf} {j.assigneeName}) {t.joinedMeeting} {formatVietnamTime(j.at, lang)}</li>)}
                      {!r.joined?.length && <li>{t.meeting}: {t.noneJoined}</li>}
                    </ul>
                  )}
                </li>
              )),
            )}
          </ul>
        </section>
      )}
      <section>
        <h3>{t.attachments}</h3>
        <ul data-testid="detail-attachments">
          {(i.attachments ?? []).map((a) => (
            <li data-testid="attachment"><a href={attachmentUrl(i.id, a.sha256)} download={a.filename}>{a.filename}</a> ({a.kind}, {Math.ceil(a.size / 1024)} KB, TLP:{a.tlp}){a.malware && <strong class="flag"> malware</strong>}</li>
          ))}
        </ul>
        {(me.actor.roles ?? []).some((r) => r === 'submitter' || r === 'province_coordinator' || r === 'national_coordinator') && <Upload t={t} incidentId={i.id} />}
      </section>
      <section>
        <h3>{t.followUp}</h3>
        <ol data-testid="detail-follow-ups">
          {(i.followUps ?? []).map((f) => <li data-testid="follow-up" data-kind={f.report.kind}><time dateTime={f.receivedAt}>{formatVietnamTime(f.receivedAt, lang)}</time> {t[f.report.kind]}</li>)}
        </ol>
      </section>
      <section>
        <h3>{t.timeline}</h3>
        <ol data-testid="detail-timeline">{i.timeline.map((e) => <li><time dateTime={e.at}>{formatVietnamTime(e.at, lang)}</time> {renderTimelineEntry(e, lang).summary}</li>)}</ol>
      </section>
    </article>
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
          {w[d.kind]} ({w[d.basis]}): {formatVietnamTime(d.dueAt, lang)} —{' '}
          <span data-testid="deadline-left">{d.status === 'met' || d.status === 'met_late' ? `${w[d.status]} ${formatVietnamTime(d.metAt, lang)}` : timeLeft(d.dueAt, now, lang)}</span>
        </li>
      ))}
    </ul>
  );
}

/** A file for the incident, sent to intake (POST /api/v1/reports/:id/attachments) as it is; it shows above once on the incident. */
function Upload(props: { t: Words; incidentId: string }) {
  const { t } = props;
  const [result, setResult] = useState('');
  const send = async (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).querySelector('input[type="file"]') as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return setResult(t.required);
    const kind = (new FormData(e.currentTarget as HTMLFormElement).get('kind') as string) || 'other';
    const answer = await intakeRequest('POST', `/api/v1/reports/${props.incidentId}/attachments?${new URLSearchParams({ kind, filename: file.name })}`, file);
    setResult(answer.status === 202 || answer.status === 200 ? `${file.name}: ${t.done}` : `${t.refused} (${answer.status}) ${answer.body?.message ?? ''}`);
    if (answer.status === 202 || answer.status === 200) input.value = '';
  };
  return (
    <form class="action" onSubmit={send} data-testid="upload-form">
      <label>{t.uploadFile}<input type="file" data-testid="upload-file" /></label>
      <label>
        {t.category}
        <select name="kind"><option value="log">log</option><option value="malware_sample">malware_sample</option><option value="other">other</option></select>
      </label>
      <button type="submit">{t.send}</button>
      <span role="status" data-testid="upload-result">{result}</span>
    </form>
  );
}
