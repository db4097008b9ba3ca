import { commandUrls, type Actor, type CommandType } from './catalogue';

export interface Me {
  actor: Actor;
  user?: { id: string; username: string; name?: string; roles: string[] };
  csrfToken?: string;
  links?: { intake?: string };
}
export interface Answer<T = any> {
  status: number;
  body: T;
}

let csrf = '';
export const setCsrf = (token: string | undefined) => {
  csrf = token ?? '';
};

/** One JSON request with the session cookie; every write carries the CSRF token. */
export async function request<T = any>(method: string, path: string, payload?: unknown): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}) });
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, body };
}

/** A command on an incident, to its board route (the URL from the shared catalogue). */
export function sendCommand(incidentId: string, command: CommandType, body: Record<string, unknown>, params: Record<string, string> = {}): Promise<Answer> {
  const url = commandUrls[command].replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
  return request('POST', `/api/v1/incidents/${incidentId}/${url}`, body);
}
