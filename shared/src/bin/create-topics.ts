import { z } from 'zod';
import { baseConfigShape, loadConfig } from '../config';
import { createKafka, ensureTopics } from '../bus/kafka';
import { createLogger } from '../log';
import { adminLogLevel, topicSettingsShape } from './topic-settings';

const schema = z.object({
  ...baseConfigShape,
  ...topicSettingsShape,
});

/** npm run topics: creates every topic of the topic table that is missing, then waits until all are usable. */
async function main() {
  const config = loadConfig(schema);
  const logger = createLogger('topics', adminLogLevel(config.LOG_LEVEL));
  const admin = createKafka({ clientId: 'ucsc-topics', brokers: config.KAFKA_BROKERS }, logger).admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, config.TOPIC_PREFIX, {
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      ...(config.KAFKA_MIN_INSYNC_REPLICAS ? { minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS } : {}),
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
