import type { Logger } from '../log';
import type { Redis } from '../redis';
import type { EventPublisher } from '../bus/publisher';
import { IdentityStore } from '../identity/store';
import { ExchangingAuthenticator, StoreAuthenticator } from '../identity/authenticators';
import { AccessTokenSigner, AccessTokenVerifier, Revocations, parseJwks, publicJwk } from '../identity/tokens';
import { AuditLog } from './audit';
import { RateLimiter } from './ratelimit';
import { AuthFailures } from './auth-failures';
import type { AuthenticationOptions } from './auth';

export interface AccessConfig {
  REDIS_PREFIX: string;
  RATE_LIMIT_PER_MINUTE: number;
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: number;
  AUTH_FAILURES_PER_MINUTE: number;
}

export interface OwnerAccessConfig extends AccessConfig {
  SESSION_IDLE_MINUTES: number;
  SESSION_MAX_HOURS: number;
  MAX_FAILED_SIGN_INS: number;
  LOCKOUT_MINUTES: number;
  IDENTITY_SIGNING_JWK: string;
  ACCESS_TOKEN_SECONDS: number;
}

export interface VerifierAccessConfig extends AccessConfig {
  IDENTITY_URL: string;
  IDENTITY_PUBLIC_JWKS: string;
  IDENTITY_SERVICE_KEY: string;
  ACCESS_TOKEN_SECONDS: number;
}

/** The identity owner's access (the board): its store, the signer of access tokens and the store's check. */
export interface OwnerAccess extends AuthenticationOptions {
  store: IdentityStore;
  signer: AccessTokenSigner;
  authenticator: StoreAuthenticator;
  /** the public keys verifiers are given (GET /.well-known/jwks.json serves them too) */
  jwks: { keys: Record<string, unknown>[] };
}

export interface VerifierAccess extends AuthenticationOptions {
  authenticator: ExchangingAuthenticator;
  revocations: Revocations;
}

function common(config: AccessConfig, redis: Redis, publisher: EventPublisher, service: string, logger: Logger) {
  const limiter = new RateLimiter(redis, config.REDIS_PREFIX);
  const audit = new AuditLog(publisher, service, logger);
  return {
    audit,
    failures: new AuthFailures(limiter, audit, config.AUTH_FAILURES_PER_MINUTE),
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    anonymousRateLimitPerMinute: config.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
  };
}

/** The identity owner's store, signer, failed-authentication throttle and audit log, from its config. */
export async function createOwnerAccess(config: OwnerAccessConfig, redis: Redis, publisher: EventPublisher, service: string, logger: Logger): Promise<OwnerAccess> {
  const store = new IdentityStore(redis, config.REDIS_PREFIX, {
    sessionIdleSeconds: config.SESSION_IDLE_MINUTES * 60,
    sessionMaxSeconds: config.SESSION_MAX_HOURS * 3600,
    maxFailedSignIns: config.MAX_FAILED_SIGN_INS,
    lockoutSeconds: config.LOCKOUT_MINUTES * 60,
  }, publisher);
  const signer = await AccessTokenSigner.fromJwk(config.IDENTITY_SIGNING_JWK, config.ACCESS_TOKEN_SECONDS);
  return {
    ...common(config, redis, publisher, service, logger),
    store,
    signer,
    authenticator: new StoreAuthenticator(store),
    jwks: { keys: [publicJwk(JSON.parse(config.IDENTITY_SIGNING_JWK)) as Record<string, unknown>] },
  };
}

/**
 * A service other than the identity owner: it checks credentials with the owner's public keys
 * and the revocations the owner announces, exchanging opaque ones at the owner; it reads no
 * identity key. Resolves once the revocations channel is subscribed.
 */
export async function createVerifierAccess(config: VerifierAccessConfig, redis: Redis, publisher: EventPublisher, service: string, logger: Logger): Promise<VerifierAccess> {
  // a revocation is remembered as long as a token issued before it may still be presented
  const revocations = new Revocations((config.ACCESS_TOKEN_SECONDS + 60) * 1000, logger);
  const verifier = new AccessTokenVerifier(parseJwks(config.IDENTITY_PUBLIC_JWKS), revocations);
  const authenticator = new ExchangingAuthenticator(verifier, revocations, { ownerUrl: config.IDENTITY_URL, serviceKey: config.IDENTITY_SERVICE_KEY });
  await revocations.start(redis, config.REDIS_PREFIX, () => authenticator.forgetAll());
  return { ...common(config, redis, publisher, service, logger), authenticator, revocations };
}
