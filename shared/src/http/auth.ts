import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../contracts/common';
import { tokenActor, userActor, type IdentityStore, type Session } from '../identity/store';
import type { AuditLog } from './audit';
import { anonymousActor } from './audit';
import type { AuthFailures } from './auth-failures';
import { HttpError } from './errors';
import type { RateLimiter } from './ratelimit';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    session?: Session & { token: string; viaCookie: boolean };
  }
  interface FastifyContextConfig {
    /** reachable without signing in (health, metrics, the page shell, sign-in itself) */
    public?: boolean;
    /** the route writes its own, more specific audit entries */
    auditedByRoute?: boolean;
    /**
     * a successful write is itself an event on the Kafka log naming its actor (a report, a
     * follow-up): that event is the audit record; refusals and failures are still audited
     */
    recordedByEvent?: boolean;
  }
}

export const sessionCookie = 'ucsc_session';
export const csrfCookie = 'ucsc_csrf';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthenticationOptions {
  store: IdentityStore;
  limiter: RateLimiter;
  audit: AuditLog;
  /** failed authentication per address: throttled, and aggregated on the audit trail */
  failures: AuthFailures;
  /** requests per minute for one signed-in user or API token */
  rateLimitPerMinute: number;
  /** requests per minute from one address without credentials */
  anonymousRateLimitPerMinute: number;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    // a cookie that is not valid percent-encoding is no cookie of ours: ignored, never a 500
    try {
      cookies[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      continue;
    }
  }
  return cookies;
}

function credentialOf(request: FastifyRequest): { value: string; viaCookie: boolean } | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match ? { value: match[1]!, viaCookie: false } : { value: '', viaCookie: false };
  }
  const cookie = parseCookies(request.headers.cookie)[sessionCookie];
  return cookie ? { value: cookie, viaCookie: true } : undefined;
}

function refuse(reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  throw new HttpError(status, code, message, [], headers);
}

/**
 * Every request is authenticated (a session, by cookie or bearer token, or an organisation's API
 * token) unless its route is marked public; every request is rate-limited per user, token or
 * address; a cookie session must echo its CSRF token on every write.
 */
export function installAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const { store, limiter, audit, failures } = options;
  app.decorateRequest('actor', undefined);
  app.decorateRequest('session', undefined);

  app.addHook('onRequest', async (request, reply) => {
    const isPublic = request.routeOptions.config?.public === true;
    const credential = credentialOf(request);
    let actor: Actor | undefined;
    let tokenScopes: readonly string[] | undefined;
    if (credential && !isPublic) {
      // an address that keeps presenting bad credentials is refused before they are even looked up
      const wait = await failures.throttled(request.ip);
      if (wait !== undefined) refuse(reply, 429, 'rate_limited', 'too many failed authentications from this address', { 'retry-after': String(wait) });
      const authenticated = await authenticate(request, credential);
      actor = authenticated?.actor;
      tokenScopes = authenticated?.scopes;
      if (!actor) {
        await failures.record(request.ip, anonymousActor(request.ip), {
          action: 'auth.rejected',
          outcome: 'denied',
          requestId: String(request.id),
          detail: { method: request.method, path: request.url.split('?')[0]!.slice(0, 200) },
        });
        refuse(reply, 401, 'unauthenticated', 'the credentials are invalid, expired or revoked', { 'www-authenticate': 'Bearer' });
      }
    }
    const retryAfter = actor
      ? await limiter.hit(`${actor.kind}:${actor.id}`, options.rateLimitPerMinute)
      : await limiter.hit(`addr:${request.ip}`, options.anonymousRateLimitPerMinute);
    if (retryAfter !== undefined) refuse(reply, 429, 'rate_limited', 'too many requests', { 'retry-after': String(retryAfter) });
    if (isPublic) return;
    if (!actor) refuse(reply, 401, 'unauthenticated', 'sign in or present an API token', { 'www-authenticate': 'Bearer' });
    if (request.session?.viaCookie && !safeMethods.has(request.method) && request.headers['x-csrf-token'] !== request.session.csrf) {
      refuse(reply, 403, 'csrf_failed', 'a cookie session must send its CSRF token in the X-CSRF-Token header');
    }
    // an API token does only what its scopes say: reading (reports:read) or writing (reports:write)
    const needed = safeMethods.has(request.method) ? 'reports:read' : 'reports:write';
    if (tokenScopes && !tokenScopes.includes(needed)) refuse(reply, 403, 'insufficient_scope', `this API token lacks the ${needed} scope`);
    request.actor = actor;
  });

  // every write, and every refusal, is on the audit trail
  app.addHook('onResponse', async (request, reply) => {
    if (!request.actor || request.routeOptions.config?.auditedByRoute) return;
    if (safeMethods.has(request.method) && reply.statusCode !== 403) return;
    if (request.routeOptions.config?.recordedByEvent && reply.statusCode < 400) return;
    const params = request.params as { id?: string } | undefined;
    await audit.record(
      request.actor,
      {
        action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        outcome: reply.statusCode < 400 ? 'success' : reply.statusCode === 403 ? 'denied' : 'failure',
        status: reply.statusCode,
        requestId: String(request.id),
        ...(params?.id ? { target: params.id } : {}),
      },
      String(request.id),
    );
  });

  async function authenticate(request: FastifyRequest, credential: { value: string; viaCookie: boolean }): Promise<{ actor: Actor; scopes?: readonly string[] } | undefined> {
    if (!credential.value) return undefined;
    if (credential.value.startsWith('ucsc_tok-') && !credential.viaCookie) {
      const token = await store.resolveToken(credential.value);
      return token ? { actor: tokenActor(token, request.ip), scopes: token.scopes } : undefined;
    }
    const session = await store.resolveSession(credential.value);
    if (!session) return undefined;
    const user = await store.getUser(session.userId);
    if (!user || user.disabled) return undefined;
    request.session = { ...session, token: credential.value, viaCookie: credential.viaCookie };
    return { actor: userActor(user, session.authenticatedBy, request.ip) };
  }
}

/** Who is making this request, as authentication established it (see installAuthentication). */
export function identify(request: FastifyRequest): Actor {
  if (!request.actor) throw new HttpError(401, 'unauthenticated', 'sign in or present an API token');
  return request.actor;
}
