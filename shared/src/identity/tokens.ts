import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import type { JSONWebKeySet, JWK, CryptoKey, KeyObject } from 'jose' with { 'resolution-mode': 'import' };
import type { Redis } from '../redis';
import type { Logger } from '../log';
import { roleSchema, type Actor } from '../contracts/common';

// jose is an ES module only; Node requires one synchronously (require(esm); under jest too: jest.config.js)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SignJWT, createLocalJWKSet, importJWK, jwtVerify } = require('jose') as typeof Jose;

/**
 * Access tokens: what the identity owner (the board) vouches for about a signed-in user or an API
 * token, signed with its key (EdDSA, Ed25519), so that every other service checks a request
 * with the owner's public key alone and never reads an identity key in Redis. They live for
 * ACCESS_TOKEN_SECONDS; a change of access reaches verifiers sooner, on the revocations channel.
 */
export const accessTokenIssuer = 'ucsc-identity';
export const accessTokenAlgorithm = 'EdDSA';

export const accessClaimsSchema = z.object({
  sub: z.string(),
  kind: z.enum(['user', 'api_token']),
  name: z.string(),
  org: z.string(),
  roles: z.array(roleSchema),
  provinces: z.array(z.string()),
  assignees: z.array(z.string()),
  amr: z.enum(['password', 'password+totp', 'api_token']),
  /** an API token's scopes (a session has none: its roles say what it may do) */
  scopes: z.array(z.string()).optional(),
  /** the access version of the subject when this was issued: a later change makes it void */
  ver: z.number().int().nonnegative(),
  /** a cookie session's CSRF token, as its SHA-256 (the double-submit check on writes) */
  csrf: z.string().optional(),
  iat: z.number(),
  exp: z.number(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

/** A change of a subject's access: its tokens issued before version `ver` are void. */
export const revocationSchema = z.object({ sub: z.string(), ver: z.number().int().nonnegative() });
export type Revocation = z.infer<typeof revocationSchema>;

/** The channel on which the owner announces revocations (a channel, not a key: verifiers read no identity key). */
export const revocationsChannel = (redisPrefix: string) => `${redisPrefix}identity:revocations`;

export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** A compact JWS, as opposed to our opaque session tokens and API tokens. */
export const looksLikeJwt = (credential: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(credential);

/** The public half of a private JWK (what verifiers are given). */
export function publicJwk(privateJwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = privateJwk;
  return { ...rest, use: 'sig', alg: accessTokenAlgorithm };
}

/** Parses a JWKS given in config: a JSON object with `keys`, each with a `kid` (so keys can rotate). */
export function parseJwks(json: string): JSONWebKeySet {
  const parsed = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string() })).min(1) }).parse(JSON.parse(json));
  return parsed as JSONWebKeySet;
}

/** The owner's signer. */
export class AccessTokenSigner {
  private constructor(
    private readonly key: CryptoKey | KeyObject | Uint8Array,
    readonly kid: string,
    readonly lifetimeSeconds: number,
  ) {}

  static async fromJwk(privateJwkJson: string, lifetimeSeconds: number): Promise<AccessTokenSigner> {
    const jwk = JSON.parse(privateJwkJson) as JWK;
    if (!jwk.d || !jwk.kid) throw new Error('IDENTITY_SIGNING_JWK must be a private JWK with a kid');
    return new AccessTokenSigner(await importJWK(jwk, accessTokenAlgorithm), jwk.kid, lifetimeSeconds);
  }

  async issue(actor: Actor, facts: { version: number; scopes?: readonly string[]; csrf?: string }): Promise<{ accessToken: string; expiresAt: string }> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Omit<AccessClaims, 'sub' | 'iat' | 'exp'> = {
      kind: actor.kind === 'api_token' ? 'api_token' : 'user',
      name: actor.name ?? '',
      org: actor.organisationId ?? '',
      roles: actor.roles ?? [],
      provinces: actor.provinceCodes ?? [],
      assignees: actor.assigneeIds ?? [],
      amr: actor.authenticatedBy as AccessClaims['amr'],
      ver: facts.version,
      ...(facts.scopes ? { scopes: [...facts.scopes] } : {}),
      ...(facts.csrf ? { csrf: sha256Hex(facts.csrf) } : {}),
    };
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: accessTokenAlgorithm, kid: this.kid, typ: 'at+jwt' })
      .setIssuer(accessTokenIssuer)
      .setSubject(actor.id)
      .setIssuedAt(now)
      .setExpirationTime(now + this.lifetimeSeconds)
      .sign(this.key);
    return { accessToken, expiresAt: new Date((now + this.lifetimeSeconds) * 1000).toISOString() };
  }
}

/**
 * What a verifier knows of revocations: the latest access version of each subject it was told
 * of, kept for as long as a token issued before it could still be unexpired. Fed by the owner's
 * channel; when the subscription comes back after a loss, what it missed is bounded by the
 * tokens' lifetime, and `onResync` lets the caller drop what it cached.
 */
export class Revocations {
  private readonly latest = new Map<string, { ver: number; until: number }>();
  private subscriber: Redis | undefined;
  private readyOnce = false;
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly keepMs: number,
    private readonly logger?: Logger,
  ) {}

  /** Subscribes on its own connection (a duplicate of `redis`); resolves once subscribed. */
  async start(redis: Redis, redisPrefix: string, onResync: () => void = () => undefined): Promise<void> {
    const channel = revocationsChannel(redisPrefix);
    const subscriber = redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      try {
        this.revoke(revocationSchema.parse(JSON.parse(message)));
      } catch (err) {
        this.logger?.warn({ err }, 'unreadable revocation ignored');
      }
    });
    subscriber.on('ready', () => {
      if (this.readyOnce) onResync();
      this.readyOnce = true;
    });
    subscriber.on('error', (err: unknown) => this.logger?.warn({ err }, 'revocations subscription error'));
    // bounded: a service starting while Redis is away still starts (ioredis subscribes once it
    // connects); until then it hears no revocation, and the tokens' lifetime is the bound
    const subscribed = subscriber.subscribe(channel).catch((err: unknown) => this.logger?.warn({ err }, 'could not subscribe to revocations yet'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    this.sweep = setInterval(() => this.forgetExpired(), Math.max(1000, this.keepMs)).unref();
  }

  revoke(revocation: Revocation): void {
    const known = this.latest.get(revocation.sub);
    if (known && known.ver >= revocation.ver) return;
    this.latest.set(revocation.sub, { ver: revocation.ver, until: Date.now() + this.keepMs });
  }

  /** Whether a token of this subject issued at version `ver` was made void by a later change. */
  isRevoked(sub: string, ver: number): boolean {
    const known = this.latest.get(sub);
    return known !== undefined && ver < known.ver;
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [sub, { until }] of this.latest) if (until <= now) this.latest.delete(sub);
  }

  async close(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await this.subscriber?.quit().catch(() => undefined);
  }
}

/** Checks an access token with the owner's public keys and the revocations heard: the claims, or undefined. */
export class AccessTokenVerifier {
  private readonly keys: ReturnType<typeof createLocalJWKSet>;

  constructor(
    jwks: JSONWebKeySet,
    private readonly revocations: Revocations,
  ) {
    this.keys = createLocalJWKSet(jwks);
  }

  async verify(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.keys, { issuer: accessTokenIssuer, algorithms: [accessTokenAlgorithm], typ: 'at+jwt', requiredClaims: ['sub', 'exp', 'iat'] });
      const claims = accessClaimsSchema.parse(payload);
      return this.revocations.isRevoked(claims.sub, claims.ver) ? undefined : claims;
    } catch {
      return undefined; // bad signature, expired, wrong issuer or shape: not a credential of ours
    }
  }
}

/** The actor an access token names. */
export function actorOfClaims(claims: AccessClaims, address?: string): Actor {
  return {
    kind: claims.kind,
    id: claims.sub,
    name: claims.name,
    organisationId: claims.org,
    roles: claims.roles,
    provinceCodes: claims.provinces,
    assigneeIds: claims.assignees,
    authenticatedBy: claims.amr,
    ...(address ? { address } : {}),
  };
}
