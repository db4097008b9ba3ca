import type { Logger } from '../log';
import type { Redis } from '../redis';
import type { EventPublisher } from '../bus/publisher';
import { IdentityStore } from '../identity/store';
import { AuditLog } from './audit';
import { RateLimiter } from './ratelimit';
import { AuthFailures } from './auth-failures';
import type { AuthenticationOptions } from './auth';

export interface AccessConfig {
  REDIS_PREFIX: string;
  RATE_LIMIT_PER_MINUTE: number;
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: number;
  AUTH_FAILURES_PER_MINUTE: number;
  SESSION_IDLE_MINUTES: number;
  SESSION_MAX_HOURS: number;
  MAX_FAILED_SIGN_INS: number;
  LOCKOUT_MINUTES: number;
}

/** The identity store, failed-authentication throttle and audit log of a service, from its config. */
export function createAccess(config: AccessConfig, redis: Redis, publisher: EventPublisher, service: string, logger: Logger): AuthenticationOptions {
  const limiter = new RateLimiter(redis, config.REDIS_PREFIX);
  const audit = new AuditLog(publisher, service, logger);
  return {
    store: new IdentityStore(redis, config.REDIS_PREFIX, {
      sessionIdleSeconds: config.SESSION_IDLE_MINUTES * 60,
      sessionMaxSeconds: config.SESSION_MAX_HOURS * 3600,
      maxFailedSignIns: config.MAX_FAILED_SIGN_INS,
      lockoutSeconds: config.LOCKOUT_MINUTES * 60,
    }),
    audit,
    failures: new AuthFailures(limiter, audit, config.AUTH_FAILURES_PER_MINUTE),
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    anonymousRateLimitPerMinute: config.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
  };
}
