// npm run bench:burst — a mass campaign end to end: the four services as in production (separate
// processes, intake and dispatch with two copies each), on a Kafka and Redis of the benchmark's own; BENCH_REPORTS
// complete Biểu mẫu 03 reports submitted as fast as intake takes them from several client
// processes, while BENCH_CLIENTS board WebSocket clients watch (a few national coordinators, the
// rest province coordinators spread over the 34 units). Prints intake's rate; when every accepted
// report was routed (its incident.assigned in Kafka), projected (routed in the tracker's Redis
// view) and on a national coordinator's client; p50/p99 from the 202 to that client; CPU per
// service; and the accepted reports never routed, routed twice, or missing on a client that
// should have seen them (each must be 0, or the exit code is 1). Gives up after BENCH_TIMEOUT_SECONDS.
//
//   BENCH_REPORTS (100000)  BENCH_CLIENTS (1000)  BENCH_NATIONAL_CLIENTS (5)
//   BENCH_LOAD_PROCESSES (3)  BENCH_CONNECTIONS (64 per load process)  BENCH_FEED_PROCESSES (2)
//   BENCH_INTAKE_WORKERS (2)  BENCH_DISPATCH_WORKERS (2, as docker-compose deploys it)  BENCH_TIMEOUT_SECONDS (300, after the last report is accepted)
//   BENCH_FEED_VIEW (full: every change with the whole incident, as the page's panel; summary: the list screens' coalesced items)
//   BENCH_KAFKA_PORT (29910, controller +1)  BENCH_REDIS_PORT (29912)  BENCH_PORT_BASE (29920: the services)
//   BENCH_BARE_REPORTS (20000; 0 skips it): the same-run baseline, taken first on the same Kafka with the
//     same load processes: a bare Fastify + kafkajs server (scripts/bench-bare-server.mjs, one send per
//     request, as many processes as intake) taking that many reports as fast as it can
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { Feed, Load, System, countIncidentEvents, routings, runMain, createLogger, createRedis, feedClientPlan, issueTokens, percentile, projectedRouted, seedBoardAccounts, tailAssignments, root } from './system.mjs';

const require = createRequire(import.meta.url);
const { loadDirectoryFiles, waitForTopicsUsable } = require('@ucsc/shared');

const env = process.env;
const reports = Number(env.BENCH_REPORTS ?? 100_000);
const clientCount = Number(env.BENCH_CLIENTS ?? 1000);
const nationalClients = Math.min(clientCount, Number(env.BENCH_NATIONAL_CLIENTS ?? 5));
const loadProcesses = Number(env.BENCH_LOAD_PROCESSES ?? 3);
const connections = Number(env.BENCH_CONNECTIONS ?? 64);
const feedProcesses = Number(env.BENCH_FEED_PROCESSES ?? 2);
const intakeWorkers = env.BENCH_INTAKE_WORKERS ?? '2';
const dispatchWorkers = env.BENCH_DISPATCH_WORKERS ?? '2';
const timeoutMs = Number(env.BENCH_TIMEOUT_SECONDS ?? 300) * 1000;
const feedView = env.BENCH_FEED_VIEW ?? 'summary';

const system = new System({
  name: 'bench-burst',
  kafkaPort: Number(env.BENCH_KAFKA_PORT ?? 29910),
  redisPort: Number(env.BENCH_REDIS_PORT ?? 29912),
  portBase: Number(env.BENCH_PORT_BASE ?? 29920),
  kafkaHeap: env.BENCH_KAFKA_HEAP ?? '1g',
});
const log = (line) => console.log(`[bench:burst] ${line}`);
const seconds = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'never');
let load;
let feed;
let bare;

/**
 * The baseline: what the same load processes get from the least a server can do with a report
 * (Fastify, one acks=all send per request, no validation, ledger or batching), on the same Kafka,
 * before the services start. Intake's rate beside it says what intake's own work costs.
 */
async function bareBaseline(count) {
  const topic = `${system.prefix}.bare`;
  const admin = system.kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
  await waitForTopicsUsable(admin, [{ name: topic, partitions: 6 }]);
  const port = system.nextPort++;
  bare = fork(join(root, 'scripts/bench-bare-server.mjs'), [], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...env, KAFKA_BROKERS: system.brokers, BARE_TOPIC: topic, PORT: String(port), WORKERS: intakeWorkers, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  await new Promise((resolve) => bare.once('message', resolve));
  let accepted = 0;
  const bareLoad = new Load({ processes: loadProcesses, intakePort: port, tokens: [], connections, onAccepted: () => (accepted += 1) });
  const started = Date.now();
  await bareLoad.flood(count);
  const elapsed = (Date.now() - started) / 1000;
  bareLoad.close();
  bare.kill('SIGTERM');
  await new Promise((resolve) => bare.once('exit', resolve));
  bare = undefined;
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return { accepted, elapsed, perSecond: accepted / elapsed, load: loadavg()[0] };
}

async function main() {
  log(`${reports} reports from ${loadProcesses} processes × ${connections} connections; ${clientCount} board clients (${nationalClients} national, ${feedView} view); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await system.up();
  const bareCount = Number(env.BENCH_BARE_REPORTS ?? Math.min(reports, 20_000));
  const baseline = bareCount > 0 ? await bareBaseline(bareCount) : undefined;
  if (baseline) log(`baseline: a bare Fastify + kafkajs server (${intakeWorkers} processes) took ${baseline.accepted} reports from the same load processes at ${baseline.perSecond.toFixed(0)}/s (load average ${baseline.load.toFixed(1)})`);
  for (const name of ['tracker', 'board']) await system.start(name);
  await system.start('dispatch', { env: { WORKERS: dispatchWorkers } });
  await system.start('intake', { env: { WORKERS: intakeWorkers } });

  const tokens = await issueTokens(system.redisUrl, `${system.prefix}:`, 64);
  const units = loadDirectoryFiles().units.map((u) => u.code);
  const accounts = await seedBoardAccounts(system.redisUrl, `${system.prefix}:`, { nationals: Math.max(1, Math.min(nationalClients, 5)), provinceCodes: units });
  feed = new Feed({ processes: feedProcesses, boardPort: system.port('board-a'), plan: feedClientPlan(accounts, clientCount, nationalClients, feedView) });
  await feed.connected();
  log(`${clientCount} board clients connected`);

  const accepted = new Map(); // id → [id, provinceCode, acceptedAt]
  load = new Load({ processes: loadProcesses, intakePort: system.port('intake-a'), tokens, connections, onAccepted: (a) => accepted.set(a[0], a) });
  const tail = await tailAssignments(system);
  const redis = createRedis(system.redisUrl, createLogger('bench', 'warn'));

  const cpuBefore = system.cpu();
  const clientCpuBefore = load.cpu() + feed.cpu();
  const started = Date.now();
  const giveUp = setTimeout(() => {
    log(`intake has not taken every report after ${seconds(timeoutMs)}: stopping the load`);
    void load.stop();
  }, timeoutMs);
  const statuses = await load.flood(reports);
  clearTimeout(giveUp);
  const intakeDone = Date.now();
  log(`intake took ${accepted.size} reports in ${seconds(intakeDone - started)}; waiting for routing, projection and the board …`);

  // until every accepted report is routed, projected and on every national client, or time is up
  const deadline = intakeDone + timeoutMs;
  let unprojected = [...accepted.keys()];
  let projectedAt = NaN;
  let boardAt = NaN;
  for (;;) {
    const routed = [...accepted.keys()].every((id) => tail.firstAssigned.has(id));
    if (unprojected.length) {
      const found = await projectedRouted(redis, `${system.prefix}:`, unprojected.filter((id) => tail.firstAssigned.has(id)));
      unprojected = unprojected.filter((id) => !found.has(id));
      if (!unprojected.length) projectedAt = Date.now();
    }
    const status = await feed.status();
    if (status.nationalMin >= accepted.size && Number.isNaN(boardAt)) boardAt = Date.now();
    if (routed && !unprojected.length && !Number.isNaN(boardAt)) break;
    if (Date.now() > deadline) {
      log(`gave up after ${seconds(timeoutMs)}: ${[...accepted.keys()].filter((id) => !tail.firstAssigned.has(id)).length} not routed, ${unprojected.length} not projected, national clients have ${status.nationalMin} of ${accepted.size}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const cpuAfter = system.cpu();
  const clientCpu = load.cpu() + feed.cpu() - clientCpuBefore;
  const wall = (Date.now() - started) / 1000;
  await tail.stop();

  log('checking Kafka and every client …');
  const counts = await countIncidentEvents(system);
  const acceptedList = [...accepted.values()];
  const notInKafka = acceptedList.filter(([id]) => !counts['incident.reported'].has(id)).length;
  const neverRouted = acceptedList.filter(([id]) => routings(counts, id) === 0).length;
  const routedTwice = acceptedList.filter(([id]) => routings(counts, id) > 1).length;
  const routedList = acceptedList.filter(([id]) => routings(counts, id) > 0);
  const seen = await feed.check(routedList);
  const latencies = seen.latencies.sort((a, b) => a - b);
  const lastAssigned = Math.max(...acceptedList.map(([id]) => tail.firstAssigned.get(id) ?? NaN));
  const feedStatus = await feed.status();

  const rows = [
    ['reports accepted (202)', `${accepted.size} of ${reports}`],
    ['answers other than 202 (retried)', Object.entries(statuses).filter(([k]) => k !== '202').map(([k, v]) => `${k}: ${v}`).join(', ') || '0'],
    ['intake rate', `${(accepted.size / ((intakeDone - started) / 1000)).toFixed(0)} reports/s (${seconds(intakeDone - started)})`],
    ...(baseline
      ? [['baseline: bare Fastify + kafkajs, same run', `${baseline.perSecond.toFixed(0)} reports/s (${baseline.accepted} reports, load average ${baseline.load.toFixed(1)}); intake at ${((100 * accepted.size) / ((intakeDone - started) / 1000) / baseline.perSecond).toFixed(0)} % of it`]]
      : []),
    ['load average at the end (1, 5, 15 min)', loadavg().map((l) => l.toFixed(1)).join(' ')],
    ['all routed (assignment in Kafka) after', seconds(lastAssigned - started)],
    ['all projected (routed view in Redis) after', `${seconds(projectedAt - started)} (polled each second)`],
    ['all on every national client after', seconds(Number.isNaN(boardAt) ? NaN : seen.lastSeenAt - started)],
    ['202 → national client p50 / p99', `${(percentile(latencies, 50) / 1000).toFixed(2)} s / ${(percentile(latencies, 99) / 1000).toFixed(2)} s (${latencies.length} pairs)`],
    ['feed frames / bytes received', `${feedStatus.frames} / ${(feedStatus.bytes / 1e9).toFixed(2)} GB; clients dropped by the board ${feedStatus.drops}`],
    ['accepted but not in Kafka', String(notInKafka)],
    ['accepted, never routed', String(neverRouted)],
    ['accepted, routed twice or more', String(routedTwice)],
    ['missing on a client that should have seen it', `${seen.missing} (on ${seen.clientsMissing} clients; national ${seen.nationalMissing})${seen.examples.length ? `, e.g. ${seen.examples[0]}` : ''}`],
  ];
  console.log('');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(46)} ${v}`);
  console.log(`\n  CPU seconds over the ${wall.toFixed(0)} s run (user+sys; 2 cores = ${(2 * wall).toFixed(0)} s available):`);
  for (const key of Object.keys(cpuAfter)) {
    const used = cpuAfter[key] - (cpuBefore[key] ?? 0);
    console.log(`    ${key.padEnd(14)} ${used.toFixed(1).padStart(7)} s  ${((100 * used) / wall).toFixed(0).padStart(4)} % of a core`);
  }
  console.log(`    ${'clients'.padEnd(14)} ${clientCpu.toFixed(1).padStart(7)} s  ${((100 * clientCpu) / wall).toFixed(0).padStart(4)} % of a core (load generators and feed clients)`);
  console.log(`    ${'this harness'.padEnd(14)} ${(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6).toFixed(1).padStart(7)} s  (Kafka tail, projection polls, whole run)`);
  console.log('');
  redis.disconnect();
  const exits = system.restarts;
  for (const exit of exits) log(`exited by itself during the run: ${exit.line}`);
  return notInKafka + neverRouted + routedTwice + seen.missing === 0 && accepted.size === reports ? 0 : 1;
}

runMain('bench:burst', main, async () => {
  load?.close();
  feed?.close();
  bare?.kill('SIGTERM');
  await system.teardown(Boolean(env.BENCH_KEEP_INFRA));
  log(`service logs: ${system.logDir}`);
});
