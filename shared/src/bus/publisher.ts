import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from '../log';
import type { Envelope } from '../contracts/messages';
import { topicName, type TopicKey, type TopicMessageType } from '../contracts/topics';
import { createProducer, withTimeout } from './kafka';

/**
 * The key of a message: the incident it is about, so all of an incident's messages stay in order;
 * for a directory change, the entry it changes; for the audit trail, the actor.
 */
export function messageKey(envelope: Envelope): string {
  if (envelope.type === 'audit.recorded') return envelope.actor.id;
  const payload = envelope.payload;
  if ('incidentId' in payload) return payload.incidentId;
  if ('user' in payload) return `user:${payload.user.id}`;
  if ('token' in payload) return `token:${payload.token.id}`;
  if ('unit' in payload) return `unit:${payload.unit.code}`;
  if ('organisation' in payload) return `organisation:${payload.organisation.id}`;
  if ('liaison' in payload) return `liaison:${payload.liaison.id}`;
  if ('enterprise' in payload) return `enterprise:${payload.enterprise.id}`;
  return `${envelope.type.replace(/_removed$/, '').replace(/^directory\./, '')}:${(payload as { id: string }).id}`;
}

const serialized = new WeakMap<Envelope, Buffer>();

/**
 * An envelope's JSON as UTF-8 bytes, made once: a handler that also stores what it emitted
 * (dispatch's batch outputs) and the record sent to Kafka share them. Bytes rather than a string:
 * kafkajs measures a string value twice and encodes it once more, and the request's size check a
 * third time. Envelopes are not changed once made.
 */
export function envelopeBytes(envelope: Envelope): Buffer {
  let bytes = serialized.get(envelope);
  if (bytes === undefined) serialized.set(envelope, (bytes = Buffer.from(JSON.stringify(envelope))));
  return bytes;
}

export function toRecord(envelope: Envelope) {
  return {
    key: messageKey(envelope),
    value: envelopeBytes(envelope),
    headers: { type: envelope.type, 'correlation-id': envelope.correlationId },
  };
}

/** The bytes a record takes in a produce request: its key, value and headers, and the record's own framing. */
export function recordBytes(record: Message): number {
  let n = 64;
  if (record.key) n += typeof record.key === 'string' ? Buffer.byteLength(record.key) : record.key.length;
  if (record.value) n += typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length;
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    n += Buffer.byteLength(name) + 8;
    if (typeof value === 'string') n += Buffer.byteLength(value);
    else if (Buffer.isBuffer(value)) n += value.length;
  }
  return n;
}

/**
 * Splits records into groups of at most maxBytes each (in order), so that no produce request goes
 * over the broker's limit; a record larger than maxBytes on its own is the caller's to refuse.
 */
export function chunkRecords(records: Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordBytes(record);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** What a writer of events needs: the one-at-a-time Publisher below or the BatchingPublisher. */
export interface EventPublisher {
  publish<K extends TopicKey>(topic: K, envelopes: Envelope<TopicMessageType<K>>[]): Promise<void>;
}

/**
 * Publishes envelopes with acks=all on an idempotent producer. Connects on demand, so a service
 * that started while Kafka was down recovers by itself; every send is bounded in time.
 */
export class Publisher implements EventPublisher {
  private producer: Producer;
  private connecting: Promise<void> | undefined;
  private connected = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly timeoutMs = 8000,
  ) {
    this.producer = createProducer(kafka);
    this.producer.on('producer.disconnect', () => {
      this.connected = false;
    });
  }

  private async ensureConnected(): Promise<void> {
    if (this.connected) return;
    this.connecting ??= this.producer
      .connect()
      .then(() => {
        this.connected = true;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    await this.connecting;
  }

  async publish<K extends TopicKey>(topic: K, envelopes: Envelope<TopicMessageType<K>>[]): Promise<void> {
    if (envelopes.length === 0) return;
    await withTimeout(
      (async () => {
        await this.ensureConnected();
        await this.producer.send({ topic: topicName(this.prefix, topic), acks: -1, messages: envelopes.map(toRecord) });
      })(),
      this.timeoutMs,
      `publishing to ${topic}`,
    ).catch(async (error) => {
      // a timed-out or failed producer is rebuilt so the next request starts from a clean connection
      this.logger.warn({ err: error, topic }, 'publish failed');
      await this.reset();
      throw error;
    });
  }

  private async reset(): Promise<void> {
    const old = this.producer;
    this.connected = false;
    this.producer = createProducer(this.kafka);
    this.producer.on('producer.disconnect', () => {
      this.connected = false;
    });
    old.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
