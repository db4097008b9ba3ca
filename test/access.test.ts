import WebSocket from 'ws';
import { hashToken, readIncident, totpCode } from '@ucsc/shared';
import { demoPassword } from '@ucsc/board';
import { bearer, collectIncidentEvents, sampleReport, sessionToken, testRedis, waitFor } from './support';
import { connectFeed, postJson, startSystem, type TestSystem } from './support/system';

// An attacker's checklist against the real services: each attempt is refused and leaves nothing behind.
describe('identity, access and audit', () => {
  let system: TestSystem;
  const redis = testRedis();
  const tokens: Record<string, string> = {};
  let collector: Awaited<ReturnType<typeof collectIncidentEvents>>;
  let amber: string; // Hà Nội incident, TLP:AMBER, filed by hanoi.baocao
  let red: string; // the same, TLP:RED
  let strict: string; // the same, TLP:AMBER+STRICT

  const get = (path: string, token?: string) =>
    fetch(`${system.boardUrl}${path}`, { headers: token ? bearer(token) : {} }).then(async (r) => ({ status: r.status, json: (await r.json().catch(() => undefined)) as any, headers: r.headers }));

  beforeAll(async () => {
    system = await startSystem('access', { WS_REVALIDATE_SECONDS: '1', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000', AUTH_FAILURES_PER_MINUTE: '1000' });
    collector = await collectIncidentEvents(system.names.prefix);
    for (const name of ['dieuphoi', 'kiemtoan', 'quantri', 'hanoi.dieuphoi', 'hanoi.baocao', 'tuyenquang.baocao', 'lienlac.hanoi', 'lanhdao.hanoi', 'saokhue.ungcuu']) {
      tokens[name] = await sessionToken(system.names.redisPrefix, name);
    }
    const file = async (tlp: string) => (await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ tlp }), bearer(tokens['hanoi.baocao']!))).json.incidentId as string;
    [amber, red, strict] = await Promise.all([file('AMBER'), file('RED'), file('AMBER+STRICT')]);
    await waitFor('the three incidents assigned', async () => {
      const views = await Promise.all([amber, red, strict].map((id) => readIncident(redis, system.names.redisPrefix, id)));
      return views.every((v) => v?.state === 'routed') || undefined;
    });
  });
  afterAll(async () => {
    const started = Date.now();
    await collector?.stop();
    process.stderr.write(`[test] collector stopped after ${Date.now() - started} ms\n`);
    await system?.close();
    redis.disconnect();
    process.stderr.write(`[test] access system closed after ${Date.now() - started} ms\n`);
  }, 180_000);

  describe('no credentials, bad credentials', () => {
    const endpoints: [string, string][] = [
      ['GET', '/api/v1/incidents'],
      ['GET', '/api/v1/incidents/01J00000000000000000000000'],
      ['POST', '/api/v1/incidents/01J00000000000000000000000/acknowledge'],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users'],
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/tokens'],
      ['GET', '/api/v1/auth/me'],
    ];
    it.each(endpoints)('board %s %s: 401 without a token, with a forged one, and with an expired one', async (method, path) => {
      const expired = await sessionToken(system.names.redisPrefix, 'lienlac.hanoi');
      await redis.del(`${system.names.redisPrefix}identity:session:${hashToken(expired)}`);
      for (const headers of [{}, bearer('forged-token'), bearer('ucsc_tok-01J00000000000000000000000.abcdefghijklmnopqrstuvwxyz'), bearer(expired)]) {
        const response = await fetch(`${system.boardUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(response.status).toBe(401);
        expect(((await response.json()) as any).error).toBe('unauthenticated');
      }
    });

    it('intake refuses a report without a token, and nothing is stored', async () => {
      const refused = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'không có token' }));
      expect(refused.status).toBe(401);
      const sentinel = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'mốc kiểm tra' }), bearer(tokens['hanoi.baocao']!));
      await waitFor('the sentinel report', () => collector.events.find((e) => e.payload.incidentId === sentinel.json.incidentId));
      expect(collector.events.some((e) => e.type === 'incident.reported' && e.payload.title === 'không có token')).toBe(false);
    });

    it('the live feed refuses to upgrade without credentials, or from another site, and closes the refused connection', async () => {
      const attempt = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const ws = new WebSocket(`${system.boardUrl.replace('http', 'ws')}/api/v2/feed`, { headers });
          ws.on('unexpected-response', (req, res) => {
            // the server ends the connection it refused (left open, each refusal would hold a socket)
            const timer = setTimeout(() => reject(new Error(`the refused connection (${res.statusCode}) was left open`)), 5000);
            if (!req.socket) return reject(new Error('no socket under the refused upgrade'));
            req.socket.once('close', () => {
              clearTimeout(timer);
              resolve(res.statusCode ?? 0);
            });
            res.resume();
          });
          ws.on('open', () => {
            ws.close();
            resolve(101);
          });
        });
      expect(await attempt({})).toBe(401);
      expect(await attempt({ ...bearer(tokens.dieuphoi!), origin: 'https://evil.example' })).toBe(403);
      expect(await attempt(bearer(tokens.dieuphoi!))).toBe(101);
    });
  });

  describe('someone else’s incident (BOLA), by each role', () => {
    it.each([
      ['hanoi.baocao', true],
      ['tuyenquang.baocao', false],
      ['hanoi.dieuphoi', true],
      ['lienlac.hanoi', true],
      ['saokhue.ungcuu', false],
      ['kiemtoan', true],
      ['quantri', false],
      ['dieuphoi', true],
    ])('%s reading a Hà Nội TLP:AMBER incident: visible %s (else 404, exactly as for an id that does not exist)', async (who, visible) => {
      const response = await get(`/api/v1/incidents/${amber}`, tokens[who]);
      expect(response.status).toBe(visible ? 200 : 404);
      if (!visible) {
        const missing = await get('/api/v1/incidents/01J00000000000000000000000', tokens[who]);
        expect([response.status, response.json.error]).toEqual([missing.status, missing.json.error]);
      }
      const list = await get('/api/v1/incidents', tokens[who]);
      expect(list.json.incidents.some((i: any) => i.id === amber)).toBe(visible);
    });

    it('TLP:RED is seen only by its named recipients; AMBER+STRICT only by the reporting organisation and the coordinators', async () => {
      expect((await get(`/api/v1/incidents/${red}`, tokens['lienlac.hanoi'])).status).toBe(200); // an assigned liaison
      expect((await get(`/api/v1/incidents/${red}`, tokens.kiemtoan)).status).toBe(404); // an auditor is not a recipient
      expect((await get(`/api/v1/incidents/${red}`, tokens['hanoi.baocao'])).status).toBe(200);
      expect((await get(`/api/v1/incidents/${strict}`, tokens['lienlac.hanoi'])).status).toBe(404);
      expect((await get(`/api/v1/incidents/${strict}`, tokens.kiemtoan)).status).toBe(200);
      expect((await get(`/api/v1/incidents/${strict}`, tokens.dieuphoi)).status).toBe(200);
    });

    it('an incident’s deadlines: the coordinator gets all of them, its submitter the legal ones, another province nothing', async () => {
      const coordinator = await get(`/api/v1/incidents/${amber}/deadlines`, tokens.dieuphoi);
      expect(coordinator.status).toBe(200);
      const kinds = (answer: { json: any }) => answer.json.deadlines.map((d: any) => d.kind);
      expect(kinds(coordinator)).toEqual(expect.arrayContaining(['notify', 'acknowledge', 'resolve']));
      for (const d of coordinator.json.deadlines) expect(['pending', 'met', 'met_late', 'breached']).toContain(d.status);
      const submitter = await get(`/api/v1/incidents/${amber}/deadlines`, tokens['hanoi.baocao']);
      expect(submitter.status).toBe(200);
      expect(kinds(submitter).length).toBeGreaterThan(0);
      expect(kinds(submitter).every((k: string) => k === 'notify' || k === 'final_report')).toBe(true);
      expect((await get(`/api/v1/incidents/${amber}/deadlines`, tokens['tuyenquang.baocao'])).status).toBe(404);
      const bad = await get('/api/v1/incidents/not-an-id/deadlines', tokens.dieuphoi);
      expect([bad.status, bad.json.problems?.[0]?.field]).toEqual([400, 'params.id']);
    });

    it('the live feed sends each user only the changes it may see', async () => {
      const other = await connectFeed(system.boardUrl, tokens['tuyenquang.baocao']!);
      const mine = await connectFeed(system.boardUrl, tokens['hanoi.baocao']!);
      try {
        const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'chỉ Hà Nội thấy' }), bearer(tokens['hanoi.baocao']!));
        await waitFor('the assignment on the submitter’s feed', () => mine.items(posted.json.incidentId).find((i) => i.assignees > 0));
        const snapshot = other.frames.find((f) => f.type === 'snapshot');
        expect(snapshot.items).toEqual([]);
        expect(snapshot.counts.total).toBe(0);
        expect(other.items(posted.json.incidentId)).toEqual([]);
      } finally {
        other.close();
        mine.close();
      }
    });
  });

  describe('doing what the role may not', () => {
    it('a liaison cannot acknowledge for another assignee; an auditor cannot submit; a submitter cannot manage accounts', async () => {
      const view = await readIncident(redis, system.names.redisPrefix, amber);
      const leader = view!.assignees.find((a) => a.id === 'lia-01-sec-leader')!;
      const asOfficer = await postJson(`${system.boardUrl}/api/v1/incidents/${amber}/acknowledge`, { assigneeId: leader.id }, bearer(tokens['lienlac.hanoi']!));
      expect(asOfficer.status).toBe(403);
      expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), bearer(tokens.kiemtoan!))).status).toBe(403);
      expect((await postJson(`${system.boardUrl}/api/v1/users`, {}, bearer(tokens['hanoi.baocao']!))).status).toBe(403);
      expect((await get('/api/v1/audit', tokens['hanoi.dieuphoi'])).status).toBe(403);
      // nothing was acknowledged
      expect((await readIncident(redis, system.names.redisPrefix, amber))!.assignees.every((a) => !a.acknowledgedAt)).toBe(true);
    });

    it('a field the caller may not set is refused, naming it (mass assignment)', async () => {
      const report = await postJson(`${system.intakeUrl}/api/v1/reports`, { ...sampleReport({ title: 'gán trường lạ' }), actor: { id: 'someone-else' }, incidentId: '01J00000000000000000000000' }, bearer(tokens['hanoi.baocao']!));
      expect(report.status).toBe(400);
      expect(report.json.problems).toEqual([
        expect.objectContaining({ field: 'body.actor', rule: 'unknown_field' }),
        expect.objectContaining({ field: 'body.incidentId', rule: 'unknown_field' }),
      ]);
      const user = await postJson(
        `${system.boardUrl}/api/v1/users`,
        { username: 'ke.gian', name: 'x', password: 'a-long-password-1', organisationId: 'org-hub-01', roles: ['submitter'], passwordHash: 'scrypt$1$1$1$x$y' },
        bearer(tokens.quantri!),
      );
      expect(user.status).toBe(400);
      expect(user.json.problems[0].message).toMatch(/passwordHash/);
      const ack = await postJson(`${system.boardUrl}/api/v1/incidents/${amber}/acknowledge`, { assigneeId: 'lia-01-sec-officer', acknowledgedAt: '2020-01-01T00:00:00Z' }, bearer(tokens['lienlac.hanoi']!));
      expect(ack.status).toBe(400);
    });
  });

  describe('signing in', () => {
    const login = (body: unknown) => postJson(`${system.boardUrl}/api/v1/auth/login`, body);

    it('locks an account after repeated failures, even against the right password, and audits it', async () => {
      for (let i = 0; i < 4; i++) expect((await login({ username: 'tuyenquang.baocao', password: `wrong-${i}` })).status).toBe(401);
      const fifth = await login({ username: 'tuyenquang.baocao', password: 'wrong-5' });
      expect(fifth.status).toBe(423);
      const locked = await login({ username: 'tuyenquang.baocao', password: demoPassword });
      expect(locked.status).toBe(423);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      const entries = await waitFor('the lock-out in the audit trail', async () => {
        const r = await get('/api/v1/audit?action=auth.locked_out', tokens.kiemtoan);
        return r.json.entries.length > 0 ? r.json.entries : undefined;
      });
      expect(entries[0].payload.detail.username).toBe('tuyenquang.baocao');
    });

    it('a coordinator needs the second factor', async () => {
      expect((await login({ username: 'dieuphoi', password: demoPassword })).json.error).toBe('totp_required');
      expect((await login({ username: 'dieuphoi', password: demoPassword, totp: '000000' })).status).toBe(401);
      const ok = await login({ username: 'dieuphoi', password: demoPassword, totp: totpCode('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP') });
      expect(ok.status).toBe(200);
      const me = await get('/api/v1/auth/me', ok.json.token);
      expect(me.json.actor).toMatchObject({ roles: ['national_coordinator'], authenticatedBy: 'password+totp' });
      expect(JSON.stringify(me.json)).not.toMatch(/passwordHash|totpSecret/);
    });

    it('a cookie session must send its CSRF token on writes', async () => {
      const ok = await login({ username: 'lienlac.hanoi', password: demoPassword });
      const cookies = (ok.headers.getSetCookie() as string[]).map((c) => c.split(';')[0]).join('; ');
      expect(ok.headers.getSetCookie().join(' ')).toMatch(/ucsc_session=.*HttpOnly.*SameSite=Strict/);
      // a browser's session is the HttpOnly cookie alone: no script on the page can read its token
      const browser = await postJson(`${system.boardUrl}/api/v1/auth/login`, { username: 'lienlac.hanoi', password: demoPassword }, { 'sec-fetch-site': 'same-origin' });
      expect(browser.status).toBe(200);
      expect(browser.json.token).toBeUndefined();
      expect(browser.json.csrfToken).toEqual(expect.any(String));
      expect(browser.headers.getSetCookie().join(' ')).toMatch(/ucsc_session=.*HttpOnly/);
      const withoutCsrf = await postJson(`${system.boardUrl}/api/v1/incidents/${amber}/acknowledge`, { assigneeId: 'lia-01-sec-officer' }, { cookie: cookies });
      expect(withoutCsrf.status).toBe(403);
      expect(withoutCsrf.json.error).toBe('csrf_failed');
      const withCsrf = await postJson(`${system.boardUrl}/api/v1/incidents/${amber}/acknowledge`, { assigneeId: 'lia-01-sec-officer' }, { cookie: cookies, 'x-csrf-token': ok.json.csrfToken });
      expect(withCsrf.status).toBe(200);
    });

    it('intake lets the board’s page file with the session cookie (CORS for that origin only), and still asks for the CSRF token', async () => {
      const preflight = (origin: string) =>
        fetch(`${system.intakeUrl}/api/v1/reports`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-csrf-token,idempotency-key' } });
      const allowed = await preflight(system.boardUrl);
      expect(allowed.status).toBe(204);
      expect([allowed.headers.get('access-control-allow-origin'), allowed.headers.get('access-control-allow-credentials')]).toEqual([system.boardUrl, 'true']);
      expect(allowed.headers.get('access-control-allow-headers')).toContain('idempotency-key');
      const other = await preflight('https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      // the page's write: its cookie, from its origin; without the CSRF token it is refused like any cookie write
      const ok = await login({ username: 'hanoi.baocao', password: demoPassword });
      const cookie = (ok.headers.getSetCookie() as string[]).map((c) => c.split(';')[0]).join('; ');
      const report = sampleReport({ title: 'gửi từ trang của bảng điều phối' });
      const without = await postJson(`${system.intakeUrl}/api/v1/reports`, report, { cookie, origin: system.boardUrl });
      expect([without.status, without.json.error]).toEqual([403, 'csrf_failed']);
      const sent = await postJson(`${system.intakeUrl}/api/v1/reports`, report, { cookie, origin: system.boardUrl, 'x-csrf-token': ok.json.csrfToken });
      expect(sent.status).toBe(202);
      expect(sent.headers.get('access-control-allow-origin')).toBe(system.boardUrl);
    });

    it('signing out ends the session, and a connected feed is closed', async () => {
      const token = await sessionToken(system.names.redisPrefix, 'lanhdao.hanoi');
      const feed = await connectFeed(system.boardUrl, token);
      const out = await fetch(`${system.boardUrl}/api/v1/auth/logout`, { method: 'POST', headers: bearer(token) });
      expect(out.status).toBe(204);
      expect((await get('/api/v1/incidents', token)).status).toBe(401);
      expect(await feed.closed).toBe(4401);
    });

    it('refuses oversized and malformed bodies with 4xx', async () => {
      expect((await postJson(`${system.boardUrl}/api/v1/auth/login`, '{"username": ')).status).toBe(400);
      // in-process: a real client still sending a body the server already refused keeps its connection busy
      const tooLarge = await system.board.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'x', password: 'y'.repeat(2 * 1024 * 1024) }) });
      expect(tooLarge.statusCode).toBe(413);
    });
  });

  describe('API tokens for machines', () => {
    it('are issued, used, rotated and revoked; only a hash is stored; each step is audited', async () => {
      const issued = await postJson(`${system.boardUrl}/api/v1/tokens`, { name: 'SIEM Sở Y tế', scopes: ['reports:write'] }, bearer(tokens['hanoi.dieuphoi']!));
      expect(issued.status).toBe(201);
      const { secret, token } = issued.json;
      expect(token).toMatchObject({ organisationId: 'org-hub-01', provinceCodes: ['01'] });
      expect(token.secretHash).toBeUndefined();
      const stored = await redis.get(`${system.names.redisPrefix}identity:token:${token.id}`);
      expect(stored).not.toContain(secret.split('.')[1]);

      const submitted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'từ SIEM' }), bearer(secret));
      expect(submitted.status).toBe(202);
      const event = await waitFor('the token-submitted report', () => collector.events.find((e) => e.payload.incidentId === submitted.json.incidentId));
      expect(event.actor).toMatchObject({ kind: 'api_token', id: token.id, authenticatedBy: 'api_token', organisationId: 'org-hub-01' });
      // its scopes hold: a write-only token cannot read, not even the report it filed
      const read = await fetch(`${system.intakeUrl}/api/v1/reports/${submitted.json.incidentId}`, { headers: bearer(secret) });
      expect(read.status).toBe(403);
      expect(((await read.json()) as { error: string }).error).toBe('insufficient_scope');

      // a submitter cannot manage tokens at all
      expect((await postJson(`${system.boardUrl}/api/v1/tokens/${token.id}/rotate`, {}, bearer(tokens['tuyenquang.baocao']!))).status).toBe(403);

      const rotated = await postJson(`${system.boardUrl}/api/v1/tokens/${token.id}/rotate`, {}, bearer(tokens['hanoi.dieuphoi']!));
      expect(rotated.status).toBe(200);
      expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), bearer(secret))).status).toBe(401);
      expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), bearer(rotated.json.secret))).status).toBe(202);

      const revoked = await fetch(`${system.boardUrl}/api/v1/tokens/${token.id}`, { method: 'DELETE', headers: bearer(tokens['hanoi.dieuphoi']!) });
      expect(revoked.status).toBe(200);
      expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), bearer(rotated.json.secret))).status).toBe(401);

      const trail = await waitFor('token events in the audit trail', async () => {
        const r = await get(`/api/v1/audit?target=${token.id}`, tokens.kiemtoan);
        return r.json.entries.length >= 3 ? r.json.entries : undefined;
      });
      expect(trail.map((e: any) => e.payload.action).sort()).toEqual(['token.created', 'token.revoked', 'token.rotated']);
    });
  });

  describe('exports', () => {
    it('only coordinators and auditors export, only what they may see, always as a download, always audited', async () => {
      expect((await get('/api/v1/incidents/export', tokens['hanoi.dieuphoi'])).status).toBe(403);
      const auditor = await get('/api/v1/incidents/export', tokens.kiemtoan);
      expect(auditor.status).toBe(200);
      expect(auditor.headers.get('content-disposition')).toMatch(/^attachment; filename="ucsc-incidents-/);
      const ids = auditor.json.incidents.map((i: any) => i.id);
      expect(ids).toEqual(expect.arrayContaining([amber, strict]));
      expect(ids).not.toContain(red); // TLP:RED: an auditor is not a named recipient
      const coordinator = await get('/api/v1/incidents/export', tokens.dieuphoi);
      expect(coordinator.json.incidents.map((i: any) => i.id)).toContain(red);
      await waitFor('the export in the audit trail', async () => {
        const r = await get('/api/v1/audit?action=incidents.exported', tokens.kiemtoan);
        return r.json.entries.length >= 2 || undefined;
      });
    });
  });

  describe('the audit trail', () => {
    it('records refused and failed report submissions; an accepted one is recorded once, as its own incident.reported event', async () => {
      const submissions = async () => (await get(`/api/v1/audit?action=${encodeURIComponent('POST /api/v1/reports')}&limit=1000`, tokens.kiemtoan)).json.entries as any[];
      expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), bearer(tokens.kiemtoan!))).status).toBe(403);
      const refused = await waitFor('the refused submission in the audit trail', async () => (await submissions()).find((e) => e.actor.name === 'Kiểm toán viên (demo)' && e.payload.outcome === 'denied'));
      expect(refused.payload).toMatchObject({ status: 403 });

      const accepted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'ghi vào nhật ký một lần' }), bearer(tokens['hanoi.baocao']!));
      expect(accepted.status).toBe(202);
      const event = await waitFor('the accepted report on the log', () => collector.events.find((e) => e.payload.incidentId === accepted.json.incidentId));
      expect(event.actor).toMatchObject({ name: 'Sở KH&CN Hà Nội — báo cáo (demo)', authenticatedBy: 'password', address: '127.0.0.1' });
      // the same submitter's next write, a failure, lands after anything the accepted one could have written
      expect((await postJson(`${system.intakeUrl}/api/v1/reports`, { title: 'thiếu hết' }, bearer(tokens['hanoi.baocao']!))).status).toBe(400);
      const mine = await waitFor('the failed submission in the audit trail', async () => {
        const entries = (await submissions()).filter((e) => e.actor.name === 'Sở KH&CN Hà Nội — báo cáo (demo)');
        return entries.some((e) => e.payload.outcome === 'failure') && entries;
      });
      expect(mine.filter((e) => e.payload.outcome === 'success')).toEqual([]);
    });

    it('records commands with who, what and from where, and cannot be edited through the API', async () => {
      const entries = await waitFor('the acknowledgement in the audit trail', async () => {
        const r = await get(`/api/v1/audit?target=${amber}`, tokens.kiemtoan);
        return r.json.entries.find((e: any) => e.payload.action === 'POST /api/v1/incidents/:id/acknowledge' && e.payload.outcome === 'success');
      });
      expect(entries.actor).toMatchObject({ id: expect.stringMatching(/^usr-/), name: 'Cán bộ đầu mối ATTT Hà Nội (demo)', address: '127.0.0.1' });
      for (const method of ['PUT', 'DELETE', 'PATCH', 'POST']) {
        const response = await fetch(`${system.boardUrl}/api/v1/audit`, { method, headers: bearer(tokens.quantri!) });
        expect(response.status).toBe(404);
      }
    });
  });
});

describe('rate limits', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem('ratelimit', { ANONYMOUS_RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_PER_MINUTE: '8' });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('answer 429 with Retry-After per address and per user, across requests', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${system.boardUrl}/api/v1/incidents`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);

    const token = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    const responses = [];
    for (let i = 0; i < 10; i++) responses.push(await fetch(`${system.intakeUrl}/api/v1/reports`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: '{}' }));
    expect(responses.slice(0, 8).map((r) => r.status)).toEqual(Array(8).fill(400));
    expect(responses[8]!.status).toBe(429);
    expect(Number(responses[8]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
