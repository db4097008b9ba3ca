import { useEffect, useState } from 'preact/hooks';
import { categoryLabels, commandLabels, incidentCategories, severityLabels, type CommandType, type IncidentView, type Language } from '../catalogue';
import { request, sendCommand, type Me } from '../api';
import { formatVietnamTime, type Words } from '../i18n';
import { commandsFor, meetingsToJoin, onSiteSteps, ownParts, sendableTeams } from '../rules';
import { enterpriseAssignee, enterprises } from '../directory';
import { vietnamTime } from '../report-form';

/** What a command's form asks for beyond the button. */
function fieldsOf(command: CommandType): string[] {
  switch (command) {
    case 'incident.assign': return ['assigneeId', 'reason'];
    case 'incident.triage': return ['severity', 'priority', 'category', 'note'];
    case 'incident.merge': return ['intoIncidentId', 'reason'];
    case 'incident.issue_coordination_order': return ['addressees', 'instructions', 'answerBy'];
    case 'incident.decline_assignment': case 'incident.reject': case 'incident.escalate_to_ministry': case 'incident.reopen': case 'incident.unmerge': return ['reason'];
    case 'incident.post_progress': return ['situation'];
    case 'incident.comment': return ['text'];
    case 'incident.submit_final_report': return ['whatHappened', 'whatWasDone', 'damage'];
    case 'incident.acknowledge': return ['ackAssignee'];
    case 'incident.send_on_site_team': return ['teamAssigneeId', 'people'];
    default: return [];
  }
}

/** The commands the page has a form for (the others are the API's). */
const offered: CommandType[] = [
  'incident.acknowledge', 'incident.triage', 'incident.assign', 'incident.accept_assignment', 'incident.decline_assignment', 'incident.post_progress', 'incident.contain',
  'incident.resolve', 'incident.submit_final_report', 'incident.close', 'incident.reject', 'incident.merge', 'incident.unmerge', 'incident.issue_coordination_order',
  'incident.escalate_to_ministry', 'incident.reopen', 'incident.comment', 'incident.send_on_site_team',
];

interface Suggestion {
  incidentId: string;
  title: string;
  reportingOrganisation: string;
  detectedAt: string;
  reasons: string[];
}

/** The actions this user's roles allow in the incident's state (the shared transition table), each a small form. */
export function Actions(props: { me: Me; t: Words; lang: Language; incident: IncidentView }) {
  const { me, t, lang, incident } = props;
  const [message, setMessage] = useState('');
  const commands = commandsFor(me.actor, incident).filter((c) => offered.includes(c));
  const mine = ownParts(me.actor, incident)[0];
  // whom the actor may acknowledge for: its own parts, or (a coordinator) any part not yet acknowledged
  const ackable = ownParts(me.actor, incident).length ? ownParts(me.actor, incident) : incident.assignees.filter((a) => !a.acknowledgedAt && a.kind !== 'enterprise');
  // merging: the likely duplicates the board finds (same organisation and system, or a shared IP or domain)
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const merging = commands.includes('incident.merge');
  useEffect(() => {
    if (!merging) return;
    void request<{ suggestions: Suggestion[] }>('GET', `/api/v1/incidents/${incident.id}/duplicates`).then((a) => a.status === 200 && setSuggestions(a.body.suggestions));
  }, [incident.id, merging]);
  // the orders (Biểu mẫu 06) addressed to one of the actor's own ids that it has not answered
  const mineIds = new Set(me.actor.assigneeIds ?? []);
  const toAnswer = commandsFor(me.actor, incident).includes('incident.answer_coordination_order')
    ? (incident.coordinationOrders ?? []).flatMap((o) => o.addressees.filter((a) => mineIds.has(a.id) && !o.answers.some((x) => x.addresseeId === a.id)).map((a) => ({ order: o, addressee: a })))
    : [];
  const meetings = meetingsToJoin(me.actor, incident);
  const steps = onSiteSteps(me.actor, incident);
  const report = (command: CommandType, answer: { status: number; body: any }) =>
    setMessage(answer.status < 300 ? `${commandLabels[lang][command]}: ${t.done}` : `${commandLabels[lang][command]}: ${t.refused} — ${answer.body?.message ?? answer.status}`);
  const run = (command: CommandType) => async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const f = Object.fromEntries(form.entries()) as Record<string, string>;
    const now = new Date(Date.now() - 1000).toISOString();
    const body: Record<string, unknown> =
      command === 'incident.assign' ? { assignee: enterpriseAssignee(f.assigneeId ?? ''), reason: f.reason }
      : command === 'incident.triage' ? { severity: f.severity, priority: f.priority, category: f.category, ...(f.note ? { note: f.note } : {}) }
      : command === 'incident.merge' ? { intoIncidentId: (f.intoIncidentId ?? '').trim(), reason: f.reason }
      : command === 'incident.issue_coordination_order' ? {
          addressees: form.getAll('addressees').map((id) => incident.assignees.find((a) => a.id === id)).filter(Boolean).map((a) => ({ id: a!.id, name: a!.name })),
          instructions: f.instructions,
          ...(f.answerBy ? { answerBy: vietnamTime(f.answerBy) } : {}),
        }
      : command === 'incident.post_progress' ? { situation: f.situation, ...(mine ? { assigneeId: mine.id } : {}) }
      : command === 'incident.resolve' ? { responseEndedAt: now }
      : command === 'incident.submit_final_report' ? { report: { kind: 'final_report', reportTime: now, responseEndedAt: incident.milestones?.responseEnded ?? now, whatHappened: f.whatHappened, whatWasDone: f.whatWasDone, damage: f.damage } }
      : command === 'incident.acknowledge' ? { assigneeId: f.ackAssignee }
      : command === 'incident.send_on_site_team' ? { teamAssigneeId: f.teamAssigneeId, people: (f.people ?? '').split('\n').map((p) => p.trim()).filter(Boolean) }
      : Object.fromEntries(Object.entries(f).filter(([, v]) => v !== ''));
    report(command, await sendCommand(incident.id, command, body, { assigneeId: mine?.id ?? '' }));
  };
  const answer = (orderId: string, addresseeId: string) => async (e: Event) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.currentTarget as HTMLFormElement).entries()) as Record<string, string>;
    report('incident.answer_coordination_order', await sendCommand(incident.id, 'incident.answer_coordination_order', { addresseeId, answer: f.answer }, { orderId }));
  };
  const join = (deadlineKey: string, rung: number) => async (e: Event) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.currentTarget as HTMLFormElement).entries()) as Record<string, string>;
    report('incident.join_meeting', await sendCommand(incident.id, 'incident.join_meeting', { deadlineKey, rung, assigneeId: f.assigneeId }));
  };
  const step = (command: 'incident.arrive_on_site' | 'incident.leave_on_site', teamId: string) => async (e: Event) => {
    e.preventDefault();
    report(command, await sendCommand(incident.id, command, {}, { teamId }));
  };
  const teamName = (teamId: string) => incident.onSiteTeams?.find((x) => x.teamId === teamId)?.name ?? teamId;
  const label = (field: string) =>
    ({ reason: t.reason, teamAssigneeId: t.team, people: t.people, situation: t.situation, assigneeId: t.assignee, ackAssignee: t.assignee, text: commandLabels[lang]['incident.comment'], severity: t.severity, priority: t.priority, category: t.category, note: t.note, intoIncidentId: t.mergeInto, addressees: t.addressees, instructions: t.instructions, answerBy: t.answerBy })[field] ?? t[field as 'whatHappened'];
  const control = (field: string) => {
    switch (field) {
      case 'ackAssignee': return <select name={field} required data-testid="acknowledge-assignee">{ackable.map((a) => <option value={a.id}>{a.name}</option>)}</select>;
      case 'teamAssigneeId': return <select name={field} required data-testid="on-site-team">{sendableTeams(incident).map((a) => <option value={a.id}>{a.name}</option>)}</select>;
      case 'assigneeId': return <select name={field} required data-testid="assign-enterprise">{enterprises.map((e) => <option value={e.id}>{e.name}</option>)}</select>;
      case 'severity': return <select name={field} required data-testid="triage-severity">{(['severe', 'normal'] as const).map((v) => <option value={v} selected={incident.classification?.severity === v}>{severityLabels[lang][v]}</option>)}</select>;
      case 'priority': return <select name={field} required data-testid="triage-priority">{['P1', 'P2', 'P3', 'P4'].map((v) => <option value={v} selected={incident.classification?.priority === v}>{v}</option>)}</select>;
      case 'category': return <select name={field} required data-testid="triage-category">{Object.keys(incidentCategories).map((c) => <option value={c} selected={incident.classification?.category === c}>{categoryLabels[lang][c as keyof typeof incidentCategories]}</option>)}</select>;
      case 'note': return <input name={field} />;
      case 'answerBy': return <input name={field} type="datetime-local" />;
      case 'intoIncidentId':
        return (
          <>
            <input name={field} required list="merge-suggestions" pattern="[0-9A-HJKMNP-TV-Z]{26}" data-testid="merge-into" />
            <datalist id="merge-suggestions">{suggestions.map((s) => <option value={s.incidentId}>{s.title}</option>)}</datalist>
          </>
        );
      case 'addressees':
        return (
          <span class="checks" data-testid="order-addressees">
            {incident.assignees.filter((a) => a.status !== 'declined' && a.status !== 'timed_out' && a.status !== 'removed').map((a) => (
              <label class="check"><input type="checkbox" name="addressees" value={a.id} />{a.name}</label>
            ))}
          </span>
        );
      case 'situation': case 'instructions': case 'people': case 'whatHappened': case 'whatWasDone': case 'damage': return <textarea name={field} required />;
      default: return <input name={field} required />;
    }
  };
  return (
    <section aria-labelledby="actions-title">
      <h3 id="actions-title">{t.actions}</h3>
      {merging && suggestions.length > 0 && (
        <div data-testid="duplicates">
          <h4>{t.likelyDuplicates}</h4>
          <ul>
            {suggestions.map((s) => (
              <li data-testid="duplicate" data-incident-id={s.incidentId}>
                <a href={`#/incident/${s.incidentId}`}>{s.title}</a> · {s.reportingOrganisation} · {formatVietnamTime(s.detectedAt, lang)} · {s.reasons.join('; ')}
              </li>
            ))}
          </ul>
        </div>
      )}
      {commands.map((command) => (
        <form class="action" onSubmit={run(command)} data-testid={`action-${command.slice('incident.'.length)}`}>
          {fieldsOf(command).map((field) => (
            <label>
              {label(field)}
              {control(field)}
            </label>
          ))}
          <button type="submit">{commandLabels[lang][command]}</button>
        </form>
      ))}
      {toAnswer.map(({ order, addressee }) => (
        <form class="action" onSubmit={answer(order.orderId, addressee.id)} data-testid="action-answer_coordination_order" data-order-id={order.orderId}>
          <label>
            {commandLabels[lang]['incident.answer_coordination_order']} ({addressee.name}{order.answerBy ? ` · ${t.answerBy} ${formatVietnamTime(order.answerBy, lang)}` : ''})
            <textarea name="answer" required />
          </label>
          <button type="submit">{commandLabels[lang]['incident.answer_coordination_order']}</button>
        </form>
      ))}
      {meetings.map((m) => (
        <form class="action" onSubmit={join(m.deadlineKey, m.rung)} data-testid="action-join_meeting" data-deadline-key={m.deadlineKey} data-rung={m.rung}>
          <label>
            {t.onBehalfOf}
            <select name="assigneeId" required>{m.for.map((a) => <option value={a.id}>{a.name}</option>)}</select>
          </label>
          <button type="submit">{commandLabels[lang]['incident.join_meeting']}</button>
        </form>
      ))}
      {steps.map((s) => (
        <form class="action" onSubmit={step(s.step, s.teamId)} data-testid={`action-${s.step.slice('incident.'.length)}`} data-team-id={s.teamId}>
          <button type="submit">{commandLabels[lang][s.step]} ({teamName(s.teamId)})</button>
        </form>
      ))}
      <p role="status" data-testid="action-result">{message}</p>
    </section>
  );
}
