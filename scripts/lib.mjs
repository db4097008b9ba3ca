// Helpers shared by the start, test and bench scripts.
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command, inheriting the terminal; throws when it fails. */
export function run(cmd, args, env = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`);
}

/** Starts the project's Kafka and Redis (instance names and ports from env) and creates the topics. */
export function infraUp(env) {
  run('bash', ['infra/up.sh'], env);
  run('node', ['shared/dist/bin/create-topics.js'], { LOG_LEVEL: 'warn', ...env });
}

export function infraDown(env) {
  spawnSync('bash', ['infra/down.sh'], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
}

export async function waitUntil(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export { spawn };

/**
 * The identity owner's signing key (Ed25519) and the services' exchange key, as environment:
 * `owner` for the board, `verifier` for intake and dispatch (they get the public half only).
 * With `keyFile`, made once and kept there (npm start reuses it); without, new each run.
 */
export function identityKeys(keyFile) {
  let stored;
  if (keyFile && existsSync(keyFile)) stored = JSON.parse(readFileSync(keyFile, 'utf8'));
  if (!stored) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `ucsc-${randomBytes(6).toString('hex')}` };
    stored = { jwk, serviceKey: randomBytes(32).toString('base64url') };
    if (keyFile) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, JSON.stringify(stored), { mode: 0o600 });
    }
  }
  const { d: _d, ...publicJwk } = stored.jwk;
  const verifier = { IDENTITY_PUBLIC_JWKS: JSON.stringify({ keys: [{ ...publicJwk, alg: 'EdDSA', use: 'sig' }] }), IDENTITY_SERVICE_KEY: stored.serviceKey };
  return { owner: { IDENTITY_SIGNING_JWK: JSON.stringify(stored.jwk), IDENTITY_SERVICE_KEY: stored.serviceKey }, verifier };
}

/** The rest of a Biểu mẫu 03 report as intake puts it on incident.reported (the benchmarks' one report form). */
export const benchReportForm = {
  reportingOrganisation: { name: 'Sở Y tế', address: 'Số 1 Đường Trần Phú, phường Điện Biên', phone: '024 3943 6684', email: 'vanphong@example.gov.vn' },
  contactPerson: { name: 'Nguyễn Thị Hồng Nhung', position: 'Trưởng phòng Công nghệ thông tin', phone: '0912 345 678', email: 'nhung.nth@example.gov.vn' },
  affectedSystem: { operator: 'Trung tâm Công nghệ thông tin', owner: 'Sở Y tế', name: 'Cổng thông tin điện tử', protectionLevel: 3, connectivityProvider: 'VNPT' },
  alreadyHandled: false,
  detection: { methods: ['monitoring', 'log_review'] },
  alreadyNotified: { parties: ['national_coordinator'], details: 'Đã gọi điện cho đầu mối trực 24/7' },
  technicalDetail: { operatingSystems: ['Ubuntu 22.04'], services: ['web', 'database'], securityMeasures: ['firewall'], publicIpAddresses: ['203.162.10.20'], domainNames: ['congthongtin.example.gov.vn'], purpose: 'Cung cấp dịch vụ công trực tuyến' },
  supportRequested: 'Đề nghị hỗ trợ phân tích mã độc và rà soát lỗ hổng.',
  reportTime: '2026-11-20T02:40:00.000Z',
};

/** The benchmarks' incident description (a long Vietnamese one, as filed). */
export const benchDescription =
  'Vào lúc 02 giờ 10 phút, hệ thống giám sát an toàn thông tin phát hiện lưu lượng bất thường từ máy chủ cổng thông tin điện tử ' +
  'tới nhiều địa chỉ IP ở nước ngoài; nhật ký máy chủ web ghi nhận nhiều yêu cầu khai thác lỗ hổng tải tệp lên.';
