import { createLogger, createRedis, createServiceKafka, IdentityStore, loadConfig, Publisher } from '@ucsc/shared';
import { boardConfigSchema } from '../config';
import { demoPassword, seedDemoAccounts } from '../demo-accounts';

/** Seeds the demo accounts (one per role) and prints how to sign in with each. */
async function main() {
  const config = loadConfig(boardConfigSchema);
  const logger = createLogger('seed-accounts', config.LOG_LEVEL);
  const redis = createRedis(config.REDIS_URL, logger);
  // recorded on the identity topic like every account the board makes, so a rebuild brings them back
  const publisher = new Publisher(createServiceKafka('board', config, logger), config.TOPIC_PREFIX, logger);
  try {
    const accounts = await seedDemoAccounts(new IdentityStore(redis, config.REDIS_PREFIX, undefined, publisher));
    console.log(`Demo accounts (password for all: ${demoPassword}):`);
    for (const a of accounts) {
      console.log(`  ${a.username.padEnd(20)} ${a.roles.join(', ')}${a.totpSecret ? `  (second factor: npm run totp -- ${a.totpSecret})` : ''}`);
    }
  } finally {
    await publisher.close();
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
