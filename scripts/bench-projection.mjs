// npm run bench:projection — the tracker's projection alone, against Redis: BENCH_INCIDENTS (20000)
// incidents, each reported (the whole Biểu mẫu 03), assigned (hub, four liaisons, reasons) and
// acknowledged, in Kafka-sized batches (BENCH_BATCH, 400 events) as the projector gets them during
// a burst (a report's routing a few batches after it). Prints events/s, events per CPU-second of
// this process, Redis commands sent per batch and Redis's own CPU, for this build's Projection and,
// when BENCH_BASELINE_ROOT names another build (e.g. main checked out and built elsewhere), for
// that build's projectEvents, alternately in the same run on the same Redis (BENCH_REDIS_PORT, 29869;
// started and stopped by the script as instance redis-bench-projection).
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { benchDescription, benchReportForm, root, run as runCommand } from './lib.mjs';

const require = createRequire(import.meta.url);
const env = process.env;
const shared = require(join(root, 'shared/dist/index.js'));
const tracker = require(join(root, 'services/tracker/dist/index.js'));
const incidents = Number(env.BENCH_INCIDENTS ?? 20_000);
const batchSize = Number(env.BENCH_BATCH ?? 400);
const redisPort = env.BENCH_REDIS_PORT ?? '29869';
if (['6379', '26379', '16379'].includes(redisPort)) throw new Error(`port ${redisPort} belongs to another instance`);
const infraEnv = { REDIS_INSTANCE: 'redis-bench-projection', REDIS_PORT: redisPort };
const dataDir = join(env.UCSC_DATA_DIR ?? join(root, 'infra', '.data'), infraEnv.REDIS_INSTANCE);
const redisDown = () => {
  spawnSync('bash', ['infra/redis.sh', 'stop'], { cwd: root, stdio: 'inherit', env: { ...env, ...infraEnv } });
  rmSync(dataDir, { recursive: true, force: true });
};

const actor = { kind: 'system', id: 'bench', authenticatedBy: 'service' };
const ctx = { producedBy: 'bench', actor, payloadAlreadyValidated: true };
const report = benchReportForm;
const description = benchDescription;
const assignees = [
  { kind: 'province_hub', id: 'org-hub-01', name: 'Sở KH&CN Hà Nội', organisationId: 'org-hub-01', organisationName: 'Sở KH&CN Hà Nội', role: 'hub' },
  ...['leader', 'officer', 'deputy', 'member'].map((role) => ({ kind: 'liaison', id: `lia-01-${role}`, name: `Đầu mối ${role}`, organisationId: 'org-dept-security', organisationName: 'Cục An toàn thông tin', role: role === 'leader' ? 'leader' : 'officer' })),
];
const reasons = ['Tỉnh Hà Nội: đầu mối là Sở KH&CN', 'Bốn đầu mối của Bộ cho tỉnh', 'Mức độ: không nghiêm trọng (thiếu dữ kiện)'];

/** The events of the run, in the order a partition brings them: reports, and each one's routing four batches later. */
function events(tag) {
  const out = [];
  const ids = Array.from({ length: incidents }, (_, i) => `01KB${tag}${String(i).padStart(21, '0')}`);
  const lag = 4 * batchSize;
  for (let i = 0; i < incidents + lag; i += 1) {
    if (i < incidents) {
      const incidentId = ids[i];
      out.push(shared.makeEnvelope('incident.reported', {
        incidentId, province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' }, reportingOrganisation: { name: 'Sở Y tế' },
        title: 'Mã độc trên cổng thông tin', description, detectedAt: '2026-11-20T02:10:00.000Z', reportedAt: '2026-11-20T03:00:00.000Z', tlp: 'AMBER', category: 'malware', report,
      }, ctx));
    }
    const routed = i - lag;
    if (routed >= 0 && routed < incidents) {
      const incidentId = ids[routed];
      out.push(shared.makeEnvelope('incident.assigned', { incidentId, provinceCode: '01', assignees, reasons }, ctx));
      out.push(shared.makeEnvelope('incident.acknowledged', { incidentId, assigneeId: 'lia-01-leader' }, ctx));
    }
  }
  return out.map((event, offset) => ({ event, offset }));
}

function redisCpu(info) {
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)[1]);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)[1]);
  return user + sys;
}

async function run(label, makeProject, tag) {
  const redis = shared.createRedis(`redis://127.0.0.1:${redisPort}`, shared.createLogger('bench', 'warn'));
  const prefix = `bench-${tag}:`;
  const project = makeProject(redis, prefix);
  // what the client sends (round trips' commands), not what Redis runs inside a script
  let sent = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command) => {
    sent += 1;
    return send(command);
  };
  const positioned = events(tag);
  const redisBefore = redisCpu(await redis.info('cpu'));
  const sentBefore = sent;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  let batches = 0;
  for (let i = 0; i < positioned.length; i += batchSize) {
    await project(positioned.slice(i, i + batchSize));
    batches += 1;
  }
  const seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const redisSeconds = redisCpu(await redis.info('cpu')) - redisBefore;
  const commands = sent - sentBefore - 1; // the INFO after
  const sample = await shared.readIncident(redis, prefix, positioned[0].event.payload.incidentId);
  redis.disconnect();
  const n = positioned.length;
  console.log(
    `[${label}] ${n} events in ${batches} batches: ${(n / seconds).toFixed(0)} events/s, ${(n / cpuSeconds).toFixed(0)} per CPU-second of the projector, ` +
      `${(commands / batches).toFixed(2)} Redis commands sent per batch, Redis ${redisSeconds.toFixed(2)} CPU-s; view ${JSON.stringify(sample).length} bytes, state ${sample.state}; load average ${loadavg()[0].toFixed(1)}`,
  );
  return { perCpuSecond: n / cpuSeconds, perSecond: n / seconds, redisSeconds };
}

redisDown();
runCommand('bash', ['infra/redis.sh', 'start'], infraEnv);
try {
  const current = (redis, prefix) => {
    const projection = new tracker.Projection(redis, prefix);
    return (batch) => projection.project(batch);
  };
  const baselineTracker = env.BENCH_BASELINE_ROOT ? require(join(env.BENCH_BASELINE_ROOT, 'services/tracker/dist/index.js')) : undefined;
  const baseline = baselineTracker ? (redis, prefix) => (batch) => baselineTracker.projectEvents(redis, prefix, batch) : undefined;
  const results = { current: [], baseline: [] };
  // alternately, twice each, so that both see the same machine
  for (const round of [1, 2]) {
    if (baseline) results.baseline.push(await run(`baseline ${env.BENCH_BASELINE_ROOT}, round ${round}`, baseline, `B${round}`));
    results.current.push(await run(`this build, round ${round}`, current, `C${round}`));
  }
  if (baseline) {
    const mean = (rs, k) => rs.reduce((a, r) => a + r[k], 0) / rs.length;
    console.log(
      `[projection] this build ${mean(results.current, 'perCpuSecond').toFixed(0)} events per CPU-second, baseline ${mean(results.baseline, 'perCpuSecond').toFixed(0)}: ` +
        `×${(mean(results.current, 'perCpuSecond') / mean(results.baseline, 'perCpuSecond')).toFixed(2)}; Redis CPU ×${(mean(results.current, 'redisSeconds') / mean(results.baseline, 'redisSeconds')).toFixed(2)}; ` +
        `wall-clock ×${(mean(results.current, 'perSecond') / mean(results.baseline, 'perSecond')).toFixed(2)}`,
    );
  }
} finally {
  redisDown();
}
