import { spawn } from 'node:child_process';
import { join } from 'node:path';

// The short form of `npm run chaos`: the whole system as separate processes on a Kafka and Redis
// of its own, faults one after another under a steady load. What an operator checks after each:
// nothing accepted lost, nothing twice, everything routed, projected and on the board, and the
// pipeline caught up again.
interface ChaosResult {
  failed: boolean;
  rows: { name: string; lost: number; duplicated: number; routed: number; inProjection: number; onBoard: number; ok: boolean; recoveredSeconds: number | null; error?: string }[];
  poisonProblems: string[];
  gap?: { reports: number; flagged: number };
  hung: number;
}

const root = join(__dirname, '..');
const runMinutes = 12;

function runChaos(): Promise<{ code: number | null; output: string; result?: ChaosResult }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['scripts/chaos.mjs', '--short'], { cwd: root, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    // bounded: a run that hangs is a failure to report, not a CI job that never ends
    const timer = setTimeout(() => child.kill('SIGTERM'), runMinutes * 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith('CHAOS_RESULT '));
      resolve({ code, output, ...(line ? { result: JSON.parse(line.slice('CHAOS_RESULT '.length)) as ChaosResult } : {}) });
    });
  });
}

describe('npm run chaos -- --short', () => {
  let run: Awaited<ReturnType<typeof runChaos>>;
  beforeAll(async () => {
    run = await runChaos();
    // the table, so a failure in CI shows which scenario and why
    console.log(run.output.split('\n').filter((l) => !l.includes('"logger":"kafkajs"')).join('\n'));
  }, (runMinutes + 1) * 60_000);

  it('ran every scenario and printed its result', () => {
    expect(run.result?.rows.map((r) => r.name)).toEqual([
      'kill-intake',
      'kill-dispatch',
      'kill-tracker',
      'kill-board',
      'kafka-freeze',
      'redis-kill',
      'redis-wipe-rebuild',
      'rebalance-dispatch',
      'rebalance-tracker',
      'poison',
      'directory-gap',
    ]);
  });

  it('lost nothing and duplicated nothing in any scenario, and each recovered', () => {
    const bad = run.result!.rows.filter((r) => !r.ok).map((r) => `${r.name}: ${JSON.stringify(r)}`);
    expect(bad).toEqual([]);
    for (const row of run.result!.rows) {
      expect(row.lost).toBe(0);
      expect(row.duplicated).toBe(0);
      expect(row.recoveredSeconds).not.toBeNull();
    }
  });

  it('intake never hung or answered 500 while Kafka was frozen or gone', () => {
    expect(run.result!.hung).toBe(0);
  });

  it('dead-lettered every poison and oversized record and moved past it', () => {
    expect(run.result!.poisonProblems).toEqual([]);
  });

  it('flagged every report of a province left with nobody for a coordinator', () => {
    expect(run.result!.gap!.reports).toBeGreaterThan(0);
    expect(run.result!.gap!.flagged).toBe(run.result!.gap!.reports);
  });

  it('exited 0', () => {
    expect(run.code).toBe(0);
  });
});
