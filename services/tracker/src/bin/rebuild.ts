import { createKafka, createLogger, createRedis, loadConfig } from '@ucsc/shared';
import { clocksOf, trackerConfigSchema } from '../config';
import { rebuildProjection } from '../rebuild';

/** npm run rebuild-projections: rebuild the incident projection in Redis from Kafka. */
async function main() {
  const config = loadConfig(trackerConfigSchema);
  const logger = createLogger('tracker-rebuild', config.LOG_LEVEL);
  const kafka = createKafka({ clientId: 'tracker-rebuild', brokers: config.KAFKA_BROKERS }, logger);
  const redis = createRedis(config.REDIS_URL, logger);
  try {
    const result = await rebuildProjection({ kafka, redis, prefix: config.TOPIC_PREFIX, redisPrefix: config.REDIS_PREFIX, logger, clocks: clocksOf(config) });
    console.log(`rebuilt ${result.incidents} incidents from ${result.events} events`);
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
