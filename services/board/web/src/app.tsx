import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { may, roleLabels, type Language } from './catalogue';
import { request, setCsrf, setLinks, type Me } from './api';
import { openFeed, type FeedStatus } from './feed';
import { words, type Words } from './i18n';
import { SignIn } from './screens/sign-in';
import { NationalBoard } from './screens/board';
import { IncidentPage } from './screens/incident';
import { ProvinceView } from './screens/province';
import { Inbox } from './screens/inbox';
import { Submitter } from './screens/submitter';
import { Admin } from './screens/admin';
import { Reports } from './screens/reports';
import { Notifications } from './notifications';

type Screen = 'board' | 'province' | 'inbox' | 'submit' | 'reports' | 'admin' | 'incident';

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
      if (a.status === 200) {
        setCsrf(a.body.csrfToken);
        setLinks(a.body.links);
      }
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

function Workspace(props: { me: Me; t: Words; lang: Language; switchLang: preact.JSX.Element; screen: Screen; id: string | undefined; onOut: () => void }) {
  const { me, t, lang, screen } = props;
  const [status, setStatus] = useState<FeedStatus>('connecting');
  // one feed socket for the signed-in page; each screen subscribes to what it shows
  const client = useMemo(() => openFeed((s, code) => (code === 4401 ? props.onOut() : setStatus(s))), []);
  useEffect(() => () => client.close(), [client]);
  const roles = me.actor.roles ?? [];
  const tabs: [Screen, string, boolean][] = [
    ['board', t.board, roles.includes('national_coordinator') || roles.includes('auditor')],
    ['province', t.province, roles.some((r) => ['province_coordinator', 'liaison_leader', 'liaison_officer'].includes(r))],
    ['inbox', t.inbox, roles.includes('enterprise_responder')],
    ['submit', t.submit, roles.some((r) => ['submitter', 'province_coordinator', 'national_coordinator'].includes(r))],
    ['reports', t.reports, roles.some((r) => ['national_coordinator', 'auditor', 'province_coordinator'].includes(r))],
    // accounts (an admin, and a national coordinator, who alone grants roles that see incidents), tokens, the directory
    ['admin', t.admin, may(me.actor, 'users.manage') || may(me.actor, 'directory.manage')],
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
        <span class="conn" role="status" data-testid="connection-status" data-status={status}>{t[status]}</span>
        <span data-testid="current-user">{me.user?.name ?? me.actor.name ?? me.actor.id} · {(me.actor.roles ?? []).map((r) => roleLabels[lang][r]).join(', ')}</span>
        <Notifications lang={lang} />
        {props.switchLang}
        <button type="button" onClick={signOut} data-testid="logout">{t.signOut}</button>
      </header>
      <main>
        {screen === 'incident' && props.id ? (
          <IncidentPage me={me} t={t} lang={lang} client={client} id={props.id} />
        ) : screen === 'province' ? (
          <ProvinceView me={me} t={t} lang={lang} client={client} />
        ) : screen === 'inbox' ? (
          <Inbox me={me} t={t} lang={lang} client={client} />
        ) : screen === 'submit' ? (
          <Submitter me={me} t={t} lang={lang} client={client} />
        ) : screen === 'reports' ? (
          <Reports me={me} t={t} lang={lang} />
        ) : screen === 'admin' ? (
          <Admin me={me} t={t} lang={lang} />
        ) : (
          <NationalBoard t={t} lang={lang} client={client} />
        )}
      </main>
    </>
  );
}


export function mount(root: HTMLElement): void {
  render(<App />, root);
}
