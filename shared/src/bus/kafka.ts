import { Kafka, logLevel, Partitioners, type LogEntry, type Producer, type Admin } from 'kafkajs';
import type { Logger } from '../log';
import { topics, topicName, type TopicKey } from '../contracts/topics';

const pinoLevel: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// Broker answers that kafkajs retries by itself (a broker starting, a leader being elected): noted
// as warnings; should the retries run out, the caller gets the error and reports it as one.
const transientAnswers = [
  'The coordinator is loading',
  'The group coordinator is not available',
  'There is no leader for this topic-partition',
  'This server is not the leader for that topic-partition',
  'This server does not host this topic-partition',
  'This is not the correct coordinator for this group',
  // a transaction's markers are still being written when the next one starts: kafkajs retries
  'The producer attempted to update a transaction while another concurrent operation',
];

/** The pino level of a kafkajs log entry: its own, but a transient broker answer is a warning. */
export function kafkaLogLevel(namespace: string, level: logLevel, error: unknown): 'error' | 'warn' | 'info' | 'debug' {
  const transient = namespace === 'Connection' && typeof error === 'string' && transientAnswers.some((answer) => error.startsWith(answer));
  return level === logLevel.ERROR && transient ? 'warn' : (pinoLevel[level] ?? 'info');
}

export interface KafkaSettings {
  clientId: string;
  brokers: string[];
  requestTimeoutMs?: number;
  /** how long a connect or request keeps retrying before it fails (a reply to a user must not hang) */
  maxRetryTimeMs?: number;
}

/** A kafkajs client whose logs go through the service's pino logger. */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    requestTimeout: settings.requestTimeoutMs ?? 5000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: settings.maxRetryTimeMs ?? 3000 },
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, timestamp: _ts, logger: _l, ...extra } = entry as LogEntry['log'] & { logger?: string };
        log[kafkaLogLevel(namespace, level, (extra as { error?: unknown }).error)]({ namespace, ...extra }, message);
      },
  });
}

/** The Kafka client of one copy of a service, from the config every service shares. */
export function createServiceKafka(
  service: string,
  config: { SERVICE_INSTANCE: string; KAFKA_BROKERS: string[]; KAFKA_REQUEST_TIMEOUT_MS: number },
  logger: Logger,
): Kafka {
  return createKafka(
    { clientId: `${service}-${config.SERVICE_INSTANCE}`, brokers: config.KAFKA_BROKERS, requestTimeoutMs: config.KAFKA_REQUEST_TIMEOUT_MS },
    logger,
  );
}

/** Idempotent producer with acks=all semantics (acks are set per send). */
export function createProducer(kafka: Kafka, transactionalId?: string): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(transactionalId ? { transactionalId, transactionTimeout: 30_000 } : {}),
  });
}

/** The usual min.insync.replicas: with three replicas or more, one may be lost without refusing writes. */
export function minInsyncReplicasFor(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : 1;
}

export interface TopicOptions {
  /** replicas of each new topic (3 in production) */
  replicationFactor?: number;
  /** in-sync replicas an acks=all write needs, set on each new topic (default: minInsyncReplicasFor) */
  minInsyncReplicas?: number;
  /** how long to wait for every partition to be usable before failing */
  readyTimeoutMs?: number;
}

/**
 * Creates every topic of the table that does not exist yet, with its partitions and settings, then
 * waits until every partition of every topic of the table is usable (see waitForTopicsUsable).
 * Returns the names it created.
 */
export async function ensureTopics(admin: Admin, prefix: string, options: TopicOptions = {}): Promise<string[]> {
  const replicationFactor = options.replicationFactor ?? 1;
  const minInsyncReplicas = options.minInsyncReplicas ?? minInsyncReplicasFor(replicationFactor);
  if (minInsyncReplicas > replicationFactor) {
    throw new Error(`min.insync.replicas (${minInsyncReplicas}) cannot exceed the replication factor (${replicationFactor}): no write could succeed`);
  }
  const table = (Object.keys(topics) as TopicKey[]).map((key) => ({ key, name: topicName(prefix, key) }));
  const existing = new Set(await admin.listTopics());
  const missing = table.filter(({ name }) => !existing.has(name));
  await refuseFewerPartitions(admin, table.filter(({ name }) => existing.has(name)));
  if (missing.length > 0) {
    // no waitForLeaders: kafkajs gives up on the first "does not host this topic-partition", which
    // a broker answers until its metadata catches up with the controller (a busy or fresh broker)
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map(({ key, name }) => ({
        topic: name,
        numPartitions: topics[key].partitions,
        replicationFactor,
        configEntries: Object.entries({ ...topics[key].config, 'min.insync.replicas': String(minInsyncReplicas) }).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  await waitForTopicsUsable(
    admin,
    table.map(({ key, name }) => ({ name, partitions: topics[key].partitions })),
    { minInsyncReplicas, timeoutMs: options.readyTimeoutMs ?? 60_000 },
  );
  return missing.map((m) => m.name);
}

/**
 * An existing topic with fewer partitions than the table is an error now, not after the deadline.
 * It is not widened here: more partitions would move keys, and an incident's events must stay in order.
 */
async function refuseFewerPartitions(admin: Admin, existing: { key: TopicKey; name: string }[]): Promise<void> {
  if (existing.length === 0) return;
  // a broker that does not know a topic yet (created a moment ago elsewhere): waiting will tell
  const found = await admin.fetchTopicMetadata({ topics: existing.map((t) => t.name) }).then(
    (metadata) => metadata.topics,
    () => undefined,
  );
  if (!found) return;
  const short = existing.flatMap(({ key, name }) => {
    const count = found.find((t) => t.name === name)?.partitions.length ?? 0;
    return count < topics[key].partitions ? [`${name} has ${count} partitions, the topic table ${topics[key].partitions}`] : [];
  });
  if (short.length > 0) throw new Error(`existing topics differ from the topic table: ${short.join('; ')}`);
}

/**
 * Waits until every partition of the topics has a leader that answers metadata and a ListOffsets,
 * with at least minInsyncReplicas replicas in sync: then an acks=all produce and a consumer's fetch
 * succeed. Throws, naming what is not ready, when timeoutMs passes.
 */
export async function waitForTopicsUsable(
  admin: Admin,
  wanted: { name: string; partitions: number }[],
  { minInsyncReplicas = 1, timeoutMs = 60_000 }: { minInsyncReplicas?: number; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pause = 50;
  for (;;) {
    let notReady: string;
    try {
      notReady = await topicsNotUsable(admin, wanted, minInsyncReplicas);
      if (!notReady) return;
    } catch (error) {
      notReady = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new TimeoutError(`topics not usable after ${timeoutMs} ms: ${notReady}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 1000);
  }
}

/** What keeps the topics from being usable (empty when nothing does); throws what the broker answered. */
async function topicsNotUsable(admin: Admin, wanted: { name: string; partitions: number }[], minInsyncReplicas: number): Promise<string> {
  const { topics: found } = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.name) });
  const problems: string[] = [];
  for (const { name, partitions } of wanted) {
    const metadata = found.find((t) => t.name === name)?.partitions ?? [];
    if (metadata.length < partitions) problems.push(`${name} has ${metadata.length} of ${partitions} partitions`);
    for (const p of metadata) {
      if (p.leader < 0) problems.push(`${name}/${p.partitionId} has no leader`);
      else if (p.isr.length < minInsyncReplicas) problems.push(`${name}/${p.partitionId} has ${p.isr.length} in-sync replicas of the ${minInsyncReplicas} a write needs`);
    }
  }
  if (problems.length > 0) return problems.join('; ');
  // the leader may be named before it hosts the partition: ListOffsets asks the leader itself
  for (const { name } of wanted) await admin.fetchTopicOffsets(name);
  return '';
}

/** Rejects with a clear error when a promise takes longer than ms. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}
