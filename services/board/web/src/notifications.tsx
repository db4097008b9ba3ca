import { useEffect, useState } from 'preact/hooks';
import { incidentPageHash, notificationKindLabels, type Language } from '../../../../shared/src/contracts/labels';
import { request } from './api';
import { formatVietnamTime } from './i18n';

// The signed-in user's notifications (issue 14): served by the notifier through the board
// (/api/v1/notifications*), new ones live over Server-Sent Events, with each addressee's preferences.

interface Item {
  id: string;
  recipientId: string;
  incidentId: string;
  kind: keyof (typeof notificationKindLabels)['vi'];
  at: string;
  urgent: boolean;
  title?: string;
  read: boolean;
}
interface Preferences {
  channels: ('email' | 'webhook' | 'inapp')[];
  quietHours?: { start: string; end: string };
  language: Language;
}

const words = {
  vi: {
    notifications: 'Thông báo', none: 'Chưa có thông báo.', markAll: 'Đánh dấu đã đọc hết', markUnread: 'Đánh dấu chưa đọc', more: 'Xem thêm', red: 'TLP:RED — xem trên hệ thống',
    preferences: 'Cài đặt thông báo', email: 'Thư điện tử', webhook: 'Webhook', inapp: 'Trong ứng dụng', quiet: 'Giờ yên lặng (giờ Việt Nam)', from: 'từ', to: 'đến',
    language: 'Ngôn ngữ thư', save: 'Lưu', saved: 'Đã lưu', urgent: 'khẩn', myAccount: 'Tài khoản của tôi (báo cáo đã gửi)',
  },
  en: {
    notifications: 'Notifications', none: 'No notifications yet.', markAll: 'Mark all read', markUnread: 'Mark unread', more: 'More', red: 'TLP:RED — see it in the system',
    preferences: 'Notification settings', email: 'Email', webhook: 'Webhook', inapp: 'In the app', quiet: 'Quiet hours (Vietnam time)', from: 'from', to: 'to',
    language: 'Email language', save: 'Save', saved: 'Saved', urgent: 'urgent', myAccount: 'My account (reports I filed)',
  },
} as const;

/** The bell in the top bar: the unread count, and on click the list and the preferences. Renders nothing where the board has no notifier. */
export function Notifications(props: { lang: Language }) {
  const t = words[props.lang];
  const [available, setAvailable] = useState(false);
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Item[]>([]);
  const [unread, setUnread] = useState(0);
  const [next, setNext] = useState<number | undefined>();
  const load = async (before?: number): Promise<boolean> => {
    const answer = await request<{ items: Item[]; unread: number; next?: number }>('GET', `/api/v1/notifications?limit=20${before ? `&before=${before}` : ''}`);
    if (answer.status !== 200) return false;
    setAvailable(true);
    setItems((old) => (before ? [...old, ...answer.body.items] : answer.body.items));
    setUnread(answer.body.unread);
    setNext(answer.body.next);
    return true;
  };
  useEffect(() => {
    let stream: EventSource | undefined;
    let closed = false;
    // the server counts: a new item shows at once, and the list and count are read again soon
    // after (once for a burst of them), so a count is never added to twice or missed
    let reload: ReturnType<typeof setTimeout> | undefined;
    const reloadSoon = () => {
      reload ??= setTimeout(() => {
        reload = undefined;
        void load();
      }, 250);
    };
    void load().then((ok) => {
      if (!ok || closed) return;
      stream = new EventSource('/api/v1/notifications/stream');
      // once the stream is open (and after each reconnect), what came before it is in the list
      stream.addEventListener('open', reloadSoon);
      stream.addEventListener('notification', (e) => {
        const item = JSON.parse((e as MessageEvent<string>).data) as Item;
        setItems((old) => (old.some((i) => i.id === item.id) ? old : [item, ...old]));
        reloadSoon();
      });
    });
    return () => {
      closed = true;
      clearTimeout(reload);
      stream?.close();
    };
  }, []);
  const markRead = async (body: { ids: string[] } | { all: true }) => {
    const answer = await request<{ unread: number }>('POST', '/api/v1/notifications/read', body);
    if (answer.status !== 200) return;
    setUnread(answer.body.unread);
    setItems((old) => old.map((i) => ('all' in body || body.ids.includes(i.id) ? { ...i, read: true } : i)));
  };
  const markUnread = async (id: string) => {
    const answer = await request<{ unread: number }>('POST', '/api/v1/notifications/unread', { ids: [id] });
    if (answer.status !== 200) return;
    setUnread(answer.body.unread);
    setItems((old) => old.map((i) => (i.id === id ? { ...i, read: false } : i)));
  };
  if (!available) return null;
  return (
    <div class="notifications">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="notifications-bell">
        {t.notifications} <span class="badge" data-testid="notifications-unread">{unread}</span>
      </button>
      {open && (
        <section class="notifications-panel" aria-label={t.notifications} data-testid="notifications-panel">
          <button type="button" onClick={() => void markRead({ all: true })} disabled={unread === 0} data-testid="notifications-mark-all">{t.markAll}</button>
          {items.length === 0 ? <p>{t.none}</p> : (
            <ul>
              {items.map((i) => (
                <li class={i.read ? 'read' : 'unread'} data-testid="notification" data-id={i.id}>
                  <a href={incidentPageHash(i.incidentId)} onClick={() => !i.read && void markRead({ ids: [i.id] })}>
                    <strong>{notificationKindLabels[props.lang][i.kind]}</strong>{i.urgent ? ` (${t.urgent})` : ''}: {i.title ?? t.red}
                  </a>
                  <small> {formatVietnamTime(i.at, props.lang)}</small>
                  {i.read && <button type="button" class="link" onClick={() => void markUnread(i.id)} data-testid="notification-mark-unread">{t.markUnread}</button>}
                </li>
              ))}
            </ul>
          )}
          {next !== undefined && <button type="button" onClick={() => void load(next)}>{t.more}</button>}
          <PreferencesForm lang={props.lang} />
        </section>
      )}
    </div>
  );
}

function PreferencesForm(props: { lang: Language }) {
  const t = words[props.lang];
  const [addressees, setAddressees] = useState<{ recipientId: string; name?: string; self: boolean; preferences: Preferences }[]>([]);
  const [status, setStatus] = useState('');
  useEffect(() => {
    void request<{ addressees: typeof addressees }>('GET', '/api/v1/notifications/preferences').then((a) => a.status === 200 && setAddressees(a.body.addressees));
  }, []);
  const save = async (recipientId: string, form: HTMLFormElement) => {
    const data = new FormData(form);
    const start = String(data.get('start') ?? '');
    const end = String(data.get('end') ?? '');
    const preferences: Preferences = {
      channels: (['email', 'webhook', 'inapp'] as const).filter((c) => data.get(c) === 'on'),
      language: data.get('language') === 'en' ? 'en' : 'vi',
      ...(start && end ? { quietHours: { start, end } } : {}),
    };
    const answer = await request('PUT', `/api/v1/notifications/preferences/${encodeURIComponent(recipientId)}`, preferences);
    setStatus(answer.status === 200 ? t.saved : (answer.body?.problems ?? []).map((p: { field: string; message: string }) => `${p.field}: ${p.message}`).join('; ') || answer.body?.message || String(answer.status));
  };
  return (
    <details data-testid="notification-preferences">
      <summary>{t.preferences}</summary>
      {addressees.map(({ recipientId, name, self, preferences: p }) => (
        <form key={recipientId} onSubmit={(e) => { e.preventDefault(); void save(recipientId, e.currentTarget); }} data-recipient={recipientId}>
          <fieldset>
            <legend>{self ? t.myAccount : name ?? recipientId}</legend>
            {(['email', 'webhook', 'inapp'] as const).map((c) => (
              <label class="check"><input type="checkbox" name={c} defaultChecked={p.channels.includes(c)} /> {t[c]}</label>
            ))}
            <label>{t.quiet} {t.from} <input type="time" name="start" defaultValue={p.quietHours?.start ?? ''} /></label>
            <label>{t.to} <input type="time" name="end" defaultValue={p.quietHours?.end ?? ''} /></label>
            <label>{t.language} <select name="language" defaultValue={p.language}><option value="vi">Tiếng Việt</option><option value="en">English</option></select></label>
            <button type="submit">{t.save}</button>
          </fieldset>
        </form>
      ))}
      <span role="status" data-testid="preferences-status">{status}</span>
    </details>
  );
}
