import { useEffect, useState } from 'preact/hooks';
import { directoryEntities, directoryEntityLabels, may, roleLabels, roles, tokenScopes, type Language, type Role } from '../catalogue';
import { dispatchRequest, request, said, type Me } from '../api';
import { DirectoryEditor } from './directory';
import type { Words } from '../i18n';

interface User {
  id: string;
  username: string;
  name: string;
  organisationId: string;
  roles: Role[];
  provinceCodes: string[];
  assigneeIds: string[];
  disabled?: boolean;
  totpEnrolled: boolean;
}
interface Token {
  id: string;
  name: string;
  organisationId: string;
  provinceCodes: string[];
  scopes: string[];
  expiresAt: string;
  revokedAt?: string;
}

const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
/** One account's row: its name, roles, provinces and assignee ids, enabled or not, and a new password; saved with PATCH (the board refuses what shared/src/access does not allow). */
function AccountRow(props: { t: Words; lang: Language; user: User; onSaved: () => void }) {
  const { t, lang, user } = props;
  const [result, setResult] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    const element = e.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    // only what changed: disabling an account is not a grant, and is not refused as one
    const after = {
      name: String(form.get('name') ?? '').trim(),
      password: String(form.get('password') ?? ''),
      roles: form.getAll('roles').map(String),
      provinceCodes: list(String(form.get('provinceCodes') ?? '')),
      assigneeIds: list(String(form.get('assigneeIds') ?? '')),
      disabled: form.get('disabled') === 'on',
    };
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
    const patch = {
      ...(after.name === user.name ? {} : { name: after.name }),
      // a new password ends the account's sessions; empty leaves it as it is
      ...(after.password ? { password: after.password } : {}),
      ...(same(after.roles, user.roles) ? {} : { roles: after.roles }),
      ...(same(after.provinceCodes, user.provinceCodes) ? {} : { provinceCodes: after.provinceCodes }),
      ...(same(after.assigneeIds, user.assigneeIds) ? {} : { assigneeIds: after.assigneeIds }),
      ...(after.disabled === Boolean(user.disabled) ? {} : { disabled: after.disabled }),
    };
    if (Object.keys(patch).length === 0) return setResult(t.done);
    const answer = await request('PATCH', `/api/v1/users/${user.id}`, patch);
    setResult(said(t, answer));
    if (answer.status < 300) {
      // the new password is not kept on the page
      (element.elements.namedItem('password') as HTMLInputElement).value = '';
      props.onSaved();
    }
  };
  return (
    <tr data-testid="account" data-username={user.username} data-disabled={Boolean(user.disabled)}>
      <td>{user.username}</td>
      <td>{user.name}<br /><small>{user.organisationId}</small></td>
      <td colSpan={2}>
        {/* defaults, not values: a list refreshed meanwhile (a token issued, another account saved) leaves what is being typed */}
        <form class="action" onSubmit={save}>
          <label>{t.name}<input name="name" defaultValue={user.name} required maxLength={200} data-testid="account-name" /></label>
          <label>{t.newPassword}<input name="password" type="password" minLength={12} autoComplete="new-password" data-testid="account-password" /></label>
          <span class="checks">
            {roles.map((r) => <label class="check"><input type="checkbox" name="roles" value={r} defaultChecked={user.roles.includes(r)} />{roleLabels[lang][r]}</label>)}
          </span>
          <label>{t.provinceCodes}<input name="provinceCodes" defaultValue={user.provinceCodes.join(', ')} /></label>
          <label>{t.assigneeIds}<input name="assigneeIds" defaultValue={user.assigneeIds.join(', ')} /></label>
          <label class="check"><input type="checkbox" name="disabled" defaultChecked={Boolean(user.disabled)} data-testid="account-disabled" />{t.disabled}</label>
          <button type="submit" data-testid="account-save">{t.save}</button>
          <span role="status" data-testid="account-result">{result}</span>
        </form>
      </td>
    </tr>
  );
}

/** Administration: accounts and their roles, API tokens, the directory: its entries, edited one by one, and its roster import (dispatch). */
export function Admin(props: { me: Me; t: Words; lang: Language }) {
  const { t, lang } = props;
  // each part only for whom shared/src/access allows it (the routes refuse the others anyway)
  const can = (permission: Parameters<typeof may>[1]) => may(props.me.actor, permission);
  const [users, setUsers] = useState<User[]>([]);
  const [tokens, setTokens] = useState<Token[]>([]);
  const [created, setCreated] = useState('');
  const [secret, setSecret] = useState('');
  const [imported, setImported] = useState('');
  const load = () => {
    void request<{ users: User[] }>('GET', '/api/v1/users').then((a) => a.status === 200 && setUsers(a.body.users));
    void request<{ tokens: Token[] }>('GET', '/api/v1/tokens').then((a) => a.status === 200 && setTokens(a.body.tokens ?? []));
  };
  useEffect(load, []);
  const createUser = async (e: Event) => {
    e.preventDefault();
    const element = e.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const answer = await request('POST', '/api/v1/users', {
      username: form.get('username'),
      name: form.get('name'),
      password: form.get('password'),
      organisationId: form.get('organisationId'),
      roles: form.getAll('roles'),
      provinceCodes: list(String(form.get('provinceCodes') ?? '')),
      assigneeIds: list(String(form.get('assigneeIds') ?? '')),
    });
    setCreated(answer.status < 300 ? `${t.done}${answer.body.totpSecret ? ` — TOTP: ${answer.body.totpSecret}` : ''}` : said(t, answer));
    if (answer.status < 300) {
      element.reset();
      load();
    }
  };
  const issue = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const organisationId = String(form.get('organisationId') ?? '').trim();
    const answer = await request('POST', '/api/v1/tokens', {
      name: form.get('name'),
      scopes: form.getAll('scopes'),
      expiresInDays: Number(form.get('expiresInDays') || 90),
      ...(organisationId ? { organisationId } : {}),
      ...(list(String(form.get('provinceCodes') ?? '')).length ? { provinceCodes: list(String(form.get('provinceCodes'))) } : {}),
    });
    setSecret(answer.status < 300 ? `${t.secretOnce}: ${answer.body.secret}` : said(t, answer));
    if (answer.status < 300) load();
  };
  const tokenChange = async (token: Token, change: 'rotate' | 'revoke') => {
    const answer = change === 'rotate' ? await request('POST', `/api/v1/tokens/${token.id}/rotate`, {}) : await request('DELETE', `/api/v1/tokens/${token.id}`);
    setSecret(answer.status < 300 ? (answer.body?.secret ? `${t.secretOnce}: ${answer.body.secret}` : t.done) : said(t, answer));
    load();
  };
  const importRoster = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const file = (form.querySelector('input[type="file"]') as HTMLInputElement).files?.[0];
    if (!file) return setImported(t.required);
    const entity = String(new FormData(form).get('entity'));
    const reason = String(new FormData(form).get('reason') ?? '').trim();
    const csv = /\.csv$/i.test(file.name) || file.type === 'text/csv';
    const body = new Blob([await file.text()], { type: csv ? 'text/csv' : 'application/json' });
    const answer = await dispatchRequest('POST', `/api/v1/directory/${entity}/import?${new URLSearchParams(reason ? { reason } : {})}`, body);
    setImported(answer.status < 300 ? `${t.importedCount}: ${answer.body.imported}` : said(t, answer));
  };
  return (
    <>
      <section>
        <h2>{t.accounts}</h2>
        <div class="table-wrap">
          <table data-testid="accounts">
            <tbody>{users.map((u) => <AccountRow t={t} lang={lang} user={u} onSaved={load} />)}</tbody>
          </table>
        </div>
        <h3>{t.newAccount}</h3>
        <form class="report" onSubmit={createUser} data-testid="new-account">
          <label>{t.username}<input name="username" required /></label>
          <label>{t.name}<input name="name" required /></label>
          <label>{t.password}<input name="password" type="password" minLength={12} required autocomplete="new-password" /></label>
          <label>{t.organisation}<input name="organisationId" required /></label>
          <span class="checks">{roles.map((r) => <label class="check"><input type="checkbox" name="roles" value={r} />{roleLabels[lang][r]}</label>)}</span>
          <label>{t.provinceCodes}<input name="provinceCodes" /></label>
          <label>{t.assigneeIds}<input name="assigneeIds" /></label>
          <button type="submit">{t.save}</button>
          <p role="status" data-testid="new-account-result">{created}</p>
        </form>
      </section>
      <section>
        <h2>{t.tokens}</h2>
        <ul data-testid="tokens">
          {tokens.map((k) => (
            <li data-testid="token" data-name={k.name} data-revoked={Boolean(k.revokedAt)}>
              {k.name} · {k.organisationId} · {k.scopes.join(', ')} · {k.revokedAt ? t.revoked : `${t.expires} ${k.expiresAt.slice(0, 10)}`}
              {!k.revokedAt && <> <button type="button" class="secondary" onClick={() => tokenChange(k, 'rotate')}>{t.rotate}</button> <button type="button" class="secondary" data-testid="token-revoke" onClick={() => tokenChange(k, 'revoke')}>{t.revoke}</button></>}
            </li>
          ))}
        </ul>
        {can('tokens.issue') && <form class="report" onSubmit={issue} data-testid="new-token">
          <label>{t.name}<input name="name" required /></label>
          <span class="checks">{tokenScopes.map((s) => <label class="check"><input type="checkbox" name="scopes" value={s} />{s}</label>)}</span>
          <label>{t.organisation}<input name="organisationId" /></label>
          <label>{t.provinceCodes}<input name="provinceCodes" /></label>
          <label>{t.expiresInDays}<input name="expiresInDays" type="number" min="1" max="365" value="90" /></label>
          <button type="submit">{t.issueToken}</button>
        </form>}
        <p role="status" data-testid="token-secret">{secret}</p>
      </section>
      {can('directory.manage') && <section>
        <h2>{t.directory}</h2>
        <form class="report" onSubmit={importRoster} data-testid="directory-import">
          <label>{t.entity}<select name="entity">{directoryEntities.map((d) => <option value={d}>{directoryEntityLabels[lang][d]}</option>)}</select></label>
          <label>{t.rosterFile}<input type="file" accept=".csv,.json,text/csv,application/json" data-testid="roster-file" /></label>
          <label>{t.reason}<input name="reason" /></label>
          <button type="submit">{t.importRoster}</button>
          <p role="status" data-testid="import-result">{imported}</p>
        </form>
        <h3>{t.directoryEntries}</h3>
        <DirectoryEditor t={t} lang={lang} />
      </section>}
    </>
  );
}
