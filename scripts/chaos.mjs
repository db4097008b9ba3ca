// npm run chaos — faults while reports keep coming. The four services run as separate processes on
// a Kafka and Redis of the run's own; a load generator submits reports at a steady rate and records
// every accepted id; board clients (national coordinators and province coordinators) watch the feed.
// Each scenario in turn: a fault, its repair, and the wait until the pipeline has caught up. At the
// end every accepted report must be in Kafka once, routed once, in the projection, and on every feed
// client that should see it. Prints one row per scenario; exits 1 when a row lost or duplicated
// anything or did not recover.
//
//   --short (or CHAOS_SHORT=1)   the form CI runs (test/chaos.test.ts): shorter phases, same scenarios
//   --cluster (or CHAOS_CLUSTER=1) against infra/kafka-cluster.sh's three brokers (replication 3,
//                                min.insync.replicas 2), with one broker killed mid-load
//   CHAOS_SCENARIOS=kill-intake,kafka-freeze,…   only these (names as printed)
//   CHAOS_RATE (reports/s; 40 short, 100 full)  CHAOS_FREEZE_SECONDS (10 short, 30 full)
//   CHAOS_RECOVER_SECONDS (90 short, 180 full)  CHAOS_CLIENTS (12)
//   CHAOS_KAFKA_PORT (29930, controller +1)  CHAOS_REDIS_PORT (29932)  CHAOS_PORT_BASE (29940: services)
//   KAFKA_CLUSTER_BASE_PORT (29970: brokers 29970, 29972, 29974)  KAFKA_CLUSTER_SCRIPT (infra/kafka-cluster.sh)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  Feed,
  Load,
  System,
  countIncidentEvents,
  createLogger,
  createRedis,
  feedClientPlan,
  issueTokens,
  pidOf,
  projectedRouted,
  reportProvinces,
  readTopicToEnd,
  request,
  routings,
  root,
  runMain,
  seedBoardAccounts,
  waitUntil,
} from './system.mjs';

const require = createRequire(import.meta.url);
const { incidentKeys, loadDirectoryFiles, makeEnvelope, ProvinceResolver } = require('@ucsc/shared');
const { ulid } = require('ulid');

const env = process.env;
const short = process.argv.includes('--short') || env.CHAOS_SHORT === '1';
const clusterMode = process.argv.includes('--cluster') || env.CHAOS_CLUSTER === '1';
const rate = Number(env.CHAOS_RATE ?? (short ? 40 : 100));
const freezeSeconds = Number(env.CHAOS_FREEZE_SECONDS ?? (short ? 10 : 30));
const settleMs = short ? 3000 : 10_000; // steady load before each fault and after its repair
const recoverTimeoutMs = Number(env.CHAOS_RECOVER_SECONDS ?? (short ? 90 : 180)) * 1000;
const clientCount = Number(env.CHAOS_CLIENTS ?? 12);
const only = env.CHAOS_SCENARIOS?.split(',');
const clusterBase = Number(env.KAFKA_CLUSTER_BASE_PORT ?? 29970);
const clusterEnv = { KAFKA_CLUSTER_BASE_PORT: String(clusterBase), KAFKA_CLUSTER_INSTANCE: 'kafka-cluster-chaos', KAFKA_HEAP: env.KAFKA_HEAP ?? '384m' };
// helper infra's script (KAFKA_CLUSTER_SCRIPT to run it from elsewhere until it is on main)
const clusterScript = env.KAFKA_CLUSTER_SCRIPT ?? 'infra/kafka-cluster.sh';
const cluster = (...args) => spawnSync('bash', [clusterScript, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...clusterEnv } });

const log = (line) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let system;
let load;
let feed;
let accounts;
const accepted = []; // [incidentId, provinceCode, acceptedAt]
const answers = []; // [at, status, count]

/** The directory's national coordinator, a province's hub and its liaisons, as dispatch serves them. */
/**
 * An admin's call to dispatch's directory API: a 503 (credentials not checkable now, the copy
 * shedding load on a machine this busy), or no answer to a read, is asked again after a pause, as
 * a person would; anything else is the answer.
 */
async function adminRequest(port, method, path, options) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await request(port, method, path, options);
    const again = response.status === 503 || (response.status === 0 && method === 'GET');
    if (!again || attempt === 6) return response;
    await sleep(2000 * attempt);
  }
}

async function directory(port, token) {
  const response = await adminRequest(port, 'GET', '/api/v1/directory', { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET /api/v1/directory: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

async function directoryCall(method, path, body) {
  const response = await adminRequest(system.port('dispatch-a'), method, path, { headers: { authorization: `Bearer ${accounts.admin.token}` }, body });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Waits until every service copy answers /ready again; the time it took. */
async function allReady() {
  for (const [key, service] of system.services) if (!service.stopped) await system.waitReady(key, recoverTimeoutMs);
}

/** kill -9; its supervisor starts it again a second later, as npm start's does. */
const killAndRestart = (key) => async () => {
  const faultAt = Date.now();
  await system.kill(key);
  await sleep(1000);
  await system.waitReady(key, recoverTimeoutMs);
  return { faultAt, repairedAt: Date.now() };
};

/** A second copy of a service joins its consumer groups, then one of the two dies with kill -9: a rebalance under load. */
const rebalance = (name) => async () => {
  await system.start(name, { instance: 'b' });
  await sleep(settleMs); // both copies routing
  const faultAt = Date.now();
  await system.killForGood(`${name}-b`);
  return { faultAt, repairedAt: faultAt, note: `${name}-b killed; ${name}-a takes its partitions` };
};

const scenarios = [
  { name: 'kill-intake', run: killAndRestart('intake-a') },
  { name: 'kill-dispatch', run: killAndRestart('dispatch-a') },
  { name: 'kill-tracker', run: killAndRestart('tracker-a') },
  { name: 'kill-board', run: killAndRestart('board-a') },
  {
    name: 'kafka-freeze',
    skip: clusterMode,
    run: async () => {
      const pid = pidOf(system.kafkaPidFile);
      const faultAt = Date.now();
      process.kill(pid, 'SIGSTOP');
      await sleep(freezeSeconds * 1000);
      process.kill(pid, 'SIGKILL');
      await waitUntil('Kafka gone', () => !alive(pid), 10_000);
      spawnSync('bash', ['infra/kafka.sh', 'start'], { cwd: root, stdio: 'inherit', env: { ...process.env, ...system.infraEnv } });
      await allReady();
      return { faultAt, repairedAt: Date.now(), note: `frozen ${freezeSeconds} s, then kill -9 and restarted` };
    },
  },
  {
    name: 'broker-kill',
    skip: !clusterMode,
    run: async () => {
      const faultAt = Date.now();
      const killed = cluster('kill', '2');
      if (killed.status !== 0) throw new Error(`kafka-cluster.sh kill 2: ${killed.stderr}`);
      await sleep(settleMs);
      const started = cluster('start-node', '2');
      if (started.status !== 0) throw new Error(`kafka-cluster.sh start-node 2: ${started.stderr}`);
      cluster('in-sync', '120');
      return { faultAt, repairedAt: Date.now(), note: 'broker 2 killed with kill -9, restarted after the settle time' };
    },
  },
  {
    name: 'redis-kill',
    run: async () => {
      const pid = pidOf(system.redisPidFile);
      const faultAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await waitUntil('Redis gone', () => !alive(pid), 10_000);
      spawnSync('bash', ['infra/redis.sh', 'start'], { cwd: root, stdio: 'inherit', env: { ...process.env, ...system.infraEnv } });
      await allReady();
      return { faultAt, repairedAt: Date.now(), note: 'restarted from its AOF' };
    },
  },
  {
    name: 'redis-wipe-rebuild',
    run: async () => {
      const redis = createRedis(system.redisUrl, createLogger('chaos', 'warn'));
      const faultAt = Date.now();
      await redis.flushall();
      redis.disconnect();
      // the operator's recovery: the tracker stopped, the projection rebuilt from Kafka, the
      // accounts and tokens issued again (they live only in Redis), the tracker started
      await system.stop('tracker-a');
      const rebuild = spawnSync('node', ['services/tracker/dist/bin/rebuild.js'], { cwd: root, encoding: 'utf8', env: system.serviceEnv('tracker', 'rebuild', 0, { LOG_LEVEL: 'warn' }) });
      if (rebuild.status !== 0) throw new Error(`rebuild failed: ${rebuild.stderr}`);
      await reissueCredentials();
      await system.start('tracker', { instance: 'a' });
      return { faultAt, repairedAt: Date.now(), note: `FLUSHALL; ${rebuild.stdout.trim()}; accounts and tokens issued again` };
    },
  },
  { name: 'rebalance-dispatch', run: rebalance('dispatch') },
  { name: 'rebalance-tracker', run: rebalance('tracker') },
  { name: 'poison', run: () => poison() },
  { name: 'directory-gap', run: () => directoryGap() },
];

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function reissueCredentials() {
  const tokens = await issueTokens(system.redisUrl, `${system.prefix}:`, 16);
  load.setTokens(tokens);
  accounts = await seedBoardAccounts(system.redisUrl, `${system.prefix}:`, { nationals: 2, provinceCodes: accounts.provinces.map((p) => p.actor.provinceCodes[0]) });
  const byUser = {};
  for (const a of [...accounts.nationals, ...accounts.provinces]) byUser[a.actor.name] = { token: a.token, actor: a.actor };
  feed.setTokens(byUser);
}

// ── poison and oversized records ──

const poisonChecks = [];

/**
 * On every topic a consumer reads: a record that is not JSON and an envelope of the wrong schema;
 * on the events topic also a record of about a megabyte (the broker's message.max.bytes is
 * 1,048,588), once not JSON and once a valid report with a huge description. Each must end on
 * the dead-letter topic (or be processed) and the partition must move past it.
 */
async function poison() {
  const producer = system.kafka.producer();
  await producer.connect();
  const topics = ['incidentEvents', 'incidentCommands', 'routingCommands', 'auditEvents', 'directoryEvents'];
  const wrongSchema = (type) => JSON.stringify({ id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', type, occurredAt: new Date().toISOString(), payload: { nonsense: true } });
  const typeOn = { incidentEvents: 'incident.reported', incidentCommands: 'incident.acknowledge', routingCommands: 'incident.override_routing', auditEvents: 'audit.recorded', directoryEvents: 'directory.unit_put' };
  const faultAt = Date.now();
  const sent = [];
  for (const key of topics) {
    for (const [what, value] of [
      ['not JSON', 'this is not JSON {'],
      ['wrong schema', wrongSchema(typeOn[key])],
    ]) {
      const [meta] = await producer.send({ topic: system.topic(key), messages: [{ key: `poison-${what}`, value }] });
      sent.push({ key, what, partition: meta.partition, offset: meta.baseOffset });
    }
  }
  const huge = 'x'.repeat(1_000_000);
  const report = makeEnvelope(
    'incident.reported',
    {
      incidentId: ulid(),
      province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' },
      reportingOrganisation: { name: 'Sở Y tế' },
      title: 'Báo cáo cực lớn',
      description: huge.slice(0, 1_000_000 - 2000),
      tlp: 'AMBER',
      detectedAt: new Date(Date.now() - 60_000).toISOString(),
      reportedAt: new Date().toISOString(),
    },
    { producedBy: 'chaos', actor: { kind: 'system', id: 'chaos', authenticatedBy: 'service' } },
  );
  for (const [what, value] of [
    ['~1 MB not JSON', huge.slice(0, 1_000_000)],
    ['~1 MB valid report', JSON.stringify(report)],
  ]) {
    try {
      const [meta] = await producer.send({ topic: system.topic('incidentEvents'), messages: [{ key: `poison-${what}`, value }] });
      sent.push({ key: 'incidentEvents', what, partition: meta.partition, offset: meta.baseOffset });
    } catch (error) {
      sent.push({ key: 'incidentEvents', what, refused: error.message });
    }
  }
  await producer.disconnect();
  poisonChecks.push(...sent);
  return { faultAt, repairedAt: Date.now(), note: `${sent.length} records` };
}

/** Which consumer groups read each topic (the directory is read by each dispatch copy with a group of its own). */
const groupsOf = {
  incidentEvents: ['dispatch', 'tracker.projector'],
  incidentCommands: ['tracker.commands'],
  routingCommands: ['dispatch'],
  auditEvents: ['board.audit'],
  directoryEvents: [],
};

/** For each poison record: is it on the dead-letter topic (per group), and did each group's committed offset pass it? */
async function checkPoison() {
  const deadLetters = [];
  await readTopicToEnd(system.kafka, system.topic('deadLetter'), (value) => {
    try {
      const d = JSON.parse(value);
      deadLetters.push({ topic: d.origin?.topic, partition: d.origin?.partition, offset: String(d.origin?.offset), group: d.origin?.consumerGroup, error: d.error?.code });
    } catch {
      deadLetters.push({ unreadable: value.slice(0, 80) });
    }
  });
  const admin = system.kafka.admin();
  await admin.connect();
  const problems = [];
  for (const p of poisonChecks) {
    if (p.refused) {
      problems.push(`${p.what} on ${p.key}: the broker refused it (${p.refused})`);
      continue;
    }
    const topic = system.topic(p.key);
    const groups = groupsOf[p.key].map((g) => `${system.prefix}.${g}`);
    for (const group of groups) {
      const dead = deadLetters.some((d) => d.topic === topic && d.partition === p.partition && d.offset === p.offset && d.group === group);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const offset = Number(committed.partitions.find((x) => x.partition === p.partition)?.offset ?? -1);
      const movedOn = offset > Number(p.offset);
      if (!movedOn) problems.push(`${p.what} on ${p.key} [${p.partition}@${p.offset}]: group ${group.slice(system.prefix.length + 1)} is stuck at offset ${offset}`);
      else if (!dead && p.what !== '~1 MB valid report') problems.push(`${p.what} on ${p.key} [${p.partition}@${p.offset}]: not on the dead-letter topic for ${group.slice(system.prefix.length + 1)}`);
    }
    if (p.key === 'directoryEvents' && !deadLetters.some((d) => d.topic === topic && d.offset === p.offset)) problems.push(`${p.what} on ${p.key}: not on the dead-letter topic`);
  }
  await admin.disconnect();
  return problems;
}

// ── a province left with nobody ──

let gap;

/**
 * Removes the hub of Cần Thơ and the national coordinator, and sends all Cần Thơ's liaisons
 * (substitutes too) on leave: its reports must be flagged for a coordinator (needsCoordinator),
 * and the partition must go on routing. Restored afterwards.
 */
async function directoryGap() {
  const data = await directory(system.port('dispatch-a'), accounts.admin.token);
  const unit = data.units.find((u) => u.shortName === 'Cần Thơ');
  const hub = data.organisations.find((o) => o.type === 'province_hub' && o.provinceCode === unit.code);
  const coordinator = data.organisations.find((o) => o.type === 'national_coordinator');
  const liaisons = data.liaisons.filter((l) => l.provinceCode === unit.code);
  const faultAt = Date.now();
  for (const l of liaisons) await directoryCall('POST', `/api/v1/directory/liaisons/${l.id}/leave`, { reason: 'chaos: nobody available' });
  if (hub) await directoryCall('DELETE', `/api/v1/directory/organisations/${hub.id}`);
  if (coordinator) await directoryCall('DELETE', `/api/v1/directory/organisations/${coordinator.id}`);
  const changedAt = Date.now();
  await sleep(settleMs * 2);
  const restoreFrom = Date.now();
  if (coordinator) await directoryCall('PUT', `/api/v1/directory/organisations/${coordinator.id}`, coordinator);
  if (hub) await directoryCall('PUT', `/api/v1/directory/organisations/${hub.id}`, hub);
  for (const l of liaisons) await directoryCall('DELETE', `/api/v1/directory/liaisons/${l.id}/leave`, {});
  gap = { code: unit.code, from: changedAt, to: restoreFrom };
  return { faultAt, repairedAt: Date.now(), note: `${unit.shortName} (${unit.code}): hub, national coordinator removed, ${liaisons.length} liaisons on leave` };
}

/** Reports of the gap's province accepted while it lasted: how many the projection flags for a coordinator. */
async function checkGap(redis) {
  const ids = accepted.filter(([, code, at]) => code === gap.code && at > gap.from + 500 && at < gap.to).map(([id]) => id);
  let flagged = 0;
  for (const id of ids) {
    const raw = await redis.get(incidentKeys(`${system.prefix}:`).incident(id));
    if (raw && JSON.parse(raw).needsCoordinator) flagged += 1;
  }
  return { reports: ids.length, flagged };
}

// ── the run ──

async function main() {
  const chosen = scenarios.filter((s) => !s.skip && (!only || only.includes(s.name)));
  log(`${short ? 'short form' : 'full form'}${clusterMode ? ' on the three-broker cluster' : ''}: ${rate} reports/s, ${clientCount} board clients; scenarios ${chosen.map((s) => s.name).join(', ')}`);
  let brokers;
  if (clusterMode) {
    const started = cluster('start');
    if (started.status !== 0) throw new Error(`kafka-cluster.sh start failed: ${started.stderr}`);
    brokers = cluster('brokers').stdout.trim();
  }
  system = new System({
    name: clusterMode ? 'chaos-cluster' : 'chaos',
    kafkaPort: Number(env.CHAOS_KAFKA_PORT ?? 29930),
    redisPort: Number(env.CHAOS_REDIS_PORT ?? 29932),
    portBase: Number(env.CHAOS_PORT_BASE ?? 29940),
    logLevel: 'info',
    brokers,
    kafkaReplication: clusterMode ? 3 : undefined,
  });
  await system.up();
  const serviceEnv = {
    board: { SNAPSHOT_SIZE: '5000', WS_REVALIDATE_SECONDS: '5' },
    intake: { WORKERS: '2' },
  };
  for (const name of ['tracker', 'dispatch', 'board', 'intake']) await system.start(name, { env: serviceEnv[name] ?? {} });

  const tokens = await issueTokens(system.redisUrl, `${system.prefix}:`, 16);
  // the provinces the load files under (current codes), so every province client has reports to see
  const resolver = new ProvinceResolver(loadDirectoryFiles().units);
  const provinceCodes = [...new Set(reportProvinces.map((p) => resolver.resolve(p).code))];
  accounts = await seedBoardAccounts(system.redisUrl, `${system.prefix}:`, { nationals: 2, provinceCodes });
  feed = new Feed({ processes: 1, boardPort: system.port('board-a'), plan: feedClientPlan(accounts, clientCount, 2) });
  await feed.connected();
  load = new Load({
    processes: 1,
    intakePort: system.port('intake-a'),
    tokens,
    connections: 1,
    onAccepted: (a) => accepted.push(a),
    onStatuses: (statuses) => {
      const at = Date.now();
      for (const [status, n] of Object.entries(statuses)) answers.push([at, status, n]);
    },
  });
  load.steady(rate);
  await sleep(settleMs);

  const rows = [];
  let skipped = [];
  for (const scenario of chosen) {
    log(`${scenario.name} …`);
    const start = Date.now();
    let outcome;
    try {
      outcome = await scenario.run();
    } catch (error) {
      outcome = { faultAt: start, repairedAt: Date.now(), error: error.message };
      log(`${scenario.name}: ${error.message}`);
    }
    // caught up: a report accepted after the repair, and every report before it, on the national clients
    let recoveredAt = NaN;
    const deadline = Date.now() + recoverTimeoutMs;
    while (Date.now() < deadline) {
      const after = accepted.findIndex(([, , at]) => at > outcome.repairedAt);
      if (after >= 0) {
        const ids = accepted.slice(0, after + 1).filter(([, , at]) => at >= start - settleMs).map(([id]) => id);
        if ((await feed.unseenNational(ids)) === 0) {
          recoveredAt = Date.now();
          break;
        }
      }
      await sleep(500);
    }
    await sleep(settleMs);
    rows.push({ name: scenario.name, start, end: Date.now(), ...outcome, recoveredAt });
    if (Number.isNaN(recoveredAt)) {
      // what follows would measure this fault again, not its own: run those alone (CHAOS_SCENARIOS)
      skipped = chosen.slice(chosen.indexOf(scenario) + 1).map((s) => s.name);
      log(`${scenario.name}: not caught up after ${recoverTimeoutMs / 1000} s; not running ${skipped.join(', ') || 'anything more'}`);
      break;
    }
  }

  log('stopping the load; waiting for the last reports …');
  await load.stop();
  const redis = createRedis(system.redisUrl, createLogger('chaos', 'warn'));
  const ids = accepted.map(([id]) => id);
  await waitUntil('the last reports on the board', async () => (await feed.unseenNational(ids)) === 0, 60_000).catch(() => log('some reports never reached the national clients'));

  log('reading Kafka, the projection and every client …');
  const counts = await countIncidentEvents(system);
  const projected = await projectedRouted(redis, `${system.prefix}:`, ids);
  const routedList = accepted.filter(([id]) => routings(counts, id) > 0);
  const seen = await feed.check(routedList);
  const poisonProblems = chosen.some((s) => s.name === 'poison') ? await checkPoison() : [];
  const gapResult = gap ? await checkGap(redis) : undefined;
  redis.disconnect();

  // ── the table ──
  const header = ['scenario', 'accepted', 'lost', 'duplicated', 'routed', 'projected', 'on board', 'recovered in', 'answers while it lasted'];
  const table = [header];
  let failed = false;
  for (const row of rows) {
    const inRow = accepted.filter(([, , at]) => at >= row.start && at < row.end);
    const lost = inRow.filter(([id]) => !counts['incident.reported'].has(id)).length;
    const duplicated = inRow.filter(([id]) => (counts['incident.reported'].get(id) ?? 0) > 1 || routings(counts, id) > 1).length;
    const routed = inRow.filter(([id]) => routings(counts, id) === 1).length;
    const inProjection = inRow.filter(([id]) => projected.has(id)).length;
    const onBoard = inRow.filter(([id]) => routings(counts, id) > 0 && !seen.missingIds.has(id)).length;
    const statuses = {};
    for (const [at, status, n] of answers) if (at >= row.faultAt && at <= (Number.isNaN(row.recoveredAt) ? row.end : row.recoveredAt + 1000)) statuses[status] = (statuses[status] ?? 0) + n;
    const recovered = Number.isNaN(row.recoveredAt) ? 'NOT RECOVERED' : `${((row.recoveredAt - row.faultAt) / 1000).toFixed(1)} s`;
    const ok = lost === 0 && duplicated === 0 && routed === inRow.length && inProjection === inRow.length && onBoard === inRow.length && !Number.isNaN(row.recoveredAt) && !row.error;
    if (!ok) failed = true;
    row.verdict = { lost, duplicated, routed, inProjection, onBoard, ok };
    table.push([row.name, inRow.length, lost, duplicated, routed, inProjection, onBoard, recovered, Object.entries(statuses).map(([k, v]) => `${k}:${v}`).join(' ')].map(String));
  }
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  console.log('');
  for (const r of table) console.log(`  ${r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`);
  console.log('');
  for (const row of rows) if (row.note || row.error) console.log(`  ${row.name}: ${row.error ? `FAILED: ${row.error}` : row.note}`);
  if (skipped.length) {
    console.log(`  NOT RUN (the system had not recovered): ${skipped.join(', ')}; run them alone with CHAOS_SCENARIOS=${skipped.join(',')}`);
    failed = true;
  }
  const hung = answers.filter(([, s]) => s === 'hung' || s === '500' || s === '503 without Retry-After').reduce((n, [, , c]) => n + c, 0);
  console.log(`  intake answers over the whole run: ${summarise(answers)}`);
  if (hung) {
    console.log(`  FAILED: ${hung} answers were a hang, a 500 or a 503 without Retry-After`);
    failed = true;
  }
  if (seen.missing) console.log(`  missing on feed clients: ${seen.missing} (client, report) pairs on ${seen.clientsMissing} clients, e.g. ${seen.examples.join('; ')}`);
  for (const p of poisonProblems) console.log(`  poison: ${p}`);
  if (poisonProblems.length) failed = true;
  if (gapResult) {
    console.log(`  directory-gap: ${gapResult.flagged} of ${gapResult.reports} reports of province ${gap.code} filed during the gap flagged needsCoordinator`);
    if (gapResult.flagged !== gapResult.reports || gapResult.reports === 0) failed = true;
  }
  if (system.restarts.length) console.log(`  services that exited by themselves (restarted by their supervisor): ${system.restarts.map((r) => `at +${((r.at - rows[0].start) / 1000).toFixed(0)} s ${r.line}`).join('; ')}`);
  console.log(`  logs: ${system.logDir}`);
  console.log(`\nCHAOS_RESULT ${JSON.stringify({ failed, skipped, rows: rows.map((r) => ({ name: r.name, ...r.verdict, recoveredSeconds: (r.recoveredAt - r.faultAt) / 1000, error: r.error })), poisonProblems, gap: gapResult, hung })}`);
  return failed ? 1 : 0;
}

function summarise(list) {
  const totals = {};
  for (const [, status, n] of list) totals[status] = (totals[status] ?? 0) + n;
  return Object.entries(totals).map(([k, v]) => `${k}: ${v}`).join(', ');
}

runMain('chaos', main, async () => {
  load?.close();
  feed?.close();
  await system?.teardown(Boolean(env.CHAOS_KEEP_INFRA));
  if (clusterMode && !env.CHAOS_KEEP_INFRA) cluster('destroy');
});
