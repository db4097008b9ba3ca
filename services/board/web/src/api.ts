import { commandUrls, newId, type Actor, type CommandType } from './catalogue';
import type { Words } from './i18n';

export interface Me {
  actor: Actor;
  user?: { id: string; username: string; name?: string; roles: string[] };
  csrfToken?: string;
  links?: { intake?: string; dispatch?: string };
}
export interface Answer<T = any> {
  status: number;
  body: T;
}

let csrf = '';
export const setCsrf = (token: string | undefined) => {
  csrf = token ?? '';
};
/** Intake's and dispatch's addresses as a browser reaches them (the board says them in /api/v1/auth/me). */
const links = { intake: '', dispatch: '' };
export const setLinks = (given: Me['links']) => {
  links.intake = (given?.intake ?? '').replace(/\/$/, '');
  links.dispatch = (given?.dispatch ?? '').replace(/\/$/, '');
};

/** How long the page waits before sending a shed request again, in ms (a test makes it instant). */
export const retryTiming = { wait: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

/** At most this many more tries of a shed request, and at most this long to wait before one. */
const shedRetries = 3;
const longestWaitSeconds = 10;

/**
 * Sends a request, and again when a service shed it (503, or 429, with Retry-After: under load it
 * refuses before doing anything) or is still storing the same one (intake's 409 with Retry-After),
 * as long as sending it twice cannot do it twice: a read, a PUT or DELETE, or a write that carries
 * its Idempotency-Key or Command-Id. Waits as long as Retry-After says (1 s without one), up to 3
 * more tries; a wait longer than 10 s is the user's to take.
 */
async function sendShedAgain(method: string, headers: Record<string, string>, send: () => Promise<Response>): Promise<Response> {
  const repeatable = ['GET', 'HEAD', 'PUT', 'DELETE'].includes(method) || 'idempotency-key' in headers || 'command-id' in headers;
  for (let tries = 0; ; tries += 1) {
    const response = await send();
    const later = response.status === 503 || response.status === 429 || (response.status === 409 && response.headers.has('retry-after'));
    if (!repeatable || tries >= shedRetries || !later) return response;
    const after = Number(response.headers.get('retry-after') ?? '1');
    if (!Number.isFinite(after) || after < 0 || after > longestWaitSeconds) return response;
    await retryTiming.wait(Math.max(after, 0.2) * 1000);
  }
}

/** One JSON request with the session cookie; every write carries the CSRF token. */
export async function request<T = any>(method: string, path: string, payload?: unknown, extra: Record<string, string> = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const response = await sendShedAgain(method, headers, () => fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}) }));
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, body };
}

/**
 * A command on an incident, to its board route (the URL from the shared catalogue), with an id of
 * its own (Command-Id): sent again after a shed or lost answer, it is still done once.
 */
export function sendCommand(incidentId: string, command: CommandType, body: Record<string, unknown>, params: Record<string, string> = {}): Promise<Answer> {
  const url = commandUrls[command].replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
  return request('POST', `/api/v1/incidents/${incidentId}/${url}`, body, { 'command-id': newId() });
}

/** Where intake serves a file of an incident (a download, never rendered; the session cookie goes along). */
export const attachmentUrl = (incidentId: string, sha256: string) => `${links.intake}/api/v1/reports/${incidentId}/attachments/${sha256}`;

/**
 * A request to intake or dispatch, other origins: the session cookie goes along (they allow this
 * page's origin, CORS_ALLOWED_ORIGINS), and a write carries the CSRF token like every write of a
 * cookie session. `body` is JSON, or a file sent as it is (an attachment, a roster).
 */
export const intakeRequest = <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => crossOrigin<T>(links.intake, method, path, body, headers);
export const dispatchRequest = <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => crossOrigin<T>(links.dispatch, method, path, body, headers);

async function crossOrigin<T>(base: string, method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer<T>> {
  const all: Record<string, string> = { accept: 'application/json', ...headers };
  if (method !== 'GET' && csrf) all['x-csrf-token'] = csrf;
  const isFile = typeof Blob !== 'undefined' && body instanceof Blob;
  if (body !== undefined && !isFile) all['content-type'] = 'application/json';
  if (isFile) all['content-type'] = (body as Blob).type || 'application/octet-stream';
  try {
    const response = await sendShedAgain(method, all, () => fetch(`${base}${path}`, { method, headers: all, credentials: 'include', cache: 'no-store', ...(body !== undefined ? { body: isFile ? (body as Blob) : JSON.stringify(body) } : {}) }));
    const answer = await response.json().catch(() => null);
    return { status: response.status, body: answer };
  } catch {
    // the network, not intake: the form keeps its draft and its Idempotency-Key for the retry
    return { status: 0, body: null as T };
  }
}

/** Not sent for now, nothing wrong with it: no network, the service busy or away, or still storing the same one; the draft is kept for another try. */
export const notSentYet = (answer: Answer) => answer.status === 0 || answer.status === 503 || answer.status === 429 || answer.body?.error === 'submission_in_progress';

/** An answer in the page's words: done, or refused with its status, message and each problem (a roster's with its row). */
export const said = (t: Words, answer: Answer) =>
  answer.status < 300 ? t.done : `${t.refused} (${answer.status}) ${answer.body?.message ?? ''}${answer.body?.problems?.length ? `: ${answer.body.problems.map((p: any) => `${p.row ? `#${p.row} ` : ''}${p.field} ${p.message}`).join('; ')}` : ''}`;
