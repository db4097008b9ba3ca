import { createHash } from 'node:crypto';
import {
  HttpError,
  makeEnvelope,
  newId,
  PublishOutcomeUnknown,
  readIncident,
  reportedView,
  type Actor,
  type AttachmentRef,
  type BatchingPublisher,
  type Envelope,
  type FollowUpSubmission,
  type IncidentSummary,
  type IncidentView,
  type Logger,
  type ProvinceRef,
  type Redis,
  type ReportSubmission,
} from '@ucsc/shared';
import type { AttachmentStore } from './attachments';
import { contentHash, reportFingerprint, toReportedPayload } from './domain/report';
import type { SubmissionLedger } from './idempotency';

export interface Stored<R> {
  response: R;
  /** true when this was a retry of a submission already stored: nothing new was recorded */
  replayed: boolean;
}

export interface SubmissionContext {
  actor: Actor;
  correlationId: string;
  /** the Idempotency-Key header, when the client sent one */
  idempotencyKey?: string | undefined;
}

export interface ReportAccepted {
  incidentId: string;
  status: 'cho';
  reportedAt: string;
  province: ProvinceRef;
  attachments?: { sha256: string; filename: string }[];
}

export interface NewAttachment {
  content: Buffer;
  meta: Omit<AttachmentRef, 'sha256' | 'size'>;
}

/** A day is long past the moment the tracker projects the incident; the receipt only bridges that gap. */
const receiptSeconds = 24 * 3600;

/**
 * Stores submissions: each exactly once in Kafka (acks=all, batched with other requests), a
 * retry answered with the first result, and a failure answered with 503 and nothing recorded.
 */
export class Submissions {
  constructor(
    private readonly deps: {
      publisher: BatchingPublisher;
      ledger: SubmissionLedger;
      redis: Redis;
      redisPrefix: string;
      attachments: AttachmentStore;
      retryAfterSeconds: number;
      leaseMs: number;
      logger: Logger;
    },
  ) {}

  private unavailable(what: string, detail = 'nothing was recorded, retry later'): HttpError {
    return new HttpError(503, 'storage_unavailable', `the ${what} could not be stored; ${detail}`, [], {
      'retry-after': String(this.deps.retryAfterSeconds),
    });
  }

  private receiptKey(incidentId: string): string {
    return `${this.deps.redisPrefix}intake:receipt:${incidentId}`;
  }

  /** The incident as the tracker projected it, or as intake stored it moments ago (its receipt). */
  async findIncident(id: string): Promise<IncidentSummary | undefined> {
    try {
      const projected = await readIncident(this.deps.redis, this.deps.redisPrefix, id);
      if (projected) return projected;
      const receipt = await this.deps.redis.get(this.receiptKey(id));
      return receipt ? (JSON.parse(receipt) as IncidentSummary) : undefined;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'reading the incident failed');
      throw new HttpError(503, 'read_unavailable', 'the incident cannot be read right now, retry later', [], {
        'retry-after': String(this.deps.retryAfterSeconds),
      });
    }
  }

  /**
   * The one way anything is stored: claim the submission in the ledger, publish, then record the
   * answer. `build` makes the events from the id and time of the first attempt.
   */
  private async store<R>(
    ledgerKey: string,
    hash: string,
    compareContent: boolean,
    build: (id: string, receivedAt: string) => { envelopes: Envelope<'incident.reported' | 'incident.follow_up_reported' | 'incident.attachment_added'>[]; response: R },
    receiptOf?: (envelopes: Envelope[]) => { key: string; value: string; ttlSeconds: number },
  ): Promise<Stored<R>> {
    const { ledger, publisher, logger } = this.deps;
    const candidate = { id: newId(), contentHash: hash, receivedAt: new Date().toISOString() };
    let claim;
    try {
      claim = await ledger.claimOrWait(ledgerKey, candidate, this.deps.leaseMs);
    } catch (error) {
      // without the ledger a retry could make a second incident: refuse rather than risk it
      logger.warn({ err: error }, 'idempotency ledger unavailable');
      throw this.unavailable('submission');
    }
    if (compareContent && claim.record.contentHash !== hash) {
      if (claim.outcome === 'claimed') await ledger.release(ledgerKey, claim.owner).catch(() => undefined);
      throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different submission; use a new key for new content');
    }
    if (claim.outcome === 'stored') return { response: claim.record.response as R, replayed: true };
    if (claim.outcome === 'in_flight') {
      throw new HttpError(409, 'submission_in_progress', 'the same submission is being stored right now; retry shortly', [], { 'retry-after': '1' });
    }
    const { envelopes, response } = build(claim.record.id, claim.record.receivedAt);
    try {
      await publisher.publish('incidentEvents', envelopes);
    } catch (error) {
      if (error instanceof PublishOutcomeUnknown) {
        // the broker may still store it: the claim is kept until we know, so that a retry waits
        // for this attempt (and is then answered with its 202) rather than storing it twice
        void error.outcome.then(async (stored) => {
          if (stored) await ledger.complete(ledgerKey, claim.owner, response, receiptOf?.(envelopes));
          else await ledger.release(ledgerKey, claim.owner);
        }).catch((err: unknown) => logger.warn({ err }, 'recording the late outcome of a submission failed'));
        throw this.unavailable('submission', 'it may still be stored: retry with the same Idempotency-Key');
      }
      await ledger.release(ledgerKey, claim.owner).catch(() => undefined);
      throw this.unavailable('submission');
    }
    // Kafka has it: the answer is 202 even if Redis fails now; a retry would then store the same
    // events under the same id, which the projection ignores.
    await ledger
      .complete(ledgerKey, claim.owner, response, receiptOf?.(envelopes))
      .catch((error: unknown) => logger.warn({ err: error }, 'stored in Kafka, but recording the answer in Redis failed'));
    return { response, replayed: false };
  }

  /** Retries are recognised within the submitting organisation: another's key or report is never answered with its incident. */
  private ledgerScope(actor: Actor): string {
    return createHash('sha256')
      .update(actor.organisationId ?? actor.id)
      .digest('hex')
      .slice(0, 32);
  }

  /** Who produced an event of this submission, and for which request. */
  private envelopeContext(ctx: SubmissionContext) {
    return { producedBy: 'intake', actor: ctx.actor, correlationId: ctx.correlationId };
  }

  private keyHash(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  /** An initial report (Biểu mẫu 03), with the attachments that came with it (email). */
  async submitReport(
    submission: ReportSubmission,
    province: ProvinceRef,
    ctx: SubmissionContext,
    attachments: NewAttachment[] = [],
  ): Promise<Stored<ReportAccepted>> {
    const { ledger } = this.deps;
    const ledgerKey = ctx.idempotencyKey
      ? ledger.key(`report-key:${this.ledgerScope(ctx.actor)}`, this.keyHash(ctx.idempotencyKey))
      : ledger.key(`report:${this.ledgerScope(ctx.actor)}`, reportFingerprint(submission));
    const refs: AttachmentRef[] = [];
    for (const a of attachments) refs.push({ ...(await this.putContent(a.content)), ...a.meta });
    return this.store(
      ledgerKey,
      contentHash(submission),
      Boolean(ctx.idempotencyKey),
      (incidentId, reportedAt) => {
        const meta = this.envelopeContext(ctx);
        const reported = makeEnvelope('incident.reported', toReportedPayload(submission, province, incidentId, reportedAt), { ...meta, payloadAlreadyValidated: true });
        // one produce request: the report and its attachments land together or not at all
        const added = refs.map((attachment) => makeEnvelope('incident.attachment_added', { incidentId, attachment }, { ...meta, causationId: reported.id }));
        const response: ReportAccepted = {
          incidentId,
          status: 'cho',
          reportedAt,
          province,
          ...(refs.length ? { attachments: refs.map((r) => ({ sha256: r.sha256, filename: r.filename })) } : {}),
        };
        return { envelopes: [reported, ...added], response };
      },
      (envelopes) => {
        const reported = envelopes[0] as Envelope<'incident.reported'>;
        // what status, visibility and follow-ups need; the long texts stay on the event (and the projection)
        const { report: _details, description: _text, ...receipt }: IncidentView = reportedView(reported, 0);
        const summary: IncidentSummary = receipt;
        return { key: this.receiptKey(reported.payload.incidentId), value: JSON.stringify(summary), ttlSeconds: receiptSeconds };
      },
    );
  }

  /** A follow-up report on an incident the caller may see. */
  async submitFollowUp(incident: IncidentSummary, report: FollowUpSubmission, ctx: SubmissionContext): Promise<Stored<{ incidentId: string; followUpId: string; kind: string; receivedAt: string }>> {
    const hash = contentHash(report);
    const ledgerKey = this.deps.ledger.key(`follow-up:${incident.id}`, ctx.idempotencyKey ? `key:${this.keyHash(ctx.idempotencyKey)}` : `content:${hash}`);
    return this.store(ledgerKey, hash, Boolean(ctx.idempotencyKey), (followUpId, receivedAt) => ({
      envelopes: [
        makeEnvelope('incident.follow_up_reported', { incidentId: incident.id, followUpId, receivedAt, report }, this.envelopeContext(ctx)),
      ],
      response: { incidentId: incident.id, followUpId, kind: report.kind, receivedAt },
    }));
  }

  private async putContent(content: Buffer): Promise<{ sha256: string; size: number }> {
    try {
      return await this.deps.attachments.put(content);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'storing attachment content failed');
      throw this.unavailable('attachment');
    }
  }

  /**
   * Evidence on an incident: the content first (content-addressed, so a retry writes nothing new),
   * then the event that references it. Content whose event failed is referenced by nothing, so
   * nobody can download it.
   */
  async addAttachment(incident: IncidentSummary, attachment: NewAttachment, ctx: SubmissionContext): Promise<Stored<AttachmentRef & { incidentId: string }>> {
    const { sha256, size } = await this.putContent(attachment.content);
    const ref: AttachmentRef = { sha256, size, ...attachment.meta };
    const ledgerKey = this.deps.ledger.key(`attachment:${incident.id}`, sha256);
    return this.store(ledgerKey, sha256, false, () => ({
      envelopes: [makeEnvelope('incident.attachment_added', { incidentId: incident.id, attachment: ref }, this.envelopeContext(ctx))],
      response: { incidentId: incident.id, ...ref },
    }));
  }
}
