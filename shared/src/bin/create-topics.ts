import { z } from 'zod';
import { baseConfigShape, loadConfig } from '../config';
import { createKafka, ensureTopics } from '../bus/kafka';
import { createLogger } from '../log';

const schema = z.object({
  ...baseConfigShape,
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1).describe('Replicas of each topic (3 in production)'),
});

/** npm run topics: creates every topic of the topic table that is missing. */
async function main() {
  const config = loadConfig(schema);
  const logger = createLogger('topics', config.LOG_LEVEL);
  const admin = createKafka({ clientId: 'ucsc-topics', brokers: config.KAFKA_BROKERS }, logger).admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, config.TOPIC_PREFIX, config.KAFKA_REPLICATION_FACTOR);
    console.log(created.length ? `created topics: ${created.join(', ')}` : 'all topics exist');
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
