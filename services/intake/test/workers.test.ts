import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { bearer, createTopics, sampleReport, sessionToken, uniqueNames, waitFor } from '../../../test/support';
import { startIdentityOwner } from '../../../test/support/system';

const server = join(__dirname, '..', 'dist', 'server.js');
const childrenOf = (pid: number) =>
  spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);

/** WORKERS=2: intake runs as two copies sharing its port, replaces one that dies, and stops as one. */
describe('intake with WORKERS=2', () => {
  const names = uniqueNames('workers');
  let owner: Awaited<ReturnType<typeof startIdentityOwner>> | undefined;
  const port = 39_600 + Math.floor(Math.random() * 300);
  const url = `http://127.0.0.1:${port}`;
  let primary: ChildProcess;

  beforeAll(async () => {
    await createTopics(names.prefix);
    owner = await startIdentityOwner(names);
    primary = spawn('node', [server], { env: { ...process.env, ...names.env, PORT: String(port), WORKERS: '2', LOG_LEVEL: 'error' }, stdio: 'ignore' });
    await waitFor('both copies to be ready', async () => childrenOf(primary.pid!).length === 2 && (await fetch(`${url}/ready`)).ok, 60_000);
  }, 90_000);
  afterAll(async () => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    await owner?.close();
  });

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
