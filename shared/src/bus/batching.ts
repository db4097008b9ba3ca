import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from '../log';
import type { Envelope } from '../contracts/messages';
import { topicName, type TopicKey, type TopicMessageType } from '../contracts/topics';
import { createProducer, TimeoutError, withTimeout } from './kafka';
import { recordBytes, toRecord, type EventPublisher } from './publisher';

export interface BatchingPublisherOptions {
  /** how long a publish may take, waiting included, before its caller is told it failed */
  timeoutMs?: number;
  /** most records in one produce request */
  maxBatchRecords?: number;
  /** most bytes (values) in one produce request; below the broker's 1 MB record-batch limit */
  maxBatchBytes?: number;
  /** produce requests in flight at once, each on its own idempotent producer */
  lanes?: number;
}

interface Pending {
  topic: string;
  records: Message[];
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  settled: boolean;
}

/** One idempotent producer with at most one produce request in flight. */
interface Lane {
  producer: Producer;
  connected: boolean;
  busy: boolean;
}

/**
 * Publishes with acks=all on idempotent producers, sharing produce requests among concurrent
 * callers: while the lanes are busy, new callers queue, and all of them go out together in the
 * next request. Under light load a publish goes out at once (no linger); under heavy load one
 * broker round trip carries hundreds of reports. Each caller's promise settles only when the
 * broker acknowledged (or refused) the request that carried its records.
 *
 * With more than one lane, requests run side by side on separate producers. Only records whose
 * callers were waiting at the same time can be reordered by that; a record published after
 * another was acknowledged always follows it (an incident's follow-ups come after its report).
 */
export class BatchingPublisher implements EventPublisher {
  private readonly lanes: Lane[];
  private readonly queue: Pending[] = [];
  private readonly timeoutMs: number;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private closed = false;
  /** produce requests sent and records they carried, for /metrics and the benchmark */
  readonly stats = { requests: 0, records: 0 };

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
    private readonly logger: Logger,
    options: BatchingPublisherOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 8000;
    this.maxBatchRecords = options.maxBatchRecords ?? 500;
    this.maxBatchBytes = options.maxBatchBytes ?? 900_000;
    this.lanes = Array.from({ length: Math.max(1, options.lanes ?? 1) }, () => {
      const lane: Lane = { producer: undefined as unknown as Producer, connected: false, busy: false };
      lane.producer = this.newProducer(lane);
      return lane;
    });
  }

  private newProducer(lane: Lane): Producer {
    const producer = createProducer(this.kafka);
    producer.on('producer.disconnect', () => {
      if (lane.producer === producer) lane.connected = false;
    });
    return producer;
  }

  /** Resolves once Kafka acknowledged every envelope with acks=all; rejects if it did not. */
  publish<K extends TopicKey>(topic: K, envelopes: Envelope<TopicMessageType<K>>[]): Promise<void> {
    if (envelopes.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('publisher is closed'));
    const records = envelopes.map(toRecord);
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        topic: topicName(this.prefix, topic),
        records,
        bytes: records.reduce((n, r) => n + recordBytes(r), 0),
        resolve,
        reject,
        settled: false,
        // still queued when time is up: it is taken out, so a failure answered is never stored
        timer: setTimeout(() => {
          const index = this.queue.indexOf(pending);
          if (index >= 0) {
            this.queue.splice(index, 1);
            this.settle(pending, new TimeoutError(`publishing to ${topic} waited longer than ${this.timeoutMs} ms`));
          }
        }, this.timeoutMs),
      };
      this.queue.push(pending);
      this.drain();
    });
  }

  private settle(pending: Pending, error?: Error): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let records = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      const fits = records + next.records.length <= this.maxBatchRecords && bytes + next.bytes <= this.maxBatchBytes;
      if (batch.length > 0 && !fits) break;
      this.queue.shift();
      // its own timer stops counting: from here its fate is the produce request's
      clearTimeout(next.timer);
      batch.push(next);
      records += next.records.length;
      bytes += next.bytes;
    }
    return batch;
  }

  /** Starts a produce request on every idle lane while reports are waiting. */
  private drain(): void {
    for (const lane of this.lanes) {
      if (this.queue.length === 0) return;
      if (!lane.busy) void this.sendOn(lane);
    }
  }

  private async sendOn(lane: Lane): Promise<void> {
    lane.busy = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        const byTopic = new Map<string, Message[]>();
        for (const p of batch) {
          const messages = byTopic.get(p.topic);
          if (messages) messages.push(...p.records);
          else byTopic.set(p.topic, [...p.records]);
        }
        try {
          await withTimeout(
            (async () => {
              if (!lane.connected) {
                await lane.producer.connect();
                lane.connected = true;
              }
              await lane.producer.sendBatch({
                acks: -1,
                topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
              });
            })(),
            this.timeoutMs,
            'a produce request',
          );
          this.stats.requests += 1;
          this.stats.records += batch.reduce((n, p) => n + p.records.length, 0);
          for (const p of batch) this.settle(p);
        } catch (error) {
          this.logger.warn({ err: error, reports: batch.length }, 'produce request failed');
          for (const p of batch) this.settle(p, error as Error);
          this.reset(lane);
        }
      }
    } finally {
      lane.busy = false;
    }
  }

  /** A failed or timed-out producer is rebuilt, so the next request starts from a clean connection. */
  private reset(lane: Lane): void {
    const old = lane.producer;
    lane.connected = false;
    lane.producer = this.newProducer(lane);
    old.disconnect().catch(() => undefined);
  }

  /** Sends what is queued, then disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.queue.length > 0 || this.lanes.some((l) => l.busy)) {
      this.drain();
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(this.lanes.map((l) => l.producer.disconnect().catch(() => undefined)));
  }
}
