import type { Actor } from '../contracts/common';
import { HttpError } from '../http/errors';
import { tokenActor, userActor, type IdentityStore } from './store';
import { actorOfClaims, looksLikeJwt, sha256Hex, type AccessClaims, type AccessTokenVerifier } from './tokens';

/** A session as a request carries it: the credential presented, how, and what its CSRF check needs. */
export interface RequestSession {
  token: string;
  viaCookie: boolean;
  /** SHA-256 of the session's CSRF token (a cookie session echoes the token on writes) */
  csrfHash?: string;
  /** the CSRF token itself, known only to the owner (it hands it to its page) */
  csrf?: string;
}

/** Who a credential names, with what it may do. */
export interface Authenticated {
  actor: Actor;
  scopes?: readonly string[];
  session?: RequestSession;
}

/** Checks the credential a request presents (a session token, by cookie or bearer, or an API token). */
export interface Authenticator {
  authenticate(credential: string, viaCookie: boolean, address: string): Promise<Authenticated | undefined>;
}

/** The shapes of our opaque credentials (a session token, an API token): anything else is refused without asking. */
const opaqueCredential = /^(?:[\w-]{32,64}|ucsc_tok-[0-9A-Z]{26}\.[\w-]{20,100})$/;

const apiTokenId = (credential: string) => /^ucsc_(tok-[0-9A-Z]{26})\./.exec(credential)?.[1];

/**
 * The identity owner's check: the credential against the identity store's keys. Only the owner
 * (the board) has one; every other service asks the owner through an ExchangingAuthenticator.
 */
export class StoreAuthenticator implements Authenticator {
  constructor(private readonly store: IdentityStore) {}

  authenticate(credential: string, viaCookie: boolean, address: string): Promise<Authenticated | undefined> {
    return this.resolve(credential, viaCookie, address, false);
  }

  /**
   * The same, with the subject's access version read before its record (so that a change made
   * meanwhile voids what is issued from it, rather than being missed): what the exchange signs.
   */
  async authenticateForExchange(credential: string, viaCookie: boolean, address: string): Promise<(Authenticated & { version: number }) | undefined> {
    return (await this.resolve(credential, viaCookie, address, true)) as (Authenticated & { version: number }) | undefined;
  }

  private async resolve(credential: string, viaCookie: boolean, address: string, withVersion: boolean): Promise<(Authenticated & { version?: number }) | undefined> {
    const { store } = this;
    if (!credential) return undefined;
    if (credential.startsWith('ucsc_tok-') && !viaCookie) {
      const id = apiTokenId(credential);
      const version = withVersion && id ? await store.accessVersion(id) : undefined;
      const token = await store.resolveToken(credential);
      return token ? { actor: tokenActor(token, address), scopes: token.scopes, ...(version !== undefined ? { version } : {}) } : undefined;
    }
    if (looksLikeJwt(credential)) return undefined; // the owner takes its own opaque credentials only
    const session = await store.resolveSession(credential);
    if (!session) return undefined;
    const version = withVersion ? await store.accessVersion(session.userId) : undefined;
    const user = await store.getUser(session.userId);
    if (!user || user.disabled) return undefined;
    return {
      actor: userActor(user, session.authenticatedBy, address),
      session: { token: credential, viaCookie, csrf: session.csrf, csrfHash: sha256Hex(session.csrf) },
      ...(version !== undefined ? { version } : {}),
    };
  }
}

export interface ExchangeOptions {
  /** the owner's base URL (the board), as this service reaches it */
  ownerUrl: string;
  /** what this service shows the owner to be let exchange credentials */
  serviceKey: string;
  timeoutMs?: number;
  /** cached exchanges at most (the oldest goes first) */
  maxCached?: number;
}

/**
 * A service other than the owner: an access token presented as a bearer is checked locally with
 * the owner's public key; an opaque credential (session or API token) is exchanged once at the
 * owner for an access token, kept until it expires or a revocation voids it, and checked the same
 * way. Nothing here reads an identity key.
 */
export class ExchangingAuthenticator implements Authenticator {
  private readonly cache = new Map<string, AccessClaims>();
  private readonly inFlight = new Map<string, Promise<AccessClaims | undefined>>();
  /** how many exchanges this copy asked the owner for (tests and metrics read it) */
  exchanges = 0;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly revocations: { isRevoked(sub: string, ver: number): boolean },
    private readonly options: ExchangeOptions,
  ) {}

  /** Forgets every exchange (after the revocations channel was lost for a while). */
  forgetAll(): void {
    this.cache.clear();
  }

  async authenticate(credential: string, viaCookie: boolean, address: string): Promise<Authenticated | undefined> {
    if (!credential) return undefined;
    if (looksLikeJwt(credential)) {
      if (viaCookie) return undefined; // our cookie holds a session token, never an access token
      const claims = await this.verifier.verify(credential);
      return claims ? { actor: actorOfClaims(claims, address), ...(claims.scopes ? { scopes: claims.scopes } : {}) } : undefined;
    }
    if (!opaqueCredential.test(credential)) return undefined;
    const key = sha256Hex(`${viaCookie ? 'cookie' : 'bearer'}:${credential}`);
    let claims = this.cache.get(key);
    if (claims && !this.usable(claims)) {
      this.cache.delete(key);
      claims = undefined;
    }
    if (!claims) {
      let pending = this.inFlight.get(key);
      if (!pending) {
        pending = this.exchange(credential, viaCookie).finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, pending);
      }
      claims = await pending;
      if (!claims) return undefined;
      this.remember(key, claims);
    }
    return {
      actor: actorOfClaims(claims, address),
      ...(claims.scopes ? { scopes: claims.scopes } : {}),
      ...(claims.kind === 'user' ? { session: { token: credential, viaCookie, ...(claims.csrf ? { csrfHash: claims.csrf } : {}) } } : {}),
    };
  }

  private usable(claims: AccessClaims): boolean {
    // a second of margin, so that a token is not used in the instant it expires
    return claims.exp * 1000 > Date.now() + 1000 && !this.revocations.isRevoked(claims.sub, claims.ver);
  }

  private remember(key: string, claims: AccessClaims): void {
    this.cache.delete(key);
    this.cache.set(key, claims);
    const max = this.options.maxCached ?? 50_000;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
  }

  private async exchange(credential: string, viaCookie: boolean): Promise<AccessClaims | undefined> {
    this.exchanges += 1;
    let response: Response;
    try {
      response = await fetch(new URL('/api/v1/identity/exchange', this.options.ownerUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ucsc-service-key': this.options.serviceKey },
        body: JSON.stringify({ credential, viaCookie }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
      });
    } catch {
      throw unavailable();
    }
    if (response.status === 401 || response.status === 400) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw unavailable();
    }
    const { accessToken } = (await response.json()) as { accessToken: string };
    const claims = await this.verifier.verify(accessToken);
    return claims && this.usable(claims) ? claims : undefined;
  }
}

const unavailable = () => new HttpError(503, 'identity_unavailable', 'the credentials cannot be checked now; try again shortly', [], { 'retry-after': '5' });
