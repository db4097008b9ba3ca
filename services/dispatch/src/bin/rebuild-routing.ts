// npm run rebuild (after the tracker's projection): dispatch's routing state, loads, round-robin
// sequences and acceptance deadlines from the event log. Run with dispatch stopped.
import { z } from 'zod';
import { baseConfigShape, createKafka, createLogger, createRedis, loadConfig } from '@ucsc/shared';
import { routingPolicyOf, routingPolicyShape } from '../config';
import { rebuildRouting } from '../rebuild';

async function main() {
  const config = loadConfig(z.object({ ...baseConfigShape, ...routingPolicyShape }));
  const logger = createLogger('dispatch-rebuild', config.LOG_LEVEL);
  const kafka = createKafka({ clientId: 'dispatch-rebuild', brokers: config.KAFKA_BROKERS }, logger);
  const redis = createRedis(config.REDIS_URL, logger);
  try {
    const result = await rebuildRouting({ kafka, redis, prefix: config.TOPIC_PREFIX, redisPrefix: config.REDIS_PREFIX, policy: routingPolicyOf(config), logger });
    console.log(`rebuilt the routing of ${result.incidents} incidents and the loads of ${Object.keys(result.loads).length} enterprises from ${result.events} events`);
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
