// Helpers shared by the start, test and bench scripts.
import { spawn, spawnSync } from 'node:child_process';
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
