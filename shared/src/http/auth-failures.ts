import type { Actor } from '../contracts/common';
import type { AuditRecorded } from '../contracts/audit';
import type { AuditLog } from './audit';
import type { RateLimiter } from './ratelimit';

/**
 * Failed authentication (a bad token, a wrong password or code), counted per address. Past the
 * limit the address is refused (429) before anything is checked or written; on the audit trail,
 * kept forever, each address's failures are aggregated: the first of a window is recorded, then
 * one record when the address is throttled, with the count; nothing more in that window. A window
 * is the minute from the address's first failure (RateLimiter), not a clock minute.
 */
export class AuthFailures {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly audit: AuditLog,
    /** failures per minute from one address before it is throttled */
    readonly limitPerMinute: number,
  ) {}

  private key(address: string) {
    return `authfail:${address}`;
  }

  /** Seconds to wait when this address failed too often this minute, else undefined. */
  throttled(address: string): Promise<number | undefined> {
    return this.limiter.exhausted(this.key(address), this.limitPerMinute);
  }

  /** Counts a failure and writes what the audit trail needs of it (see the class). */
  async record(address: string, actor: Actor, entry: AuditRecorded): Promise<void> {
    const { count } = await this.limiter.hitCount(this.key(address));
    if (count === 1) await this.audit.record(actor, entry);
    else if (count === this.limitPerMinute) {
      await this.audit.record(actor, {
        ...entry,
        action: 'auth.throttled',
        detail: { ...entry.detail, address, failures: count, windowSeconds: 60 },
      });
    }
  }
}
