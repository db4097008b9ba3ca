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
