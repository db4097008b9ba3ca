import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { AccessTokenSigner, IdentityStore, rebuildIdentity } from '@ucsc/shared';
import { bearer, redisUrl, sampleReport, sessionToken, testKafka, testLogger, testRedis, uniqueNames, waitFor } from './support';
import { connectFeed, postJson, startSystem, type TestSystem } from './support/system';

/**
 * Redis ACL key patterns only allow: every key under the prefix except those that start with
 * `word`, as one pattern per letter of it (`[^i]*`, `i[^d]*`, `id[^e]*` …).
 */
function allKeysExcept(prefix: string, word: string): string[] {
  return [...word].map((letter, i) => `~${prefix}${word.slice(0, i)}[^${letter}]*`);
}

// Identity has one owner (the board); intake and dispatch check credentials without its keys.
describe('identity: one owner, verified everywhere', () => {
  let system: TestSystem;
  const redis = testRedis();
  const names = uniqueNames('identity');
  const aclUser = `verifier-${randomBytes(4).toString('hex')}`;
  const aclPassword = randomBytes(16).toString('hex');
  // intake and dispatch connect as a Redis user that may not touch one identity key
  const verifierRedisUrl = redisUrl.replace('redis://', `redis://${aclUser}:${aclPassword}@`);

  const call = (base: string, path: string, token: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...bearer(token) } }).then(async (r) => ({ status: r.status, json: (await r.json().catch(() => undefined)) as any }));
  const submit = (token: string) => call(system.intakeUrl, '/api/v1/reports', token, { method: 'POST', body: JSON.stringify(sampleReport()) });
  const directory = (token: string) => call(dispatchUrl, '/api/v1/directory/units', token);
  let dispatchUrl = '';

  beforeAll(async () => {
    await redis.call('ACL', 'SETUSER', aclUser, 'on', `>${aclPassword}`, 'resetkeys', ...allKeysExcept(names.redisPrefix, 'identity:'), 'resetchannels', '&*', '+@all');
    system = await startSystem('identity', { AUTH_FAILURES_PER_MINUTE: '1000', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000' }, { names, intake: { REDIS_URL: verifierRedisUrl }, dispatch: { REDIS_URL: verifierRedisUrl } });
    dispatchUrl = system.dispatchUrl;
  });
  afterAll(async () => {
    await system?.close();
    await redis.call('ACL', 'DELUSER', aclUser);
    redis.disconnect();
  }, 120_000);

  it('the verifiers’ Redis user can read no identity key, and they still verify sessions and API tokens', async () => {
    const token = await sessionToken(names.redisPrefix, 'hanoi.baocao');
    const restricted = redis.duplicate({ username: aclUser, password: aclPassword });
    try {
      await expect(restricted.smembers(`${names.redisPrefix}identity:users`)).rejects.toThrow(/NOPERM/);
      await expect(restricted.get(`${names.redisPrefix}identity:session:x`)).rejects.toThrow(/NOPERM/);
      expect(await restricted.get(`${names.redisPrefix}anything-else`)).toBeNull();
    } finally {
      restricted.disconnect();
    }
    expect((await submit(token)).status).toBe(202);
    expect((await directory(await sessionToken(names.redisPrefix, 'quantri'))).status).toBe(200);
    const store = new IdentityStore(redis, names.redisPrefix);
    const { secret } = await store.createToken({ name: 'cổng thư Hà Nội', organisationId: 'org-hub-01', provinceCodes: ['01'], scopes: ['reports:write', 'reports:read'], expiresInDays: 1, createdBy: 'test' });
    expect((await submit(secret)).status).toBe(202);
  });

  it('an access token is checked with the owner’s key: an expired one and one signed by another key are refused', async () => {
    const store = new IdentityStore(redis, names.redisPrefix);
    await sessionToken(names.redisPrefix, 'hanoi.baocao');
    const user = (await store.findByUsername('hanoi.baocao'))!;
    const actor = { kind: 'user' as const, id: user.id, name: user.name, organisationId: user.organisationId, roles: user.roles, provinceCodes: user.provinceCodes, assigneeIds: user.assigneeIds, authenticatedBy: 'password' as const };
    const short = await AccessTokenSigner.fromJwk(names.env.IDENTITY_SIGNING_JWK!, 2);
    const { accessToken } = await short.issue(actor, { version: await store.accessVersion(user.id) });
    expect((await submit(accessToken)).status).toBe(202);
    await waitFor('the access token to expire on intake', async () => (await submit(accessToken)).status === 401, 10_000);
    expect((await directory(accessToken)).status).toBe(401);
    const other = { ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid: JSON.parse(names.env.IDENTITY_SIGNING_JWK!).kid };
    const forged = await (await AccessTokenSigner.fromJwk(JSON.stringify(other), 60)).issue({ ...actor, roles: ['national_coordinator'] }, { version: Number.MAX_SAFE_INTEGER });
    expect((await submit(forged.accessToken)).status).toBe(401);
  });

  it('signing out ends the session on every service and on the feed within seconds', async () => {
    const token = await sessionToken(names.redisPrefix, 'dieuphoi');
    // each verifier has exchanged and cached it: what follows is revocation, not a first look
    expect((await submit(token)).status).toBe(202);
    expect((await directory(token)).status).toBe(200);
    const feed = await connectFeed(system.boardUrl, token);
    const started = Date.now();
    expect((await call(system.boardUrl, '/api/v1/auth/logout', token, { method: 'POST', body: '{}' })).status).toBe(204);
    await waitFor('intake to refuse the ended session', async () => (await submit(token)).status === 401, 5000);
    await waitFor('dispatch to refuse it', async () => (await directory(token)).status === 401, 5000);
    expect((await call(system.boardUrl, '/api/v1/auth/me', token)).status).toBe(401);
    expect(await feed.closed).toBe(4401);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a revoked API token is refused by intake within seconds', async () => {
    const coordinator = await sessionToken(names.redisPrefix, 'dieuphoi');
    const issued = await call(system.boardUrl, '/api/v1/tokens', coordinator, { method: 'POST', body: JSON.stringify({ name: 'cổng Hà Nội 2', organisationId: 'org-hub-01', provinceCodes: ['01'], scopes: ['reports:write'], expiresInDays: 1 }) });
    expect(issued.status).toBe(201);
    const secret = issued.json.secret as string;
    expect((await submit(secret)).status).toBe(202);
    expect((await call(system.boardUrl, `/api/v1/tokens/${issued.json.token.id}`, coordinator, { method: 'DELETE' })).status).toBe(200);
    await waitFor('intake to refuse the revoked token', async () => (await submit(secret)).status === 401, 5000);
  });

  it('a role change applies at once on intake, which saw the old roles a moment before', async () => {
    const coordinator = await sessionToken(names.redisPrefix, 'dieuphoi');
    const token = await sessionToken(names.redisPrefix, 'tuyenquang.baocao');
    const store = new IdentityStore(redis, names.redisPrefix);
    const user = (await store.findByUsername('tuyenquang.baocao'))!;
    const tuyenQuang = () => call(system.intakeUrl, '/api/v1/reports', token, { method: 'POST', body: JSON.stringify(sampleReport({ province: 'Tuyên Quang' })) });
    expect((await tuyenQuang()).status).toBe(202);
    const changed = await call(system.boardUrl, `/api/v1/users/${user.id}`, coordinator, { method: 'PATCH', body: JSON.stringify({ roles: ['auditor'] }) });
    expect(changed.status).toBe(200);
    await waitFor('intake to apply the new roles', async () => (await tuyenQuang()).status === 403, 5000);
  });

  it('an account is renamed and given a new password: its sessions end, its lock-out is lifted, only the new password signs in; each change audited as itself; only a national coordinator sets one on an account that sees incidents', async () => {
    const coordinator = await sessionToken(names.redisPrefix, 'dieuphoi');
    const admin = await sessionToken(names.redisPrefix, 'quantri');
    const created = await call(system.boardUrl, '/api/v1/users', coordinator, {
      method: 'POST',
      body: JSON.stringify({ username: 'doimatkhau.hanoi', name: 'Lê Văn Tám', password: 'mat-khau-cu-rat-dai', organisationId: 'org-hub-01', roles: ['submitter'], provinceCodes: ['01'] }),
    });
    expect(created.status).toBe(201);
    const id = created.json.user.id as string;
    const login = (password: string) => postJson(`${system.boardUrl}/api/v1/auth/login`, { username: 'doimatkhau.hanoi', password });
    const signedIn = await login('mat-khau-cu-rat-dai');
    expect(signedIn.status).toBe(200);
    const session = signedIn.json.token as string;
    const me = () => call(system.boardUrl, '/api/v1/auth/me', session);
    expect((await me()).status).toBe(200);
    const patch = (token: string, body: unknown) => call(system.boardUrl, `/api/v1/users/${id}`, token, { method: 'PATCH', body: JSON.stringify(body) });

    // an admin renames it, but setting its password would let the admin read what it sees
    const renamed = await patch(admin, { name: 'Lê Văn Tâm' });
    expect([renamed.status, renamed.json.user.name]).toEqual([200, 'Lê Văn Tâm']);
    const refused = await patch(admin, { password: 'mat-khau-cua-quan-tri' });
    expect([refused.status, refused.json.error]).toEqual([403, 'reset_needs_national_coordinator']);
    expect((await login('mat-khau-cua-quan-tri')).status).toBe(401);
    // someone guesses until the account locks: even its right password is refused from here
    for (let tries = 0; tries < 10 && (await login('doan-sai-mat-khau')).status !== 423; tries++);
    expect((await login('mat-khau-cu-rat-dai')).status).toBe(423);
    const short = await patch(coordinator, { password: 'ngan' });
    expect(short.status).toBe(400);
    expect(short.json.problems[0]).toMatchObject({ field: 'body.password', message: 'at least 12 characters' });

    const reset = await patch(coordinator, { password: 'mat-khau-moi-rat-dai' });
    expect(reset.status).toBe(200);
    expect(JSON.stringify(reset.json)).not.toContain('mat-khau-moi');
    expect((await me()).status).toBe(401);
    // the new password lifts the lock: its holder signs in with it at once, from the address that failed
    expect((await login('mat-khau-moi-rat-dai')).status).toBe(200);
    expect((await login('mat-khau-cu-rat-dai')).status).toBe(401);
    // the audit trail says the account was renamed and a password was set, never what it is; neither is a permission change
    const auditor = await sessionToken(names.redisPrefix, 'kiemtoan');
    const entries = await waitFor('the rename and the reset in the audit trail', async () => {
      const answer = await call(system.boardUrl, `/api/v1/audit?target=${id}`, auditor);
      const found = (answer.json?.entries ?? []).filter((e: any) => e.payload.action.startsWith('user.') && e.payload.action !== 'user.created');
      return found.length >= 2 ? found : undefined;
    });
    expect(entries.map((e: any) => [e.payload.action, e.payload.detail]).reverse()).toEqual([
      ['user.renamed', { from: 'Lê Văn Tám', to: 'Lê Văn Tâm' }],
      ['user.password_set', undefined],
    ]);
    expect(JSON.stringify(entries)).not.toContain('mat-khau-moi');
  });

  it('the exchange is for the services only: a wrong service key is refused', async () => {
    const token = await sessionToken(names.redisPrefix, 'hanoi.baocao');
    const response = await postJson(`${system.boardUrl}/api/v1/identity/exchange`, { credential: token, viaCookie: false }, { 'x-ucsc-service-key': 'x'.repeat(40) });
    expect(response.status).toBe(401);
    const right = await postJson(`${system.boardUrl}/api/v1/identity/exchange`, { credential: token, viaCookie: false }, { 'x-ucsc-service-key': names.env.IDENTITY_SERVICE_KEY! });
    expect(right.status).toBe(200);
    expect(right.json.accessToken).toMatch(/^eyJ/);
  });

  it('the accounts and API tokens come back from Kafka after their Redis keys are wiped; a revoked token stays revoked', async () => {
    const coordinator = await sessionToken(names.redisPrefix, 'dieuphoi');
    const created = await call(system.boardUrl, '/api/v1/users', coordinator, {
      method: 'POST',
      body: JSON.stringify({ username: 'rebuild.hanoi', name: 'Trần Văn Khôi', password: 'mat-khau-rat-dai-2026', organisationId: 'org-hub-01', roles: ['submitter'], provinceCodes: ['01'] }),
    });
    expect(created.status).toBe(201);
    const issue = (name: string) => call(system.boardUrl, '/api/v1/tokens', coordinator, { method: 'POST', body: JSON.stringify({ name, organisationId: 'org-hub-01', provinceCodes: ['01'], scopes: ['reports:write'], expiresInDays: 1 }) });
    const [kept, revoked] = [(await issue('cổng giữ lại')).json, (await issue('cổng thu hồi')).json];
    expect((await call(system.boardUrl, `/api/v1/tokens/${revoked.token.id}`, coordinator, { method: 'DELETE' })).status).toBe(200);
    const signIn = () => postJson(`${system.boardUrl}/api/v1/auth/login`, { username: 'rebuild.hanoi', password: 'mat-khau-rat-dai-2026' });
    expect((await signIn()).status).toBe(200);

    // Redis loses every identity key
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${names.redisPrefix}identity:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    expect((await signIn()).status).toBe(401);

    const kafka = testKafka();
    const rebuilt = await rebuildIdentity({ kafka, redis, prefix: names.prefix, redisPrefix: names.redisPrefix, logger: testLogger });
    expect(rebuilt.users).toBeGreaterThanOrEqual(2); // this account, and the one the role-change test changed
    expect(rebuilt.tokens).toBeGreaterThanOrEqual(3);
    const again = await signIn();
    expect(again.status).toBe(200);
    expect((await call(system.intakeUrl, '/api/v1/reports', again.json.token, { method: 'POST', body: JSON.stringify(sampleReport()) })).status).toBe(202);
    expect((await submit(kept.secret)).status).toBe(202);
    expect((await submit(revoked.secret)).status).toBe(401);
    const store = new IdentityStore(redis, names.redisPrefix);
    expect((await store.getToken(revoked.token.id))?.revokedAt).toEqual(expect.any(String));
    // the role change made through the board before the wipe holds too
    expect((await store.findByUsername('tuyenquang.baocao'))?.roles).toEqual(['auditor']);
  });
});
