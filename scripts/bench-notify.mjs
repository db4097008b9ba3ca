// npm run bench:notify: deliveries per second through SMTP and through signed webhooks, and the
// time from a breach event on Kafka to its email in an SMTP catcher (p50/p99), each beside a
// baseline of the same run without the notifier: raw pooled nodemailer sends, raw signed
// Standard Webhooks POSTs (the same library), and one raw send's time to the catcher.
// The notifier is built in this process (buildApp, as the tests do) against a Kafka and Redis of the
// benchmark's own (infra/up.sh), or those named by BENCH_KAFKA_BROKERS and BENCH_REDIS_URL; the
// directory is seeded on its topic, which the notifier follows.
//   BENCH_NOTIFY_EVENTS (2000 per channel), BENCH_NOTIFY_BREACHES (200),
//   BENCH_NOTIFY_KAFKA_PORT (29992, controller +1), BENCH_NOTIFY_REDIS_PORT (29979),
//   BENCH_NOTIFY_PORT (0: any; else the SMTP catcher on it and the webhook receiver on the next)
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { identityKeys, infraDown, infraUp, root } from './lib.mjs';

const require = createRequire(import.meta.url);
const shared = require(join(root, 'shared/dist/index.js'));
const notifier = require(join(root, 'services/notifier/dist/index.js'));
const dispatch = require(join(root, 'services/dispatch/dist/index.js'));
const nodemailer = require('nodemailer');
const { SMTPServer } = require('smtp-server');
const { Webhook } = require('standardwebhooks');
const { ulid } = require('ulid');

const env = process.env;
const EVENTS = Number(env.BENCH_NOTIFY_EVENTS ?? 2000);
const BREACHES = Number(env.BENCH_NOTIFY_BREACHES ?? 200);
const host = '127.0.0.1';
const ownInfra = !env.BENCH_KAFKA_BROKERS;
const kafkaPort = env.BENCH_NOTIFY_KAFKA_PORT ?? '29992';
const redisPort = env.BENCH_NOTIFY_REDIS_PORT ?? '29979';
const basePort = Number(env.BENCH_NOTIFY_PORT ?? 0);
const infraEnv = { KAFKA_INSTANCE: 'kafka-bench-notify', KAFKA_PORT: kafkaPort, KAFKA_CONTROLLER_PORT: String(Number(kafkaPort) + 1), REDIS_INSTANCE: 'redis-bench-notify', REDIS_PORT: redisPort };
const brokers = env.BENCH_KAFKA_BROKERS ?? `${host}:${kafkaPort}`;
const redisUrl = env.BENCH_REDIS_URL ?? `redis://${host}:${redisPort}`;
const prefix = `bench-notify-${randomBytes(3).toString('hex')}`;
const logger = shared.createLogger('bench', 'silent');
const secret = 'whsec_' + Buffer.from('bench-secret-0123456789abcdef').toString('base64');
const liaisonEmail = 'dungtn@attt.example.gov.vn';

const received = []; // { to, at }
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
const listen = (server, port) => new Promise((resolve) => server.listen(port, host, () => resolve((server.server ?? server).address().port)));
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
async function until(check, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
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
  const kafka = shared.createKafka({ clientId: 'bench', brokers: brokers.split(',') }, logger);
  await dispatch.seedDirectory({ kafka, prefix, data: shared.loadDirectoryFiles(), logger });
  const smtpPort = await listen(smtp, basePort);
  const hookPort = await listen(receiver, basePort ? basePort + 1 : 0);
  console.log(`[bench:notify] Kafka ${brokers}${ownInfra ? ' (its own)' : ''}, Redis ${redisUrl}, topics ${prefix}.*; ${EVENTS} assignments by email, ${EVENTS} by webhook, ${BREACHES} breaches`);

  // baselines: the same work without the notifier, one after another
  const transport = nodemailer.createTransport(`smtp://${host}:${smtpPort}/?pool=true`);
  let started = Date.now();
  for (let i = 0; i < EVENTS; i++) await transport.sendMail({ from: 'a@ucsc.local', to: 'baseline@ucsc.local', subject: 'Thử', text: 'xin chào' });
  const rawEmailPerSecond = EVENTS / ((Date.now() - started) / 1000);
  const rawLatencies = [];
  for (let i = 0; i < BREACHES; i++) {
    const before = received.length;
    const at = Date.now();
    await transport.sendMail({ from: 'a@ucsc.local', to: 'baseline@ucsc.local', subject: 'Thử', text: 'xin chào' });
    await until(() => received.length > before);
    rawLatencies.push(received[before].at - at);
  }
  transport.close();
  const signer = new Webhook(secret);
  started = Date.now();
  for (let i = 0; i < EVENTS; i++) {
    const id = `baseline-${i}`;
    const now = new Date();
    const body = JSON.stringify({ type: 'incident.assigned', timestamp: now.toISOString(), data: { incidentId: id } });
    const response = await fetch(`http://${host}:${hookPort}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signer.sign(id, now, body) }, body });
    await response.arrayBuffer();
  }
  const rawHooksPerSecond = EVENTS / ((Date.now() - started) / 1000);
  received.length = 0;
  hooks = 0;

  const config = shared.loadConfig(notifier.notifierConfigSchema, {
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    TOPIC_PREFIX: prefix,
    REDIS_PREFIX: `${prefix}:`,
    SERVICE_INSTANCE: 'bench',
    LOG_LEVEL: 'silent',
    PORT: '0',
    IDENTITY_URL: 'http://127.0.0.1:9', // no request is authenticated: the routes are not called
    ...identityKeys().verifier,
    SMTP_URL: `smtp://${host}:${smtpPort}`,
    WEBHOOK_ENDPOINTS: JSON.stringify([{ id: 'hook', organisationId: 'ent-vt-lachong', url: `http://${host}:${hookPort}/`, secrets: [secret] }]),
    WEBHOOK_ALLOW_PRIVATE: 'true',
    GROUP_AFTER: String(EVENTS * 10), // the figure is of deliveries, not of grouping
  });
  // one channel each, so that each figure is of its channel alone
  const preferencesRedis = shared.createRedis(redisUrl, logger);
  const preferences = new notifier.HeldEmail(preferencesRedis, `${prefix}:`);
  await preferences.setPreferences(liaison.id, { channels: ['email'] });
  await preferences.setPreferences(enterprise.id, { channels: ['webhook'] });
  const app = await notifier.buildApp(config, { logger });
  const publisher = new shared.Publisher(kafka, prefix, logger);
  const publishAll = async (events) => {
    for (let i = 0; i < events.length; i += 500) await publisher.publish('incidentEvents', events.slice(i, i + 500));
  };
  const assignments = (assignee) =>
    Array.from({ length: EVENTS }, () => ulid()).flatMap((incidentId) => [reported(incidentId), shared.makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [assignee], reasons: ['bench'] }, ctx)]);

  const emailEvents = assignments(liaison);
  started = Date.now();
  await publishAll(emailEvents);
  await until(() => received.length >= EVENTS);
  const emailSeconds = (Date.now() - started) / 1000;

  const hookEvents = assignments(enterprise);
  started = Date.now();
  await publishAll(hookEvents);
  await until(() => hooks >= EVENTS);
  const hookSeconds = (Date.now() - started) / 1000;

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
    await until(() => received.slice(before).some((r) => r.to.includes(liaisonEmail)));
    latencies.push(received.slice(before).find((r) => r.to.includes(liaisonEmail)).at - at);
  }
  latencies.sort((a, b) => a - b);
  rawLatencies.sort((a, b) => a - b);
  console.log(`
  email through SMTP:  ${(EVENTS / emailSeconds).toFixed(0)} deliveries/s (${EVENTS} in ${emailSeconds.toFixed(1)} s, from publish to the catcher)   baseline, raw pooled nodemailer sends: ${rawEmailPerSecond.toFixed(0)}/s
  webhooks (signed):   ${(EVENTS / hookSeconds).toFixed(0)} deliveries/s (${EVENTS} in ${hookSeconds.toFixed(1)} s)   baseline, raw signed POSTs: ${rawHooksPerSecond.toFixed(0)}/s
  breach to email:     p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (${BREACHES} breaches, one at a time)   baseline, one raw send to the catcher: p50 ${percentile(rawLatencies, 50)} ms, p99 ${percentile(rawLatencies, 99)} ms`);
  await publisher.close();
  await app.close();
  preferencesRedis.disconnect();
  smtp.close();
  receiver.close();
  if (ownInfra) infraDown(infraEnv);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  if (ownInfra) infraDown(infraEnv);
  process.exit(1);
});
