import { z } from 'zod';
import { envelopeSchema, messageSchemas, type Envelope, type MessageType, type Payload } from './messages';
import { topics, type TopicKey, type TopicMessageType } from './topics';
import { newId, type Actor } from './common';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: string; message: string; issues?: string[] };

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/**
 * Reads one record of a topic: JSON, the envelope, a type the topic allows, and that type's
 * payload. Anything else is a reason to dead-letter the record, never to retry it.
 */
export function parseMessage<K extends TopicKey>(
  topic: K,
  value: Buffer | null,
  /** the part of a type's payload this reader uses, checked instead of the whole (see ConsumerOptions.reads) */
  reads?: PayloadReads<TopicMessageType<K>>,
): ParseResult<Envelope<TopicMessageType<K>>> {
  if (value === null) return { ok: false, code: 'empty_record', message: 'record has no value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (e) {
    // not the parser's own message: it quotes the record, which may be marked RED, into logs and dead letters
    const position = /position (\d+)/.exec((e as Error).message)?.[1];
    return { ok: false, code: 'invalid_json', message: `record is not valid JSON${position ? ` (at character ${position})` : ''}` };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    return { ok: false, code: 'invalid_envelope', message: 'envelope does not match', issues: describeIssues(envelope.error) };
  }
  const allowed = topics[topic].messageTypes as readonly string[];
  if (!allowed.includes(envelope.data.type)) {
    return { ok: false, code: 'unexpected_type', message: `type ${envelope.data.type} does not belong on ${topics[topic].suffix}` };
  }
  const schema: z.ZodType = reads?.[envelope.data.type as TopicMessageType<K>] ?? messageSchemas[envelope.data.type as MessageType];
  const payload = schema.safeParse(envelope.data.payload);
  if (!payload.success) {
    return { ok: false, code: 'invalid_payload', message: `payload of ${envelope.data.type} does not match`, issues: describeIssues(payload.error) };
  }
  return { ok: true, value: { ...envelope.data, payload: payload.data } as Envelope<TopicMessageType<K>> };
}

/**
 * For some message types, the part of the payload a reader uses: a schema of those fields (the
 * others are dropped unread). A reader that uses a small part of a large record checks that part
 * with the same rules instead of the whole: dispatch reads a report's classification facts, not
 * the rest of Biểu mẫu 03, which the tracker checks in full.
 */
export type PayloadReads<T extends MessageType> = Partial<Record<T, z.ZodType>>;

export interface EnvelopeContext {
  producedBy: string;
  actor: Actor;
  correlationId?: string;
  causationId?: string;
  /**
   * The producer built the payload from input it had just validated with the same rules, so it is
   * not checked a second time (intake's hot path: the check costs as much as the first one).
   * Consumers still validate every record they read.
   */
  payloadAlreadyValidated?: boolean;
  /** the message's id when the sender chose it (a command retried under the same id); a new ULID otherwise */
  id?: string;
  /** the time it happened, from an injected clock; now otherwise */
  occurredAt?: string;
}

/** Wraps a payload in the envelope; the payload is validated against its schema first. */
export function makeEnvelope<T extends MessageType>(type: T, payload: Payload<T>, ctx: EnvelopeContext): Envelope<T> {
  const id = ctx.id ?? newId();
  const checked = ctx.payloadAlreadyValidated ? payload : (messageSchemas[type].parse(payload) as Payload<T>);
  return {
    id,
    type,
    occurredAt: ctx.occurredAt ?? new Date().toISOString(),
    schemaVersion: 1,
    producedBy: ctx.producedBy,
    correlationId: ctx.correlationId ?? id,
    ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
    actor: ctx.actor,
    payload: checked,
  } as Envelope<T>;
}
