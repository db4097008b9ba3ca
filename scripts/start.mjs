// npm start: the whole system on this machine, with demo data; Ctrl-C stops everything.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { infraDown, infraUp, root, spawn, waitUntil } from './lib.mjs';

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
};
const services = [
  { name: 'board', port: 3100 },
  { name: 'intake', port: 3101 },
  { name: 'dispatch', port: 3102 },
  { name: 'tracker', port: 3103 },
];

const logDir = join(root, '.run', 'logs');
mkdirSync(logDir, { recursive: true });
const children = [];
let stopping = false;

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping services…');
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  console.log('stopping Kafka and Redis…');
  infraDown(infraEnv);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  infraUp(infraEnv);
  for (const service of services) {
    const log = createWriteStream(join(logDir, `${service.name}.log`), { flags: 'a' });
    const child = spawn('node', [join('services', service.name, 'dist', 'server.js')], {
      cwd: root,
      env: { ...process.env, ...shared, PORT: String(service.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on('exit', (code) => {
      if (!stopping) {
        console.error(`${service.name} exited (${code}); see ${join(logDir, service.name + '.log')}`);
        void stop(1);
      }
    });
    children.push(child);
  }
  for (const service of services) {
    await waitUntil(`${service.name}`, async () => (await fetch(`http://${host}:${service.port}/ready`)).ok);
  }
  await seedDemoIncidents();
  console.log(`
ucsc is running.

  Live board (ministry response coordinators):  http://${host}:3100/
  Intake API (provincial submitters):            http://${host}:3101/api/v1/reports
  dispatch health:                               http://${host}:3102/ready
  tracker health:                                http://${host}:3103/ready
  Kafka: ${shared.KAFKA_BROKERS}    Redis: ${shared.REDIS_URL}    logs: ${logDir}

Press Ctrl-C to stop everything.`);
} catch (error) {
  console.error(`start failed: ${error.message}`);
  await stop(1);
}

/** A few demo reports, so the board is not empty the first time; skipped when incidents exist. */
async function seedDemoIncidents() {
  const existing = await (await fetch(`http://${host}:3100/api/v1/incidents`)).json();
  if (existing.incidents.length > 0) return;
  const hour = 3600_000;
  const demo = [
    { province: 'Hà Nội', org: 'Văn phòng UBND Thành phố Hà Nội', title: 'Cổng thông tin điện tử bị thay đổi giao diện', tlp: 'AMBER', ago: 2 },
    { province: 'Hà Giang', org: 'Sở Y tế tỉnh Hà Giang (cũ)', title: 'Máy chủ thư điện tử phát tán thư giả mạo', tlp: 'GREEN', ago: 5 },
    { province: 'TP Hồ Chí Minh', org: 'Ngân hàng TMCP Phương Nam (giả định)', title: 'Tấn công từ chối dịch vụ vào dịch vụ ngân hàng điện tử', tlp: 'AMBER+STRICT', ago: 1 },
    { province: 'Quảng Nam', org: 'Trung tâm CNTT tỉnh Quảng Nam (cũ)', title: 'Mã độc tống tiền mã hóa dữ liệu máy chủ hồ sơ', tlp: 'RED', ago: 8 },
  ];
  for (const d of demo) {
    await fetch(`http://${host}:3101/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        province: d.province,
        reportingOrganisation: { name: d.org, address: `${d.province}`, phone: '024 3943 6684', email: 'ubcs@example.gov.vn' },
        contactPerson: { name: 'Nguyễn Văn An', position: 'Chuyên viên CNTT', phone: '0912 345 678', email: 'an.nv@example.gov.vn' },
        affectedSystem: { operator: d.org, name: d.title.split(' ').slice(0, 4).join(' '), protectionLevel: 3 },
        title: d.title,
        description: `${d.title}. (Dữ liệu minh họa do npm start tạo.)`,
        detectedAt: new Date(Date.now() - d.ago * hour).toISOString(),
        alreadyHandled: false,
        detection: { methods: ['monitoring'] },
        alreadyNotified: { parties: [] },
        reportTime: new Date(Date.now() - (d.ago - 0.5) * hour).toISOString(),
        tlp: d.tlp,
      }),
    });
  }
}
