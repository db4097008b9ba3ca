import { useEffect, useState } from 'preact/hooks';
import { roleLabels, type Language } from '../catalogue';
import { request } from '../api';
import type { Words } from '../i18n';

export function Admin(props: { t: Words; lang: Language }) {
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
