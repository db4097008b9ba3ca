import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { bearer, createTopics, sampleReport, sessionToken, uniqueNames, waitFor } from '../../../test/support';
import { freePort, startIdentityOwner } from '../../../test/support/system';

const server = join(__dirname, '..', 'dist', 'server.js');
const childrenOf = (pid: number) =>
  spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);

/** WORKERS=2: intake runs as two copies sharing its port, answers /ready for both, replaces one that dies, and stops as one. */
describe('intake with WORKERS=2', () => {
  const names = uniqueNames('workers');
  let owner: Awaited<ReturnType<typeof startIdentityOwner>> | undefined;
  let port: number;
  let url: string;
  let primary: ChildProcess;

  beforeAll(async () => {
    await createTopics(names.prefix);
    owner = await startIdentityOwner(names);
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    primary = spawn('node', [server], { env: { ...process.env, ...names.env, PORT: String(port), WORKERS: '2', LOG_LEVEL: 'error' }, stdio: 'ignore' });
    await waitFor('both copies to be ready', async () => childrenOf(primary.pid!).length === 2 && (await fetch(`${url}/ready`)).ok, 60_000);
  }, 90_000);
  afterAll(async () => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    await owner?.close();
  });

  it('answers /ready for every copy: 503 naming the copy that stopped reporting, 200 again when it is back', async () => {
    // a request the primary hands to a frozen copy never comes back: asked again until a live copy answers
    const ready = async () => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const response = await fetch(`${url}/ready`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1500) });
          return { status: response.status, body: (await response.json()) as { checks: Record<string, string>; copies?: { copy: number; pid: number; ready: boolean }[] } };
        } catch (error) {
          // handed to the frozen copy
          if (attempt === 20) throw error;
        }
      }
    };
    const healthy = await waitFor('both copies reported ready', async () => {
      const r = await ready();
      return r.status === 200 && r.body.copies?.length === 2 && r.body;
    });
    expect(healthy.checks.copies).toBe('ok');
    const pids = childrenOf(primary.pid!);
    expect(healthy.copies!.map((c) => c.pid).sort()).toEqual([...pids].sort());

    const frozen = healthy.copies![0]!;
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      const down = await waitFor('the other copy to answer 503 for the frozen one', async () => {
        const r = await ready();
        return r.status === 503 && r.body;
      }, 30_000);
      expect(down.checks.copies).toContain(`copy ${frozen.copy}: no report for`);
      expect(down.copies!.find((c) => c.copy === frozen.copy)!.ready).toBe(false);
      expect(down.copies!.find((c) => c.copy !== frozen.copy)!.ready).toBe(true);
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
    await waitFor('ready again once the copy reports', async () => (await ready()).status === 200, 30_000);
  }, 90_000);

  it('takes reports on the one port, replaces a copy that dies, and stops every copy on SIGTERM', async () => {
    const auth = bearer(await sessionToken(names.redisPrefix, 'hanoi.baocao'));
    const submit = async () => {
      // a new connection each time, so the primary hands them to both copies
      const response = await fetch(`${url}/api/v1/reports`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(sampleReport()) });
      return response.status;
    };
    expect(await Promise.all(Array.from({ length: 10 }, submit))).toEqual(Array(10).fill(202));

    const [first, second] = childrenOf(primary.pid!);
    process.kill(first!, 'SIGKILL');
    const replaced = await waitFor('a new copy in place of the one that died', () => {
      const now = childrenOf(primary.pid!);
      return now.length === 2 && !now.includes(first!) && now;
    });
    expect(replaced).toContain(second);
    await waitFor('reports taken again by two copies', async () => (await Promise.all(Array.from({ length: 4 }, submit))).every((s) => s === 202));

    primary.kill('SIGTERM');
    const [code] = await once(primary, 'exit');
    expect(code).toBe(0);
    expect(replaced.filter((pid) => spawnSync('kill', ['-0', String(pid)]).status === 0)).toEqual([]);
  }, 90_000);
});
