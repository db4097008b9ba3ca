/// <reference types="@fastify/cookie" preserve="true" />
// (so that a service using reply.setCookie sees its types through @ucsc/shared)
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type { Actor } from '../../contracts/common';
import type { Authenticated, RequestSession } from '../../identity/authenticators';
import { anonymousActor } from '../audit';
import { HttpError } from '../errors';
import type { AuthenticationOptions } from '../auth';

declare module 'fastify' {
  interface FastifyRequest {
    /** who the request's credentials name, once checked; the rate limit counts against it */
    authenticated?: Authenticated;
    /** who is making the request, once every check of authentication passed (see identify) */
    actor?: Actor;
    session?: RequestSession;
  }
  interface FastifyContextConfig {
    /** reachable without signing in (health, metrics, the page shell, sign-in itself) */
    public?: boolean;
  }
}

export const sessionCookie = 'ucsc_session';
export const csrfCookie = 'ucsc_csrf';
export const safeMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

function credentialOf(request: FastifyRequest): { value: string; viaCookie: boolean } | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match ? { value: match[1]!, viaCookie: false } : { value: '', viaCookie: false };
  }
  const cookie = request.cookies[sessionCookie];
  return cookie ? { value: cookie, viaCookie: true } : undefined;
}

/**
 * Every request is authenticated (a session, by cookie or bearer token, or an organisation's API
 * token) unless its route is marked public. Two steps, so that the rate limit (ratelimitsPlugin)
 * counts between them against whom the credentials name, or the address: onRequest checks the
 * credentials presented (an address that keeps presenting bad ones is refused before they are
 * looked up); preParsing, before any body is read, refuses a request without them and a token
 * outside its scopes.
 */
export const authenticationPlugin = fp(
  async (app: FastifyInstance, options: { access: AuthenticationOptions }) => {
    const { authenticator, failures } = options.access;
    // a cookie that is not valid percent-encoding is kept as sent: no session of ours, never a 500
    await app.register(cookie);
    app.decorateRequest('authenticated', undefined);
    app.decorateRequest('actor', undefined);
    app.decorateRequest('session', undefined);

    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config?.public === true) return;
      const credential = credentialOf(request);
      if (!credential) return;
      const wait = await failures.throttled(request.ip);
      if (wait !== undefined) throw new HttpError(429, 'rate_limited', 'too many failed authentications from this address', [], { 'retry-after': String(wait) });
      request.authenticated = await authenticator.authenticate(credential.value, credential.viaCookie, request.ip);
      if (request.authenticated?.session) request.session = request.authenticated.session;
      if (!request.authenticated) {
        await failures.record(request.ip, anonymousActor(request.ip), {
          action: 'auth.rejected',
          outcome: 'denied',
          requestId: String(request.id),
          detail: { method: request.method, path: request.url.split('?')[0]!.slice(0, 200) },
        });
        throw new HttpError(401, 'unauthenticated', 'the credentials are invalid, expired or revoked', [], { 'www-authenticate': 'Bearer' });
      }
    });

    app.addHook('preParsing', async (request) => {
      if (request.routeOptions.config?.public === true) return;
      const { actor, scopes } = request.authenticated ?? {};
      if (!actor) throw new HttpError(401, 'unauthenticated', 'sign in or present an API token', [], { 'www-authenticate': 'Bearer' });
      // an API token does only what its scopes say: reading (reports:read) or writing (reports:write)
      const needed = safeMethods.has(request.method) ? 'reports:read' : 'reports:write';
      if (scopes && !scopes.includes(needed)) throw new HttpError(403, 'insufficient_scope', `this API token lacks the ${needed} scope`);
      request.actor = actor;
    });
  },
  { name: 'ucsc-authentication', fastify: '5.x' },
);

/** Who is making this request, as authentication established it (see authenticationPlugin). */
export function identify(request: FastifyRequest): Actor {
  if (!request.actor) throw new HttpError(401, 'unauthenticated', 'sign in or present an API token');
  return request.actor;
}
