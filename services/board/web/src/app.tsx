import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import units from '../../../../shared/data/directory/units.json';
import enterpriseData from '../../../../shared/data/directory/enterprises.json';
import {
  assignmentStatusLabels,
  categoryLabels,
  commandLabels,
  finishedStates,
  incidentCategories,
  lifecycleStateLabels,
  lifecycleStates,
  roleLabels,
  severityLabels,
  tlpLevels,
  type CommandType,
  type IncidentView,
  type Language,
  renderTimelineEntry,
} from './catalogue';
import { request, sendCommand, setCsrf, type Me } from './api';
import { applyChange, openFeed, watchUnitCounts, type FeedStatus } from './feed';
import type { FeedCounts } from '../../../../shared/src/contracts/feed';
import { formatDate, timeLeft, words, type Words } from './i18n';
import { countByUnit, isEscalated, isOverdue, matches, noFilters, orderQueue, rungOf, type Filters } from './queue';
import { commandsFor, ownParts } from './rules';
import { validateReport, type ReportDraft } from './report-form';

type Screen = 'board' | 'province' | 'inbox' | 'submit' | 'admin' | 'incident';
const unitList = (units as { units: { code: string; shortName: string; name: string }[] }).units;
const enterprises = (enterpriseData as { enterprises: { id: string; name: string }[] }).enterprises;
const unitName = (code: string) => unitList.find((u) => u.code === code)?.shortName ?? code;

function route(): { screen: Screen; id?: string } {
  const [, screen, id] = location.hash.split('/');
  return { screen: (screen as Screen) || 'board', ...(id ? { id } : {}) };
}

function homeOf(me: Me): Screen {
  const roles = me.actor.roles ?? [];
  if (roles.includes('national_coordinator')) return 'board';
  if (roles.includes('province_coordinator') || roles.includes('liaison_leader') || roles.includes('liaison_officer')) return 'province';
  if (roles.includes('enterprise_responder')) return 'inbox';
  if (roles.includes('admin')) return 'admin';
  return 'submit';
}

function App() {
  const [lang, setLang] = useState<Language>((localStorage.getItem('ucsc.lang') as Language) || 'vi');
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [where, setWhere] = useState(route());
  const t = words[lang];
  useEffect(() => {
    document.documentElement.lang = lang;
    localStorage.setItem('ucsc.lang', lang);
  }, [lang]);
  useEffect(() => {
    const onHash = () => setWhere(route());
    addEventListener('hashchange', onHash);
    void request<Me>('GET', '/api/v1/auth/me').then((a) => {
      if (a.status === 200) setCsrf(a.body.csrfToken);
      setMe(a.status === 200 ? a.body : null);
    });
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const switchLang = (
    <button type="button" class="lang" data-testid="language" onClick={() => setLang(lang === 'vi' ? 'en' : 'vi')} lang={lang === 'vi' ? 'en' : 'vi'}>
      {t.language}
    </button>
  );
  if (me === undefined) return <p class="placeholder">…</p>;
  if (me === null) return <SignIn t={t} lang={lang} switchLang={switchLang} onIn={setMe} />;
  const screen = location.hash ? where.screen : homeOf(me);
  return <Workspace me={me} t={t} lang={lang} switchLang={switchLang} screen={screen} id={where.id} onOut={() => setMe(null)} />;
}

function SignIn(props: { t: Words; lang: Language; switchLang: preact.JSX.Element; onIn: (me: Me) => void }) {
  const { t } = props;
  const [needsTotp, setNeedsTotp] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const body = Object.fromEntries([...form.entries()].filter(([, v]) => v !== ''));
    const answer = await request('POST', '/api/v1/auth/login', body);
    if (answer.status === 401 && answer.body?.error === 'totp_required') return setNeedsTotp(true);
    if (answer.status !== 200) return setError(t.signInFailed);
    setCsrf(answer.body.csrfToken);
    const who = await request<Me>('GET', '/api/v1/auth/me');
    props.onIn(who.body);
  };
  return (
    <main class="signin">
      <form onSubmit={submit} data-testid="login-form" aria-labelledby="signin-title">
        <div class="row">
          <h1 id="signin-title">{t.appTitle}</h1>
          {props.switchLang}
        </div>
        <label>
          {t.username}
          <input name="username" data-testid="login-username" autocomplete="username" required />
        </label>
        <label>
          {t.password}
          <input name="password" type="password" data-testid="login-password" autocomplete="current-password" required />
        </label>
        {needsTotp && (
          <label>
            {t.totp}
            <input name="totp" data-testid="login-totp" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required />
          </label>
        )}
        {error && <p role="alert" class="error" data-testid="login-error">{error}</p>}
        <button type="submit" data-testid="login-submit">{t.signIn}</button>
      </form>
    </main>
  );
}

function Workspace(props: { me: Me; t: Words; lang: Language; switchLang: preact.JSX.Element; screen: Screen; id: string | undefined; onOut: () => void }) {
  const { me, t, lang, screen } = props;
  const [held, setHeld] = useState(new Map<string, IncidentView>());
  const [status, setStatus] = useState<FeedStatus>('connecting');
  useEffect(
    () =>
      openFeed({
        onSnapshot: (list) => setHeld(new Map(list.map((i) => [i.id, i]))),
        onChange: (incident) => setHeld((h) => applyChange(h, incident)),
        onStatus: setStatus,
      }),
    [],
  );
  const incidents = useMemo(() => [...held.values()], [held]);
  const roles = me.actor.roles ?? [];
  const tabs: [Screen, string, boolean][] = [
    ['board', t.board, roles.includes('national_coordinator') || roles.includes('auditor')],
    ['province', t.province, roles.some((r) => ['province_coordinator', 'liaison_leader', 'liaison_officer'].includes(r))],
    ['inbox', t.inbox, roles.includes('enterprise_responder')],
    ['submit', t.submit, roles.some((r) => ['submitter', 'province_coordinator', 'national_coordinator'].includes(r))],
    ['admin', t.admin, roles.includes('admin')],
  ];
  const signOut = async () => {
    await request('POST', '/api/v1/auth/logout', {});
    props.onOut();
  };
  return (
    <>
      <header class="topbar">
        <h1 class="brand">UCSC</h1>
        <nav aria-label={t.appTitle}>
          {tabs.filter(([, , shown]) => shown).map(([s, label]) => (
            <a href={`#/${s}`} aria-current={screen === s ? 'page' : undefined} data-testid={`tab-${s}`}>{label}</a>
          ))}
        </nav>
        <span class="conn" role="status" data-testid="connection-status" data-status={status}>{t[status === 'live' ? 'live' : status]}</span>
        <span data-testid="current-user">{me.user?.name ?? me.actor.name ?? me.actor.id} · {(me.actor.roles ?? []).map((r) => roleLabels[lang][r]).join(', ')}</span>
        {props.switchLang}
        <button type="button" onClick={signOut} data-testid="logout">{t.signOut}</button>
      </header>
      <main>
        {screen === 'incident' && props.id ? (
          <IncidentPage me={me} t={t} lang={lang} incident={held.get(props.id)} id={props.id} />
        ) : screen === 'province' ? (
          <ProvinceView me={me} t={t} lang={lang} incidents={incidents} />
        ) : screen === 'inbox' ? (
          <Inbox me={me} t={t} lang={lang} incidents={incidents} />
        ) : screen === 'submit' ? (
          <Submitter me={me} t={t} lang={lang} incidents={incidents} />
        ) : screen === 'admin' ? (
          <Admin t={t} lang={lang} />
        ) : (
          <NationalBoard t={t} lang={lang} incidents={incidents} />
        )}
      </main>
    </>
  );
}

function NationalBoard(props: { t: Words; lang: Language; incidents: IncidentView[] }) {
  const { t, lang } = props;
  const [filters, setFilters] = useState<Filters>(() => ({ ...noFilters, ...JSON.parse(sessionStorage.getItem('ucsc.filters') ?? '{}') }));
  useEffect(() => sessionStorage.setItem('ucsc.filters', JSON.stringify(filters)), [filters]);
  const held = useMemo(() => countByUnit(props.incidents), [props.incidents]);
  // the tiles' numbers are the server's, over everything the user may see (not what the page holds)
  const [counts, setCounts] = useState(new Map<string, FeedCounts>());
  useEffect(() => watchUnitCounts(unitList.map((u) => u.code), (code, c) => setCounts((m) => new Map(m).set(code, c))), []);
  const assignees = useMemo(() => [...new Map(props.incidents.flatMap((i) => i.assignees).map((a) => [a.id, a.name])).entries()], [props.incidents]);
  const queue = useMemo(() => orderQueue(props.incidents.filter((i) => matches(i, filters))), [props.incidents, filters]);
  const set = (key: keyof Filters) => (e: Event) => setFilters({ ...filters, [key]: (e.currentTarget as HTMLSelectElement).value });
  const select = (key: keyof Filters, label: string, options: [string, string][]) => (
    <label>
      {label}
      <select value={filters[key]} onChange={set(key)} data-testid={`filter-${key}`}>
        <option value="">{t.all}</option>
        {options.map(([v, l]) => <option value={v}>{l}</option>)}
      </select>
    </label>
  );
  return (
    <>
      <section aria-labelledby="units-title">
        <h2 id="units-title">{t.units}</h2>
        <ul class="tiles" data-testid="unit-tiles">
          {unitList.map((u) => {
            const c = counts.get(u.code);
            const open = c ? c.total - finishedStates.reduce((n, s) => n + (c.byState[s] ?? 0), 0) : 0;
            return (
              <li>
                <button type="button" class={`tile${held.get(u.code)?.overdue ? ' hot' : ''}`} aria-pressed={filters.province === u.code} data-testid="unit-tile" data-unit={u.code}
                  onClick={() => setFilters({ ...filters, province: filters.province === u.code ? '' : u.code })}>
                  <span class="tile-name">{u.shortName}</span>
                  <span class="tile-count" data-testid="unit-open">{open} {t.open}</span>
                  <span class="tile-sub">{c?.bySeverity.severe ?? 0} {t.severe} · <span data-testid="unit-total">{c?.total ?? 0}</span> {t.total}</span>
                </button>
              </li>
            );
          })}
        </ul>
      </section>
      <section aria-labelledby="queue-title">
        <h2 id="queue-title">{t.queue} ({queue.length})</h2>
        <fieldset class="filters">
          <legend>{t.filters}</legend>
          {select('province', t.province, unitList.map((u) => [u.code, u.shortName]))}
          {select('category', t.category, Object.keys(incidentCategories).map((c) => [c, categoryLabels[lang][c as keyof typeof incidentCategories]]))}
          {select('severity', t.severity, [['severe', severityLabels[lang].severe], ['normal', severityLabels[lang].normal]])}
          {select('state', t.state, lifecycleStates.map((s) => [s, lifecycleStateLabels[lang][s]]))}
          {select('assignee', t.assignee, assignees)}
          {select('tlp', t.tlp, tlpLevels.map((l) => [l, `TLP:${l}`]))}
        </fieldset>
        <Queue t={t} lang={lang} incidents={queue} />
      </section>
    </>
  );
}

function Queue(props: { t: Words; lang: Language; incidents: IncidentView[] }) {
  const { t, lang } = props;
  if (props.incidents.length === 0) return <p class="placeholder" data-testid="empty-state">{t.empty}</p>;
  return (
    <ol class="queue" data-testid="incident-list">
      {props.incidents.map((i) => (
        <li class={`item${isOverdue(i) ? ' overdue' : ''}${isEscalated(i) ? ' escalated' : ''}`} data-testid="incident" data-incident-id={i.id}>
          <a href={`#/incident/${i.id}`} data-testid="incident-title">{i.title}</a>
          <span class="meta">
            <span data-testid="incident-state">{lifecycleStateLabels[lang][i.state]}</span> · {unitName(i.province.code)} · TLP:{i.tlp}
            {i.classification && <> · {i.classification.priority} {severityLabels[lang][i.classification.severity]}</>} · {formatDate(i.reportedAt, lang)}
            {isOverdue(i) && <strong class="flag"> {t.overdue}</strong>}
            {isEscalated(i) && <strong class="flag"> {t.escalated}</strong>}
          </span>
        </li>
      ))}
    </ol>
  );
}

function IncidentPage(props: { me: Me; t: Words; lang: Language; incident: IncidentView | undefined; id: string }) {
  const { me, t, lang } = props;
  const [fetched, setFetched] = useState<IncidentView | undefined>();
  useEffect(() => {
    if (!props.incident) void request<IncidentView>('GET', `/api/v1/incidents/${props.id}`).then((a) => a.status === 200 && setFetched(a.body));
  }, [props.id]);
  const i = props.incident ?? fetched;
  if (!i) return <p class="placeholder">…</p>;
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
          <dt>{t.submit}</dt><dd>{i.reportingOrganisation.name} · {formatDate(i.reportedAt, lang)}</dd>
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
        <ul>{(i.clocks?.breaches ?? []).map((b) => <li class="overdue">{b.deadlineKey}: {formatDate(b.dueAt, lang)} ({timeLeft(b.dueAt, now, lang)})</li>)}</ul>
        <p>{t.rung}: <span data-testid="detail-rung">{rungOf(i)}</span>{i.clocks?.ministry && <span data-testid="detail-ministry"> · {commandLabels[lang]['incident.escalate_to_ministry']} {formatDate(i.clocks.ministry.at, lang)}: {i.clocks.ministry.reason}</span>}</p>
      </section>
      <Actions me={me} t={t} lang={lang} incident={i} />
      <section>
        <h3>{t.attachments}</h3>
        <ul>{(i.attachments ?? []).map((a) => <li>{a.filename} ({a.kind})</li>)}</ul>
      </section>
      <section>
        <h3>{t.timeline}</h3>
        <ol data-testid="detail-timeline">{i.timeline.map((e) => <li><time dateTime={e.at}>{formatDate(e.at, lang)}</time> {renderTimelineEntry(e, lang).summary}</li>)}</ol>
      </section>
    </article>
  );
}

/** An enterprise of the directory as an assignee (as dispatch names one). */
function enterpriseAssignee(id: string) {
  const e = enterprises.find((x) => x.id === id);
  return { kind: 'enterprise', id, name: e?.name ?? id, organisationId: id, organisationName: e?.name ?? id, role: 'responder' };
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

function ProvinceView(props: { me: Me; t: Words; lang: Language; incidents: IncidentView[] }) {
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

function Inbox(props: { me: Me; t: Words; lang: Language; incidents: IncidentView[] }) {
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

function Submitter(props: { me: Me; t: Words; lang: Language; incidents: IncidentView[] }) {
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
  const mine = props.incidents.filter((i) => i.reportedBy?.actorId === me.actor.id);
  return (
    <>
      <form class="report" onSubmit={check} noValidate aria-labelledby="form-title" data-testid="report-form">
        <h2 id="form-title">{t.report}</h2>
        {field('title', t.title)}
        {field('description', t.description, 'textarea')}
        {field('detectedAt', t.detectedAt, 'datetime')}
        {field('organisation', t.submit)}
        {field('phone', 'Điện thoại / Phone')}
        <div class="row">
          <button type="button" onClick={save} data-testid="save-draft">{t.saveDraft}</button>
          <button type="submit" data-testid="check-report">{t.send}</button>
          {saved && <span role="status">{t.draftSaved}</span>}
        </div>
      </form>
      <section>
        <h2>{t.myReports}</h2>
        <Queue t={t} lang={lang} incidents={mine} />
      </section>
    </>
  );
}

function Admin(props: { t: Words; lang: Language }) {
  const { t, lang } = props;
  const [users, setUsers] = useState<any[]>([]);
  const [tokens, setTokens] = useState<any[]>([]);
  useEffect(() => {
    void request('GET', '/api/v1/users').then((a) => a.status === 200 && setUsers(a.body.users));
    void request('GET', '/api/v1/tokens').then((a) => a.status === 200 && setTokens(a.body.tokens ?? []));
  }, []);
  return (
    <>
      <section>
        <h2>{t.accounts}</h2>
        <table data-testid="accounts">
          <tbody>{users.map((u) => <tr><td>{u.username}</td><td>{u.name}</td><td>{(u.roles as string[]).map((r) => roleLabels[lang][r as keyof (typeof roleLabels)['vi']] ?? r).join(', ')}</td></tr>)}</tbody>
        </table>
      </section>
      <section>
        <h2>{t.tokens}</h2>
        <ul>{tokens.map((k) => <li>{k.name ?? k.id}</li>)}</ul>
      </section>
    </>
  );
}

export function mount(root: HTMLElement): void {
  render(<App />, root);
}
