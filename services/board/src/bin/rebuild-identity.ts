import { createLogger, createRedis, createServiceKafka, loadConfig, rebuildIdentity } from '@ucsc/shared';
import { boardConfigSchema } from '../config';

/** Brings the accounts and API tokens back from the identity topic (after Redis lost them). */
async function main() {
  const config = loadConfig(boardConfigSchema);
  const logger = createLogger('rebuild-identity', config.LOG_LEVEL);
  const redis = createRedis(config.REDIS_URL, logger);
  try {
    const { users, tokens } = await rebuildIdentity({ kafka: createServiceKafka('board', config, logger), redis, prefix: config.TOPIC_PREFIX, redisPrefix: config.REDIS_PREFIX, logger });
    console.log(`identity store rebuilt: ${users} accounts, ${tokens} API tokens`);
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
