import type { Actor } from '../contracts/common';
import type { AuditRecorded } from '../contracts/audit';
import { makeEnvelope } from '../contracts/parse';
import type { EventPublisher } from '../bus/publisher';
import type { Logger } from '../log';

/** Writes the audit trail to Kafka. A failure is logged loudly; it never changes the answer already given. */
export class AuditLog {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly service: string,
    private readonly logger: Logger,
  ) {}

  async record(actor: Actor, entry: AuditRecorded, correlationId?: string): Promise<void> {
    const envelope = makeEnvelope('audit.recorded', entry, { producedBy: this.service, actor, ...(correlationId ? { correlationId } : {}) });
    try {
      await this.publisher.publish('auditEvents', [envelope]);
    } catch (err) {
      this.logger.error({ err, action: entry.action, actorId: actor.id }, 'audit entry could not be written to Kafka');
    }
  }
}

/** The actor of a request nobody authenticated (a failed sign-in, a missing token). */
export function anonymousActor(address: string): Actor {
  return { kind: 'user', id: 'anonymous', authenticatedBy: 'none', address };
}
