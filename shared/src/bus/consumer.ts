import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../log';
import type { Envelope } from '../contracts/messages';
import type { DeadLetter } from '../contracts/deadletter';
import { parseMessage } from '../contracts/parse';
import { topicName, topics, type TopicKey, type TopicMessageType } from '../contracts/topics';
import { createProducer } from './kafka';
import { toRecord } from './publisher';

/** Messages a handler wants produced; with a transactional runner they commit with the offsets. */
export type Outbox = { [K in TopicKey]?: Envelope<TopicMessageType<K>>[] };

export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  logger: Logger;
}

export type Handler<K extends TopicKey> = (
  envelope: Envelope<TopicMessageType<K>>,
  context: MessageContext,
) => Promise<Outbox | void>;

/** An error a handler raises for a message that can never succeed: it is dead-lettered, not retried. */
export class PermanentError extends Error {
  override name = 'PermanentError';
  constructor(
    message: string,
    readonly code = 'rejected',
  ) {
    super(message);
  }
}

export interface ConsumerOptions<K extends TopicKey> {
  kafka: Kafka;
  prefix: string;
  /** appended to the prefix to make the consumer group id */
  group: string;
  topics: K[];
  logger: Logger;
  handle: Handler<K>;
  /**
   * Exactly-once consume → produce: the outbox and the consumed offsets commit in one Kafka
   * transaction. Give a transactional id that is stable for this copy of the service.
   */
  transactionalId?: string;
  fromBeginning?: boolean;
}

export interface RunningConsumer {
  groupId: string;
  consumer: Consumer;
  /** Finishes the batch in flight, commits its offsets, disconnects. */
  stop(): Promise<void>;
}

/**
 * Runs a consumer that validates every record against the topic table. A record that fails
 * validation (or that its handler rejects permanently) goes to the dead-letter topic with its
 * origin and the error, and the partition moves on. Other errors are retried by kafkajs.
 */
export async function runConsumer<K extends TopicKey>(options: ConsumerOptions<K>): Promise<RunningConsumer> {
  const { kafka, prefix, logger, handle } = options;
  const groupId = `${prefix}.${options.group}`;
  const log = logger.child({ consumerGroup: groupId });
  const topicKeyByName = new Map(options.topics.map((key) => [topicName(prefix, key), key] as const));
  const deadLetterTopic = topicName(prefix, 'deadLetter');
  const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3000, readUncommitted: false });
  const producer: Producer = createProducer(kafka, options.transactionalId);

  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [...topicKeyByName.keys()], fromBeginning: options.fromBeginning ?? true });

  const deadLetter = (topic: string, partition: number, message: KafkaMessage, code: string, text: string, issues?: string[]) => {
    const record: DeadLetter = {
      origin: { topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, consumerGroup: groupId },
      error: { code, message: text, ...(issues ? { issues } : {}) },
      failedAt: new Date().toISOString(),
      value: message.value ? message.value.toString('base64') : null,
    };
    log.warn({ topic, partition, offset: message.offset, code, issues }, `dead-lettered: ${text}`);
    return { key: record.origin.key, value: JSON.stringify(record), headers: { 'error-code': code } };
  };

  await consumer.run({
    autoCommit: !options.transactionalId,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
      const topicKey = topicKeyByName.get(batch.topic) as K;
      const outgoing = new Map<string, ReturnType<typeof toRecord | typeof deadLetter>[]>();
      const add = (topic: string, record: ReturnType<typeof toRecord | typeof deadLetter>) => {
        const list = outgoing.get(topic) ?? [];
        list.push(record);
        outgoing.set(topic, list);
      };
      let lastOffset: string | undefined;
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const parsed = parseMessage(topicKey, message.value);
        if (!parsed.ok) {
          add(deadLetterTopic, deadLetter(batch.topic, batch.partition, message, parsed.code, parsed.message, parsed.issues));
        } else {
          const envelope = parsed.value;
          const context: MessageContext = {
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            logger: log.child({ correlationId: envelope.correlationId, messageId: envelope.id }),
          };
          try {
            const outbox = await handle(envelope, context);
            for (const [key, envelopes] of Object.entries(outbox ?? {}) as [TopicKey, Envelope[]][]) {
              for (const e of envelopes) add(topicName(prefix, key), toRecord(e));
            }
          } catch (error) {
            if (!(error instanceof PermanentError)) throw error; // transient: kafkajs retries the batch
            add(deadLetterTopic, deadLetter(batch.topic, batch.partition, message, error.code, error.message));
          }
        }
        lastOffset = message.offset;
        if (!options.transactionalId) {
          await flush(outgoing);
          resolveOffset(message.offset);
        }
        await heartbeat();
      }
      if (lastOffset === undefined) return;
      if (options.transactionalId) {
        const transaction = await producer.transaction();
        try {
          for (const [topic, messages] of outgoing) await transaction.send({ topic, acks: -1, messages });
          await transaction.sendOffsets({
            consumerGroupId: groupId,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }] }],
          });
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
        resolveOffset(lastOffset);
      } else {
        await commitOffsetsIfNecessary();
      }
    },
  });

  async function flush(outgoing: Map<string, ReturnType<typeof toRecord | typeof deadLetter>[]>) {
    for (const [topic, messages] of outgoing) {
      if (messages.length) await producer.send({ topic, acks: -1, messages });
    }
    outgoing.clear();
  }

  return {
    groupId,
    consumer,
    async stop() {
      await consumer.disconnect().catch((err) => log.warn({ err }, 'consumer disconnect failed'));
      await producer.disconnect().catch(() => undefined);
    },
  };
}

export { topics };
