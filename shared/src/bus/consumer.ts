import { createHash } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from '../log';
import type { Envelope } from '../contracts/messages';
import { withheldMarking, type DeadLetter } from '../contracts/deadletter';
import { parseMessage, type PayloadReads } from '../contracts/parse';
import { topicName, topics, type TopicKey, type TopicMessageType } from '../contracts/topics';
import { createProducer } from './kafka';
import { chunkRecords, recordBytes, toRecord } from './publisher';
import { classifyError, isFenced, PermanentError } from './errors';
import { ConsumerHealth, type ConsumerMonitor } from './health';

export { PermanentError };

/** Messages a handler wants produced; with a transactional runner they commit with the offsets. */
export type Outbox = { [K in TopicKey]?: Envelope<TopicMessageType<K>>[] };

export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  logger: Logger;
}

export type Handler<K extends TopicKey> = (envelope: Envelope<TopicMessageType<K>>, context: MessageContext) => Promise<Outbox | void>;

export interface BatchItem<K extends TopicKey> {
  envelope: Envelope<TopicMessageType<K>>;
  context: MessageContext;
}

/**
 * Handles the valid records of one batch (one topic-partition, in offset order) at once, so that
 * a handler can read and write its store once per batch rather than once per record. One result
 * per item, in the same order: what to produce for it, nothing, or a PermanentError that sends it
 * to the dead-letter topic. The same items may be given again after a transient failure or a
 * failed transaction: the handler must be idempotent.
 */
export type BatchHandler<K extends TopicKey> = (items: BatchItem<K>[]) => Promise<(Outbox | undefined | void | PermanentError)[]>;

export interface ConsumerOptions<K extends TopicKey> {
  kafka: Kafka;
  prefix: string;
  /** appended to the prefix to make the consumer group id */
  group: string;
  topics: K[];
  logger: Logger;
  /** one of handle (a record at a time) or handleBatch */
  handle?: Handler<K>;
  handleBatch?: BatchHandler<K>;
  /**
   * The message types the handler acts on, when it passes the others by (dispatch reads its own
   * decisions back on the events topic). A record whose type, by its `type` header and its
   * envelope's first "type" field alike, is another type of the topic is skipped before it is
   * parsed or validated: the consumers that act on it validate it. Anything else is parsed in full.
   */
  handles?: readonly TopicMessageType<K>[];
  /** per message type, the part of the payload the handler reads, validated instead of the whole (PayloadReads) */
  reads?: PayloadReads<TopicMessageType<K>>;
  /**
   * Exactly-once consume → produce: the outbox and the consumed offsets commit in one Kafka
   * transaction. Each partition held has a transactional producer of its own, whose id is made of
   * the group's and the partition's (the same in every copy): the copy that takes a partition over
   * fences the producer of the one that held it, so a copy that lost a partition without knowing
   * (its session expired while it was busy, a pause) cannot commit a batch the new owner does again.
   */
  transactional?: boolean;
  fromBeginning?: boolean;
  /** where /ready and /metrics see this consumer */
  monitor?: ConsumerMonitor;
  /**
   * Batches of different partitions in flight at once (1 by default). With more, one batch's
   * handler runs while another's transaction is with the broker: the handler must allow
   * concurrent calls for different partitions (each partition's transactions go one at a time).
   */
  partitionsConsumedConcurrently?: number;
  /** the most bytes one fetch brings from a partition: the size of the largest batch */
  maxBytesPerPartition?: number;
  /** the most bytes of records in one produce request: below the broker's message.max.bytes */
  maxRequestBytes?: number;
  /**
   * Called once a batch's outputs are in Kafka (transactionally: committed with its offsets, up to
   * nextOffset), before the partition's next batch: what the handler kept to send that batch again
   * can go. Not waited for; if it throws or rejects, that is logged, and the batch stays done.
   */
  onCommitted?: (topic: string, partition: number, nextOffset: string) => void | Promise<void>;
  /** a batch unfinished, or no fetch, for this long makes the consumer unhealthy (ms) */
  stallMs?: number;
  /** how often the lag of partitions that had no batch yet is read from the group's offsets (ms) */
  lagRefreshMs?: number;
  /** the longest wait between two tries of a batch that met a transient error (ms) */
  maxRetryDelayMs?: number;
  /**
   * What to do when the consumer cannot go on (an error neither permanent nor transient, or
   * kafkajs stopping it): by default log it as fatal and exit non-zero, so that the supervisor
   * restarts the service. Tests pass their own.
   */
  onFatal?: (error: unknown) => void;
}

export interface RunningConsumer {
  groupId: string;
  consumer: Consumer;
  health: ConsumerHealth;
  /** Finishes the batch in flight, commits its offsets, disconnects. */
  stop(): Promise<void>;
}

/** The settings every consumer of a service shares, from its config: spread into runConsumer's options. */
export type ConsumerSettings = Pick<ConsumerOptions<TopicKey>, 'monitor' | 'maxRequestBytes' | 'stallMs' | 'onFatal'>;

export function consumerSettings(
  config: { KAFKA_MAX_REQUEST_BYTES: number; CONSUMER_STALL_SECONDS: number },
  monitor: ConsumerMonitor,
  onFatal?: (error: unknown) => void,
): ConsumerSettings {
  return { monitor, maxRequestBytes: config.KAFKA_MAX_REQUEST_BYTES, stallMs: config.CONSUMER_STALL_SECONDS * 1000, ...(onFatal ? { onFatal } : {}) };
}

/**
 * The dead-letter record of a message no consumer can process: its origin, the error and its bytes
 * (base64). For a record marked RED or AMBER+STRICT (withheldMarking), whose audience is named and
 * does not include whoever reads dead letters, and for one too large to carry, its size and
 * SHA-256 instead: the original stays at its origin offset, under that topic's access.
 */
export function deadLetterRecord(
  origin: { topic: string; partition: number; consumerGroup: string },
  message: KafkaMessage,
  error: { code: string; message: string; issues?: string[] },
  maxRequestBytes = 900_000,
): Message {
  const value = message.value ? message.value.toString('base64') : null;
  const record: DeadLetter = {
    origin: { ...origin, offset: message.offset, key: message.key?.toString('utf8') ?? null },
    error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues.slice(0, 50) } : {}) },
    failedAt: new Date().toISOString(),
    value,
  };
  // a record near the limit grows by a third in base64: then the letter keeps its hash, not its bytes
  const marking = message.value ? withheldMarking(message.value) : undefined;
  if (value && (marking || value.length > maxRequestBytes - 16_384)) {
    record.value = null;
    record.valueOmitted = { bytes: message.value!.length, sha256: createHash('sha256').update(message.value!).digest('hex'), ...(marking ? { marking } : {}) };
  }
  return { key: record.origin.key, value: JSON.stringify(record), headers: { 'error-code': error.code } };
}

/** A service that cannot go on says so and exits, so that its supervisor restarts it. */
export function exitOnFatal(logger: Logger, what: string): (error: unknown) => void {
  return (error) => {
    logger.fatal({ err: error }, `${what} cannot go on; exiting so that it is restarted`);
    process.exit(1);
  };
}

/**
 * Feeds a kafkajs consumer's instrumentation events to its health, and hands it to onFatal when
 * kafkajs gives up on it (a crash it will not restart from, or a stop nobody asked for).
 */
export function watchConsumer(consumer: Consumer, health: ConsumerHealth, log: Logger, onFatal: (error: unknown) => void, stopping: () => boolean): void {
  const { GROUP_JOIN, FETCH, START_BATCH_PROCESS, END_BATCH_PROCESS, CRASH, STOP } = consumer.events;
  consumer.on(GROUP_JOIN, ({ payload }) => health.joined(payload.memberAssignment));
  consumer.on(FETCH, () => health.fetched());
  consumer.on(START_BATCH_PROCESS, ({ payload }) => health.batchStarted(payload.topic, payload.partition, payload.firstOffset, payload.highWatermark));
  consumer.on(END_BATCH_PROCESS, ({ payload }) => health.batchEnded(payload.topic, payload.partition, payload.lastOffset, payload.highWatermark));
  // kafkajs stops the consumer (STOP) before it says whether it will restart it (CRASH): only a
  // crash it will not restart from is fatal; a stop on its own is ours (shutdown) or a crash's
  consumer.on(CRASH, ({ payload }) => {
    // stopped while joining, kafkajs can trip over its own closed connections: ours, not a fault
    if (stopping()) return;
    if (payload.restart) {
      health.restarting(payload.error.message);
      log.warn({ err: payload.error }, 'consumer restarting after an error');
      return;
    }
    health.stopped('crashed', payload.error.message);
    onFatal(payload.error);
  });
  consumer.on(STOP, () => {
    if (health.state !== 'crashed') health.stopped('stopped', stopping() ? undefined : 'stopped by kafkajs');
  });
}

/** A transaction commit that failed without saying whether the broker committed it: fatal (see send). */
export class CommitOutcomeUnknown extends Error {
  override name = 'CommitOutcomeUnknown';
  constructor(readonly original: unknown) {
    super(`the transaction's commit failed, and whether it was committed is unknown: ${(original as Error)?.message ?? String(original)}`);
  }
}

/** Runs one operation at a time on a resource that must not be shared (a transactional producer). */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a consumer that validates every record against the topic table, and never stops silently:
 * - a record that fails validation, that its handler rejects with PermanentError, or whose
 *   output could never fit in a produce request goes to the dead-letter topic with its origin
 *   and the error, and the partition moves on;
 * - a transient error (Kafka or Redis down, a timeout) retries the batch with backoff, and the
 *   health report shows the consumer stalled once that lasts longer than `stallMs`;
 * - anything else, and kafkajs giving up on the consumer, goes to `onFatal` (exit by default).
 * Output is sent in requests below `maxRequestBytes`; one transaction per batch, one at a time per
 * partition (each partition has its producer: `transactional`).
 */
export async function runConsumer<K extends TopicKey>(options: ConsumerOptions<K>): Promise<RunningConsumer> {
  const { kafka, prefix, logger } = options;
  if (!options.handle === !options.handleBatch) throw new Error('runConsumer needs exactly one of handle and handleBatch');
  const handleBatch = options.handleBatch ?? perRecord(options.handle!);
  const groupId = `${prefix}.${options.group}`;
  const log = logger.child({ consumerGroup: groupId });
  const topicKeyByName = new Map(options.topics.map((key) => [topicName(prefix, key), key] as const));
  const deadLetterTopic = topicName(prefix, 'deadLetter');
  const maxRequestBytes = options.maxRequestBytes ?? 900_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const fatal = options.onFatal ?? exitOnFatal(log, `consumer ${groupId}`);
  let failed = false;
  const onFatal = (error: unknown) => {
    if (failed) return;
    failed = true;
    fatal(error);
  };
  const stallMs = options.stallMs ?? 60_000;
  const passesBy = typeFilter(options.topics, options.handles);
  const health = new ConsumerHealth(groupId, [...topicKeyByName.keys()], stallMs);
  options.monitor?.add(health);

  const consumer = kafka.consumer({
    groupId,
    // a copy killed without leaving holds its partitions until its session times out: a short
    // session makes the restarted copy (or another) take over sooner; batches heartbeat as they go
    sessionTimeout: 15_000,
    heartbeatInterval: 3000,
    readUncommitted: false,
    // bigger batches under load: each batch costs a store round trip and a Kafka transaction
    maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    // while records keep coming, each fetch waits up to 25 ms for 256 KB (kafkajs patch): at a few
    // hundred reports/s a batch carries dozens, not one, and pays one transaction for them; idle,
    // a fetch long-polls as before (5 s), so nothing waits when a report comes alone
    busyMinBytes: 256 * 1024,
    busyMaxWaitTimeInMs: 25,
    // kafkajs restarts the consumer itself after a retriable error; after any other it stops
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: maxRetryDelayMs },
  });
  const transactional = Boolean(options.transactional);
  let stopping = false;

  /**
   * The producer of one partition (transactional), or the one producer of a consumer that is not:
   * one operation at a time on it; `fenced` once another copy has taken its transactional id over.
   */
  interface Lane {
    producer: Producer;
    serial: Serial;
    connected: boolean;
    fenced: boolean;
  }
  const lanes = new Map<string, Lane>();
  const laneKey = (topic: string, partition: number) => (transactional ? `${topic}.${partition}` : '');
  const laneOf = (topic: string, partition: number): Lane => {
    const key = laneKey(topic, partition);
    let lane = lanes.get(key);
    if (!lane) {
      lane = { producer: createProducer(kafka, transactional ? `${groupId}.${key}` : undefined), serial: new Serial(), connected: false, fenced: false };
      lanes.set(key, lane);
    }
    return lane;
  };
  const closeLane = (key: string, lane: Lane) => {
    lanes.delete(key);
    void lane.serial.run(() => lane.producer.disconnect()).catch(() => undefined);
  };
  /** partitions held since the last assignment whose previous owner this copy has fenced (and whose committed offset it has read again) */
  const owned = new Set<string>();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    owned.clear();
    if (!transactional) return;
    const held = new Set<string>();
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) for (const p of partitions) held.add(laneKey(topic, p));
    // no batch is in flight while kafkajs joins: the producers of partitions gone, or fenced, are closed
    for (const [key, lane] of [...lanes]) if (!held.has(key) || lane.fenced) closeLane(key, lane);
  });

  watchConsumer(consumer, health, log, onFatal, () => stopping);

  // a partition that never had a batch (idle, or behind one that is stuck) would show no lag:
  // its lag comes from what the group committed and the topic's end, read by an admin client
  const admin = kafka.admin();
  let adminConnected: Promise<void> | undefined;
  let lagReading = false;
  async function lagFromAdmin(): Promise<void> {
    const wanted = health.partitionsWithoutBatch();
    if (wanted.length === 0 || lagReading || stopping) return;
    lagReading = true;
    try {
      await (adminConnected ??= admin.connect());
      const names = [...new Set(wanted.map((w) => w.topic))];
      const committed = new Map<string, bigint>();
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: names })) {
        for (const p of partitions) committed.set(`${topic}:${p.partition}`, BigInt(p.offset));
      }
      for (const topic of names) {
        for (const end of await admin.fetchTopicOffsets(topic)) {
          const at = committed.get(`${topic}:${end.partition}`) ?? -1n;
          // nothing committed yet: the group starts at the beginning (or the end) of the partition
          const position = at >= 0n ? at : BigInt(options.fromBeginning ?? true ? end.low : end.high);
          health.offsetsFromAdmin(topic, end.partition, position, BigInt(end.high));
        }
      }
    } finally {
      lagReading = false;
    }
  }
  const readLag = () => void lagFromAdmin().catch((err: unknown) => log.debug({ err }, 'reading lag from the group offsets failed'));
  consumer.on(consumer.events.GROUP_JOIN, readLag);
  const lagTimer = setInterval(readLag, options.lagRefreshMs ?? 10_000);
  lagTimer.unref();

  await consumer.connect();
  await consumer.subscribe({ topics: [...topicKeyByName.keys()], fromBeginning: options.fromBeginning ?? true });

  const deadLetter = (topic: string, partition: number, message: KafkaMessage, code: string, text: string, issues?: string[]): Message => {
    health.deadLetters += 1;
    log.warn({ topic, partition, offset: message.offset, code, issues: issues?.slice(0, 50) }, `dead-lettered: ${text}`);
    return deadLetterRecord({ topic, partition, consumerGroup: groupId }, message, { code, message: text, ...(issues ? { issues } : {}) }, maxRequestBytes);
  };

  // a producer is replaced after a failed transaction, and connected when next needed: while
  // Kafka is away the connect fails (transient) and the batch is tried again later
  async function resetLane(topic: string, partition: number, lane: Lane): Promise<void> {
    const key = laneKey(topic, partition);
    if (lanes.get(key) === lane) lanes.delete(key);
    await lane.producer.disconnect().catch(() => undefined);
  }

  /**
   * Before the first batch of a partition this copy was given: its producer's first transaction
   * fences the previous owner's (kafkajs asks for the producer id then; the broker aborts what the
   * old one left open); then the group's committed offset is read again, since the previous owner
   * may have committed past where this copy was told to start before it was fenced. True when the
   * batch is still the one to process; false when the partition was moved on to that offset.
   *
   * The offset is read stable (KIP-447): a transaction's commit returns before its markers are
   * written, and until then a plain read gives the offset from before it. A copy that rejoined its
   * group right after a commit (its session expired while the machine was busy) was told to start
   * there, did the batch again and wrote its output twice.
   */
  async function takeOver(topic: string, partition: number, firstOffset: string, lane: Lane, heartbeat: () => Promise<void>): Promise<boolean> {
    await lane.serial.run(async () => {
      if (!lane.connected) {
        await lane.producer.connect();
        lane.connected = true;
      }
      await (await lane.producer.transaction()).abort();
    });
    await (adminConnected ??= admin.connect());
    const [offsets] = await stableOffsets(topic, partition, heartbeat);
    const committed = offsets?.partitions.find((p) => p.partition === partition)?.offset;
    owned.add(laneKey(topic, partition));
    if (committed !== undefined && BigInt(committed) > BigInt(firstOffset)) {
      log.warn({ topic, partition, firstOffset, committed }, 'the previous owner of this partition committed past this batch before it was fenced: going on from its offset');
      consumer.seek({ topic, partition, offset: committed });
      return false;
    }
    return true;
  }

  /**
   * The group's committed offset of one partition once no transaction holding it is still
   * completing. One partition only: the others' transactions (in flight all the time under load)
   * would keep a read of the whole topic unstable for ever. It heartbeats while it waits.
   */
  async function stableOffsets(topic: string, partition: number, heartbeat: () => Promise<void>) {
    for (let wait = 10, since = Date.now(), beat = Date.now(); ; wait = Math.min(wait * 2, 500)) {
      try {
        return await admin.fetchOffsets({ groupId, topics: [{ topic, partitions: [partition] }], requireStable: true });
      } catch (error) {
        // the markers of a commit come within milliseconds; an open transaction ends by its timeout
        if ((error as { type?: string }).type !== 'UNSTABLE_OFFSET_COMMIT' || Date.now() - since > stallMs) throw error;
        await sleep(wait);
        if (Date.now() - beat > 1000) {
          beat = Date.now();
          await heartbeat().catch(() => undefined); // a rebalance shows up as isStale() after
        }
      }
    }
  }

  /** Sends what one batch produced (and, transactionally, its offsets), in requests that fit. */
  async function send(outgoing: Map<string, Message[]>, topic: string, partition: number, nextOffset: string): Promise<void> {
    const lane = laneOf(topic, partition);
    await lane.serial.run(async () => {
      const { producer } = lane;
      if (!lane.connected) {
        await producer.connect();
        lane.connected = true;
      }
      if (!transactional) {
        for (const [target, records] of outgoing) for (const chunk of chunkRecords(records, maxRequestBytes)) await producer.send({ topic: target, acks: -1, messages: chunk });
        return;
      }
      const transaction = await producer.transaction();
      try {
        for (const [target, records] of outgoing) for (const chunk of chunkRecords(records, maxRequestBytes)) await transaction.send({ topic: target, acks: -1, messages: chunk });
        await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        // fenced: the partition's new owner has the transactional id; a new producer would fence it back
        if (isFenced(error)) throw error;
        // a producer whose transaction failed half-way starts again clean
        await resetLane(topic, partition, lane);
        throw error;
      }
      try {
        await transaction.commit();
      } catch (error) {
        // fenced: the broker aborted the transaction, so nothing of it happened
        if (isFenced(error)) throw error;
        // the broker may have committed before the answer was lost: trying the batch again here
        // could write its output twice. Exiting is safe: the restarted copy resumes from the
        // offsets Kafka holds, which say whether this transaction happened.
        throw new CommitOutcomeUnknown(error);
      }
    });
  }

  /**
   * Another copy fenced this partition's producer: it holds the partition now. The batch is left to
   * it; the heartbeat soon says the group has moved on (its error goes to kafkajs, which joins
   * again). A group that never does within the stall time is a fault: fatal.
   */
  async function yieldPartition(error: unknown, topic: string, partition: number, heartbeat: () => Promise<void>, isRunning: () => boolean, isStale: () => boolean): Promise<void> {
    laneOf(topic, partition).fenced = true;
    log.warn({ topic, partition, err: error }, 'another copy took this partition over (it fenced our producer): its batch is left to it');
    const since = Date.now();
    while (isRunning() && !isStale()) {
      if (Date.now() - since > stallMs) throw error;
      await sleep(500);
      await heartbeat();
    }
  }

  // not awaited: kafkajs's run resolves only once the group is joined, which after a copy was
  // killed takes until its session times out; the service answers meanwhile, /ready says 'starting'
  // the batch is committed whatever onCommitted does: its failure is logged, never a retry of the batch
  const afterCommit = (topic: string, partition: number, nextOffset: string) => {
    const failed = (err: unknown) => log.warn({ err, topic, partition, nextOffset }, 'onCommitted failed (the batch is committed)');
    try {
      Promise.resolve(options.onCommitted?.(topic, partition, nextOffset)).catch(failed);
    } catch (err) {
      failed(err);
    }
  };
  void consumer
    .run({
      autoCommit: !transactional,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        const topicKey = topicKeyByName.get(batch.topic) as K;
        const last = batch.messages[batch.messages.length - 1];
        if (!last) return;
        for (let attempt = 0; ; attempt += 1) {
          if (!isRunning() || isStale()) return; // rebalanced away: the new owner takes the batch
          try {
            if (transactional) {
              const lane = laneOf(batch.topic, batch.partition);
              if (lane.fenced) return await yieldPartition(new Error('this partition’s producer was fenced by another copy'), batch.topic, batch.partition, heartbeat, isRunning, isStale);
              if (!owned.has(laneKey(batch.topic, batch.partition)) && !(await takeOver(batch.topic, batch.partition, batch.firstOffset()!, lane, heartbeat))) return;
            }
            const outgoing = await processBatch(topicKey, batch.topic, batch.partition, batch.messages);
            const nextOffset = (BigInt(last.offset) + 1n).toString();
            await send(outgoing, batch.topic, batch.partition, nextOffset);
            afterCommit(batch.topic, batch.partition, nextOffset);
            break;
          } catch (error) {
            if (transactional && isFenced(error)) return await yieldPartition(error, batch.topic, batch.partition, heartbeat, isRunning, isStale);
            if (classifyError(error) !== 'transient') {
              health.stopped('crashed', (error as Error).message);
              onFatal(error);
              throw error;
            }
            health.retrying();
            // still failing past the stall time: kafkajs is given the error, to start the consumer
            // again from scratch (coordinators looked up anew) or, if it will not, to end it (fatal)
            if (health.retryingMs() > stallMs) throw error;
            const delay = Math.min(maxRetryDelayMs, 200 * 2 ** Math.min(attempt, 10));
            log.warn({ err: error, topic: batch.topic, partition: batch.partition, attempt: attempt + 1, retryInMs: delay }, 'batch failed; retrying');
            for (let waited = 0; waited < delay && isRunning() && !isStale(); waited += 1000) {
              await sleep(Math.min(1000, delay - waited));
              await heartbeat().catch(() => undefined); // a rebalance shows up as isStale()
            }
          }
        }
        // done (transactionally: committed) — nothing after this may run the batch again
        resolveOffset(last.offset);
        if (!transactional) await commitOffsetsIfNecessary();
        // a rebalance answers the heartbeat with REBALANCE_IN_PROGRESS: kafkajs rejoins on its own
        await heartbeat().catch(() => undefined);
      },
    })
    .catch((error: unknown) => {
      if (stopping) return; // stopped while joining
      health.stopped('crashed', (error as Error).message);
      onFatal(error);
    });

  /** Validates, handles and turns the batch into the records to send, dead letters included. */
  async function processBatch(topicKey: K, topic: string, partition: number, messages: KafkaMessage[]): Promise<Map<string, Message[]>> {
    const outgoing = new Map<string, Message[]>();
    const add = (target: string, record: Message) => {
      const list = outgoing.get(target);
      if (list) list.push(record);
      else outgoing.set(target, [record]);
    };
    const items: BatchItem<K>[] = [];
    const sources: KafkaMessage[] = [];
    const slots: ({ letter: Message } | { item: number })[] = [];
    for (const message of messages) {
      if (passesBy(message, topicKey)) continue;
      const parsed = parseMessage(topicKey, message.value, options.reads);
      if (!parsed.ok) {
        slots.push({ letter: deadLetter(topic, partition, message, parsed.code, parsed.message, parsed.issues) });
        continue;
      }
      const envelope = parsed.value;
      slots.push({ item: items.length });
      sources.push(message);
      items.push({
        envelope,
        context: { topic, partition, offset: message.offset, logger: log.child({ correlationId: envelope.correlationId, messageId: envelope.id }) },
      });
    }
    const results = items.length ? await handleBatch(items) : [];
    if (results.length !== items.length) throw new Error(`batch handler returned ${results.length} results for ${items.length} records`);
    // dead letters and outputs keep the order of the records they come from
    for (const slot of slots) {
      if ('letter' in slot) {
        add(deadLetterTopic, slot.letter);
        continue;
      }
      const result = results[slot.item];
      const source = sources[slot.item]!;
      if (result instanceof PermanentError) {
        add(deadLetterTopic, deadLetter(topic, partition, source, result.code, result.message));
        continue;
      }
      const records: [string, Message][] = [];
      for (const [key, envelopes] of Object.entries(result ?? {}) as [TopicKey, Envelope[]][]) {
        for (const e of envelopes) records.push([topicName(prefix, key), toRecord(e)]);
      }
      const tooLarge = records.find(([, r]) => recordBytes(r) > maxRequestBytes);
      if (tooLarge) {
        const text = `its ${tooLarge[1].headers?.type ?? 'output'} would be ${recordBytes(tooLarge[1])} bytes, over the ${maxRequestBytes}-byte limit of a produce request`;
        add(deadLetterTopic, deadLetter(topic, partition, source, 'output_too_large', text));
        continue;
      }
      for (const [target, record] of records) add(target, record);
    }
    return outgoing;
  }

  return {
    groupId,
    consumer,
    health,
    async stop() {
      stopping = true;
      clearInterval(lagTimer);
      await consumer.disconnect().catch((err) => log.warn({ err }, 'consumer disconnect failed'));
      if (adminConnected) await adminConnected.then(() => admin.disconnect()).catch(() => undefined);
      await Promise.all([...lanes.values()].map((lane) => lane.serial.run(() => lane.producer.disconnect()).catch(() => undefined)));
      health.stopped('stopped');
      options.monitor?.remove(health);
    },
  };
}

/**
 * Whether a record is of a type the topic carries and the handler does not act on: its `type`
 * header names it and so does the first "type" field of its value (the envelope's, as toRecord
 * writes it). Costs a header read and a short search, not a JSON parse and a zod validation.
 */
export function typeFilter<K extends TopicKey>(topicKeys: readonly K[], handles: readonly string[] | undefined): (message: KafkaMessage, topic: K) => boolean {
  if (!handles) return () => false;
  const wanted = new Set(handles);
  const skipped = new Map<K, Map<string, Buffer>>();
  for (const key of topicKeys) {
    const others = (topics[key].messageTypes as readonly string[]).filter((type) => !wanted.has(type));
    skipped.set(key, new Map(others.map((type) => [type, Buffer.from(`"type":"${type}"`)])));
  }
  const marker = Buffer.from('"type":"');
  return (message, topic) => {
    const header = message.headers?.type;
    if (header === undefined || Array.isArray(header) || !message.value) return false;
    const needle = skipped.get(topic)?.get(header.toString());
    if (!needle) return false;
    const at = message.value.indexOf(marker);
    return at >= 0 && message.value.compare(needle, 0, needle.length, at, at + needle.length) === 0;
  };
}

/** A per-record handler as a batch handler: the records one after the other, in order. */
function perRecord<K extends TopicKey>(handle: Handler<K>): BatchHandler<K> {
  return async (items) => {
    const results: (Outbox | undefined | PermanentError)[] = [];
    for (const { envelope, context } of items) {
      try {
        results.push((await handle(envelope, context)) ?? undefined);
      } catch (error) {
        if (!(error instanceof PermanentError)) throw error;
        results.push(error);
      }
    }
    return results;
  };
}

export { topics };
