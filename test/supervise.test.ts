import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supervise } from '../scripts/supervise.cjs';
import { waitFor } from './support';

// npm start's supervisor, with a tiny node child instead of a service and delays in tenths of seconds.
describe('npm start restarts a service that dies', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ucsc-supervise-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** a child that notes when it started in `file`, then runs `then` */
  const child = (file: string, then: string) => ['-e', `require('node:fs').appendFileSync(${JSON.stringify(file)}, Date.now() + '\\n'); ${then}`];
  const starts = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('restarts it with a pause that doubles up to the longest, says so, and stops on demand', async () => {
    const file = join(dir, 'crashing');
    const lines: string[] = [];
    const supervisor = supervise({ name: 'dispatch', command: process.execPath, args: child(file, 'process.exit(3)'), logPath: '/var/log/dispatch.log', report: (line: string) => lines.push(line), initialDelayMs: 100, maxDelayMs: 400 });
    try {
      const started = await waitFor('five starts', async () => ((await starts(file)).length >= 5 ? starts(file) : undefined), 8000);
      expect(lines.slice(0, 4)).toEqual([1, 2, 3, 4].map((n) => `dispatch exited (code 3, signal null); restarting in ${[0.1, 0.2, 0.4, 0.4][n - 1]} s (restart ${n}); log: /var/log/dispatch.log`));
      // each start came at least its pause after the one before
      started.slice(1, 5).forEach((at, i) => expect(at - started[i]!).toBeGreaterThanOrEqual([100, 200, 400, 400][i]!));
    } finally {
      await supervisor.stop();
    }
    const afterStop = (await starts(file)).length;
    // nothing starts it again: wait past the longest pause, and a little more
    const quietUntil = Date.now() + 800;
    await waitFor('the longest pause to pass', () => Date.now() > quietUntil, 2000);
    expect((await starts(file)).length).toBe(afterStop);
  });

  it('starts the doubling again once it has stayed up long enough', async () => {
    const file = join(dir, 'recovering');
    const lines: string[] = [];
    const supervisor = supervise({ name: 'tracker', command: process.execPath, args: child(file, 'setTimeout(() => process.exit(1), 300)'), report: (line: string) => lines.push(line), initialDelayMs: 100, resetAfterMs: 250 });
    try {
      await waitFor('three restarts', () => lines.length >= 3, 8000);
    } finally {
      await supervisor.stop();
    }
    expect(lines.slice(0, 3)).toEqual([1, 2, 3].map((n) => `tracker exited (code 1, signal null); restarting in 0.1 s (restart ${n})`));
  });

  it('stops a running child with SIGTERM, and with SIGKILL one that ignores it', async () => {
    const file = join(dir, 'running');
    const polite = supervise({ name: 'board', command: process.execPath, args: child(file, 'setInterval(() => {}, 1000)'), report: () => {} });
    const stubborn = supervise({ name: 'intake', command: process.execPath, args: child(file, "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"), report: () => {}, stopGraceMs: 300 });
    await waitFor('both running', async () => (await starts(file)).length === 2, 5000);
    const [politeChild, stubbornChild] = [polite.child!, stubborn.child!];
    await Promise.all([polite.stop(), stubborn.stop()]);
    expect([politeChild.signalCode, stubbornChild.signalCode]).toEqual(['SIGTERM', 'SIGKILL']);
    expect([alive(politeChild.pid!), alive(stubbornChild.pid!)]).toEqual([false, false]);
    expect([polite.restarts, stubborn.restarts]).toEqual([0, 0]);
  });
});
