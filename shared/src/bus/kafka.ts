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

/** Creates every topic of the table that does not exist yet, with its partitions and settings. */
export async function ensureTopics(admin: Admin, prefix: string, replicationFactor = 1): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = (Object.keys(topics) as TopicKey[])
    .map((key) => ({ key, name: topicName(prefix, key) }))
    .filter(({ name }) => !existing.has(name));
  if (missing.length > 0) {
    await admin.createTopics({
      // kafkajs's own wait gives up on "does not host this topic-partition", which a fresh broker
      // answers until its metadata cache has the topic: waited for below instead
      waitForLeaders: false,
      topics: missing.map(({ key, name }) => ({
        topic: name,
        numPartitions: topics[key].partitions,
        replicationFactor,
        configEntries: Object.entries(topics[key].config).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  await waitUntilServed(admin, (Object.keys(topics) as TopicKey[]).map((key) => topicName(prefix, key)));
  return missing.map((m) => m.name);
}

/** Waits until every partition of the topics has a leader that answers for it (metadata and offsets). */
async function waitUntilServed(admin: Admin, names: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: names });
      const leaderless = described.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}:${p.partitionId}`));
      if (leaderless.length) throw new Error(`no leader yet for ${leaderless.join(', ')}`);
      for (const name of names) await admin.fetchTopicOffsets(name);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
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
