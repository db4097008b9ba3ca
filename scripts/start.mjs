// npm start: the whole system on this machine, with demo data; a service that dies is restarted
// (scripts/supervise.cjs); Ctrl-C stops everything.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { identityKeys, infraDown, infraUp, root, run, waitUntil } from './lib.mjs';
import { supervise } from './supervise.cjs';

const host = '127.0.0.1';
const infraEnv = {
  KAFKA_PORT: process.env.KAFKA_PORT ?? '19092',
  REDIS_PORT: process.env.REDIS_PORT ?? '16379',
};
const shared = {
  KAFKA_BROKERS: `${host}:${infraEnv.KAFKA_PORT}`,
  REDIS_URL: `redis://${host}:${infraEnv.REDIS_PORT}`,
  TOPIC_PREFIX: 'ucsc',
  REDIS_PREFIX: 'ucsc:',
  SERVICE_INSTANCE: 'local',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  HOST: host,
  // intake keeps attachment content beside Kafka's and Redis's data, so one folder holds the state
  ATTACHMENT_DIR: join(root, 'infra', '.data', 'attachments'),
  // as in the image (Dockerfile): a larger young generation for request garbage
  NODE_OPTIONS: '--max-semi-space-size=32',
};
// UCSC_PORT_BASE moves the five services (board on it, intake, dispatch, tracker and notifier on the next four)
const portBase = Number(process.env.UCSC_PORT_BASE ?? 3100);
const services = ['board', 'intake', 'dispatch', 'tracker', 'notifier'].map((name, i) => ({ name, port: portBase + i }));
// the mail catcher (maildev): the notifier sends through its SMTP port, a newcomer reads the mail on its page
const mail = { smtp: Number(process.env.MAIL_SMTP_PORT ?? 1025), web: Number(process.env.MAIL_WEB_PORT ?? 1080) };
const url = (name) => `http://${host}:${services.find((s) => s.name === name).port}`;
// the board owns identity and signs access tokens; intake and dispatch check them with its public key
const identity = identityKeys(join(root, 'infra', '.data', 'identity-key.json'));
const identityEnv = (name) => (name === 'board' ? identity.owner : { ...identity.verifier, IDENTITY_URL: url('board') });

const logDir = join(root, '.run', 'logs');
mkdirSync(logDir, { recursive: true });
const supervisors = [];
let stopping = false;

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping services…');
  await Promise.all(supervisors.map((supervisor) => supervisor.stop()));
  console.log('stopping Kafka and Redis…');
  infraDown(infraEnv);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  infraUp({ ...infraEnv, KAFKA_BROKERS: shared.KAFKA_BROKERS, TOPIC_PREFIX: shared.TOPIC_PREFIX });
  // the directory lives on its Kafka topic; the demo files seed it the first time only
  run('node', [join('services', 'dispatch', 'dist', 'bin', 'seed-directory.js')], {
    KAFKA_BROKERS: shared.KAFKA_BROKERS,
    TOPIC_PREFIX: shared.TOPIC_PREFIX,
    LOG_LEVEL: 'error',
  });
  {
    const logPath = join(logDir, 'mail.log');
    const log = createWriteStream(logPath, { flags: 'a' });
    supervisors.push(
      supervise({
        name: 'mail',
        command: 'node',
        args: [join('node_modules', 'maildev', 'bin', 'maildev'), '--ip', host, '--web-ip', host, '--smtp', String(mail.smtp), '--web', String(mail.web)],
        spawnOptions: { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
        onStart: (child) => {
          child.stdout.pipe(log, { end: false });
          child.stderr.pipe(log, { end: false });
        },
        logPath,
      }),
    );
  }
  for (const service of services) {
    const logPath = join(logDir, `${service.name}.log`);
    const log = createWriteStream(logPath, { flags: 'a' });
    supervisors.push(
      supervise({
        name: service.name,
        command: 'node',
        args: [join('services', service.name, 'dist', 'server.js')],
        spawnOptions: { cwd: root, env: { ...process.env, ...shared, ...identityEnv(service.name), PORT: String(service.port), INTAKE_PUBLIC_URL: url('intake'), DISPATCH_PUBLIC_URL: url('dispatch'), NOTIFIER_URL: url('notifier'), CORS_ALLOWED_ORIGINS: url('board'), SMTP_URL: `smtp://${host}:${mail.smtp}`, BOARD_URL: url('board') }, stdio: ['ignore', 'pipe', 'pipe'] },
        // every run of the service appends to the one log
        onStart: (child) => {
          child.stdout.pipe(log, { end: false });
          child.stderr.pipe(log, { end: false });
        },
        logPath,
      }),
    );
  }
  for (const service of services) {
    await waitUntil(`${service.name}`, async () => (await fetch(`http://${host}:${service.port}/ready`)).ok);
  }
  const accounts = seedDemoAccounts();
  await seedDemoIncidents();
  console.log(`
ucsc is running.

  Live board (ministry response coordinators):  ${url('board')}/
  Intake API (provincial submitters):            ${url('intake')}/api/v1/reports
  Intake API description (OpenAPI):              ${url('intake')}/api/docs
  dispatch health:                               ${url('dispatch')}/ready
  tracker health:                                ${url('tracker')}/ready
  Mail catcher (the emails the notifier sends):  http://${host}:${mail.web}/
  Kafka: ${shared.KAFKA_BROKERS}    Redis: ${shared.REDIS_URL}    logs: ${logDir}

${accounts}
Sign in to the board as dieuphoi (national coordinator) to see the whole country.
A service that dies is restarted (1 s, then doubling to 30 s while it keeps dying); this console says so.
Press Ctrl-C to stop everything.`);
} catch (error) {
  console.error(`start failed: ${error.message}`);
  await stop(1);
}

/** One demo account per role (idempotent); returns the lines that say how to sign in. */
function seedDemoAccounts() {
  const result = spawnSync('node', ['services/board/dist/bin/seed-accounts.js'], { cwd: root, env: { ...process.env, ...shared, ...identity.owner }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`seeding demo accounts failed: ${result.stderr}`);
  return result.stdout.trimEnd();
}

/** A few demo reports, filed by a demo submitter, so the board is not empty the first time; skipped when it has filed before. */
async function seedDemoIncidents() {
  const login = await fetch(`${url('board')}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'tiepnhan.demo', password: 'ucsc-demo-2026' }),
  });
  if (!login.ok) throw new Error(`demo sign-in failed: ${login.status}`);
  const auth = { authorization: `Bearer ${(await login.json()).token}` };
  const existing = await (await fetch(`${url('board')}/api/v1/incidents`, { headers: auth })).json();
  if (existing.incidents.length > 0) return;
  const hour = 3600_000;
  const demo = [
    // the facts classification reads (category, protection level, impacts…) vary, so the board
    // shows a severe incident, a no-fit flagged for the coordinator, and ordinary ones
    { province: 'Hà Nội', org: 'Văn phòng UBND Thành phố Hà Nội', title: 'Cổng thông tin điện tử bị thay đổi giao diện', tlp: 'AMBER', ago: 2, facts: { category: 'defacement', protectionLevel: 3, ownerCanHandleAlone: true } },
    { province: 'Hà Giang', org: 'Sở Y tế tỉnh Hà Giang (cũ)', title: 'Máy chủ thư điện tử phát tán thư giả mạo', tlp: 'GREEN', ago: 5, facts: { category: 'phishing', protectionLevel: 2, spreading: true } },
    { province: 'TP Hồ Chí Minh', org: 'Ngân hàng TMCP Phương Nam (giả định)', title: 'Tấn công từ chối dịch vụ vào dịch vụ ngân hàng điện tử', tlp: 'AMBER+STRICT', ago: 1, facts: { category: 'dos', protectionLevel: 4, onCriticalList: true, impacts: ['service_interruption'], ownerCanHandleAlone: false } },
    { province: 'Quảng Nam', org: 'Trung tâm CNTT tỉnh Quảng Nam (cũ)', title: 'Mã độc tống tiền mã hóa dữ liệu máy chủ hồ sơ', tlp: 'RED', ago: 8, facts: { category: 'ransomware', protectionLevel: 3, impacts: ['integrity_loss'], ownerCanHandleAlone: false } },
    { province: 'Bình Định', org: 'Sở Tài chính tỉnh Bình Định (cũ)', title: 'Dữ liệu trên máy chủ kế toán bị xóa', tlp: 'RED', ago: 3, facts: { category: 'data_destruction', protectionLevel: 2 } },
  ];
  for (const d of demo) {
    const { protectionLevel, ...facts } = d.facts;
    const response = await fetch(`${url('intake')}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({
        province: d.province,
        reportingOrganisation: { name: d.org, address: `${d.province}`, phone: '024 3943 6684', email: 'ubcs@example.gov.vn' },
        contactPerson: { name: 'Nguyễn Văn An', position: 'Chuyên viên CNTT', phone: '0912 345 678', email: 'an.nv@example.gov.vn' },
        affectedSystem: { operator: d.org, name: d.title.split(' ').slice(0, 4).join(' '), protectionLevel },
        title: d.title,
        description: `${d.title}. (Dữ liệu minh họa do npm start tạo.)`,
        detectedAt: new Date(Date.now() - d.ago * hour).toISOString(),
        alreadyHandled: false,
        detection: { methods: ['monitoring'] },
        alreadyNotified: { parties: [] },
        reportTime: new Date(Date.now() - (d.ago - 0.5) * hour).toISOString(),
        tlp: d.tlp,
        ...facts,
      }),
    });
    if (response.status !== 202) throw new Error(`demo report "${d.title}" refused: ${response.status} ${await response.text()}`);
  }
}
