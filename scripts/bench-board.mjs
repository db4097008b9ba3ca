// npm run bench:board — the live feed (/api/v2/feed) under load, end to end: the four services as
// separate processes on a Kafka and Redis of the benchmark's own; BENCH_CLIENTS WebSocket clients
// (the web app's FeedClient) as the screens subscribe: national coordinators (the country),
// province coordinators (their province, over the 34 units), enterprises (their assignments),
// some with one incident open (its whole record), and a few slow clients that stop reading for
// BENCH_SLOW_PAUSE_SECONDS; while BENCH_RATE reports/s (every BENCH_RED_EVERY-th TLP:RED) go to
// intake for BENCH_SECONDS. Prints per target: p50/p99 from intake's 202 to each client's first
// sight of the incident, bytes per client, the server's memory (RSS and heap, peak and end), how
// the slow clients were handled, and the (client, incident) pairs missed (the latest version of an
// incident its scope covers, not held at the end) and leaked (sent an incident its account could
// never see). Exits 1 unless missed and leaked are 0 on the board.
//
// Same-run baselines, beside the board with the same clients at the same time, reading the same
// change log: a bare `ws` server (scripts/bench-board-bare.mjs: every change to every connection
// that may see it, one frame each, nothing else); and with BENCH_BASELINE_ROOT (another build of
// the project, e.g. main, built) that build's board as a second copy on the same system.
//
//   BENCH_CLIENTS (1000)  BENCH_NATIONAL_CLIENTS (20)  BENCH_ENTERPRISE_CLIENTS (80)  BENCH_SLOW_CLIENTS (5)
//   BENCH_INCIDENT_SHARE (0.1 of the coordinators also open an incident)  BENCH_RATE (1000)  BENCH_SECONDS (5)
//   BENCH_RED_EVERY (10)  BENCH_SLOW_PAUSE_SECONDS (8)  BENCH_FEED_PROCESSES (1 per target)  BENCH_LOAD_PROCESSES (2)
//   BENCH_INTAKE_WORKERS (1)  BENCH_BARE (1; 0 skips the bare baseline)  BENCH_TIMEOUT_SECONDS (180)
//   BENCH_FILTERED_SHARE (0.5 of the province clients with filters of their own: a group each, as users who set their own)
//   BENCH_WARMUP_SECONDS (5; 0: none) at BENCH_WARMUP_RATE (the rate, at most 50/s) before the timed load, then until
//   the log is still: those reports are checked for missed and leaked, not timed (a service's first seconds: JIT, first transactions)
//   BENCH_REPLAY_CHANGES (20000; 0 skips): then the feed alone, without the pipeline: the log's changes
//     written again by the harness (same versions) as fast as Redis takes them; CPU per 1,000 and when the last was sent
//   BENCH_KAFKA_PORT (30310, controller +1)  BENCH_REDIS_PORT (30312)  BENCH_PORT_BASE (30320)
//   BENCH_BOARD_NODE_ARGS: node flags for the board (e.g. "--cpu-prof --cpu-prof-dir=DIR", written when it stops)
//   BENCH_DUMP_DIR: writes there each client's first sight (time and version) of each incident and the log's time of each version
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { Load, System, ask, cpuSeconds, runMain, createLogger, createRedis, httpStatus, issueTokens, percentile, seedBoardAccounts, root } from './system.mjs';

const require = createRequire(import.meta.url);
const { incidentCategories, incidentKeys, loadDirectoryFiles } = require('@ucsc/shared');

const env = process.env;
const clientCount = Number(env.BENCH_CLIENTS ?? 1000);
const nationalCount = Number(env.BENCH_NATIONAL_CLIENTS ?? 20);
const enterpriseCount = Number(env.BENCH_ENTERPRISE_CLIENTS ?? 80);
const slowCount = Number(env.BENCH_SLOW_CLIENTS ?? 5);
const incidentShare = Number(env.BENCH_INCIDENT_SHARE ?? 0.1);
const rate = Number(env.BENCH_RATE ?? 1000);
const loadSeconds = Number(env.BENCH_SECONDS ?? 5);
const redEvery = Number(env.BENCH_RED_EVERY ?? 10);
const slowPauseMs = Number(env.BENCH_SLOW_PAUSE_SECONDS ?? 8) * 1000;
const feedProcesses = Number(env.BENCH_FEED_PROCESSES ?? 1);
const loadProcesses = Number(env.BENCH_LOAD_PROCESSES ?? 2);
const timeoutMs = Number(env.BENCH_TIMEOUT_SECONDS ?? 180) * 1000;
const baselineRoot = env.BENCH_BASELINE_ROOT;
const replayCount = Number(env.BENCH_REPLAY_CHANGES ?? 20_000);
const filteredShare = Number(env.BENCH_FILTERED_SHARE ?? 0.5);
const warmupSeconds = Number(env.BENCH_WARMUP_SECONDS ?? 5);
const warmupRate = Number(env.BENCH_WARMUP_RATE ?? Math.min(rate, 50));

const system = new System({
  name: 'bench-board',
  kafkaPort: Number(env.BENCH_KAFKA_PORT ?? 30310),
  redisPort: Number(env.BENCH_REDIS_PORT ?? 30312),
  portBase: Number(env.BENCH_PORT_BASE ?? 30320),
  kafkaHeap: env.BENCH_KAFKA_HEAP ?? '768m',
});
const log = (line) => console.log(`[bench:board] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let load;
let bare;
let clients = [];

/** The clients' accounts and subscriptions; the slow ones are national coordinators (the most traffic). */
function plan(accounts) {
  const out = [];
  const provinceCount = Math.max(0, clientCount - nationalCount - enterpriseCount);
  const everyIncident = incidentShare > 0 ? Math.round(1 / incidentShare) : 0;
  const everyFiltered = filteredShare > 0 ? Math.round(1 / filteredShare) : 0;
  // the reports' category and a subset of the others, different for each filtered client
  const others = Object.keys(incidentCategories).filter((c) => c !== 'defacement');
  const categoriesOf = (n) => ['defacement', ...others.filter((_, bit) => (n >> bit) & 1)];
  for (let i = 0; i < clientCount; i++) {
    let kind;
    let account;
    let scope;
    let filters = {};
    if (i < nationalCount) {
      kind = 'national';
      account = accounts.nationals[i % accounts.nationals.length];
      scope = { kind: 'country' };
    } else if (i < nationalCount + provinceCount) {
      kind = 'province';
      account = accounts.provinces[(i - nationalCount) % accounts.provinces.length];
      scope = { kind: 'province', code: account.actor.provinceCodes[0] };
      if (everyFiltered > 0 && i % everyFiltered === 0) filters = { categories: categoriesOf(i) };
    } else {
      kind = 'enterprise';
      account = accounts.enterprises[(i - nationalCount - provinceCount) % accounts.enterprises.length];
      scope = { kind: 'assignments' };
    }
    const slow = kind === 'national' && i < slowCount;
    out.push({ id: i, kind, token: account.token, actor: account.actor, scope, filters, slow, opensIncident: kind !== 'enterprise' && !slow && everyIncident > 0 && i % everyIncident === 0 });
  }
  return out;
}

const askAll = (message, answer) => Promise.all(clients.map((c) => ask(c, message, answer)));

/** RSS of a process from /proc (bytes). */
function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return NaN;
  }
}

/** The board copy's heap in use, from its /metrics (prom-client's default metrics). */
async function heapOf(port) {
  const { status, body } = await httpStatus(port, '/metrics');
  if (status !== 200) return NaN;
  return Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(body)?.[1] ?? NaN);
}

async function main() {
  const provinceClients = clientCount - nationalCount - enterpriseCount;
  log(`${clientCount} clients (${nationalCount} national, ${provinceClients} province, ${enterpriseCount} enterprise; ${slowCount} slow; ${Math.round(incidentShare * 100)} % of the coordinators with an incident open), ${rate} reports/s for ${loadSeconds} s (every ${redEvery}th TLP:RED); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await system.up();
  for (const name of ['tracker', 'dispatch', 'board']) await system.start(name, { nodeArgs: name === 'board' ? (env.BENCH_BOARD_NODE_ARGS ?? '').split(' ').filter(Boolean) : [] });
  if (baselineRoot) await system.start('board', { instance: 'base', buildRoot: baselineRoot });
  await system.start('intake', { env: { WORKERS: env.BENCH_INTAKE_WORKERS ?? '1' } });

  const directory = loadDirectoryFiles();
  const tokens = await issueTokens(system.redisUrl, `${system.prefix}:`, 32);
  const accounts = await seedBoardAccounts(system.redisUrl, `${system.prefix}:`, { nationals: 2, provinceCodes: directory.units.map((u) => u.code), enterpriseIds: directory.enterprises.map((e) => e.id) });
  const clientPlan = plan(accounts);

  const targets = [{ name: 'board', port: system.port('board-a'), pid: () => system.services.get('board-a').child.pid }];
  if (baselineRoot) targets.push({ name: `baseline board (${baselineRoot})`, port: system.port('board-base'), pid: () => system.services.get('board-base').child.pid });
  if (env.BENCH_BARE !== '0') {
    const port = system.nextPort++;
    bare = fork(join(root, 'scripts/bench-board-bare.mjs'), [], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...env, REDIS_URL: system.redisUrl, REDIS_PREFIX: `${system.prefix}:`, PORT: String(port) } });
    await new Promise((resolve) => bare.once('message', resolve));
    await ask(bare, { type: 'actors', actors: [...accounts.nationals, ...accounts.provinces, ...accounts.enterprises].map((a) => [a.token, a.actor]) }, 'ready');
    targets.push({ name: 'bare ws baseline', port, pid: () => bare.pid, bare: true });
  }

  // each target's clients in processes of their own: a target that floods its clients does not delay another's
  const clientsOf = new Map(targets.map((t) => [t.name, Array.from({ length: feedProcesses }, () => fork(join(root, 'scripts/board-clients.mjs'), [], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))]));
  clients = [...clientsOf.values()].flat();
  await Promise.all(targets.flatMap((t) => clientsOf.get(t.name).map((child, i) => ask(child, { type: 'setup', targets: [{ name: t.name, port: t.port }], clients: clientPlan.filter((_, j) => j % feedProcesses === i) }, 'started'))));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const statuses = await askAll({ type: 'status' }, 'status');
    const open = statuses.reduce((n, s) => n + s.open, 0);
    if (open === clientCount * targets.length) break;
    if (Date.now() > deadline) throw new Error(`only ${open} of ${clientCount * targets.length} clients connected after 120 s`);
    await sleep(500);
  }
  log(`${clientCount} clients connected to each of: ${targets.map((t) => t.name).join(', ')}`);

  // memory, sampled through the run
  const memory = new Map(targets.map((t) => [t.name, { rssPeak: 0, heapPeak: 0, rssStart: rssOf(t.pid()), rss: 0, heap: NaN }]));
  const sample = async () => {
    for (const t of targets) {
      const m = memory.get(t.name);
      m.rss = rssOf(t.pid());
      m.rssPeak = Math.max(m.rssPeak, m.rss);
      m.heap = t.bare ? (await ask(bare, { type: 'memory' }, 'memory')).heapUsed : await heapOf(t.port);
      m.heapPeak = Math.max(m.heapPeak, m.heap || 0);
      if (!Number.isFinite(m.heapStart)) m.heapStart = m.heap;
    }
  };
  await sample();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sample().catch(() => undefined);
      await sleep(500);
    }
  })();

  const accepted = new Map();
  // the warm-up's reports (the JIT, kafkajs's first transactions, the clients' first frames) are
  // checked for missed and leaked like all, but not timed: a service runs for weeks after its first seconds
  const warmedUp = new Map();
  let acceptedInto = warmedUp;
  load = new Load({ processes: loadProcesses, intakePort: system.port('intake-a'), tokens, connections: 64, maxInflight: 64, redEvery, onAccepted: (a) => acceptedInto.set(a[0], a[2]) });
  const redis = createRedis(system.redisUrl, createLogger('bench', 'warn'));
  const keys = incidentKeys(`${system.prefix}:`);
  if (warmupSeconds > 0) {
    load.steady(warmupRate);
    await sleep(warmupSeconds * 1000);
    await load.stop();
    // until the log stops growing: what the warm-up started is projected before the timed load
    let length = -1;
    while (length !== (length = await redis.xlen(keys.changes))) await sleep(1500);
    log(`warm-up: ${warmedUp.size} reports in ${warmupSeconds} s at ${warmupRate}/s asked, projected (checked at the end, not timed)`);
  }
  acceptedInto = accepted;
  const cpuBefore = system.cpu();
  const clientCpuBefore = load.cpu() + clients.reduce((n, c) => n + cpuSeconds(c.pid), 0);
  const targetCpuBefore = targets.map((t) => cpuSeconds(t.pid()));
  const started = Date.now();
  load.steady(rate);
  // the slow clients stop reading once the load is on, for BENCH_SLOW_PAUSE_SECONDS; some coordinators open an incident
  await sleep(Math.min(1000, loadSeconds * 200));
  await askAll({ type: 'pause' }, 'pause');
  const resumed = sleep(slowPauseMs).then(() => askAll({ type: 'resume' }, 'resume'));
  await sleep(Math.max(0, loadSeconds * 1000 - (Date.now() - started)) / 2);
  const ids = [...accepted.keys()].slice(0, 200);
  if (ids.length) await askAll({ type: 'open-incidents', ids }, 'opened');
  await sleep(Math.max(0, loadSeconds * 1000 - (Date.now() - started)));
  const statuses = await load.stop();
  const loadEnded = Date.now();
  log(`intake took ${accepted.size} reports in ${((loadEnded - started) / 1000).toFixed(1)} s (${Object.entries(statuses).map(([k, v]) => `${k}: ${v}`).join(', ')}); waiting for the pipeline and the clients …`);
  await resumed;

  // quiet: the change log stopped growing and no client has been sent anything for 3 s
  let lastLength = -1;
  let quietSince = Date.now();
  for (;;) {
    const length = await redis.xlen(keys.changes);
    const lastAt = Math.max(...(await askAll({ type: 'status' }, 'status')).map((s) => s.lastAt));
    if (length !== lastLength) {
      lastLength = length;
      quietSince = Date.now();
    }
    if (Date.now() - quietSince > 3000 && Date.now() - lastAt > 3000) break;
    if (Date.now() - loadEnded > timeoutMs) {
      log(`not quiet after ${timeoutMs / 1000} s: checking as it stands`);
      break;
    }
    await sleep(500);
  }
  const quietAt = Date.now();
  const changes = await redis.xlen(keys.changes);
  const cpuAfter = system.cpu();
  const clientCpu = load.cpu() + clients.reduce((n, c) => n + cpuSeconds(c.pid), 0) - clientCpuBefore;
  const targetCpu = targets.map((t, i) => cpuSeconds(t.pid()) - targetCpuBefore[i]);

  // the feed alone: the log's changes written again by the harness as fast as Redis takes them
  // (the same versions, so what the clients hold does not change), BENCH_REPLAY_CHANGES of them;
  // each server's CPU for them and when its clients were sent the last
  let replay;
  const replayTotal = replayCount > 0 ? Math.ceil(replayCount / changes) * changes : 0;
  if (replayTotal > 0) {
    const entries = await redis.xrange(keys.changes, '-', '+');
    // whole rounds of the log, so that each incident's last change replayed is its latest
    const cpuBeforeReplay = targets.map((t) => cpuSeconds(t.pid()));
    const clientsCpu = (t) => clientsOf.get(t.name).reduce((n, c) => n + cpuSeconds(c.pid), 0);
    const clientCpuBeforeReplay = targets.map(clientsCpu);
    const replayStarted = Date.now();
    for (let i = 0; i < replayTotal; i += 1000) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(replayTotal, i + 1000); j++) pipeline.xadd(keys.changes, '*', 'c', entries[j % entries.length][1][1]);
      await pipeline.exec();
    }
    const written = Date.now();
    const lastAt = new Map();
    for (;;) {
      await sleep(1000);
      for (const t of targets) lastAt.set(t.name, Math.max(...(await Promise.all(clientsOf.get(t.name).map((c) => ask(c, { type: 'status' }, 'status')))).map((a) => a.lastAt)));
      if ([...lastAt.values()].every((at) => Date.now() - at > 3000) || Date.now() - written > timeoutMs) break;
    }
    replay = { written: (written - replayStarted) / 1000, byTarget: new Map(targets.map((t, i) => [t.name, { cpu: cpuSeconds(t.pid()) - cpuBeforeReplay[i], clientCpu: clientsCpu(t) - clientCpuBeforeReplay[i], drained: (lastAt.get(t.name) - replayStarted) / 1000 }])) };
  }
  sampling = false;
  await sampler;

  // the final views: what each client should hold, and what it could ever see
  const all = await redis.zrange(keys.byUpdated, 0, -1);
  const final = [];
  for (let i = 0; i < all.length; i += 1000) {
    const raws = await redis.mget(all.slice(i, i + 1000).map(keys.incident));
    for (const raw of raws) {
      if (!raw) continue;
      const v = JSON.parse(raw);
      final.push([v.id, v.version, { state: v.state, province: { code: v.province.code }, tlp: v.tlp, classification: v.classification, reportedBy: v.reportedBy, reporters: v.reporters, assignees: v.assignees.map((a) => ({ id: a.id, status: a.status })) }]);
    }
  }
  // the change log's time (its entry id: Redis's clock, ms) of each incident's first entry and of
  // each version, to split 202 → client: 202 → the first entry (intake, Kafka, the tracker), and
  // from the entry of the version a client saw first to its sight of it (the board, the socket)
  const loggedAt = new Map();
  const firstLoggedAt = new Map();
  for (let after = '-'; ; ) {
    const page = await redis.xrange(keys.changes, after, '+', 'COUNT', 5000);
    for (const [entryId, fields] of page) {
      if (fields[0] !== 'c') continue;
      const { id, version } = JSON.parse(fields[1]).incident;
      const ms = Number(entryId.split('-')[0]);
      if (!loggedAt.has(`${id} ${version}`)) loggedAt.set(`${id} ${version}`, ms);
      if (!firstLoggedAt.has(id)) firstLoggedAt.set(id, ms);
    }
    if (page.length < 5000) break;
    after = `(${page.at(-1)[0]}`;
  }
  if (env.BENCH_DUMP_DIR) writeFileSync(`${env.BENCH_DUMP_DIR}/logged.json`, JSON.stringify({ accepted: [...accepted], loggedAt: [...loggedAt] }));
  const toLog = [...accepted].filter(([id]) => firstLoggedAt.has(id)).map(([id, at]) => firstLoggedAt.get(id) - at).sort((x, y) => x - y);
  redis.disconnect();
  const answers = await askAll({ type: 'check', final, accepted: [...accepted], loggedAt: [...loggedAt] }, 'checked');
  const results = targets.map((t, i) => {
    const r = { clients: 0, missed: 0, clientsMissing: 0, leaked: 0, examples: [], latencies: [], fromLog: [], bytes: 0, bytesByKind: {}, closes: {}, slowCloses: {}, reloads: 0, slowMissed: 0, open: 0 };
    for (const a of answers) {
      const b = a.byTarget[t.name];
      if (!b) continue;
      for (const k of ['clients', 'missed', 'clientsMissing', 'leaked', 'bytes', 'reloads', 'slowMissed', 'open']) r[k] += b[k];
      r.examples.push(...b.examples);
      for (const l of b.latencies) r.latencies.push(l);
      for (const l of b.fromLog) r.fromLog.push(l);
      for (const [kind, [bytes, n]] of Object.entries(b.bytesByKind)) r.bytesByKind[kind] = [(r.bytesByKind[kind]?.[0] ?? 0) + bytes, (r.bytesByKind[kind]?.[1] ?? 0) + n];
      for (const field of ['closes', 'slowCloses']) for (const [code, n] of Object.entries(b[field])) r[field][code] = (r[field][code] ?? 0) + n;
    }
    r.latencies.sort((x, y) => x - y);
    r.fromLog.sort((x, y) => x - y);
    return { target: t, ...r, memory: memory.get(t.name), cpu: targetCpu[i] };
  });

  const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
  const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : '—');
  const codes = (c) => Object.entries(c).map(([code, n]) => `${code}×${n}`).join(', ') || 'none';
  console.log('');
  console.log(`  load: ${accepted.size} reports accepted in ${((loadEnded - started) / 1000).toFixed(1)} s (${(accepted.size / ((loadEnded - started) / 1000)).toFixed(0)}/s asked ${rate}/s), ${all.length} incidents, ${changes} changes on the log; quiet ${((quietAt - loadEnded) / 1000).toFixed(1)} s after the load${warmupSeconds > 0 ? `; timed after a ${warmupSeconds} s warm-up at ${warmupRate}/s (${warmedUp.size} reports, checked, not timed)` : ''}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const r of results) {
    const m = r.memory;
    console.log(`\n  ${r.target.name}`);
    const rows = [
      ['202 → client p50 / p99 (first sight, clients that read)', `${ms(percentile(r.latencies, 50))} / ${ms(percentile(r.latencies, 99))} (${r.latencies.length} pairs)`],
      ['  202 → its first entry on the change log (intake, Kafka, tracker)', `${ms(percentile(toLog, 50))} / ${ms(percentile(toLog, 99))} (${toLog.length} incidents)`],
      ['  the entry of the version first seen → client (board, socket)', `${ms(percentile(r.fromLog, 50))} / ${ms(percentile(r.fromLog, 99))}`],
      ['bytes per client (all)', `${(r.bytes / r.clients / 1024).toFixed(0)} KB`],
      ...Object.entries(r.bytesByKind).map(([kind, [bytes, n]]) => [`  per ${kind} client`, `${(bytes / n / 1024).toFixed(0)} KB (${n})`]),
      ['memory: RSS start / peak / end (of the whole run)', `${mb(m.rssStart)} / ${mb(m.rssPeak)} / ${mb(m.rss)}`],
      ['memory: heap used start / peak / end (of the whole run)', `${mb(m.heapStart)} / ${mb(m.heapPeak)} / ${mb(m.heap)}`],
      ['CPU seconds (load to quiet), per 1,000 changes on the log', `${r.cpu.toFixed(1)} s, ${((1000 * r.cpu) / changes).toFixed(2)} s`],
      ...(replay
        ? [
            [`feed alone: ${replayTotal} changes replayed: CPU per 1,000, last sent after`, `${((1000 * replay.byTarget.get(r.target.name).cpu) / replayTotal).toFixed(2)} s, ${replay.byTarget.get(r.target.name).drained.toFixed(1)} s (written in ${replay.written.toFixed(1)} s)`],
            ['feed alone: CPU seconds of its clients\' process(es)', `${replay.byTarget.get(r.target.name).clientCpu.toFixed(1)} s`],
          ]
        : []),
      ['slow clients: closed by the server (code×times), missed at the end', `${codes(r.slowCloses)}; ${r.slowMissed} missed`],
      ['other clients: closed (code×times), reloads', `${codes(r.closes)}; ${r.reloads}`],
      ['missed (client, incident) pairs', `${r.missed} (on ${r.clientsMissing} clients)`],
      ['leaked (client, incident) pairs', String(r.leaked)],
    ];
    for (const [k, v] of rows) console.log(`    ${k.padEnd(64)} ${v}`);
    for (const e of r.examples.slice(0, 4)) console.log(`      e.g. ${e}`);
  }
  console.log(`\n  CPU seconds of the system from the load to quiet (${((quietAt - started) / 1000).toFixed(0)} s): ${Object.keys(cpuAfter).map((k) => `${k} ${(cpuAfter[k] - (cpuBefore[k] ?? 0)).toFixed(1)}`).join(', ')}; load generators and feed clients ${clientCpu.toFixed(1)} (2 cores: ${(2 * (quietAt - started) / 1000).toFixed(0)} available)`);
  console.log('');
  const board = results[0];
  return board.missed === 0 && board.leaked === 0 && accepted.size > 0 ? 0 : 1;
}

runMain('bench:board', main, async () => {
  load?.close();
  for (const c of clients) c.kill('SIGTERM');
  bare?.kill('SIGTERM');
  await system.teardown(Boolean(env.BENCH_KEEP_INFRA));
  log(`service logs: ${system.logDir}`);
});
