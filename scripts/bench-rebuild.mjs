// npm run bench:rebuild — `npm run rebuild` from BENCH_EVENTS (1,000,000) events on a Kafka and
// Redis of its own (instances kafka-bench-rebuild, redis-bench-rebuild on BENCH_REBUILD_KAFKA_PORT
// 29881 (+1 controller) and BENCH_REBUILD_REDIS_PORT 29883, started empty and stopped by the script).
// Each incident has BENCH_EVENTS_PER_INCIDENT (20) events: reported (the whole Biểu mẫu 03),
// assigned, acknowledged, then comments. Prints, in the same run: a bare consume of the same events
// (read and parse, nothing written) as the baseline, then the incident projection's rebuild and
// dispatch's loads' rebuild, each in events/s, and the total time. Target: under 60 s.
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { benchReportForm, infraDown, infraUp, root } from './lib.mjs';
import { checkPorts } from './system.mjs';

const require = createRequire(import.meta.url);
const env = process.env;
const shared = require(join(root, 'shared/dist/index.js'));
const tracker = require(join(root, 'services/tracker/dist/index.js'));
const dispatch = require(join(root, 'services/dispatch/dist/index.js'));
const { Kafka, logLevel } = require('kafkajs');

const total = Number(env.BENCH_EVENTS ?? 1_000_000);
const perIncident = Math.max(3, Number(env.BENCH_EVENTS_PER_INCIDENT ?? 20));
const kafkaPort = env.BENCH_REBUILD_KAFKA_PORT ?? '29881';
const redisPort = env.BENCH_REBUILD_REDIS_PORT ?? '29883';
checkPorts(kafkaPort, String(Number(kafkaPort) + 1), redisPort);
const infraEnv = {
  KAFKA_INSTANCE: 'kafka-bench-rebuild',
  KAFKA_PORT: kafkaPort,
  KAFKA_CONTROLLER_PORT: String(Number(kafkaPort) + 1),
  KAFKA_HEAP: env.BENCH_KAFKA_HEAP ?? '768m',
  REDIS_INSTANCE: 'redis-bench-rebuild',
  REDIS_PORT: redisPort,
};
const brokers = `127.0.0.1:${kafkaPort}`;
const prefix = `bench-rebuild-${randomBytes(3).toString('hex')}`;
const dataRoot = env.UCSC_DATA_DIR ?? join(root, 'infra', '.data');
const freshData = () => {
  for (const instance of [infraEnv.KAFKA_INSTANCE, infraEnv.REDIS_INSTANCE]) rmSync(join(dataRoot, instance), { recursive: true, force: true });
};

const actor = { kind: 'system', id: 'bench', authenticatedBy: 'service' };
const ctx = { producedBy: 'bench', actor };
const report = benchReportForm;
const assignees = [
  { kind: 'province_hub', id: 'org-hub-01', name: 'Sở KH&CN Hà Nội', organisationId: 'org-hub-01', organisationName: 'Sở KH&CN Hà Nội', role: 'hub' },
  { kind: 'liaison', id: 'lia-01-leader', name: 'Đầu mối lãnh đạo', organisationId: 'org-dept-security', organisationName: 'Cục An toàn thông tin', role: 'leader' },
];

/** The events of incident number i, in its order. */
function incidentEvents(i) {
  const incidentId = shared.newId();
  const out = [
    shared.makeEnvelope('incident.reported', {
      incidentId, province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' }, reportingOrganisation: { name: 'Sở Y tế' },
      title: `Mã độc trên cổng thông tin ${i}`, description: 'Lưu lượng bất thường tới nhiều địa chỉ IP ở nước ngoài.', detectedAt: '2026-11-20T02:10:00.000Z', reportedAt: '2026-11-20T03:00:00.000Z', tlp: 'AMBER', category: 'malware', report,
    }, ctx),
    shared.makeEnvelope('incident.assigned', { incidentId, provinceCode: '01', assignees, reasons: ['Tỉnh Hà Nội: đầu mối là Sở KH&CN'] }, ctx),
    shared.makeEnvelope('incident.acknowledged', { incidentId, assigneeId: 'lia-01-leader' }, ctx),
  ];
  for (let c = out.length; c < perIncident; c += 1) out.push(shared.makeEnvelope('incident.commented', { incidentId, text: `Cập nhật số ${c}: đang rà soát nhật ký máy chủ` }, ctx));
  return out.map((e) => ({ key: incidentId, value: JSON.stringify(e) }));
}

async function produce(kafka, topic) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let sent = 0;
  for (let i = 0; sent < total; i += 1) {
    const messages = [];
    while (messages.length < 2_000 && sent + messages.length < total) messages.push(...incidentEvents(i++).slice(0, total - sent - messages.length));
    await producer.send({ topic, acks: -1, compression: 0, messages });
    sent += messages.length;
  }
  await producer.disconnect();
  return sent;
}

const logger = shared.createLogger('bench-rebuild', 'warn');
const seconds = (ms) => (ms / 1000).toFixed(1);

async function main() {
  console.log(`[bench] rebuild from ${total.toLocaleString('en')} events (${perIncident} per incident); Kafka ${brokers}, Redis 127.0.0.1:${redisPort}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  infraDown(infraEnv);
  freshData();
  infraUp({ ...infraEnv, TOPIC_PREFIX: prefix, KAFKA_BROKERS: brokers });
  const kafka = shared.createKafka({ clientId: 'bench-rebuild', brokers: [brokers] }, logger);
  const redis = shared.createRedis(`redis://127.0.0.1:${redisPort}`, logger);
  try {
    const topic = shared.topicName(prefix, 'incidentEvents');
    let started = Date.now();
    const produced = await produce(new Kafka({ clientId: 'bench-produce', brokers: [brokers], logLevel: logLevel.ERROR }), topic);
    console.log(`[bench] produced ${produced.toLocaleString('en')} events in ${seconds(Date.now() - started)} s (not counted)`);

    // baseline: the same events read and parsed, nothing written
    started = Date.now();
    let consumed = 0;
    await shared.replayTopic({ kafka, topic, groupPrefix: `${prefix}.bare`, apply: async (messages) => {
      for (const m of messages) if (shared.parseMessage('incidentEvents', m.value).ok) consumed += 1;
    } });
    const bareMs = Date.now() - started;

    // dispatch's routing policy as configured by default (each setting's own default)
    const policy = dispatch.routingPolicyOf(Object.fromEntries(Object.entries(dispatch.routingPolicyShape).map(([name, setting]) => [name, setting.parse(undefined)])));
    const rebuildStarted = Date.now();
    const projected = await tracker.rebuildProjection({ kafka, redis, prefix, redisPrefix: `${prefix}:`, logger });
    const projectionMs = Date.now() - rebuildStarted;
    started = Date.now();
    const loads = await dispatch.rebuildRouting({ kafka, redis, prefix, redisPrefix: `${prefix}:`, policy, logger });
    const loadsMs = Date.now() - started;
    const totalMs = Date.now() - rebuildStarted;

    const rate = (n, ms) => `${Math.round(n / (ms / 1000)).toLocaleString('en')} events/s`;
    console.log(`[bench] baseline, bare consume:   ${consumed.toLocaleString('en')} events in ${seconds(bareMs)} s, ${rate(consumed, bareMs)}`);
    console.log(`[bench] incident projection:      ${projected.events.toLocaleString('en')} events, ${projected.incidents.toLocaleString('en')} incidents in ${seconds(projectionMs)} s, ${rate(projected.events, projectionMs)} (×${(bareMs / projectionMs).toFixed(2)} of the baseline's rate)`);
    console.log(`[bench] dispatch's routing:       ${loads.events.toLocaleString('en')} events in ${seconds(loadsMs)} s, ${rate(loads.events, loadsMs)}`);
    console.log(`[bench] npm run rebuild in total: ${seconds(totalMs)} s (target < 60 s): ${totalMs < 60_000 ? 'met' : 'NOT met'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    // every event must have been taken (an event the contract refused would make the figure meaningless)
    if (consumed !== total || projected.events !== total || loads.events !== total) throw new Error(`events taken: bare ${consumed}, projection ${projected.events}, loads ${loads.events}, of ${total}`);
    if (totalMs >= 60_000) process.exitCode = 1;
  } finally {
    redis.disconnect();
    if (!env.BENCH_KEEP_INFRA) {
      infraDown(infraEnv);
      freshData();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
