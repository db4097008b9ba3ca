import { useState } from 'preact/hooks';
import type { Language } from '../catalogue';
import { request, setCsrf, setLinks, type Me } from '../api';
import type { Words } from '../i18n';

export function SignIn(props: { t: Words; lang: Language; switchLang: preact.JSX.Element; onIn: (me: Me) => void }) {
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
    setLinks(who.body.links);
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
