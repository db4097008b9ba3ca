// npm run bench:notify: deliveries per second through SMTP and through signed webhooks, and the
// time from a breach event on Kafka to its email in an SMTP catcher (p50/p99), with a same-run
// baseline: the same number of raw nodemailer sends (no Kafka, no Redis, no notifier).
// The notifier is built in this process (buildApp, as the tests do) against a Kafka and Redis of the
// benchmark's own (infra/up.sh), or those named by BENCH_KAFKA_BROKERS and BENCH_REDIS_URL.
//   BENCH_NOTIFY_EVENTS (2000), BENCH_NOTIFY_BREACHES (200),
//   BENCH_NOTIFY_KAFKA_PORT (29992, controller +1), BENCH_NOTIFY_REDIS_PORT (29979)
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { infraDown, infraUp, root } from './lib.mjs';

const require = createRequire(import.meta.url);
const shared = require(join(root, 'shared/dist/index.js'));
const notifier = require(join(root, 'services/notifier/dist/index.js'));
const nodemailer = require('nodemailer');
const { SMTPServer } = require('smtp-server');
const { ulid } = require('ulid');

const env = process.env;
const EVENTS = Number(env.BENCH_NOTIFY_EVENTS ?? 2000);
const BREACHES = Number(env.BENCH_NOTIFY_BREACHES ?? 200);
const host = '127.0.0.1';
const ownInfra = !env.BENCH_KAFKA_BROKERS;
const kafkaPort = env.BENCH_NOTIFY_KAFKA_PORT ?? '29992';
const redisPort = env.BENCH_NOTIFY_REDIS_PORT ?? '29979';
const infraEnv = { KAFKA_INSTANCE: 'kafka-bench-notify', KAFKA_PORT: kafkaPort, KAFKA_CONTROLLER_PORT: String(Number(kafkaPort) + 1), REDIS_INSTANCE: 'redis-bench-notify', REDIS_PORT: redisPort };
const brokers = env.BENCH_KAFKA_BROKERS ?? `${host}:${kafkaPort}`;
const redisUrl = env.BENCH_REDIS_URL ?? `redis://${host}:${redisPort}`;
const prefix = `bench-notify-${randomBytes(3).toString('hex')}`;
const logger = shared.createLogger('bench', 'silent');

const received = []; // [to, at ms, Message-ID]
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  onData(stream, session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), at: Date.now() });
      callback();
    });
  },
});
let hooks = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    hooks += 1;
    res.writeHead(204).end();
  });
});
const listen = (server) => new Promise((resolve) => server.listen(0, host, () => resolve((server.server ?? server).address().port)));
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
async function until(check, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const actor = { kind: 'service', id: 'bench', authenticatedBy: 'service' };
const ctx = { producedBy: 'bench', actor };
const liaison = { kind: 'liaison', id: 'lia-08-sec-leader', name: 'Trần Văn B', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'leader' };
const enterprise = { kind: 'enterprise', id: 'ent-vt-lachong', name: 'Lạc Hồng Telecom', organisationId: 'ent-vt-lachong', organisationName: 'Lạc Hồng Telecom', role: 'responder' };
const reported = (incidentId) =>
  shared.makeEnvelope(
    'incident.reported',
    { incidentId, province: { code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Tuyên Quang' }, reportingOrganisation: { name: 'Sở Y tế' }, title: 'Mã độc', description: 'Máy chủ nhiễm mã độc', detectedAt: new Date().toISOString(), reportedAt: new Date().toISOString(), tlp: 'GREEN' },
    ctx,
  );

async function main() {
  if (ownInfra) {
    infraDown(infraEnv);
    infraUp({ ...infraEnv, TOPIC_PREFIX: prefix, KAFKA_BROKERS: brokers });
  } else {
    const admin = shared.createKafka({ clientId: 'bench-admin', brokers: brokers.split(',') }, logger).admin();
    await admin.connect();
    await shared.ensureTopics(admin, prefix);
    await admin.disconnect();
  }
  const smtpPort = await listen(smtp);
  const hookPort = await listen(receiver);
  console.log(`[bench:notify] Kafka ${brokers}, Redis ${redisUrl}, topics ${prefix}.*; ${EVENTS} assignment events (one email and one webhook each), ${BREACHES} breaches`);

  // baseline: raw nodemailer sends one after another on a pooled transport, as the notifier's
  const transport = nodemailer.createTransport(`smtp://${host}:${smtpPort}/?pool=true`);
  let started = Date.now();
  for (let i = 0; i < EVENTS; i++) await transport.sendMail({ from: 'a@ucsc.local', to: 'baseline@ucsc.local', subject: 'Thử', text: 'xin chào' });
  const baselinePerSecond = EVENTS / ((Date.now() - started) / 1000);
  transport.close();
  received.length = 0;

  const config = shared.loadConfig(notifier.notifierConfigSchema, {
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    TOPIC_PREFIX: prefix,
    REDIS_PREFIX: `${prefix}:`,
    SERVICE_INSTANCE: 'bench',
    LOG_LEVEL: 'silent',
    PORT: '0',
    IDENTITY_URL: 'http://127.0.0.1:9',
    IDENTITY_PUBLIC_JWKS: '{"keys":[]}',
    IDENTITY_SERVICE_KEY: 'x'.repeat(32),
    SMTP_URL: `smtp://${host}:${smtpPort}`,
    WEBHOOK_ENDPOINTS: JSON.stringify([{ id: 'hook', organisationId: 'ent-vt-lachong', url: `http://${host}:${hookPort}/`, secrets: ['whsec_' + Buffer.from('bench-secret-0123456789abcdef').toString('base64')] }]),
    WEBHOOK_ALLOW_PRIVATE: 'true',
    GROUP_AFTER: String(EVENTS * 10), // the figure is of deliveries, not of grouping
  });
  const app = await notifier.buildApp(config, { logger });
  const publisher = new shared.Publisher(shared.createKafka({ clientId: 'bench', brokers: brokers.split(',') }, logger), prefix, logger);

  const events = [];
  for (let i = 0; i < EVENTS; i++) {
    const incidentId = ulid();
    events.push(reported(incidentId), shared.makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [enterprise], reasons: ['bench'] }, ctx));
  }
  started = Date.now();
  for (let i = 0; i < events.length; i += 500) await publisher.publish('incidentEvents', events.slice(i, i + 500));
  await until(() => received.length >= EVENTS && hooks >= EVENTS);
  const seconds = (Date.now() - started) / 1000;

  // breach to email: one breach at a time, from its publish to its arrival in the catcher
  const latencies = [];
  for (let i = 0; i < BREACHES; i++) {
    const incidentId = ulid();
    await publisher.publish('incidentEvents', [reported(incidentId)]);
    const before = received.length;
    const at = Date.now();
    await publisher.publish('incidentEvents', [
      shared.makeEnvelope('incident.deadline_breached', { incidentId, deadlineKey: 'ack', kind: 'acknowledge', basis: 'legal', dueAt: new Date().toISOString(), firedAt: new Date().toISOString(), late: false, assigneeId: liaison.id }, ctx),
    ]);
    await until(() => received.slice(before).some((r) => r.to.includes('dungtn@attt.example.gov.vn')));
    latencies.push(received.slice(before).find((r) => r.to.includes('dungtn@attt.example.gov.vn')).at - at);
  }
  latencies.sort((a, b) => a - b);
  console.log(`
  email through SMTP:      ${(EVENTS / seconds).toFixed(0)} deliveries/s (baseline, raw nodemailer sends: ${baselinePerSecond.toFixed(0)}/s)
  webhooks (signed):       ${(EVENTS / seconds).toFixed(0)} deliveries/s (both channels of ${EVENTS} events in ${seconds.toFixed(1)} s)
  breach to email:         p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (${BREACHES} breaches, one at a time)`);
  await publisher.close();
  await app.close();
  smtp.close();
  receiver.close();
  if (ownInfra) infraDown(infraEnv);
}

main().catch((error) => {
  console.error(error);
  if (ownInfra) infraDown(infraEnv);
  process.exit(1);
});
