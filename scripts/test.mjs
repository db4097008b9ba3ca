// npm test: starts the Kafka and Redis the tests need (a separate test instance on its own ports,
// so a running `npm start` is not disturbed), runs every jest test, writes jest-results.json.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { infraDown, infraUp, root } from './lib.mjs';

/** The browser test drives Debian's Chromium (a browser download never works here); install it when missing. */
function ensureChromium() {
  if (existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) return;
  console.log('[test] installing Debian chromium for the browser test');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  if (install.status !== 0) console.error('[test] could not install chromium; the browser test will fail');
}

const infraEnv = {
  KAFKA_INSTANCE: 'kafka-test',
  KAFKA_PORT: process.env.UCSC_TEST_KAFKA_PORT ?? '29092',
  KAFKA_CONTROLLER_PORT: process.env.UCSC_TEST_KAFKA_CONTROLLER_PORT ?? '29093',
  REDIS_INSTANCE: 'redis-test',
  REDIS_PORT: process.env.UCSC_TEST_REDIS_PORT ?? '26379',
};
const testEnv = {
  UCSC_TEST_KAFKA_BROKERS: `127.0.0.1:${infraEnv.KAFKA_PORT}`,
  UCSC_TEST_REDIS_URL: `redis://127.0.0.1:${infraEnv.REDIS_PORT}`,
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
  // ports a test picks before it listens (startSystem links the services by them) come from below the
  // kernel's ephemeral range (32768-60999): one the kernel gave out, freed and given back to a test
  // was taken meanwhile by an outgoing connection of the chaos run beside it (EADDRINUSE)
  UCSC_TEST_PORTS: process.env.UCSC_TEST_PORTS ?? '24000-25999',
};

ensureChromium();
infraUp({ ...infraEnv, TOPIC_PREFIX: 'ucsc-test', KAFKA_BROKERS: testEnv.UCSC_TEST_KAFKA_BROKERS });
const jest = spawnSync(
  'node',
  // --experimental-vm-modules: jest loads ES-module dependencies (cookie 2, content-disposition 3)
  // with Node's own require(esm) only when vm.SourceTextModule exists, which this flag turns on
  ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--json', '--outputFile=jest-results.json', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ...testEnv } },
);
if (!process.env.UCSC_KEEP_INFRA) infraDown(infraEnv);
process.exit(jest.status ?? 1);
