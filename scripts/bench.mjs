// npm run bench: every benchmark of the project in turn (bench:intake, bench:dispatch, bench:projection,
// bench:burst, bench:rebuild, bench:notify, bench:board), each printing its own figures; exits non-zero if any of them failed. Each runs on
// ports of its own (below, all changeable), so this can run beside npm start and npm test.
//   BENCH_ONLY=intake,burst   run only these
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const env = process.env;
const benchmarks = [
  {
    name: 'intake',
    script: 'bench-intake.mjs',
    env: {
      BENCH_KAFKA_PORT: env.BENCH_INTAKE_KAFKA_PORT ?? '33910',
      BENCH_REDIS_PORT: env.BENCH_INTAKE_REDIS_PORT ?? '33912',
      BENCH_INTAKE_PORT: env.BENCH_INTAKE_PORT ?? '33913',
      BENCH_BARE_PORT: env.BENCH_BARE_PORT ?? '33914',
    },
  },
  // the routing decision alone; with Redis only when BENCH_REDIS_URL names one
  { name: 'dispatch', script: 'bench-dispatch.mjs', env: {} },
  { name: 'projection', script: 'bench-projection.mjs', env: {} },
  { name: 'burst', script: 'bench-burst.mjs', env: {} },
  // npm run rebuild from 1,000,000 events (BENCH_EVENTS), on a Kafka and Redis of its own
  { name: 'rebuild', script: 'bench-rebuild.mjs', env: {} },
  { name: 'notify', script: 'bench-notify.mjs', env: {} },
  // the live feed: 1,000 WebSocket clients while reports flow, beside a bare ws server
  { name: 'board', script: 'bench-board.mjs', env: {} },
  // the feed's groups over 100,000 incidents in one process, beside the build before the shared store
  { name: 'feed-groups', script: 'bench-feed-groups.mjs', env: {}, node: ['--expose-gc', '--max-old-space-size=6144'] },
];
const only = env.BENCH_ONLY?.split(',');

const results = [];
for (const bench of benchmarks.filter((b) => !only || only.includes(b.name))) {
  console.log(`\n══ bench:${bench.name} ══`);
  const started = Date.now();
  const run = spawnSync('node', [...(bench.node ?? []), join('scripts', bench.script)], { cwd: root, stdio: 'inherit', env: { ...env, ...bench.env } });
  results.push({ name: bench.name, status: run.status ?? 1, seconds: (Date.now() - started) / 1000 });
}
console.log('\n══ summary ══');
for (const r of results) console.log(`  bench:${r.name.padEnd(12)} ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status})`}  ${r.seconds.toFixed(0)} s`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
