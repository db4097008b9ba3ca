import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  anonymousActor,
  commonProblems,
  problemSchema,
  userSchema,
  csrfCookie,
  HttpError,
  identify,
  publicUser,
  sessionCookie,
  userActor,
  sameSecret,
  type OwnerAccess,
} from '@ucsc/shared';

const signInBody = z.strictObject({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(500),
  totp: z.string().regex(/^\d{6}$/, 'six digits').optional(),
});

export interface AuthRoutesOptions {
  /** intake's address as a browser reaches it */
  intakePublicUrl: string;
  dispatchPublicUrl: string;
  access: OwnerAccess;
  /** what the other services present to exchange a credential (IDENTITY_SERVICE_KEY) */
  serviceKey: string;
  cookieSecure: boolean;
  sessionMaxSeconds: number;
}

/** Sign-in, sign-out and "who am I" for people; machines use API tokens instead. */
const publicUserSchema = userSchema.omit({ passwordHash: true, totpSecret: true }).extend({ totpEnrolled: z.boolean() });
const signedIn = z.object({
  token: z.string().optional().describe('the session token, for a client that sends it as a bearer token; never to a browser (a request with Sec-Fetch-Site), whose session is the HttpOnly cookie'),
  csrfToken: z.string().describe('echo it in X-CSRF-Token on every write made with the cookie'),
  expiresAt: z.string(),
  user: publicUserSchema,
});
const signInProblems = {
  ...commonProblems,
  400: problemSchema,
  401: problemSchema.describe('invalid_credentials, or totp_required'),
  423: problemSchema.describe('account_locked: retry after Retry-After, or with the right password and code'),
} as const;
const whoAmI = z.looseObject({ actor: z.looseObject({ kind: z.string(), id: z.string() }), user: publicUserSchema.optional(), csrfToken: z.string().optional(), links: z.object({ intake: z.string(), dispatch: z.string() }) });

export async function authRoutes(fastify: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const { store, audit, failures, authenticator, signer } = options.access;
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // the session cookie is HttpOnly; the CSRF one is read by the page, to echo it on writes
  const setCookies = (reply: FastifyReply, session: string, csrf: string, maxAge: number) => {
    const attributes = { path: '/', maxAge, sameSite: 'strict', secure: options.cookieSecure } as const;
    void reply.setCookie(sessionCookie, session, { ...attributes, httpOnly: true }).setCookie(csrfCookie, csrf, attributes);
  };

  const signIn = { summary: 'Sign in: a session as an HttpOnly cookie (and its CSRF token)', body: signInBody, response: { ...signInProblems, 200: signedIn } };
  app.post('/api/v1/auth/login', { config: { public: true, auditedByRoute: true }, schema: signIn }, async (request, reply) => {
    const body = request.body;
    const wait = await failures.throttled(request.ip);
    if (wait !== undefined) throw new HttpError(429, 'rate_limited', 'too many failed sign-ins from this address', [], { 'retry-after': String(wait) });
    const result = await store.signIn(body.username, body.password, body.totp, request.ip);
    const requestId = String(request.id);
    if (!result.ok) {
      const who = result.user ? userActor(result.user, 'none', request.ip) : anonymousActor(request.ip);
      const detail = { username: body.username.toLowerCase(), reason: result.reason };
      // the moment an account locks is always on the trail; other failures are aggregated per address
      if (result.lockedNow) await audit.record(who, { action: 'auth.locked_out', outcome: 'failure', requestId, detail });
      else if (result.reason !== 'totp_required') await failures.record(request.ip, who, { action: 'auth.sign_in_failed', outcome: 'failure', requestId, detail });
      if (result.reason === 'locked') {
        const how = result.secondFactorPasses ? 'the right password with the code from the authenticator app still signs in' : 'try again later or from your usual address';
        throw new HttpError(423, 'account_locked', `too many failed sign-ins; ${how}`, [], { 'retry-after': String(result.retryAfterSeconds ?? 60) });
      }
      if (result.reason === 'totp_required') throw new HttpError(401, 'totp_required', 'this account needs the code from its authenticator app');
      throw new HttpError(401, 'invalid_credentials', 'wrong username, password or code');
    }
    const actor = userActor(result.user, result.session.authenticatedBy, request.ip);
    await audit.record(actor, { action: 'auth.signed_in', outcome: 'success', requestId, detail: { method: result.session.authenticatedBy } });
    const maxAge = options.sessionMaxSeconds;
    setCookies(reply, result.token, result.session.csrf, maxAge);
    // a browser (it sends Sec-Fetch-Site, which no page script can remove) keeps its session in
    // the HttpOnly cookie alone: a token in the body would be readable by any script on the page
    const browser = request.headers['sec-fetch-site'] !== undefined;
    return {
      ...(browser ? {} : { token: result.token }),
      csrfToken: result.session.csrf,
      expiresAt: new Date(result.session.absoluteExpiresAt).toISOString(),
      user: publicUser(result.user),
    };
  });

  app.post('/api/v1/auth/logout', { config: { auditedByRoute: true }, schema: { summary: 'Sign out: the session ends', response: { ...commonProblems, 204: z.undefined() } } }, async (request, reply: FastifyReply) => {
    const actor = identify(request);
    if (request.session) await store.endSession(request.session.token);
    await audit.record(actor, { action: 'auth.signed_out', outcome: 'success', requestId: String(request.id) });
    setCookies(reply, '', '', 0);
    return reply.status(204).send();
  });

  app.get('/api/v1/auth/me', { schema: { summary: 'Who this session or token is', response: { ...commonProblems, 200: whoAmI } } }, async (request) => {
    const actor = identify(request);
    const user = actor.kind === 'user' ? await store.getUser(actor.id) : undefined;
    return {
      actor,
      ...(user ? { user: publicUser(user) } : {}),
      ...(request.session?.csrf ? { csrfToken: request.session.csrf } : {}),
      // where the page sends a browser for what another service serves (attachment downloads)
      links: { intake: options.intakePublicUrl, dispatch: options.dispatchPublicUrl },
    };
  });

  // ---- the identity owner's side of the other services' checks ----

  app.get('/.well-known/jwks.json', { config: { public: true }, schema: { summary: 'The public keys access tokens are signed with', response: { 200: z.looseObject({ keys: z.array(z.looseObject({})) }) } } }, async (_request, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    return options.access.jwks;
  });

  const exchangeBody = z.strictObject({ credential: z.string().min(1).max(4096), viaCookie: z.boolean() });
  const exchanged = z.object({ accessToken: z.string(), expiresAt: z.string() });
  /*
   * Another service (intake, dispatch) exchanges the opaque credential a request presented to it
   * for an access token it can check itself. Called with the services' key, never by a browser:
   * not counted by the rate limit (that service counts its own clients, and its own failed
   * authentications per client address), not audited (the request it serves is). A wrong
   * service key is a failed authentication of the address that sent it.
   */
  app.post(
    '/api/v1/identity/exchange',
    {
      config: { public: true, rateLimit: false, auditedByRoute: true },
      schema: { summary: 'For the other services: an access token for a session or API token', hide: true, body: exchangeBody, response: { ...commonProblems, 200: exchanged } },
    },
    async (request) => {
      const wait = await failures.throttled(request.ip);
      if (wait !== undefined) throw new HttpError(429, 'rate_limited', 'too many failed authentications from this address', [], { 'retry-after': String(wait) });
      const presented = request.headers['x-ucsc-service-key'];
      if (typeof presented !== 'string' || !sameSecret(presented, options.serviceKey)) {
        await failures.record(request.ip, anonymousActor(request.ip), { action: 'auth.rejected', outcome: 'denied', requestId: String(request.id), detail: { method: 'POST', path: '/api/v1/identity/exchange' } });
        throw new HttpError(401, 'unauthenticated', 'this route is for the services of ucsc');
      }
      const { credential, viaCookie } = request.body;
      const found = await authenticator.authenticateForExchange(credential, viaCookie, request.ip);
      if (!found) throw new HttpError(401, 'unauthenticated', 'the credentials are invalid, expired or revoked');
      return signer.issue(found.actor, {
        version: found.version,
        ...(found.scopes ? { scopes: found.scopes } : {}),
        ...(viaCookie && found.session?.csrf ? { csrf: found.session.csrf } : {}),
      });
    },
  );
}
