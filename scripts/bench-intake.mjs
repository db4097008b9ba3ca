// npm run bench:intake — how many Biểu mẫu 03 reports intake stores per second, how fast it answers
// at a fixed 2,000 reports/s, the same for a bare Fastify + kafkajs producer, and whether any
// accepted report is missing from Kafka. Everything runs on 127.0.0.1: a Kafka and a Redis of the
// benchmark's own (ports below, not those of `npm start` or `npm test`), intake and the bare
// server as child processes, and this process as the client.
//
//   BENCH_SECONDS (60)          sustained phase, per server
//   BENCH_FIXED_SECONDS (20)    fixed-rate phase, per server
//   BENCH_RATE (2000)           the fixed rate, reports/s
//   BENCH_CONNECTIONS (256)     concurrent requests in the sustained phase
//   BENCH_WARMUP_SECONDS (10)   full speed before measuring, per server: JIT (node's and the broker's JVM), connections
//   BENCH_WORKERS (2)           processes of intake (its WORKERS setting) and, alike, of the bare server
//   BENCH_INTAKE_NODE_ARGS      extra node flags for intake, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
//   BENCH_KAFKA_PORT (39292), BENCH_REDIS_PORT (36479), BENCH_INTAKE_PORT (39501), BENCH_BARE_PORT (39502), BENCH_BOARD_PORT (39503)
import http from 'node:http';
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { identityKeys, infraDown, infraUp, root, waitUntil } from './lib.mjs';
import { checkPorts, issueTokens, readTopicToEnd, reportBody } from './system.mjs';

const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs');
const { waitForTopicsUsable } = require('@ucsc/shared');

const env = process.env;
const seconds = Number(env.BENCH_SECONDS ?? 60);
const fixedSeconds = Number(env.BENCH_FIXED_SECONDS ?? 20);
const rate = Number(env.BENCH_RATE ?? 2000);
const connections = Number(env.BENCH_CONNECTIONS ?? 256);
const workers = Number(env.BENCH_WORKERS ?? 2);
const warmupSeconds = Number(env.BENCH_WARMUP_SECONDS ?? 10);
const kafkaPort = env.BENCH_KAFKA_PORT ?? '39292';
const redisPort = env.BENCH_REDIS_PORT ?? '36479';
const intakePort = Number(env.BENCH_INTAKE_PORT ?? 39501);
const barePort = Number(env.BENCH_BARE_PORT ?? 39502);
const boardPort = Number(env.BENCH_BOARD_PORT ?? 39503);
const host = '127.0.0.1';
checkPorts(kafkaPort, redisPort, intakePort, barePort);

const infraEnv = {
  KAFKA_INSTANCE: 'kafka-bench',
  KAFKA_PORT: kafkaPort,
  KAFKA_CONTROLLER_PORT: String(Number(kafkaPort) + 1),
  KAFKA_HEAP: env.BENCH_KAFKA_HEAP ?? '768m',
  REDIS_INSTANCE: 'redis-bench',
  REDIS_PORT: redisPort,
};
const prefix = `bench-${randomBytes(3).toString('hex')}`;
const brokers = `${host}:${kafkaPort}`;

let sequence = 0;
const nextBody = () => reportBody(++sequence);

// ── the client ──
// Intake, like the real service, takes reports only with a credential: each submitting
// organisation's mail gateway or SIEM holds an API token, and the requests go round them.
const tokenCount = 64;
let tokens = [];

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
function post(port, body) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port,
        method: 'POST',
        path: '/api/v1/reports',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'idempotency-key': randomBytes(12).toString('hex'),
          authorization: tokens[sequence % tokenCount] ?? '',
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.end(body);
  });
}

/** As many reports as the server takes, `connections` at a time, for `seconds`. */
async function sustained(port, secondsToRun, accepted) {
  const end = Date.now() + secondsToRun * 1000;
  let ok = 0;
  let failed = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const response = await post(port, nextBody());
      if (response.status === 202) {
        ok += 1;
        accepted?.add(JSON.parse(response.body).incidentId);
      } else failed += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: connections }, worker));
  return { perSecond: ok / ((Date.now() - started) / 1000), ok, failed };
}

/** A fixed rate, latency measured from when each request was due (no coordinated omission). */
async function fixedRate(port, perSecond, secondsToRun, accepted) {
  const latencies = [];
  let failed = 0;
  const total = perSecond * secondsToRun;
  const started = performance.now();
  const inflight = [];
  let sent = 0;
  while (sent < total) {
    const due = started + (sent * 1000) / perSecond;
    const now = performance.now();
    if (due > now) {
      await new Promise((r) => setTimeout(r, Math.max(0, due - now - 0.5)));
      continue;
    }
    while (sent < total && started + (sent * 1000) / perSecond <= performance.now()) {
      const dueAt = started + (sent * 1000) / perSecond;
      sent += 1;
      inflight.push(
        post(port, nextBody()).then((response) => {
          if (response.status === 202) {
            latencies.push(performance.now() - dueAt);
            accepted?.add(JSON.parse(response.body).incidentId);
          } else failed += 1;
        }),
      );
    }
  }
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { p50: pct(50), p99: pct(99), ok: latencies.length, failed };
}

async function waitForHttp(port, path) {
  await waitUntil(`server on ${port}`, () => new Promise((resolve) => http.get({ host, port, path }, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false))), 60_000);
}

/** Every incident.reported on the benchmark's topic, read from the beginning to the end it has now. */
async function incidentsInKafka(topic) {
  const kafka = new Kafka({ clientId: 'bench-count', brokers: [brokers], logLevel: logLevel.ERROR });
  const found = new Set();
  await readTopicToEnd(kafka, topic, (value) => {
    if (value.includes('"type":"incident.reported"')) found.add(JSON.parse(value).payload.incidentId);
  });
  return found;
}

const dataRoot = env.UCSC_DATA_DIR ?? join(root, 'infra', '.data');
function freshData() {
  for (const instance of [infraEnv.KAFKA_INSTANCE, infraEnv.REDIS_INSTANCE]) rmSync(join(dataRoot, instance), { recursive: true, force: true });
}

const children = [];
function stopChildren() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', stopChildren);

async function main() {
  console.log(
    `[bench] Kafka ${brokers}, Redis ${host}:${redisPort}, topics ${prefix}.*; ${seconds} s sustained, ${fixedSeconds} s at ${rate}/s, ${connections} connections, ${workers} process(es) each; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  );
  // the benchmark's Kafka and Redis start empty every run: what an earlier run left (millions of
  // ledger records, gigabytes of log) would be measured instead of intake
  infraDown(infraEnv);
  freshData();
  infraUp({ ...infraEnv, TOPIC_PREFIX: prefix, KAFKA_BROKERS: brokers });
  const bareTopic = `${prefix}.bare`;
  const kafka = new Kafka({ clientId: 'bench-admin', brokers: [brokers], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: false, topics: [{ topic: bareTopic, numPartitions: 6, replicationFactor: 1 }] });
  await waitForTopicsUsable(admin, [{ name: bareTopic, partitions: 6 }]);

  tokens = await issueTokens(`redis://${host}:${redisPort}`, `${prefix}:`, tokenCount);
  // the board owns identity: intake exchanges each token there once per access-token lifetime
  const identity = identityKeys();
  const board = spawn('node', [join(root, 'services/board/dist/server.js')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...env, ...identity.owner, KAFKA_BROKERS: brokers, REDIS_URL: `redis://${host}:${redisPort}`, TOPIC_PREFIX: prefix, REDIS_PREFIX: `${prefix}:`, HOST: host, PORT: String(boardPort), LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  children.push(board);
  const nodeArgs = env.BENCH_INTAKE_NODE_ARGS ? env.BENCH_INTAKE_NODE_ARGS.split(' ') : [];
  const intake = spawn('node', [...nodeArgs, join(root, 'services/intake/dist/server.js')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...env,
      KAFKA_BROKERS: brokers,
      REDIS_URL: `redis://${host}:${redisPort}`,
      TOPIC_PREFIX: prefix,
      REDIS_PREFIX: `${prefix}:`,
      ...identity.verifier,
      IDENTITY_URL: `http://${host}:${boardPort}`,
      HOST: host,
      PORT: String(intakePort),
      LOG_LEVEL: 'warn',
      WORKERS: String(workers),
      NODE_OPTIONS: '--max-semi-space-size=32', // as the image runs it (Dockerfile)
      // the benchmark is 64 organisations sending thousands of reports a second: far past the
      // per-token limit a real one gets (RATE_LIMIT_PER_MINUTE), which is still checked each time
      RATE_LIMIT_PER_MINUTE: '100000000',
      ATTACHMENT_DIR: join(root, 'infra/.data/bench-attachments'),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
  });
  children.push(intake);
  const bare = fork(join(root, 'scripts/bench-bare-server.mjs'), [], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...env, KAFKA_BROKERS: brokers, BARE_TOPIC: bareTopic, PORT: String(barePort), WORKERS: String(workers), KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  children.push(bare);
  await waitForHttp(intakePort, '/ready');
  await waitForHttp(boardPort, '/ready');
  await new Promise((resolve) => bare.once('message', resolve));

  const accepted = new Set();
  // a warm-up of each: JIT (node's, and the broker's JVM), connections, producer metadata
  console.log(`[bench] warming up, ${warmupSeconds} s each …`);
  await sustained(intakePort, warmupSeconds, accepted);
  await sustained(barePort, warmupSeconds);

  // the fixed rate first: latency is measured on a Kafka and Redis holding what a busy day leaves,
  // not the hundreds of thousands of reports a minute at full speed leaves (whose AOF rewrite and
  // log flushes would then be measured instead of the servers)
  console.log(`[bench] intake at ${rate}/s …`);
  const intakeFixed = await fixedRate(intakePort, rate, fixedSeconds, accepted);
  console.log(`[bench] bare at ${rate}/s …`);
  const bareFixed = await fixedRate(barePort, rate, fixedSeconds);
  console.log('[bench] intake, sustained …');
  const intakeSustained = await sustained(intakePort, seconds, accepted);
  console.log('[bench] bare Fastify + kafkajs, sustained …');
  const bareSustained = await sustained(barePort, seconds);

  const metrics = await new Promise((resolve) => http.get({ host, port: intakePort, path: '/metrics' }, (res) => { let s = ''; res.on('data', (c) => (s += c)); res.on('end', () => resolve(s)); }));
  const perRequest = /intake_reports_per_produce_request\{[^}]*\} ([\d.]+)/.exec(metrics)?.[1];

  console.log('[bench] counting accepted reports in Kafka …');
  const inKafka = await incidentsInKafka(`${prefix}.incident.events`);
  let missing = 0;
  for (const id of accepted) if (!inKafka.has(id)) missing += 1;

  const f = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
  const rows = [
    ['', 'intake', 'bare Fastify + kafkajs'],
    [`sustained reports/s (${seconds} s, ${connections} conns)`, f(intakeSustained.perSecond), f(bareSustained.perSecond)],
    [`p50 ms at ${rate}/s (${fixedSeconds} s)`, f(intakeFixed.p50), f(bareFixed.p50)],
    [`p99 ms at ${rate}/s`, f(intakeFixed.p99), f(bareFixed.p99)],
    ['non-202 answers', String(intakeSustained.failed + intakeFixed.failed), String(bareSustained.failed + bareFixed.failed)],
  ];
  console.log('');
  for (const row of rows) console.log(`  ${row[0].padEnd(42)} ${row[1].padStart(10)} ${row[2].padStart(24)}`);
  console.log(`  ${'ratio intake / bare (sustained)'.padEnd(42)} ${(intakeSustained.perSecond / bareSustained.perSecond).toFixed(2).padStart(10)}`);
  console.log(`  ${'reports per produce request (one intake)'.padEnd(42)} ${String(perRequest ?? 'n/a').padStart(10)}`);
  console.log(`  ${'accepted reports (202)'.padEnd(42)} ${String(accepted.size).padStart(10)}`);
  console.log(`  ${'accepted reports missing from Kafka'.padEnd(42)} ${String(missing).padStart(10)}`);
  console.log('');

  stopChildren();
  await admin.deleteTopics({ topics: [bareTopic, `${prefix}.incident.events`, `${prefix}.incident.commands`, `${prefix}.deadletter`, `${prefix}.audit.events`, `${prefix}.identity.events`] }).catch(() => undefined);
  await admin.disconnect();
  if (!env.BENCH_KEEP_INFRA) {
    infraDown(infraEnv);
    freshData();
  }
  return missing === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[bench] ${error.stack ?? error}`);
    stopChildren();
    if (!env.BENCH_KEEP_INFRA) infraDown(infraEnv);
    process.exit(1);
  },
);
