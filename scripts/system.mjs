// A whole ucsc system on a Kafka and Redis of its own, for the benchmarks and the fault runs:
// the services run as separate processes (as scripts/start.mjs runs them), with their logs in
// .run/<name>/; the report bodies, tokens, accounts and the checks against Kafka and Redis that
// bench:intake, bench:burst and chaos share.
import http from 'node:http';
import { fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { identityKeys, infraDown, infraUp, root, run, waitUntil } from './lib.mjs';
import supervisor from './supervise.cjs';

const { supervise } = supervisor;

const require = createRequire(import.meta.url);
const { ConfigResourceTypes, Kafka, logLevel } = require('kafkajs');
const shared = require('@ucsc/shared');
const { IdentityStore, createRedis, createLogger, loadDirectoryFiles, totpCode, userActor, topicName } = shared;

export const host = '127.0.0.1';
const dataRoot = process.env.UCSC_DATA_DIR ?? join(root, 'infra', '.data');

/** Ports other engineers' instances hold on this machine: a benchmark must never take them. */
const taken = ['6379', '49092', '46379', '16379', '19092', '19093', '26379', '29092', '29093', '36479', '39292', '3100', '3101', '3102', '3103'];
export function checkPorts(...ports) {
  for (const port of ports) if (taken.includes(String(port))) throw new Error(`port ${port} belongs to another instance`);
}

// ── realistic bodies: a whole Biểu mẫu 03, ~2 KB of Vietnamese text, every one a different report ──
export const reportProvinces = ['Hà Nội', 'Hà Giang', 'Quảng Nam', 'Bình Dương', 'Cần Thơ', 'Đắk Lắk', 'Nghệ An', 'Lào Cai', 'TP Hồ Chí Minh', 'Huế'];
const orgs = ['Sở Tài chính', 'Sở Y tế', 'Văn phòng UBND tỉnh', 'Sở Giáo dục và Đào tạo', 'Kho bạc Nhà nước', 'Bệnh viện Đa khoa tỉnh', 'Cục Thuế', 'Trung tâm Phục vụ hành chính công'];
const description =
  'Vào lúc 02 giờ 10 phút, hệ thống giám sát an toàn thông tin phát hiện lưu lượng bất thường từ máy chủ cổng thông tin điện tử ' +
  'tới nhiều địa chỉ IP ở nước ngoài. Kiểm tra sơ bộ cho thấy trang chủ bị thay đổi giao diện, xuất hiện nội dung không phù hợp; ' +
  'nhật ký máy chủ web ghi nhận nhiều yêu cầu khai thác lỗ hổng tải tệp lên trong thư mục quản trị. Quản trị viên đã ngắt kết nối ' +
  'máy chủ khỏi mạng, sao lưu nhật ký, chụp ảnh bộ nhớ và thông báo cho đơn vị chuyên trách. Một số tài khoản quản trị có dấu hiệu ' +
  'bị lộ mật khẩu; dữ liệu hồ sơ công dân lưu trên máy chủ cơ sở dữ liệu cần được kiểm tra thêm. Đơn vị đề nghị hỗ trợ phân tích ' +
  'mã độc, rà soát toàn bộ hệ thống và hướng dẫn khôi phục dịch vụ an toàn trong thời gian sớm nhất.';
const base = Date.now() - 6 * 3600_000;
/** Every body is marked AMBER: the feed checks decide who should have seen a report from this. */
export const reportTlp = 'AMBER';

/** Report number `sequence` (give each client process its own range, so no two bodies are alike); `tlp` other than the usual for bench:board's TLP:RED share. */
export function reportBody(sequence, province = reportProvinces[sequence % reportProvinces.length], tlp = reportTlp) {
  const org = `${orgs[sequence % orgs.length]} ${province}`;
  return JSON.stringify({
    province,
    reportingOrganisation: { name: org, address: 'Số 1 Đường Trần Phú, phường Điện Biên', phone: '024 3943 6684', email: 'vanphong@example.gov.vn' },
    contactPerson: { name: 'Nguyễn Thị Hồng Nhung', position: 'Trưởng phòng Công nghệ thông tin', phone: '0912 345 678', email: 'nhung.nth@example.gov.vn' },
    affectedSystem: { operator: `Trung tâm Công nghệ thông tin – ${org}`, owner: org, name: `Cổng thông tin điện tử số ${sequence}`, protectionLevel: 1 + (sequence % 5), securityProvider: 'Công ty An ninh mạng (giả định)', connectivityProvider: 'VNPT' },
    title: 'Tấn công thay đổi giao diện cổng thông tin điện tử',
    description,
    detectedAt: new Date(base + sequence).toISOString(),
    alreadyHandled: false,
    detection: { methods: ['monitoring', 'log_review'] },
    alreadyNotified: { parties: ['national_coordinator', 'isp'], details: 'Đã gọi điện cho đầu mối trực 24/7' },
    technicalDetail: { operatingSystems: ['Ubuntu 22.04', 'Windows Server 2019'], services: ['web', 'database'], securityMeasures: ['firewall', 'antivirus'], publicIpAddresses: ['203.162.10.20', '2001:ee0:4f0c::20'], domainNames: ['congthongtin.example.gov.vn'], purpose: 'Cung cấp thông tin và dịch vụ công trực tuyến cho người dân, doanh nghiệp' },
    confidentialityRequested: sequence % 3 === 0,
    supportRequested: 'Đề nghị hỗ trợ phân tích mã độc và rà soát lỗ hổng.',
    reportTime: new Date(base + 3600_000 + sequence).toISOString(),
    category: 'defacement',
    tlp,
  });
}

// ── credentials ──

/**
 * API tokens of `count` submitting organisations: each organisation's mail gateway or SIEM holds
 * one, and a load generator's requests go round them. Returns the Authorization header values.
 */
export async function issueTokens(redisUrl, redisPrefix, count) {
  const redis = createRedis(redisUrl, createLogger('bench', 'warn'));
  const store = new IdentityStore(redis, redisPrefix);
  // a report is filed only within its filer's provinces: these organisations file in every one
  const provinceCodes = loadDirectoryFiles().units.map((u) => u.code);
  const tokens = [];
  for (let i = 0; i < count; i++) {
    const { secret } = await store.createToken({ name: `bench ${i}`, organisationId: `org-bench-${i}`, provinceCodes, scopes: ['reports:write', 'reports:read'], expiresInDays: 1, createdBy: 'bench' });
    tokens.push(`Bearer ${secret}`);
  }
  redis.disconnect();
  return tokens;
}

const benchPassword = 'bench-password-2026';
const benchTotpSecret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/**
 * Board accounts, signed in: `nationals` national coordinators (with their second factor) and one
 * province coordinator per code, each with one session that several feed clients share (as a person
 * with several tabs): a password hash costs ~0.1 s of CPU, a thousand of them would be the benchmark.
 * With `enterpriseIds`, one enterprise responder per id (its assignee id). Also an admin, for the
 * directory changes. Returns { nationals, provinces, enterprises, admin }, each
 * { token, actor } (the actor as the board sees it, to decide what its clients should receive).
 */
export async function seedBoardAccounts(redisUrl, redisPrefix, { nationals, provinceCodes, enterpriseIds = [], runId = randomBytes(3).toString('hex') }) {
  const redis = createRedis(redisUrl, createLogger('bench', 'warn'));
  const store = new IdentityStore(redis, redisPrefix);
  const signedIn = async (account) => {
    const needsTotp = account.roles.includes('national_coordinator') || account.roles.includes('admin');
    await store.createUser({ ...account, password: benchPassword, ...(needsTotp ? { totpSecret: benchTotpSecret } : {}) });
    const result = await store.signIn(account.username, benchPassword, needsTotp ? totpCode(benchTotpSecret) : undefined);
    if (!result.ok) throw new Error(`could not sign in ${account.username}: ${result.reason}`);
    return { token: result.token, actor: userActor(result.user, result.session.authenticatedBy) };
  };
  try {
    const made = await Promise.all([
      ...Array.from({ length: nationals }, (_, i) =>
        signedIn({ username: `bench-${runId}-national-${i}`, name: `Điều phối quốc gia ${i}`, organisationId: 'org-national-coordinator', roles: ['national_coordinator'] }),
      ),
      ...provinceCodes.map((code) =>
        signedIn({ username: `bench-${runId}-province-${code}`, name: `Điều phối tỉnh ${code}`, organisationId: `org-hub-${code}`, roles: ['province_coordinator'], provinceCodes: [code], assigneeIds: [`org-hub-${code}`] }),
      ),
      ...enterpriseIds.map((id) => signedIn({ username: `bench-${runId}-${id}`, name: `Ứng cứu ${id}`, organisationId: id, roles: ['enterprise_responder'], assigneeIds: [id] })),
      signedIn({ username: `bench-${runId}-admin`, name: 'Quản trị', organisationId: 'org-standing-body', roles: ['admin'] }),
    ]);
    const provincesEnd = nationals + provinceCodes.length;
    return { nationals: made.slice(0, nationals), provinces: made.slice(nationals, provincesEnd), enterprises: made.slice(provincesEnd, -1), admin: made.at(-1) };
  } finally {
    redis.disconnect();
  }
}

/**
 * Spreads `count` feed clients over the accounts: the first `nationalClients` on the national
 * coordinators, the rest round the provinces; `view` is the feed each asks for ('full' or 'summary').
 */
export function feedClientPlan(accounts, count, nationalClients) {
  const plan = [];
  for (let i = 0; i < count; i++) {
    const national = i < nationalClients;
    const account = national ? accounts.nationals[i % accounts.nationals.length] : accounts.provinces[(i - nationalClients) % accounts.provinces.length];
    plan.push({ id: i, national, token: account.token, actor: account.actor });
  }
  return plan;
}

// ── the processes ──

/** CPU seconds (user + system) of a process and its live descendants, from /proc. */
export function cpuSeconds(pid) {
  const ticks = 100; // USER_HZ: 100 on Linux (getconf CLK_TCK)
  const stats = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / ticks });
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const walk = (p) => {
    const s = stats.get(p);
    if (!s) return;
    total += s.cpu;
    for (const [child, c] of stats) if (c.ppid === p) walk(child);
  };
  walk(pid);
  return total;
}

export function pidOf(pidFile) {
  try {
    return Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
}

export function httpStatus(port, path, headers = {}) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, headers, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** A JSON request to a service; resolves { status, body } (never rejects). */
export function request(port, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      { host, port, method, path, timeout: 15_000, headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.end(data);
  });
}

export const serviceNames = ['board', 'intake', 'dispatch', 'tracker'];

/**
 * One system: its Kafka and Redis (infra/kafka.sh and infra/redis.sh under instance names of its
 * own, or a cluster's brokers when `brokers` is given), its topics and directory, and the services
 * as child processes. `portBase` gives each service copy a port of its own from there.
 */
export class System {
  constructor({ name, kafkaPort, redisPort, portBase, kafkaHeap = '768m', brokers, kafkaReplication, logLevel = 'warn' }) {
    this.logLevel = logLevel;
    checkPorts(kafkaPort, Number(kafkaPort) + 1, redisPort);
    this.name = name;
    this.prefix = `${name}-${randomBytes(3).toString('hex')}`;
    this.infraEnv = {
      KAFKA_INSTANCE: `kafka-${name}`,
      KAFKA_PORT: String(kafkaPort),
      KAFKA_CONTROLLER_PORT: String(Number(kafkaPort) + 1),
      KAFKA_HEAP: kafkaHeap,
      REDIS_INSTANCE: `redis-${name}`,
      REDIS_PORT: String(redisPort),
    };
    this.external = Boolean(brokers);
    this.brokers = brokers ?? `${host}:${kafkaPort}`;
    this.kafkaReplication = kafkaReplication;
    this.redisUrl = `redis://${host}:${redisPort}`;
    this.redisPort = Number(redisPort);
    this.nextPort = Number(portBase);
    this.logDir = join(root, '.run', name);
    this.services = new Map();
    this.restarts = [];
    this.kafka = new Kafka({ clientId: `${name}-harness`, brokers: this.brokers.split(','), logLevel: logLevel.ERROR });
    this.topic = (key) => topicName(this.prefix, key);
  }

  get kafkaPidFile() {
    return join(dataRoot, this.infraEnv.KAFKA_INSTANCE, 'kafka.pid');
  }
  get redisPidFile() {
    return join(dataRoot, this.infraEnv.REDIS_INSTANCE, 'redis.pid');
  }

  /** Empty Kafka and Redis every run: what an earlier run left would be measured instead. */
  async up() {
    rmSync(this.logDir, { recursive: true, force: true });
    mkdirSync(this.logDir, { recursive: true });
    this.down();
    for (const instance of [this.infraEnv.KAFKA_INSTANCE, this.infraEnv.REDIS_INSTANCE]) rmSync(join(dataRoot, instance), { recursive: true, force: true });
    const topicEnv = { TOPIC_PREFIX: this.prefix, KAFKA_BROKERS: this.brokers, ...(this.kafkaReplication ? { KAFKA_REPLICATION_FACTOR: String(this.kafkaReplication) } : {}) };
    if (this.external) {
      run('bash', ['infra/redis.sh', 'start'], this.infraEnv);
      run('node', ['shared/dist/bin/create-topics.js'], { LOG_LEVEL: 'warn', ...topicEnv });
    } else {
      infraUp({ ...this.infraEnv, ...topicEnv });
    }
    if (this.kafkaReplication >= 3) await this.requireTwoInSync();
    run('node', ['services/dispatch/dist/bin/seed-directory.js'], { KAFKA_BROKERS: this.brokers, TOPIC_PREFIX: this.prefix, LOG_LEVEL: 'error' });
  }

  /** Replication 3 as production runs it: a write needs two replicas in sync, so one broker may die and nothing acknowledged is lost. */
  async requireTwoInSync() {
    const admin = this.kafka.admin();
    await admin.connect();
    const names = (await admin.listTopics()).filter((t) => t.startsWith(`${this.prefix}.`));
    await admin.alterConfigs({ validateOnly: false, resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'min.insync.replicas', value: '2' }] })) });
    await admin.disconnect();
  }

  down() {
    if (this.external) spawnSync('bash', ['infra/redis.sh', 'stop'], { cwd: root, stdio: 'inherit', env: { ...process.env, ...this.infraEnv } });
    else infraDown(this.infraEnv);
  }

  /** Stops the services, then (unless `keep`) Kafka and Redis, and removes their data. */
  async teardown(keep = false) {
    await this.stopAll();
    if (keep) return;
    this.down();
    this.clean();
  }

  /** Removes what the run left on disk (Kafka's log, Redis's AOF); the service logs stay in .run/. */
  clean() {
    for (const instance of [this.infraEnv.KAFKA_INSTANCE, this.infraEnv.REDIS_INSTANCE]) rmSync(join(dataRoot, instance), { recursive: true, force: true });
    rmSync(join(dataRoot, `${this.name}-attachments`), { recursive: true, force: true });
  }

  /** The board's port, known before it starts: intake and dispatch exchange credentials there. */
  identityPort() {
    this.reservedPorts ??= new Map();
    const known = this.services.get('board-a')?.port ?? this.reservedPorts.get('board-a');
    if (known) return known;
    const port = this.nextPort++;
    this.reservedPorts.set('board-a', port);
    return port;
  }

  serviceEnv(name, instance, port, env = {}) {
    this.identity ??= identityKeys();
    const identity = name === 'board' ? this.identity.owner : { ...this.identity.verifier, IDENTITY_URL: `http://${host}:${this.identityPort()}` };
    return {
      ...identity,
      ...process.env,
      KAFKA_BROKERS: this.brokers,
      REDIS_URL: this.redisUrl,
      TOPIC_PREFIX: this.prefix,
      REDIS_PREFIX: `${this.prefix}:`,
      SERVICE_INSTANCE: instance,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? this.logLevel,
      HOST: host,
      PORT: String(port),
      ATTACHMENT_DIR: join(dataRoot, `${this.name}-attachments`),
      NODE_OPTIONS: '--max-semi-space-size=32', // as the image runs it (Dockerfile)
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // the load is a few dozen organisations and coordinators doing thousands of things a
      // second: far past a real one's limit, which is still counted in Redis on every request
      RATE_LIMIT_PER_MINUTE: '100000000',
      ...env,
    };
  }

  /**
   * Starts a copy of a service (`instance` names it: `dispatch-a`) under npm start's supervisor
   * (scripts/supervise.cjs): one that exits is started again, 1 s later at first. Resolves once
   * it answers /ready. `buildRoot`: another build of the project (a benchmark's baseline).
   */
  async start(name, { instance = 'a', env = {}, ready = true, buildRoot = root, nodeArgs = [] } = {}) {
    const key = `${name}-${instance}`;
    const known = this.services.get(key);
    const port = known?.port ?? this.reservedPorts?.get(key) ?? this.nextPort++;
    const logPath = join(this.logDir, `${key}.log`);
    const log = createWriteStream(logPath, { flags: 'a' });
    const service = { key, name, instance, port, env: { ...known?.env, ...env }, killedPids: new Set() };
    service.supervisor = supervise({
      name: key,
      command: 'node',
      args: [...nodeArgs, join(buildRoot, 'services', name, 'dist', 'server.js')],
      spawnOptions: { cwd: buildRoot, env: this.serviceEnv(name, `${this.name}-${instance}`, port, service.env), stdio: ['ignore', 'pipe', 'pipe'] },
      logPath,
      onStart: (child) => {
        // two sources into one file: neither may end it (the other would then write after its end)
        child.stdout.pipe(log, { end: false });
        child.stderr.pipe(log, { end: false });
        service.child = child;
        service.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      },
      // the harness's own kill -9 is the scenario; any other exit is one to report
      report: (line) => {
        if (service.killedPids.has(service.child?.pid)) return;
        this.restarts.push({ key, line, at: Date.now() });
        console.log(`[${this.name} ${new Date().toISOString().slice(11, 19)}] ${line}`);
      },
    });
    this.services.set(key, service);
    if (ready) await this.waitReady(key);
    return service;
  }

  async waitReady(key, timeoutMs = 90_000) {
    const service = this.services.get(key);
    await waitUntil(`${key} /ready`, async () => (await httpStatus(service.port, '/ready')).status === 200, timeoutMs);
  }

  port(key) {
    return this.services.get(key).port;
  }

  /** kill -9 (or another signal) of a service copy, which its supervisor then starts again; resolves when it is gone. */
  async kill(key, signal = 'SIGKILL') {
    const service = this.services.get(key);
    const child = service.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    service.killedPids.add(child.pid);
    // the copy is `node` itself; with WORKERS > 1 its workers die with the primary's IPC channel
    child.kill(signal);
    await service.exited;
  }

  /** kill -9 of a service copy that nobody starts again (a copy lost for good). */
  async killForGood(key) {
    const service = this.services.get(key);
    service.killedPids.add(service.child.pid);
    service.child.kill('SIGKILL');
    service.stopped = true;
    await service.supervisor.stop();
  }

  /** Stops a copy (SIGTERM) without starting it again. */
  async stop(key) {
    const service = this.services.get(key);
    service.killedPids.add(service.child.pid);
    service.stopped = true;
    await service.supervisor.stop();
  }

  async stopAll() {
    await Promise.all([...this.services.keys()].map((key) => this.stop(key)));
  }

  /** CPU seconds so far of every service copy, and of Kafka and Redis. */
  cpu() {
    const out = {};
    for (const s of this.services.values()) if (!s.stopped && s.child.exitCode === null) out[s.key] = cpuSeconds(s.child.pid);
    const kafka = pidOf(this.kafkaPidFile);
    const redis = pidOf(this.redisPidFile);
    if (kafka && !this.external) out.kafka = cpuSeconds(kafka);
    if (redis) out.redis = cpuSeconds(redis);
    return out;
  }
}

// ── client processes ──

/**
 * Load generators in child processes (scripts/load-client.mjs), each with many connections. Every
 * accepted report comes back as [incidentId, provinceCode, acceptedAtMs] to `onAccepted`.
 */
export class Load {
  constructor({ processes, intakePort, tokens, connections, onAccepted, onStatuses = () => undefined, redEvery = 0, maxInflight }) {
    this.children = Array.from({ length: processes }, (_, i) => {
      const child = fork(join(root, 'scripts', 'load-client.mjs'), [], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m) => {
        if (m.type !== 'accepted') return;
        for (const a of m.accepted) onAccepted(a);
        onStatuses(m.statuses);
      });
      child.send({ type: 'setup', intakePort, tokens, connections, redEvery, maxInflight, sequenceStart: i * 1_000_000 + 1 });
      return child;
    });
  }

  /** `total` reports as fast as intake takes them, shared between the processes; resolves with the status counts. */
  flood(total) {
    const per = Math.ceil(total / this.children.length);
    return this.#run((child, i) => ({ type: 'flood', total: Math.max(0, Math.min(per, total - i * per)) }));
  }

  /** A steady `perSecond` across the processes until stop(); start it, then await stop(). */
  steady(perSecond) {
    this.running = this.#run(() => ({ type: 'steady', perSecond: perSecond / this.children.length }));
  }

  /** Ends a steady load (or a flood before its total); resolves with the status counts of a steady one. */
  async stop() {
    for (const child of this.children) child.send({ type: 'stop' });
    return this.running;
  }

  setTokens(tokens) {
    for (const child of this.children) child.send({ type: 'tokens', tokens });
  }

  cpu() {
    return this.children.reduce((n, c) => n + cpuSeconds(c.pid), 0);
  }

  async #run(message) {
    const results = await Promise.all(
      this.children.map(
        (child, i) =>
          new Promise((resolve) => {
            const onMessage = (m) => {
              if (m.type !== 'done') return;
              child.off('message', onMessage);
              resolve(m.statuses);
            };
            child.on('message', onMessage);
            child.send(message(child, i));
          }),
      ),
    );
    const statuses = {};
    for (const r of results) for (const [k, v] of Object.entries(r)) statuses[k] = (statuses[k] ?? 0) + v;
    return statuses;
  }

  close() {
    for (const child of this.children) child.kill('SIGTERM');
  }
}

/** Sends a child process a message; resolves with its first answer of `answerType`. */
export function ask(child, message, answerType) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m.type !== answerType) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/**
 * Board WebSocket clients in child processes (scripts/feed-clients.mjs). Each client reconnects as
 * the page does when dropped; check() asks each what it missed of the reports it should have seen.
 */
export class Feed {
  constructor({ processes, boardPort, plan }) {
    this.children = Array.from({ length: processes }, (_, i) => {
      const child = fork(join(root, 'scripts', 'feed-clients.mjs'), [], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.send({ type: 'setup', boardPort, clients: plan.filter((_, j) => j % processes === i) });
      return child;
    });
  }

  #ask(message, answerType) {
    return Promise.all(this.children.map((child) => ask(child, message, answerType)));
  }

  /** CPU seconds of the client processes. */
  cpu() {
    return this.children.reduce((n, c) => n + cpuSeconds(c.pid), 0);
  }

  /** Resolves when every client is connected and has its snapshot. */
  async connected(timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answers = await this.#ask({ type: 'status' }, 'status');
      const open = answers.reduce((n, a) => n + a.open, 0);
      const total = answers.reduce((n, a) => n + a.total, 0);
      if (open === total) return;
      if (Date.now() > deadline) throw new Error(`only ${open} of ${total} feed clients connected after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async status() {
    const answers = await this.#ask({ type: 'status' }, 'status');
    return answers.reduce(
      (sum, a) => ({ open: sum.open + a.open, total: sum.total + a.total, frames: sum.frames + a.frames, bytes: sum.bytes + a.bytes, drops: sum.drops + a.drops, nationalMin: Math.min(sum.nationalMin, a.nationalMin) }),
      { open: 0, total: 0, frames: 0, bytes: 0, drops: 0, nationalMin: Infinity },
    );
  }

  /**
   * What the clients missed of `expected` ([incidentId, provinceCode, acceptedAt] of routed
   * reports): { missing (client-report pairs), clientsMissing, examples, latencies (ms, national
   * clients, 202 to the routed incident on the feed), lastSeenAt (national) }.
   */
  async check(expected) {
    const answers = await this.#ask({ type: 'check', expected }, 'checked');
    const latencies = [];
    let missing = 0;
    let clientsMissing = 0;
    let lastSeenAt = 0;
    let nationalMissing = 0;
    const examples = [];
    const missingIds = new Set();
    for (const a of answers) {
      missing += a.missing;
      clientsMissing += a.clientsMissing;
      nationalMissing += a.nationalMissing;
      examples.push(...a.examples);
      for (const id of a.missingIds) missingIds.add(id);
      lastSeenAt = Math.max(lastSeenAt, a.lastSeenAt);
      for (const l of a.latencies) latencies.push(l);
    }
    return { missing, clientsMissing, nationalMissing, missingIds, examples: examples.slice(0, 5), latencies, lastSeenAt };
  }

  /** When every national client had seen each incident routed (the latest of their first sightings). */
  async nationalSeen() {
    const answers = await this.#ask({ type: 'seen' }, 'seen');
    const seen = new Map();
    for (const a of answers) for (const [id, t] of a.seen) if (!(seen.get(id) >= t)) seen.set(id, t);
    return seen;
  }

  /** How many of `ids` some national client has not seen routed yet. */
  async unseenNational(ids) {
    const answers = await this.#ask({ type: 'unseen', ids }, 'unseen');
    return answers.reduce((n, a) => n + a.unseen, 0);
  }

  setTokens(byUser) {
    for (const child of this.children) child.send({ type: 'tokens', byUser });
  }

  close() {
    for (const child of this.children) child.kill('SIGTERM');
  }
}

// ── reading back what the system did ──

/**
 * Reads `topic` from the beginning to the end it has now (read committed), handing every record to
 * `onRecord(value: string, partition)`.
 */
export async function readTopicToEnd(kafka, topic, onRecord, groupId = `harness-read-${randomBytes(4).toString('hex')}`) {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const remaining = new Map(ends.filter((p) => Number(p.high) > 0).map((p) => [p.partition, BigInt(p.high)]));
  if (remaining.size === 0) {
    await admin.disconnect();
    return;
  }
  const consumer = kafka.consumer({ groupId, maxBytes: 50 * 1024 * 1024, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    // a batch's last offset counts transaction markers too, so it reaches the end it was given
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = remaining.get(payload.partition);
      if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) remaining.delete(payload.partition);
      if (remaining.size === 0) resolve();
    });
    consumer
      .run({
        autoCommit: false,
        partitionsConsumedConcurrently: 6,
        eachBatch: async ({ batch }) => {
          const end = remaining.get(batch.partition);
          for (const message of batch.messages) {
            if (end !== undefined && BigInt(message.offset) >= end) break;
            onRecord(message.value?.toString('utf8') ?? '', batch.partition);
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
}

/**
 * How many times dispatch routed an incident: its assignments, or, for one with nobody to assign
 * (a province left with no hub, liaison or national coordinator), the coordinator flag instead.
 */
export function routings(counts, id) {
  return counts['incident.assigned'].get(id) ?? counts['incident.routing_no_fit'].get(id) ?? 0;
}

const incidentIdOf = (value) => /"incidentId":"([0-9A-HJKMNP-TV-Z]{26})"/.exec(value)?.[1];
const typeOf = (value) => /"type":"([a-z_.]+)"/.exec(value)?.[1];

/**
 * Counts, per incident, the events of the given types on the incident-events topic: what is in
 * Kafka (reported), and routed (assigned, or flagged for a coordinator when nobody can be).
 * Cheap: no JSON parse of ~3 KB reports.
 */
export async function countIncidentEvents(system, types = ['incident.reported', 'incident.assigned', 'incident.routing_no_fit']) {
  const counts = Object.fromEntries(types.map((t) => [t, new Map()]));
  await readTopicToEnd(system.kafka, system.topic('incidentEvents'), (value) => {
    const type = typeOf(value);
    const map = counts[type];
    if (!map) return;
    const id = incidentIdOf(value);
    if (id) map.set(id, (map.get(id) ?? 0) + 1);
  });
  return counts;
}

/**
 * Follows the incident-events topic while the system runs: when each incident's first assignment
 * arrived, and how many each had. For timing; the counts the verdict uses are read afresh.
 */
export async function tailAssignments(system) {
  const firstAssigned = new Map();
  const assignedCount = new Map();
  const consumer = system.kafka.consumer({ groupId: `${system.prefix}.harness.tail`, maxBytes: 50 * 1024 * 1024, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: system.topic('incidentEvents'), fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const message of batch.messages) {
        const value = message.value?.toString('utf8') ?? '';
        const type = typeOf(value);
        if (type !== 'incident.assigned' && type !== 'incident.routing_no_fit') continue;
        const id = incidentIdOf(value);
        if (!id) continue;
        assignedCount.set(id, (assignedCount.get(id) ?? 0) + 1);
        if (!firstAssigned.has(id)) firstAssigned.set(id, now);
      }
    },
  });
  return { firstAssigned, assignedCount, stop: () => consumer.disconnect() };
}

// only the ids of views past "reported" come back: the views themselves (~3 KB each) stay in Redis
const routedViewsScript = `
local out = {}
for i, key in ipairs(KEYS) do
  local view = redis.call('GET', key)
  if view and not string.find(view, '"state":"reported"', 1, true) then out[#out + 1] = i end
end
return out`;

/** Which of `ids` the tracker's projection holds, routed (past "reported"). */
export async function projectedRouted(redis, redisPrefix, ids) {
  const found = new Set();
  for (let i = 0; i < ids.length; i += 2000) {
    const chunk = ids.slice(i, i + 2000);
    const hits = await redis.eval(routedViewsScript, chunk.length, ...chunk.map((id) => `${redisPrefix}incident:${id}`));
    for (const h of hits) found.add(chunk[h - 1]);
  }
  return found;
}

/**
 * Runs a harness script's main (resolving its exit code), then `teardown`, also on Ctrl-C or
 * SIGTERM, so that no service, client process, Kafka or Redis outlives the run.
 */
export function runMain(label, main, teardown) {
  let finishing = false;
  const finish = async (code) => {
    if (finishing) return;
    finishing = true;
    try {
      await teardown();
    } catch (error) {
      console.error(`[${label}] teardown: ${error.message}`);
    }
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void finish(130));
  main().then(finish, async (error) => {
    console.error(`[${label}] ${error.stack ?? error}`);
    await finish(1);
  });
}

export function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

export { createRedis, createLogger, waitUntil, root };
