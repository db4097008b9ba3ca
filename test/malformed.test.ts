import { connect } from 'node:net';
import WebSocket from 'ws';
import { readIncident, topicName, topics, type TopicKey } from '@ucsc/shared';
import { bearer, sampleReport, sessionToken, testKafka, testRedis, waitFor } from './support';
import { connectFeed, postJson, startSystem, type TestSystem } from './support/system';

// Malformed input, thrown at every route of every service (the list comes from the apps
// themselves), before and after sign-in: every answer is a 4xx naming the problem (or, for a
// read, a success), never a 5xx, and nothing is written.

type Case = { what: string; url: string; method: string; headers: Record<string, string>; payload?: string | Buffer };

const nfd = 'Đắk Lắk – Tấn công mã hóa'.normalize('NFD');
const badParams = ['%', '%E0%A4%A', '%00', '%FF%FE', 'a'.repeat(5000), '..%2F..%2Fetc%2Fpasswd', encodeURIComponent(nfd), '%C0%AF', '%3Cscript%3E', '__proto__', '-1', '1e309'];
const badQueries = [
  '?%',
  '?view=%E0%A4%A',
  '?view=summary&view=full',
  '?limit=1e309&since=not-a-date&format=%FF',
  '?__proto__[x]=1&constructor[prototype][y]=2',
  '?a[b][c][d][e]=1',
  `?${'x=1&'.repeat(3000)}`,
  `?kind=log&filename=${encodeURIComponent('a\u0000b')}&tlp=PURPLE`,
  `?reason=${encodeURIComponent(nfd)}&description=${'d'.repeat(5000)}`,
];
const badHeaders: Record<string, string>[] = [
  { authorization: 'Bearer' },
  { authorization: `Bearer ${'a'.repeat(8000)}` },
  { authorization: 'Basic dXNlcjpwYXNz' },
  { authorization: 'Bearer ucsc_tok-ZZZZZZZZZZZZZZZZZZZZZZZZZZ.%%%%%%%%%%%%%%%%%%%%%' },
  { cookie: 'ucsc_session=%E0%A4%A; ucsc_csrf=%' },
  { cookie: `ucsc_session=${'%'.repeat(4000)}` },
  { cookie: '=;;;==; ucsc_session' },
  { origin: 'not a url' },
  { origin: 'null' },
  { origin: 'http://' },
  { 'content-type': 'application/json; charset=utf-16' },
  { 'content-type': 'multipart/form-data; boundary=' },
  { 'content-type': 'text/csv; charset=x-unknown' },
  { 'content-type': ';;;' },
  { 'x-request-id': 'ä'.repeat(300) },
  { 'idempotency-key': ' '.repeat(300) },
  { 'x-csrf-token': '\u00ff'.repeat(100) },
  { accept: '*/*;q=abc, text/html;level=%%' },
  { 'accept-encoding': 'gzip;q=NaN, br;q=-1' },
  { 'content-encoding': 'gzip' },
  { 'accept-version': '%%not-semver' },
  { expect: '100-continue' },
  { 'content-type': 'application/json', 'content-length': '0' },
];
const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const deepObject = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
const badBodies: { what: string; type: string; body: string | Buffer }[] = [
  { what: 'truncated JSON', type: 'application/json', body: '{"username": ' },
  { what: 'JSON array', type: 'application/json', body: '[]' },
  { what: 'JSON null', type: 'application/json', body: 'null' },
  { what: 'JSON string', type: 'application/json', body: '"x"' },
  { what: 'JSON huge number', type: 'application/json', body: '1e999999' },
  { what: 'JSON nested 100,000 deep (array)', type: 'application/json', body: deepArray },
  { what: 'JSON nested 20,000 deep (object)', type: 'application/json', body: deepObject },
  { what: 'JSON __proto__', type: 'application/json', body: '{"__proto__":{"isAdmin":true},"roles":["admin"]}' },
  { what: 'JSON constructor.prototype', type: 'application/json', body: '{"constructor":{"prototype":{"x":1}}}' },
  { what: 'invalid UTF-8', type: 'application/json', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]) },
  { what: 'wrong types everywhere', type: 'application/json', body: JSON.stringify({ username: 1, password: [], roles: 'admin', assigneeId: {}, add: 'x', remove: 5, reason: null, province: { code: 1 }, kind: 7, id: true }) },
  { what: 'decomposed Vietnamese and control characters', type: 'application/json', body: JSON.stringify({ username: nfd, reason: `${nfd}\u0000\u202e`, name: nfd, note: nfd }) },
  { what: 'a 900 KB string', type: 'application/json', body: JSON.stringify({ reason: 'x'.repeat(900_000) }) },
  { what: 'a body over every limit', type: 'application/json', body: JSON.stringify({ reason: 'x'.repeat(3 * 1024 * 1024) }) },
  { what: 'form encoding', type: 'application/x-www-form-urlencoded', body: 'username=a&password=b' },
  { what: 'CSV garbage', type: 'text/csv', body: '"unterminated,\n\u0000,,,\n' + 'x,'.repeat(2000) },
  { what: 'an email that is not one', type: 'message/rfc822', body: Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10, 13, 10]) },
  {
    what: 'a MIME email with odd parts',
    type: 'message/rfc822',
    body: [
      'From: a@b', 'To: c@d', 'Subject: [TBSC] =?x-unknown?Q?=FF?=', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '',
      '--b', 'Content-Type: application/x-evil; charset=x-unknown', 'Content-Transfer-Encoding: base64', '', '!!!not base64!!!',
      '--b', 'Content-Type: message/rfc822', '', 'Content-Type: multipart/mixed; boundary="c"', '', '--c', '--c--',
      '--b', 'Content-Type: application/json', '', '{"province": ', '--b', 'Content-Type: text/plain; charset=utf-7', '', '+ZeVnLIqe-', '--b--', '',
    ].join('\r\n'),
  },
  ...['null', '"x"', '7', deepArray, '{"province":'].map((json) => ({
    what: `an email whose JSON part is ${json.slice(0, 12)}`,
    type: 'message/rfc822',
    body: ['From: a@b', 'Subject: [TBSC] x', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'x', '--b', 'Content-Type: application/json', 'Content-Disposition: attachment; filename="r.json"', '', json, '--b--', ''].join('\r\n'),
  })),
  { what: 'a multipart form', type: 'multipart/form-data; boundary=z', body: '--z\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--z--\r\n' },
  { what: 'binary noise', type: 'application/octet-stream', body: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)) },
];

// path parameters that exist (an incident, its liaison, a directory entity), so that bad input reaches past the lookups; set in beforeAll
const defaults: Record<string, string> = { entity: 'enterprises', assigneeId: 'lia-01-sec-officer', sha256: 'a'.repeat(64) };
const fill = (url: string, override: Record<string, string> = {}) => url.replace(/:(\w+)/g, (_m, name: string) => override[name] ?? defaults[name] ?? 'x');

function casesFor(route: { method: string; url: string }): Case[] {
  const base = { method: route.method, headers: {} as Record<string, string> };
  const out: Case[] = [];
  for (const name of route.url.match(/:(\w+)/g)?.map((p) => p.slice(1)) ?? []) {
    for (const value of badParams) out.push({ ...base, what: `path :${name}=${value.slice(0, 20)}`, url: fill(route.url, { [name]: value }) });
  }
  for (const q of badQueries) out.push({ ...base, what: `query ${q.slice(0, 30)}`, url: fill(route.url) + q });
  for (const h of badHeaders) out.push({ ...base, what: `header ${JSON.stringify(h).slice(0, 60)}`, url: fill(route.url), headers: h });
  // a read takes no body, but one sent anyway is parsed all the same
  const bodies = ['GET', 'HEAD'].includes(route.method) ? badBodies.filter((b) => /JSON nested|truncated|invalid UTF-8|over every limit/.test(b.what)) : badBodies;
  for (const b of bodies) out.push({ ...base, what: `body: ${b.what}`, url: fill(route.url), headers: { 'content-type': b.type }, payload: b.body });
  return out;
}

describe('malformed input, on every route of every service', () => {
  let system: TestSystem;
  const redis = testRedis();
  const credentials: Record<string, Record<string, string>> = { 'not signed in': {} };
  const watched: TopicKey[] = (Object.keys(topics) as TopicKey[]).filter((t) => t !== 'auditEvents');
  let before: { offsets: Record<string, string>; keys: string[] };

  // refusals are on the audit trail (that is the rule); rate-limit counters count; nothing else may change
  const snapshot = async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const offsets: Record<string, string> = {};
      for (const t of watched) offsets[t] = (await admin.fetchTopicOffsets(topicName(system.names.prefix, t))).map((p) => `${p.partition}:${p.high}`).join(',');
      const keys = (await redis.keys(`${system.names.redisPrefix}*`)).filter((k) => !/:ratelimit:|:audit:log$/.test(k)).sort();
      return { offsets, keys };
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    // this corpus is about how each input is answered, not about load: limits off (startSystem has load shedding off)
    system = await startSystem('malformed', { ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000' });
    for (const name of ['dieuphoi', 'quantri', 'hanoi.baocao']) credentials[`signed in as ${name}`] = bearer(await sessionToken(system.names.redisPrefix, name));
    const filed = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), credentials['signed in as hanoi.baocao']!);
    defaults.id = filed.json.incidentId;
    // routing is one transaction (classified, assigned, offered or no fit): once its last event is projected, nothing more comes
    await waitFor('the incident routed', async () => (await readIncident(redis, system.names.redisPrefix, defaults.id!))?.timeline.some((t) => ['incident.assignment_offered', 'incident.routing_no_fit'].includes(t.type)));
    before = await snapshot();
  });
  afterAll(async () => {
    await system?.close();
    redis.disconnect();
  }, 120_000);

  it('every service lists its routes, and the corpus reaches each of them', () => {
    for (const [name, app] of system.services()) expect([name, app.routeTable.length > 2]).toEqual([name, true]);
    expect(system.intake.routeTable.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['POST /api/v1/reports', 'POST /api/v1/reports/email', 'POST /api/v1/reports/:id/attachments']));
  });

  it('answers 4xx naming the problem (or a success for a harmless read), never 5xx, before and after sign-in', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const [service, app] of system.services()) {
      for (const route of app.routeTable.filter((r) => r.method !== 'HEAD')) {
        for (const [who, auth] of Object.entries(credentials)) {
          // signing out with a valid session would end the session the rest of the corpus uses
          if (route.url === '/api/v1/auth/logout' && who !== 'not signed in') continue;
          for (const c of casesFor(route)) {
            const headers = { ...auth, ...c.headers };
            const response = await app.inject({ method: c.method as 'GET', url: c.url, headers, ...(c.payload !== undefined ? { payload: c.payload } : {}) });
            sent += 1;
            const where = `${service} ${route.method} ${route.url} ${who}, ${c.what}`;
            let body: { error?: unknown } | undefined;
            try {
              body = response.json();
            } catch {
              body = undefined;
            }
            if (response.statusCode >= 500) failures.push(`${where}: ${response.statusCode} ${response.body.slice(0, 200)}`);
            else if (response.statusCode >= 400 && typeof body?.error !== 'string') failures.push(`${where}: ${response.statusCode} without a named problem: ${response.body.slice(0, 200)}`);
            else if (response.statusCode < 400 && route.method !== 'GET') failures.push(`${where}: a write answered ${response.statusCode}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(5000);
  }, 600_000);

  it('raw HTTP the parser cannot read is a 4xx too', async () => {
    const port = Number(new URL(system.boardUrl).port);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(request));
        let answer = '';
        socket.on('data', (d) => (answer += String(d)));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    for (const request of [
      'GET /api/v1/incidents HTTP/1.1\r\nHost: x\r\nX: \u0001\r\n\r\n',
      `GET /api/v1/incidents HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'GET /api/v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n',
      'GE\u0000T / HTTP/1.1\r\n\r\n',
    ]) {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(await raw(request))?.[1] ?? 0);
      expect([request.slice(0, 40), status >= 400 && status < 500]).toEqual([request.slice(0, 40), true]);
    }
  });

  it('WebSocket frames that are not text, or too big, close that socket only; the feed goes on', async () => {
    const token = credentials['signed in as dieuphoi']!.authorization!.replace('Bearer ', '');
    const invalidUtf8 = await connectFeed(system.boardUrl, token);
    invalidUtf8.socket.send(Buffer.from([0xff, 0xfe, 0xfd]), { binary: false });
    expect(await invalidUtf8.closed).toBe(1007);
    const tooBig = await connectFeed(system.boardUrl, token);
    tooBig.socket.send(Buffer.alloc(100 * 1024, 1));
    expect(await tooBig.closed).toBe(1009);
    const garbage = await connectFeed(system.boardUrl, token);
    for (const frame of ['{"type":', 'null', nfd, '\u0000'.repeat(1000), JSON.stringify({ __proto__: { admin: true } })]) garbage.socket.send(frame);
    garbage.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    const pong = await new Promise<boolean>((resolve) => {
      garbage.socket.once('pong', () => resolve(true));
      garbage.socket.ping();
      setTimeout(() => resolve(false), 5000);
    });
    expect([pong, garbage.socket.readyState]).toEqual([true, WebSocket.OPEN]);
    garbage.close();
    expect((await fetch(`${system.boardUrl}/live`)).status).toBe(200);
  });

  it('nothing was written: no event, command or directory change, no Redis key', async () => {
    expect(await snapshot()).toEqual(before);
  });
});
