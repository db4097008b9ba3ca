// npm run rebuild (after the tracker's projection): dispatch's enterprise loads from the event log.
import { baseConfigSchema, createKafka, createLogger, createRedis, loadConfig } from '@ucsc/shared';
import { rebuildLoads } from '../rebuild';

async function main() {
  const config = loadConfig(baseConfigSchema);
  const logger = createLogger('dispatch-rebuild', config.LOG_LEVEL);
  const kafka = createKafka({ clientId: 'dispatch-rebuild', brokers: config.KAFKA_BROKERS }, logger);
  const redis = createRedis(config.REDIS_URL, logger);
  try {
    const result = await rebuildLoads({ kafka, redis, prefix: config.TOPIC_PREFIX, redisPrefix: config.REDIS_PREFIX, logger });
    console.log(`rebuilt the loads of ${Object.keys(result.loads).length} enterprises from ${result.events} events`);
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
