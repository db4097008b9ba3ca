import { z } from 'zod';
import { baseConfigShape, loadConfig } from '../config';
import { createKafka, ensureTopics } from '../bus/kafka';
import { createLogger } from '../log';

const schema = z.object({
  ...baseConfigShape,
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1).describe('Replicas of each topic (3 in production)'),
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('In-sync replicas an acks=all write needs (min.insync.replicas of each new topic); default 2 with three or more replicas, else 1'),
  KAFKA_TOPICS_READY_TIMEOUT_MS: z.coerce.number().int().min(1).default(60_000).describe('How long to wait for every partition to be usable'),
});

/** npm run topics: creates every topic of the topic table that is missing, then waits until all are usable. */
async function main() {
  const config = loadConfig(schema);
  const logger = createLogger('topics', config.LOG_LEVEL);
  const admin = createKafka({ clientId: 'ucsc-topics', brokers: config.KAFKA_BROKERS }, logger).admin();
  await admin.connect();
  try {
    const replicationFactor = config.KAFKA_REPLICATION_FACTOR;
    const created = await ensureTopics(admin, config.TOPIC_PREFIX, {
      replicationFactor,
      // one replica may be lost without refusing writes, as long as there are three
      minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS ?? (replicationFactor >= 3 ? 2 : 1),
      readyTimeoutMs: config.KAFKA_TOPICS_READY_TIMEOUT_MS,
    });
    console.log(`${created.length ? `created topics: ${created.join(', ')}` : 'all topics exist'}; every partition has a leader that answers`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
