import type { Authenticator } from '../identity/authenticators';
import type { AuditLog } from './audit';
import type { AuthFailures } from './auth-failures';

/** What authentication, rate limits and the audit trail of a service with a public API work with (see createAccess). */
export interface AuthenticationOptions {
  /** the owner's identity store (the board), or an exchange with the owner (every other service) */
  authenticator: Authenticator;
  audit: AuditLog;
  /** failed authentication per address: throttled, and aggregated on the audit trail */
  failures: AuthFailures;
  /** requests per minute for one signed-in user or API token */
  rateLimitPerMinute: number;
  /** requests per minute from one address without credentials */
  anonymousRateLimitPerMinute: number;
}
