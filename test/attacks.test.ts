import { readIncident, totpCode, type Envelope } from '@ucsc/shared';
import { demoPassword } from '@ucsc/board';
import { bearer, collectIncidentEvents, collectMessages, sampleReport, sessionToken, testRedis, waitFor } from './support';
import { connectFeed, postJson, startSystem, type TestSystem } from './support/system';

// Issue 11's attacker, replayed: what each attempt got before, and is refused now.
describe('what an attacker got (issue 11)', () => {
  let system: TestSystem;
  const redis = testRedis();
  const tokens: Record<string, string> = {};
  const demoTotp = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  let collector: Awaited<ReturnType<typeof collectIncidentEvents>>;
  let audit: Awaited<ReturnType<typeof collectMessages<'auditEvents'>>>;
  let amber: string; // Hà Nội, TLP:AMBER, filed by hanoi.baocao (org-hub-01)

  const call = async (base: string, method: string, path: string, token?: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? bearer(token) : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, json, text };
  };
  const board = (method: string, path: string, token?: string, body?: unknown) => call(system.boardUrl, method, path, token, body);
  const intake = (method: string, path: string, token?: string, body?: unknown) => call(system.intakeUrl, method, path, token, body);
  const userId = async (username: string) => (await board('GET', '/api/v1/users', tokens.dieuphoi)).json.users.find((u: any) => u.username === username).id as string;

  beforeAll(async () => {
    system = await startSystem('attacks', { WS_REVALIDATE_SECONDS: '3600', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_PER_MINUTE: '100000', AUTH_FAILURES_PER_MINUTE: '10' });
    collector = await collectIncidentEvents(system.names.prefix);
    audit = await collectMessages(system.names.prefix, 'auditEvents');
    for (const name of ['dieuphoi', 'kiemtoan', 'quantri', 'hanoi.dieuphoi', 'hanoi.baocao', 'tuyenquang.baocao', 'lienlac.hanoi']) tokens[name] = await sessionToken(system.names.redisPrefix, name);
    amber = (await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'sự cố của Hà Nội' }), bearer(tokens['hanoi.baocao']!))).json.incidentId;
    await waitFor('the incident assigned', async () => (await readIncident(redis, system.names.redisPrefix, amber))?.state === 'routed');
  });
  afterAll(async () => {
    await collector?.stop();
    await audit?.stop();
    await system?.close();
    redis.disconnect();
  }, 120_000);

  describe('1. the admin sees no incidents, by any path', () => {
    it('an admin cannot create, or edit into, an account that sees incidents; an admin account in a hub’s organisation sees none of its reports', async () => {
      const submitter = await board('POST', '/api/v1/users', tokens.quantri, { username: 'ke.gian', name: 'Kẻ gian', password: 'mot-mat-khau-dai', organisationId: 'org-hub-01', roles: ['submitter'], provinceCodes: ['01'] });
      expect([submitter.status, submitter.json.error]).toEqual([403, 'grant_needs_national_coordinator']);
      // an admin account it controls (it chose the password), in the organisation that filed the report
      const created = await board('POST', '/api/v1/users', tokens.quantri, { username: 'quantri.hanoi', name: 'Quản trị 2', password: 'mot-mat-khau-dai', organisationId: 'org-hub-01', roles: ['admin'] });
      expect(created.status).toBe(201);
      for (const change of [{ roles: ['national_coordinator'] }, { roles: ['admin', 'submitter'] }, { roles: ['auditor'] }]) {
        const edited = await board('PATCH', `/api/v1/users/${created.json.user.id}`, tokens.quantri, change);
        expect(edited.status).toBe(403);
      }
      // not even a national coordinator makes one account both admin and a reader of incidents
      expect((await board('PATCH', `/api/v1/users/${created.json.user.id}`, tokens.dieuphoi, { roles: ['admin', 'submitter'] })).json.error).toBe('separation_of_duties');
      const login = await postJson(`${system.boardUrl}/api/v1/auth/login`, { username: 'quantri.hanoi', password: 'mot-mat-khau-dai', totp: totpCode(created.json.totpSecret) });
      expect(login.status).toBe(200);
      expect((await board('GET', '/api/v1/incidents', login.json.token)).json.incidents).toEqual([]);
      expect((await board('GET', `/api/v1/incidents/${amber}`, login.json.token)).status).toBe(404);
    });

    it('an admin cannot mint or rotate an organisation’s API token (it reads that organisation’s reports); it may revoke one', async () => {
      const minted = await board('POST', '/api/v1/tokens', tokens.quantri, { name: 'cửa sau', organisationId: 'org-hub-01', provinceCodes: ['01'], scopes: ['reports:read'] });
      expect(minted.status).toBe(403);
      const hubs = await board('POST', '/api/v1/tokens', tokens['hanoi.dieuphoi'], { name: 'SIEM', scopes: ['reports:read'] });
      expect(hubs.status).toBe(201);
      const rotated = await board('POST', `/api/v1/tokens/${hubs.json.token.id}/rotate`, tokens.quantri, {});
      expect(rotated.status).toBe(403);
      expect((await intake('GET', `/api/v1/reports/${amber}`, hubs.json.secret)).status).toBe(200); // the hub's own token still works
      expect((await board('DELETE', `/api/v1/tokens/${hubs.json.token.id}`, tokens.quantri)).status).toBe(200);
      expect((await intake('GET', `/api/v1/reports/${amber}`, hubs.json.secret)).status).toBe(401);
    });

    it('a national coordinator grants; the change applies to open feed connections at once (not at the next periodic check)', async () => {
      const liaison = await sessionToken(system.names.redisPrefix, 'lanhdao.hanoi');
      const feed = await connectFeed(system.boardUrl, liaison);
      const control = await connectFeed(system.boardUrl, tokens['hanoi.baocao']!);
      try {
        await waitFor('the snapshot', () => feed.frames.find((f) => f.type === 'snapshot'));
        expect((await board('GET', `/api/v1/incidents/${amber}`, liaison)).status).toBe(200);
        // out of Hà Nội, and no longer answering for its roster id
        const narrowed = await board('PATCH', `/api/v1/users/${await userId('lanhdao.hanoi')}`, tokens.dieuphoi, { provinceCodes: ['08'], assigneeIds: [] });
        expect(narrowed.status).toBe(200);
        // the same session's next request already sees with the new scope
        expect((await board('GET', `/api/v1/incidents/${amber}`, liaison)).status).toBe(404);
        // the open connection is told at once that what it may see changed; subscribing again, it sees with the new scope
        await waitFor('the reload on the feed', () => feed.frames.find((f) => f.type === 'reload' && f.reason === 'scope_changed'), 5000);
        feed.subscribe('again', { kind: 'country' });
        const again = await waitFor('a fresh snapshot', () => feed.frames.find((f) => f.type === 'snapshot' && f.sub === 'again'));
        expect(again.items.map((i: any) => i.id)).not.toContain(amber);
        const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'sau khi đổi quyền' }), bearer(tokens['hanoi.baocao']!));
        await waitFor('the change on the control feed', () => control.items(posted.json.incidentId).find((i) => i.assignees > 0));
        expect(feed.items(posted.json.incidentId)).toEqual([]);
        // disabling closes the connection within seconds, though the periodic check is an hour away
        expect((await board('PATCH', `/api/v1/users/${await userId('lanhdao.hanoi')}`, tokens.quantri, { disabled: true })).status).toBe(200);
        expect(await Promise.race([feed.closed, new Promise((r) => setTimeout(() => r('still open'), 5000))])).toBe(4401);
      } finally {
        feed.close();
        control.close();
      }
    });
  });

  describe('2. each audience sees its own view, the same from every service', () => {
    it('a submitter gets no routing internals from the board, its feed or intake', async () => {
      const feed = await connectFeed(system.boardUrl, tokens['hanoi.baocao']!);
      try {
        const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'không lộ định tuyến' }), bearer(tokens['hanoi.baocao']!));
        const id = posted.json.incidentId as string;
        feed.subscribe('open', { kind: 'incident', id });
        const whole = await waitFor('classified and assigned', async () => {
          const v = await readIncident(redis, system.names.redisPrefix, id);
          return v && v.routingReasons.length > 0 && v.classification && v.timeline.some((t) => t.type === 'incident.classified') && v;
        });
        const fromBoard = (await board('GET', `/api/v1/incidents/${id}`, tokens['hanoi.baocao'])).json;
        expect(fromBoard.routingReasons).toEqual([]);
        expect(fromBoard.classification).toBeUndefined();
        expect(fromBoard.timeline.map((t: any) => t.type)).not.toContain('incident.classified');
        expect(fromBoard.timeline.some((t: any) => t.details)).toBe(false);
        const listed = (await board('GET', '/api/v1/incidents', tokens['hanoi.baocao'])).json.incidents.find((i: any) => i.id === id);
        expect(listed).toEqual(fromBoard);
        // intake's status shows the same timeline
        const status = (await intake('GET', `/api/v1/reports/${id}`, tokens['hanoi.baocao'])).json;
        expect(status.timeline.map((t: any) => t.summary)).toEqual(fromBoard.timeline.map((t: any) => t.summary));
        // the feed: a record carries the submitter's view, and internal events are not named
        await waitFor('the assignment on the feed', () => feed.records(id).find((f) => f.incident.version >= whole.version));
        for (const f of feed.records(id)) {
          expect(f.incident.routingReasons).toEqual([]);
          expect(f.incident.classification).toBeUndefined();
          expect(['incident.classified', 'incident.assignment_offered', 'incident.routing_no_fit']).not.toContain(f.eventType);
        }
        // the coordinator's view keeps them
        expect((await board('GET', `/api/v1/incidents/${id}`, tokens.dieuphoi)).json.routingReasons).toEqual(whole.routingReasons);
        const item = await waitFor('a list item of it', () => feed.items(id).at(-1));
        expect(item.needsCoordinator).toBe(false);
        expect(item.severity).toBeUndefined();
        for (const i of feed.items(id)) expect(['incident.classified', 'incident.assignment_offered', 'incident.routing_no_fit']).not.toContain(i.lastEvent);
      } finally {
        feed.close();
      }
    });
  });

  describe('3. a report is filed only within the submitter’s provinces', () => {
    it('a Tuyên Quang submitter files in Tuyên Quang (under a former name too); an organisation in several provinces files in each of them', async () => {
      expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'đúng tỉnh', province: 'Hà Giang' }), bearer(tokens['tuyenquang.baocao']!))).status).toBe(202);
      // a telecom operating in two provinces: its token carries both
      const issued = await board('POST', '/api/v1/tokens', tokens.dieuphoi, { name: 'SOC nhiều tỉnh', organisationId: 'org-telecom-x', provinceCodes: ['01', '08'], scopes: ['reports:write'] });
      expect(issued.status).toBe(201);
      for (const province of ['Hà Nội', 'Tuyên Quang']) expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province }), bearer(issued.json.secret))).status).toBe(202);
      expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province: 'Đà Nẵng' }), bearer(issued.json.secret))).status).toBe(403);
      // a national coordinator files anywhere
      const national = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province: 'Đà Nẵng' }), bearer(tokens.dieuphoi!));
      expect(national.status).toBe(202);
      // the refused one was answered before this was filed: had intake published it, it would be on the log by now
      // (a sentinel on another partition may arrive before it: wait for the one that must be there)
      await waitFor('the coordinator’s report', () => collector.events.find((e) => e.payload.incidentId === national.json.incidentId));
      expect(collector.events.filter((e) => e.type === 'incident.reported' && e.payload.province.code === '48')).toHaveLength(1); // Đà Nẵng: the coordinator's only
    });
  });

  describe('4. an attachment marked stricter than its incident is hidden everywhere it would show', () => {
    it('an auditor (no TLP:RED) sees neither the RED attachment’s name nor its line, on the board, the feed, the export, intake or the audit trail', async () => {
      const feed = await connectFeed(system.boardUrl, tokens.kiemtoan!);
      feed.subscribe('open', { kind: 'incident', id: amber });
      try {
        const upload = await fetch(`${system.intakeUrl}/api/v1/reports/${amber}/attachments?kind=log&tlp=RED&filename=nhat-ky-mat-khau-bi-lo.log`, {
          method: 'POST',
          headers: { ...bearer(tokens['hanoi.baocao']!), 'content-type': 'application/octet-stream', 'x-attachment-description': encodeURIComponent('danh sách tài khoản bị lộ') },
          body: Buffer.from('secret log lines'),
        });
        expect(upload.status).toBe(202);
        const strictUpload = await fetch(`${system.intakeUrl}/api/v1/reports/${amber}/attachments?kind=other&tlp=AMBER%2BSTRICT&filename=so-do-mang-noi-bo.png`, {
          method: 'POST',
          headers: { ...bearer(tokens['hanoi.baocao']!), 'content-type': 'image/png' },
          body: Buffer.from('not really a png'),
        });
        expect(strictUpload.status).toBe(202);
        const withBoth = await waitFor('both on the incident', async () => {
          const v = await readIncident(redis, system.names.redisPrefix, amber);
          return (v?.attachments?.length ?? 0) >= 2 && v;
        });
        // a named recipient sees it
        expect((await board('GET', `/api/v1/incidents/${amber}`, tokens.dieuphoi)).text).toContain('nhat-ky-mat-khau-bi-lo.log');
        const secret = /nhat-ky-mat-khau-bi-lo|danh sách tài khoản bị lộ/;
        await waitFor('the attachment changes on the auditor’s feed', () => feed.records(amber).find((f) => f.incident.version >= withBoth.version) && feed.items(amber).find((i) => i.version >= withBoth.version));
        const seen = {
          board: (await board('GET', `/api/v1/incidents/${amber}`, tokens.kiemtoan)).text,
          list: (await board('GET', '/api/v1/incidents', tokens.kiemtoan)).text,
          export: (await board('GET', '/api/v1/incidents/export', tokens.kiemtoan)).text,
          intake: (await intake('GET', `/api/v1/reports/${amber}`, tokens.kiemtoan)).text,
          feed: JSON.stringify(feed.frames),
          audit: (await board('GET', '/api/v1/audit?limit=1000', tokens.kiemtoan)).text,
        };
        for (const [where, text] of Object.entries(seen)) expect([where, secret.test(text)]).toEqual([where, false]);
        expect(seen.board).toContain(amber);
        // AMBER+STRICT: the assigned liaison (not of the reporting organisation) does not see that one
        const liaison = (await board('GET', `/api/v1/incidents/${amber}`, tokens['lienlac.hanoi'])).text;
        expect(liaison).toContain('nhat-ky-mat-khau-bi-lo.log'); // RED: an assignee is a named recipient
        expect(liaison).not.toContain('so-do-mang-noi-bo.png');
        expect((await intake('GET', `/api/v1/reports/${amber}`, tokens['lienlac.hanoi'])).text).not.toContain('so-do-mang-noi-bo.png');
      } finally {
        feed.close();
      }
    });
  });

  describe('5. guessing credentials costs the guesser, not the audit trail or the responders', () => {
    const inject = (address: string, headers: Record<string, string>, url = '/api/v1/incidents') => system.board.inject({ method: 'GET', url, headers, remoteAddress: address });
    const login = (address: string, body: Record<string, string>) =>
      system.board.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body), remoteAddress: address });
    const fromAddress = (address: string) => audit.events.filter((e: Envelope<'audit.recorded'>) => e.actor.address === address);

    it('300 wrong bearer tokens from one address: 10 × 401, then 429 before any lookup; two audit records, not 300', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 300; i++) statuses.push((await inject('10.66.0.1', bearer(`forged-${i}`))).statusCode);
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(new Set(statuses.slice(10))).toEqual(new Set([429]));
      // another address is not affected
      expect((await inject('10.66.0.2', bearer(tokens.dieuphoi!))).statusCode).toBe(200);
      // a failure from a third address, written after all of them, is the mark that the trail caught up
      expect((await inject('10.66.0.3', bearer('forged-last'))).statusCode).toBe(401);
      await waitFor('the mark on the audit trail', () => fromAddress('10.66.0.3').length > 0);
      expect(fromAddress('10.66.0.1').map((e) => e.payload.action)).toEqual(['auth.rejected', 'auth.throttled']);
      expect(fromAddress('10.66.0.1')[1]!.payload.detail).toMatchObject({ failures: 10 });
    });

    it('a lock-out does not silence responders: the owner’s right password passes from elsewhere, and with the second factor from anywhere', async () => {
      for (let i = 0; i < 4; i++) expect((await login('10.77.0.1', { username: 'hanoi.dieuphoi', password: `doan-${i}` })).statusCode).toBe(401);
      expect((await login('10.77.0.1', { username: 'hanoi.dieuphoi', password: 'doan-5' })).statusCode).toBe(423);
      expect((await login('10.77.0.1', { username: 'hanoi.dieuphoi', password: demoPassword })).statusCode).toBe(423); // the guessing address stays locked out
      expect((await login('10.77.0.2', { username: 'hanoi.dieuphoi', password: demoPassword })).statusCode).toBe(200); // the coordinator, at its desk
      expect((await login('10.77.0.2', { username: 'hanoi.dieuphoi', password: 'doan-6' })).statusCode).toBe(423); // but no fresh guesses

      for (let i = 0; i < 5; i++) await login('10.77.0.3', { username: 'dieuphoi', password: `doan-${i}` });
      expect((await login('10.77.0.3', { username: 'dieuphoi', password: demoPassword })).statusCode).toBe(423);
      const withCode = await login('10.77.0.3', { username: 'dieuphoi', password: demoPassword, totp: totpCode(demoTotp) });
      expect(withCode.statusCode).toBe(200);
    });

    it('a TOTP code works once', async () => {
      const code = totpCode(demoTotp, Date.now() + 30_000);
      expect((await login('10.88.0.1', { username: 'quantri', password: demoPassword, totp: code })).statusCode).toBe(200);
      const replayed = await login('10.88.0.2', { username: 'quantri', password: demoPassword, totp: code });
      expect(replayed.statusCode).toBe(401);
      expect(replayed.json().error).toBe('invalid_credentials');
    });
  });

  describe('6. acknowledge, accept and decline follow the assignment’s status', () => {
    it('an enterprise only offered the incident cannot acknowledge it; it accepts first; an answered offer cannot be answered again', async () => {
      const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'mã độc', category: 'malware' }), bearer(tokens['hanoi.baocao']!));
      const id = posted.json.incidentId as string;
      const enterprise = await waitFor('an offer', async () => (await readIncident(redis, system.names.redisPrefix, id))?.assignees.find((a) => a.kind === 'enterprise' && a.status === 'offered')?.id);
      const account = await board('POST', '/api/v1/users', tokens.dieuphoi, {
        username: `ungcuu.${enterprise}`.slice(0, 60),
        name: 'Ứng cứu',
        password: 'mot-mat-khau-dai',
        organisationId: enterprise,
        roles: ['enterprise_responder'],
        assigneeIds: [enterprise],
      });
      expect(account.status).toBe(201);
      const responder = (await postJson(`${system.boardUrl}/api/v1/auth/login`, { username: account.json.user.username, password: 'mot-mat-khau-dai' })).json.token as string;
      const early = await board('POST', `/api/v1/incidents/${id}/acknowledge`, responder, { assigneeId: enterprise });
      expect([early.status, early.json.error]).toEqual([409, 'assignment_not_held']);
      expect((await board('POST', `/api/v1/incidents/${id}/assignments/${enterprise}/accept`, responder, {})).status).toBe(200);
      await waitFor('accepted', async () => (await readIncident(redis, system.names.redisPrefix, id))?.assignees.find((a) => a.id === enterprise)?.status === 'accepted');
      const again = await board('POST', `/api/v1/incidents/${id}/assignments/${enterprise}/decline`, responder, { reason: 'đổi ý' });
      expect([again.status, again.json.error]).toEqual([409, 'no_open_offer']);
      expect((await board('POST', `/api/v1/incidents/${id}/acknowledge`, responder, { assigneeId: enterprise })).status).toBe(200);
      await waitFor('acknowledged', async () => (await readIncident(redis, system.names.redisPrefix, id))?.assignees.find((a) => a.id === enterprise)?.acknowledgedAt);
      // the early attempt left nothing: one acknowledgement event, after the acceptance
      const types = collector.events.filter((e) => e.payload.incidentId === id && (e.payload as { assigneeId?: string }).assigneeId === enterprise).map((e) => e.type);
      expect(types).toEqual(['incident.assignment_accepted', 'incident.acknowledged']);
    });
  });
  // The attacker's checklist, for every role: each attempt, what each role gets. The expectations
  // are written from the README's "Who sees what", not computed by shared/src/access (the policy
  // under test). 'if assigned': a named recipient of a RED marking is a current assignee.
  describe('7. the checklist, replayed for every role', () => {
    type IfAssigned = 'if assigned';
    interface Row {
      role: string;
      /** the demo account (undefined: anonymous; 'offered enterprise': an account made for the enterprise offered the AMBER incident) */
      account?: string;
      /** its own account's roles, to try to add national_coordinator to */
      readsAmber: 200 | 401 | 404;
      readsRed: 200 | 401 | 404 | IfAssigned;
      /** what it sees of the incident: whole (routing internals), as a responder (classification, no routing), as a submitter (neither) */
      view?: 'whole' | 'responder' | 'submitter';
      seesRedAttachment?: boolean | IfAssigned;
      filesInTuyenQuang: [number, string?];
      mintsHubToken: number;
      grantsItself: [number, string?];
      acknowledgesAnOffer: [number, string?];
      /** accepts another's open offer; 'may' is not sent (it would take the offer) */
      acceptsTheOffer: number | 'may';
      /** the account made for the lock-out check, with this role */
      lockRole?: string;
    }
    const rows: Row[] = [
      { role: 'anonymous', readsAmber: 401, readsRed: 401, filesInTuyenQuang: [401], mintsHubToken: 401, grantsItself: [401], acknowledgesAnOffer: [401], acceptsTheOffer: 401 },
      { role: 'submitter', account: 'hanoi.baocao', readsAmber: 200, readsRed: 200, view: 'submitter', seesRedAttachment: true, filesInTuyenQuang: [403, 'within_submitter_scope'], mintsHubToken: 403, grantsItself: [403, 'forbidden'], acknowledgesAnOffer: [403, 'forbidden'], acceptsTheOffer: 403, lockRole: 'submitter' },
      { role: 'province hub', account: 'hanoi.dieuphoi', readsAmber: 200, readsRed: 200, view: 'responder', seesRedAttachment: true, filesInTuyenQuang: [403, 'within_submitter_scope'], mintsHubToken: 201, grantsItself: [403, 'forbidden'], acknowledgesAnOffer: [403, 'forbidden'], acceptsTheOffer: 403, lockRole: 'province_coordinator' },
      { role: 'liaison', account: 'lienlac.hanoi', readsAmber: 200, readsRed: 'if assigned', view: 'responder', seesRedAttachment: 'if assigned', filesInTuyenQuang: [403, 'forbidden'], mintsHubToken: 403, grantsItself: [403, 'forbidden'], acknowledgesAnOffer: [403, 'forbidden'], acceptsTheOffer: 403, lockRole: 'liaison_officer' },
      { role: 'enterprise', account: 'offered enterprise', readsAmber: 200, readsRed: 'if assigned', view: 'responder', seesRedAttachment: 'if assigned', filesInTuyenQuang: [403, 'forbidden'], mintsHubToken: 403, grantsItself: [403, 'forbidden'], acknowledgesAnOffer: [409, 'assignment_not_held'], acceptsTheOffer: 'may', lockRole: 'enterprise_responder' },
      { role: 'national coordinator', account: 'dieuphoi', readsAmber: 200, readsRed: 200, view: 'whole', seesRedAttachment: true, filesInTuyenQuang: [202], mintsHubToken: 201, grantsItself: [403, 'self_grant'], acknowledgesAnOffer: [409, 'assignment_not_held'], acceptsTheOffer: 'may', lockRole: 'national_coordinator' },
      { role: 'auditor', account: 'kiemtoan', readsAmber: 200, readsRed: 404, view: 'whole', seesRedAttachment: false, filesInTuyenQuang: [403, 'forbidden'], mintsHubToken: 403, grantsItself: [403, 'forbidden'], acknowledgesAnOffer: [403, 'forbidden'], acceptsTheOffer: 403, lockRole: 'auditor' },
      { role: 'admin', account: 'quantri', readsAmber: 404, readsRed: 404, seesRedAttachment: false, filesInTuyenQuang: [403, 'forbidden'], mintsHubToken: 403, grantsItself: [403, 'self_grant'], acknowledgesAnOffer: [404, 'not_found'], acceptsTheOffer: 404, lockRole: 'admin' },
    ];
    const session: Record<string, string | undefined> = {};
    const assigneeIdsOf: Record<string, string[]> = { 'lienlac.hanoi': ['lia-01-sec-officer'] };
    let incidentA: string; // Hà Nội, AMBER, malware: offered to an enterprise; carries an attachment marked RED
    let incidentR: string; // Hà Nội, TLP:RED
    let enterprise: string;
    const redAttachment = 'bang-mat-khau-quan-tri.log';
    const filedTitle = (role: string) => `nộp vào Tuyên Quang — ${role}`;

    beforeAll(async () => {
      incidentA = (await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'bảng kiểm của kẻ tấn công', category: 'malware' }), bearer(tokens['hanoi.baocao']!))).json.incidentId;
      incidentR = (await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'sự cố mật', tlp: 'RED' }), bearer(tokens['hanoi.baocao']!))).json.incidentId;
      enterprise = await waitFor('an enterprise offered A', async () => (await readIncident(redis, system.names.redisPrefix, incidentA))?.assignees.find((a) => a.kind === 'enterprise' && a.status === 'offered')?.id);
      const made = await board('POST', '/api/v1/users', tokens.dieuphoi, { username: `bang-kiem.${enterprise}`.slice(0, 60), name: 'Ứng cứu', password: 'mot-mat-khau-dai', organisationId: enterprise, roles: ['enterprise_responder'], assigneeIds: [enterprise] });
      expect(made.status).toBe(201);
      session['offered enterprise'] = (await postJson(`${system.boardUrl}/api/v1/auth/login`, { username: made.json.user.username, password: 'mot-mat-khau-dai' })).json.token;
      assigneeIdsOf['offered enterprise'] = [enterprise];
      for (const row of rows) if (row.account && !session[row.account]) session[row.account] = tokens[row.account] ?? (await sessionToken(system.names.redisPrefix, row.account));
      const upload = await fetch(`${system.intakeUrl}/api/v1/reports/${incidentA}/attachments?kind=log&tlp=RED&filename=${redAttachment}`, {
        method: 'POST',
        headers: { ...bearer(tokens['hanoi.baocao']!), 'content-type': 'application/octet-stream' },
        body: Buffer.from('admin:hunter2'),
      });
      expect(upload.status).toBe(202);
      await waitFor('A classified and routed, with its attachment; R assigned', async () => {
        const [a, r] = [await readIncident(redis, system.names.redisPrefix, incidentA), await readIncident(redis, system.names.redisPrefix, incidentR)];
        return a && r && a.classification && a.routingReasons.length > 0 && a.attachments?.length && r.state === 'routed';
      });
    });

    /** whether a row's account is a current assignee of an incident (what 'if assigned' means) */
    const assigned = async (row: Row, id: string) => {
      const ids = assigneeIdsOf[row.account ?? ''] ?? [];
      return Boolean((await readIncident(redis, system.names.redisPrefix, id))?.assignees.some((a) => ids.includes(a.id) && !['declined', 'timed_out', 'removed'].includes(a.status ?? 'assigned')));
    };
    const expected = async <T,>(row: Row, value: T | IfAssigned, id: string, yes: T, no: T): Promise<T> => (value === 'if assigned' ? ((await assigned(row, id)) ? yes : no) : value);
    const as = (row: Row) => (row.account ? session[row.account] : undefined);

    describe.each(rows)('as $role', (row) => {
      it('reads an incident only in its scope and marking, the same on the board and intake; an admin none', async () => {
        for (const [id, want] of [[incidentA, row.readsAmber], [incidentR, await expected(row, row.readsRed, incidentR, 200, 404)]] as const) {
          expect([id === incidentA ? 'AMBER' : 'RED', (await board('GET', `/api/v1/incidents/${id}`, as(row))).status]).toEqual([id === incidentA ? 'AMBER' : 'RED', want]);
          expect([id === incidentA ? 'AMBER' : 'RED', (await intake('GET', `/api/v1/reports/${id}`, as(row))).status]).toEqual([id === incidentA ? 'AMBER' : 'RED', want]);
        }
        const listed = await board('GET', '/api/v1/incidents', as(row));
        if (row.account) expect(listed.json.incidents.map((i: { id: string }) => i.id).includes(incidentA)).toBe(row.readsAmber === 200);
        else expect(listed.status).toBe(401);
      });

      it('sees routing internals only as a coordinator, classification not as a submitter', async () => {
        const seen = (await board('GET', `/api/v1/incidents/${incidentA}`, as(row))).json;
        if (!row.view) return expect(seen.incidentId ?? seen.id).toBeUndefined();
        expect([seen.routingReasons.length > 0, seen.classification !== undefined]).toEqual({ whole: [true, true], responder: [false, true], submitter: [false, false] }[row.view]);
      });

      it('sees the name of an attachment marked RED on an AMBER incident only as its named recipient', async () => {
        const want = row.seesRedAttachment === undefined ? false : await expected(row, row.seesRedAttachment, incidentA, true, false);
        for (const text of [(await board('GET', `/api/v1/incidents/${incidentA}`, as(row))).text, (await intake('GET', `/api/v1/reports/${incidentA}`, as(row))).text, (await board('GET', '/api/v1/incidents', as(row))).text]) {
          expect(text.includes(redAttachment)).toBe(want);
        }
      });

      it('files a report into another province only as a national coordinator', async () => {
        const filed = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: filedTitle(row.role), province: 'Tuyên Quang' }), row.account ? bearer(as(row)!) : {});
        expect([filed.status, filed.json?.problems?.[0]?.rule ?? filed.json?.error]).toEqual([row.filesInTuyenQuang[0], row.filesInTuyenQuang[1] ?? (filed.status === 202 ? undefined : expect.any(String))]);
      });

      it('cannot give itself national_coordinator (or auditor); its access is unchanged', async () => {
        const me = row.account ? (await board('GET', '/api/v1/auth/me', as(row))).json.actor : undefined;
        const grant = await board('PATCH', `/api/v1/users/${me?.id ?? 'usr-01JZZZZZZZZZZZZZZZZZZZZZZZ'}`, as(row), { roles: [...new Set([...(me?.roles ?? []), 'national_coordinator', 'auditor'])] });
        expect([grant.status, grant.json.error]).toEqual(row.grantsItself.length > 1 ? row.grantsItself : [row.grantsItself[0], expect.any(String)]);
        if (me) expect((await board('GET', '/api/v1/auth/me', as(row))).json.actor.roles).toEqual(me.roles);
      });

      it('mints an API token for the Hà Nội hub’s organisation only as that hub or a national coordinator', async () => {
        const minted = await board('POST', '/api/v1/tokens', as(row), { name: `bảng kiểm ${row.role}`, organisationId: 'org-hub-01', scopes: ['reports:read'] });
        expect(minted.status).toBe(row.mintsHubToken);
        // what the token is worth: the hub's reports
        if (minted.status === 201) expect((await intake('GET', `/api/v1/reports/${incidentA}`, minted.json.secret)).status).toBe(200);
      });

      it('acknowledges, or answers, an enterprise’s open offer only as the assignment allows', async () => {
        const early = await board('POST', `/api/v1/incidents/${incidentA}/acknowledge`, as(row), { assigneeId: enterprise });
        expect([early.status, early.json.error]).toEqual(row.acknowledgesAnOffer.length > 1 ? row.acknowledgesAnOffer : [row.acknowledgesAnOffer[0], expect.any(String)]);
        // the tracker's refusal says why: the actor holds no assignment, only an open offer
        if (early.status === 409) expect(early.json.message).toMatch(/does not hold this assignment \(offered\)/);
        if (row.acceptsTheOffer !== 'may') expect((await board('POST', `/api/v1/incidents/${incidentA}/assignments/${enterprise}/accept`, as(row), {})).status).toBe(row.acceptsTheOffer);
        // whatever was refused left the offer open
        expect((await readIncident(redis, system.names.redisPrefix, incidentA))?.assignees.find((a) => a.id === enterprise)?.status).toBe('offered');
      });

      it('guessing its password locks out the guesser, not the account’s owner (anonymous: wrong tokens are throttled)', async () => {
        const n = rows.indexOf(row);
        if (!row.lockRole) {
          const statuses: number[] = [];
          for (let i = 0; i < 12; i++) statuses.push((await system.board.inject({ method: 'GET', url: '/api/v1/incidents', headers: bearer(`forged-${i}`), remoteAddress: '10.95.0.1' })).statusCode);
          return expect([statuses[0], statuses[11]]).toEqual([401, 429]);
        }
        // an account of this role of its own, so that locking it disturbs no other test
        const made = await board('POST', '/api/v1/users', tokens.dieuphoi, {
          username: `khoa.${n}.${row.lockRole.replace(/_/g, '-')}`,
          name: `Khóa ${row.role}`,
          password: 'mot-mat-khau-dai',
          organisationId: 'org-hub-01',
          roles: [row.lockRole],
          ...(['province_coordinator', 'liaison_officer', 'submitter'].includes(row.lockRole) ? { provinceCodes: ['01'] } : {}),
        });
        expect(made.status).toBe(201);
        const login = (address: string, password: string, totp?: string) =>
          system.board.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: made.json.user.username, password, ...(totp ? { totp } : {}) }), remoteAddress: address });
        const guesses: number[] = [];
        for (let i = 0; i < 5; i++) guesses.push((await login(`10.95.${n}.1`, `doan-${i}`)).statusCode);
        expect(guesses).toEqual([401, 401, 401, 401, 423]);
        expect((await login(`10.95.${n}.1`, 'mot-mat-khau-dai')).statusCode).toBe(423);
        const owner = await login(`10.95.${n}.2`, 'mot-mat-khau-dai', made.json.totpSecret ? totpCode(made.json.totpSecret) : undefined);
        expect(owner.statusCode).toBe(200);
      });
    });

    it('nothing was stored of the reports refused (a report filed after them is there, and the one accepted)', async () => {
      const sentinel = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'mốc của bảng kiểm' }), bearer(tokens['hanoi.baocao']!));
      await waitFor('the sentinel', () => collector.events.find((e) => e.payload.incidentId === sentinel.json.incidentId));
      // the accepted ones are keyed to any partition, so the sentinel may come before some: wait for them all
      const accepted = rows.filter((r) => r.filesInTuyenQuang[0] === 202).map((r) => filedTitle(r.role)).sort();
      const stored = () => collector.events.filter((e) => e.type === 'incident.reported' && e.payload.title.startsWith('nộp vào Tuyên Quang')).map((e) => (e.payload as { title: string }).title).sort();
      await waitFor('every accepted report', () => stored().length >= accepted.length || undefined);
      expect(stored()).toEqual(accepted);
    });
  });
});
