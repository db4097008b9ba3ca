// The live feed's groups in one process, without Kafka, Redis or sockets: BENCH_INCIDENTS (100,000)
// incidents in a Redis stand-in, BENCH_GROUPS (100) groups that each cover all of them (national
// coordinators of different organisations, the whole country: the most a group holds), then
// BENCH_CHANGES (1,000) changes on the log, BENCH_CHANGES_PER_FLUSH (20) per flush interval.
// For the board as built (services/board/dist/feed.js) and, beside it in the same process, the
// feed of BENCH_BASELINE_COMMIT (636ab3f, before this store; "" skips it), transpiled into
// .run/bench-feed-groups/ from git: the same LiveFeed class, fed the same data.
//
// Prints per build: each group's load (its first page, median and max), the heap the groups take
// (after gc, above the stand-in's data), a later page's time (median), and the CPU per change
// (the reader's judging and the 100 ms flushes with their counts), and for one client the time from
// a change's entry on the log to its delta on the socket. Run with node --expose-gc.
import { EventEmitter } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ulid } from 'ulid';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const env = process.env;
const incidents = Number(env.BENCH_INCIDENTS ?? 100_000);
const groupCount = Number(env.BENCH_GROUPS ?? 100);
const changeCount = Number(env.BENCH_CHANGES ?? 1_000);
const perFlush = Number(env.BENCH_CHANGES_PER_FLUSH ?? 20);
const baselineCommit = env.BENCH_BASELINE_COMMIT ?? '636ab3f';
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

/** The feed of another commit, transpiled beside the built one so that it finds the same @ucsc/shared. */
function baselineFeed(commit) {
  const ts = require('typescript');
  const dir = path.join(root, '.run/bench-feed-groups', commit);
  mkdirSync(dir, { recursive: true });
  for (const name of ['feed', 'feed-index']) {
    const source = execFileSync('git', ['show', `${commit}:services/board/src/${name}.ts`], { cwd: root, encoding: 'utf8' });
    writeFileSync(path.join(dir, `${name}.js`), ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
  }
  return require(path.join(dir, 'feed.js')).LiveFeed;
}

const provinces = Array.from({ length: 34 }, (_, i) => String(i + 1).padStart(2, '0'));
const priorities = ['P1', 'P2', 'P3', 'P4'];
const states = ['routed', 'routed', 'acknowledged', 'responding', 'closed'];
const reportedAt = (i) => new Date(Date.parse('2026-12-01T00:00:00.000Z') + i * 1_000).toISOString();
const liaison = (code, role) => ({ kind: 'liaison', id: `lia-${code}-${role}`, name: `Cán bộ ${code}`, organisationId: `org-${code}`, organisationName: `Sở ${code}`, role });

/** An incident as the projection holds it, with a short history (a few KB of JSON, as on the log). */
function incident(i, version = 3, change = {}) {
  const code = provinces[i % provinces.length];
  const at = reportedAt(i);
  const priority = priorities[(i * 7) % 4];
  const entry = (type, minutes) => ({ eventId: ulid(), type, at: new Date(Date.parse(at) + minutes * 60_000).toISOString(), actor: { kind: 'system', id: 'tracker' }, facts: {} });
  return {
    id: `01BENCH${String(i).padStart(19, '0')}`,
    version,
    state: states[i % states.length],
    portalStatus: 'cho',
    province: { code, name: `Tỉnh ${code}`, filedAs: `Tỉnh ${code}` },
    reportingOrganisation: { name: `Sở Y tế ${code}` },
    reportedBy: { actorId: `tok-${i % 64}`, organisationId: `org-rep-${i % 64}` },
    title: `Sự cố mã độc ${i}`,
    description: 'Máy chủ bị nhiễm mã độc mã hoá dữ liệu; đã cô lập khỏi mạng nội bộ.',
    tlp: 'AMBER',
    detectedAt: at,
    reportedAt: at,
    assignees: [liaison(code, 'officer'), liaison(code, 'leader')],
    routingReasons: ['province'],
    classification: { severity: priority === 'P1' ? 'severe' : 'normal', priority, category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['r'] },
    timeline: [entry('incident.reported', 0), entry('incident.classified', 1), entry('incident.assigned', 2)],
    milestones: { routed: at },
    updatedAt: at,
    ...change,
  };
}

/** What the feed asks of Redis, in memory: the views, the by-updated index, and the change log. */
function redisStandIn(prefix) {
  const raws = new Map();
  const byUpdated = [];
  const log = [];
  let wake;
  const changes = `${prefix}feed:changes`;
  const reader = {
    on() {},
    async subscribe() {},
    disconnect() {
      wake?.();
    },
    async xread(...args) {
      const after = Number(String(args.at(-1)).split('-')[0]);
      if (log.length <= after) await new Promise((resolve) => setTimeout((wake = resolve), Number(args[3])));
      const entries = log.slice(after, after + Number(args[1]));
      return entries.length ? [[changes, entries]] : null;
    },
  };
  const redis = {
    raws,
    byUpdated,
    async xrevrange() {
      return log.length ? [log.at(-1)] : [];
    },
    async zrevrange(_key, start, stop) {
      return byUpdated.slice(start, stop + 1);
    },
    async mget(keys) {
      return keys.map((k) => raws.get(k.slice(k.lastIndexOf(':') + 1)) ?? null);
    },
    async get(k) {
      return raws.get(k.slice(k.lastIndexOf(':') + 1)) ?? null;
    },
    duplicate: () => reader,
    append(change) {
      raws.set(change.incident.id, JSON.stringify(change.incident));
      log.push([`${log.length + 1}-0`, ['c', JSON.stringify(change)]]);
      wake?.();
      return `${log.length}-0`;
    },
  };
  return redis;
}

/** A socket the feed writes to: what it was sent is counted, the snapshots awaited. */
function socket() {
  const s = Object.assign(new EventEmitter(), { OPEN: 1, readyState: 1, bufferedAmount: 0, bytes: 0, snapshots: 0, ping() {}, close() {}, terminate() {} });
  let waiting;
  /** `${id}:${version}` → when it went on the log, for the one client whose latency is measured */
  s.appended = undefined;
  s.latencies = [];
  s.send = (text) => {
    s.bytes += text.length;
    if (s.appended && text.startsWith('{"type":"delta"')) {
      for (const item of JSON.parse(text).upserts) {
        const at = s.appended.get(`${item.id}:${item.version}`);
        if (at !== undefined) s.latencies.push(performance.now() - at);
      }
    }
    if (text.startsWith('{"type":"snapshot"')) {
      s.snapshots++;
      waiting?.();
    }
  };
  s.frame = (frame) => s.emit('message', Buffer.from(JSON.stringify(frame)), false);
  s.snapshot = (frame) => {
    const n = s.snapshots;
    const t0 = performance.now();
    return new Promise((resolve) => {
      waiting = () => s.snapshots > n && resolve(performance.now() - t0);
      s.frame(frame);
    });
  };
  return s;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

async function run(name, LiveFeed) {
  const prefix = `bench:${name}:`;
  const redis = redisStandIn(prefix);
  for (let i = 0; i < incidents; i++) {
    const view = incident(i);
    redis.raws.set(view.id, JSON.stringify(view));
    redis.byUpdated.push(view.id);
  }
  const feed = new LiveFeed(redis, prefix, silent, { changesChannel: `${prefix}identity` }, { maxBufferedBytes: 1 << 30, flushMs: 100, heartbeatMs: 3_600_000, revalidateMs: 3_600_000 });
  await feed.start();
  const before = heap();
  const sockets = [];
  const loads = [];
  const started = performance.now();
  for (let g = 0; g < groupCount; g++) {
    const s = socket();
    const actor = { kind: 'user', id: `u-nc-${g}`, roles: ['national_coordinator'], organisationId: `org-nc-${g}`, authenticatedBy: 'password+totp' };
    feed.add(s, actor, { kind: 'session', token: 'unused' });
    loads.push(await s.snapshot({ type: 'subscribe', sub: 's', scope: { kind: 'country' }, pageSize: 50 }));
    sockets.push(s);
  }
  const loaded = performance.now() - started;
  const groups = heap() - before;
  const pages = [];
  for (const s of sockets) pages.push(await s.snapshot({ type: 'page', sub: 's', cursor: String(Math.floor(incidents / 2)) }));

  // changes at a steady pace: each a new version (its state or priority moved), judged by every
  // group; made before the clock starts, so that the CPU counted is the feed's
  const changes = Array.from({ length: changeCount }, (_, c) => {
    const i = (c * 7919) % incidents;
    const change = c % 2 ? { state: 'acknowledged' } : { classification: { ...incident(i).classification, priority: priorities[(c + 1) % 4] } };
    return { eventId: ulid(), type: 'incident.updated', incident: incident(i, 4 + c, change) };
  });
  const watched = sockets[0];
  watched.appended = new Map();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let last;
  for (let c = 0; c < changeCount; c++) {
    last = redis.append(changes[c]);
    watched.appended.set(`${changes[c].incident.id}:${changes[c].incident.version}`, performance.now());
    if ((c + 1) % perFlush === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  while (feed.head !== last) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 250));
  const used = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  await feed.close();
  const latencies = watched.latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { name, latency: `${p(0.5).toFixed(0)} / ${p(0.99).toFixed(0)} ms (${latencies.length})`, loadMedian: median(loads), loadMax: Math.max(...loads), loaded, groups, pageMedian: median(pages), cpuPerChange: (used.user + used.system) / 1000 / changeCount, wall, bytes: sockets[0].bytes };
}

const results = [];
const load0 = loadavg()[0];
results.push(await run('board', require(path.join(root, 'services/board/dist/feed.js')).LiveFeed));
if (baselineCommit) results.push(await run(baselineCommit, baselineFeed(baselineCommit)));
const load1 = loadavg()[0];
console.log(`\n${incidents.toLocaleString('en')} incidents, ${groupCount} groups of all of them, ${changeCount.toLocaleString('en')} changes (${perFlush} per 100 ms); load average ${load0.toFixed(1)} → ${load1.toFixed(1)}`);
console.log('| build | a group’s load: median / max | all groups loaded | heap of the groups | a later page: median | CPU per change | log → one client p50 / p99 | bytes to one client |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.loadMedian.toFixed(0)} / ${r.loadMax.toFixed(0)} ms | ${(r.loaded / 1000).toFixed(1)} s | ${mb(r.groups)} | ${r.pageMedian.toFixed(1)} ms | ${r.cpuPerChange.toFixed(2)} ms | ${r.latency} | ${(r.bytes / 1e6).toFixed(2)} MB |`);
}
