import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { comparePositions, FeedClient, incidentKeys, loadConfig, readIncident, type FeedListItem, type FeedSocket } from '@ucsc/shared';
import { buildApp as buildBoard, boardConfigSchema } from '@ucsc/board';
import { bearer, sampleReport, sessionToken, testLogger, testRedis, waitFor } from './support';
import { freePort, postJson, startSystem, type TestSystem } from './support/system';

/** What a list screen built from the feed holds, and every delta's position in the order they came. */
function listScreen() {
  const items = new Map<string, FeedListItem>();
  const positions: string[] = [];
  const reloads: string[] = [];
  let counts: unknown;
  return {
    items,
    positions,
    reloads,
    counts: () => counts as { total: number; byState: Record<string, number> },
    handlers: {
      onSnapshot: (page: { items: FeedListItem[]; first: boolean; counts: unknown }) => {
        if (page.first) items.clear();
        for (const item of page.items) items.set(item.id, item);
        counts = page.counts;
      },
      onDelta: (delta: { upserts: FeedListItem[]; removes: string[]; position: string; counts?: unknown }) => {
        positions.push(delta.position);
        for (const item of delta.upserts) if ((items.get(item.id)?.version ?? -1) <= item.version) items.set(item.id, item);
        for (const id of delta.removes) items.delete(id);
        if (delta.counts) counts = delta.counts;
      },
      onReload: (reason: string) => void reloads.push(reason),
    },
  };
}

/** A /api/v2/feed socket that keeps every frame as the text it came in (what a user could read off the wire). */
async function rawFeed(url: string, token: string, options: WebSocket.ClientOptions = {}) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v2/feed`, { headers: bearer(token), ...options });
  const texts: string[] = [];
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.on('message', (data) => texts.push(String(data)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const frames = () => texts.map((t) => JSON.parse(t));
  return { socket, texts, frames, closed, send: (frame: unknown) => socket.send(JSON.stringify(frame)) };
}

describe('the live feed: subscriptions, positions, resume, scope', () => {
  let system: TestSystem;
  let coordinator: string;
  let hanoiLiaison: string; // Hà Nội's security liaison officer: assigned by routing, not of the reporting organisation
  let submitter: string; // Hà Nội
  let tqSubmitter: string; // Tuyên Quang
  let auditor: string; // sees every incident as a coordinator does, but not TLP:RED
  const sockets: WebSocket[] = [];
  const clients: FeedClient[] = [];
  let boardUrl: string;
  const extraBoards: FastifyInstance[] = [];

  const connect = (token: string) => (url: string) => {
    const socket = new WebSocket(url, { headers: bearer(token) });
    sockets.push(socket);
    return socket as unknown as FeedSocket;
  };
  const client = (token: string, url = () => boardUrl) => {
    const c = new FeedClient({ url: () => `${url().replace(/^http/, 'ws')}/api/v2/feed`, connect: connect(token), minDelayMs: 50, maxDelayMs: 200 });
    clients.push(c);
    return c;
  };
  const report = async (token: string, overrides: Record<string, unknown> = {}) => {
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(overrides), bearer(token));
    expect(posted.status).toBe(202);
    return posted.json.incidentId as string;
  };
  const anotherBoard = async (env: Record<string, string> = {}, port = 0) => {
    const board = await buildBoard(loadConfig(boardConfigSchema, { ...system.names.env, INTAKE_PUBLIC_URL: system.intakeUrl, ...env }), { logger: testLogger });
    extraBoards.push(board);
    return { board, url: await board.listen({ host: '127.0.0.1', port }) };
  };
  /** Until each screen holds each incident at the version the projection holds now. */
  const atProjectedVersions = (screens: ReturnType<typeof listScreen>[], ids: string[]) => {
    const redis = testRedis();
    return waitFor('every screen at the projection’s versions', async () => {
      for (const id of ids) {
        const version = (await readIncident(redis, system.names.redisPrefix, id))?.version;
        if (version === undefined || screens.some((s) => s.items.get(id)?.version !== version)) return undefined;
      }
      return true;
    }, 60_000).finally(() => redis.disconnect());
  };

  beforeAll(async () => {
    system = await startSystem('feed');
    boardUrl = system.boardUrl;
    coordinator = await sessionToken(system.names.redisPrefix, 'dieuphoi');
    hanoiLiaison = await sessionToken(system.names.redisPrefix, 'lienlac.hanoi');
    submitter = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    tqSubmitter = await sessionToken(system.names.redisPrefix, 'tuyenquang.baocao');
    auditor = await sessionToken(system.names.redisPrefix, 'kiemtoan');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    for (const board of extraBoards) await board.close().catch(() => undefined);
    await system?.close();
  });

  it('a dropped socket reconnects with its position: every change once, in order, nothing missed', async () => {
    const screen = listScreen();
    const feed = client(coordinator);
    const sub = feed.subscribe({ scope: { kind: 'country' } }, screen.handlers);
    await waitFor('the snapshot', () => sub.position);
    const before = [await report(submitter), await report(submitter)];
    await waitFor('the first two', () => before.every((id) => screen.items.get(id)?.state === 'routed') || undefined);
    // the network drops: the socket dies without a close handshake
    sockets.at(-1)!.terminate();
    const during = [await report(submitter), await report(tqSubmitter, { province: 'Tuyên Quang' }), await report(submitter)];
    const all = [...before, ...during];
    await waitFor('every incident routed on the screen', () => all.every((id) => screen.items.get(id)?.state === 'routed') || undefined);
    // each delta came once, in log order (the client drops nothing a user would miss: positions never repeat)
    const sorted = [...screen.positions].sort(comparePositions);
    expect(screen.positions).toEqual(sorted);
    expect(new Set(screen.positions).size).toBe(screen.positions.length);
    // what the screen holds is what the projection holds now
    const redis = testRedis();
    try {
      for (const id of all) expect(screen.items.get(id)?.version).toBe((await readIncident(redis, system.names.redisPrefix, id))!.version);
    } finally {
      redis.disconnect();
    }
    expect(screen.reloads).toEqual([]);
  });

  it('two board copies serve the same feed, and a client resumes on another copy after its board stops', async () => {
    const copy = await anotherBoard();
    let url = copy.url;
    const screen = listScreen();
    const feed = client(coordinator, () => url);
    const sub = feed.subscribe({ scope: { kind: 'country' } }, screen.handlers);
    await waitFor('the snapshot from the second copy', () => sub.position);
    const first = await report(submitter);
    await waitFor('the change through the second copy', () => screen.items.get(first)?.state === 'routed' || undefined);
    // the copy stops; the client comes back to the first board, with its position
    url = boardUrl;
    await copy.board.close();
    const later = [await report(submitter), await report(submitter)];
    await waitFor('the changes made while its board was gone', () => later.every((id) => screen.items.get(id)?.state === 'routed') || undefined);
    expect(screen.positions).toEqual([...screen.positions].sort(comparePositions));
    expect(new Set(screen.positions).size).toBe(screen.positions.length);
    expect(screen.reloads).toEqual([]);
  });

  it('a position the log no longer holds is answered reload, and the client takes a fresh snapshot', async () => {
    const screen = listScreen();
    let offline = false;
    // while offline, the client's reconnections find nobody listening (port 9: discard, closed here)
    const feed = client(coordinator, () => (offline ? 'http://127.0.0.1:9' : boardUrl));
    const sub = feed.subscribe({ scope: { kind: 'country' } }, screen.handlers);
    await waitFor('the snapshot', () => sub.position);
    const held = sub.position!;
    offline = true;
    sockets.at(-1)!.terminate();
    const missed = await report(submitter);
    const redis = testRedis();
    try {
      await waitFor('the report on the log', async () => (await readIncident(redis, system.names.redisPrefix, missed))?.state === 'routed' || undefined);
      // the log's cap reached: entries after the client's position are gone
      await redis.xtrim(incidentKeys(system.names.redisPrefix).changes, 'MAXLEN', 0);
    } finally {
      redis.disconnect();
    }
    offline = false;
    await waitFor('the reload', () => screen.reloads.length > 0 || undefined);
    expect(screen.reloads).toEqual(['gap_too_old']);
    await waitFor('the missed report in the fresh snapshot', () => screen.items.get(missed) ?? undefined);
    expect(comparePositions(sub.position!, held)).toBeGreaterThan(0);
  });

  it('a province’s liaison gets only its province, and not TLP:AMBER+STRICT; a submitter only its organisation’s', async () => {
    const province = listScreen();
    const national = listScreen();
    const reporterOrg = listScreen();
    const subs = [
      client(hanoiLiaison).subscribe({ scope: { kind: 'country' } }, province.handlers),
      client(coordinator).subscribe({ scope: { kind: 'country' } }, national.handlers),
      client(submitter).subscribe({ scope: { kind: 'country' } }, reporterOrg.handlers),
    ];
    await waitFor('three snapshots', () => subs.every((s) => s.position) || undefined);
    const elsewhere = await report(tqSubmitter, { province: 'Tuyên Quang' });
    const strict = await report(submitter, { tlp: 'AMBER+STRICT' });
    const amber = await report(submitter, { tlp: 'AMBER' });
    await waitFor('all three on the national board', () => [elsewhere, strict, amber].every((id) => national.items.get(id)?.state === 'routed') || undefined);
    await waitFor('the reporter’s own', () => [strict, amber].every((id) => reporterOrg.items.has(id)) || undefined);
    await waitFor('the province’s AMBER one', () => province.items.get(amber)?.state === 'routed' || undefined);
    expect(province.items.has(elsewhere)).toBe(false);
    expect(province.items.has(strict)).toBe(false);
    expect(reporterOrg.items.has(elsewhere)).toBe(false);
    // nothing of another province ever reached the province's screen, not even a removal
    for (const item of province.items.values()) expect(item.province.code).toBe('01');
    // true counts from the board: the national board counts every incident, the province only its own
    expect(national.counts().total).toBeGreaterThanOrEqual(3);
    expect(province.counts().total).toBe([...province.items.values()].length);
  });

  it('an incident subscription gets the full record on every change; a bad frame is answered with the field and rule', async () => {
    const id = await report(submitter);
    const records: any[] = [];
    const errors: any[] = [];
    const feed = new FeedClient({ url: `${boardUrl.replace(/^http/, 'ws')}/api/v2/feed`, connect: connect(coordinator), onError: (e) => void errors.push(e) });
    clients.push(feed);
    feed.subscribe({ scope: { kind: 'incident', id } }, { onRecord: (incident) => void records.push(incident) });
    await waitFor('the routed record', () => records.find((r) => r?.state === 'routed'));
    expect(records.at(-1).description).toBe(sampleReport().description);
    feed.subscribe({ scope: { kind: 'province', code: 'Hà Nội' } as never }, {});
    await waitFor('the refusal', () => errors[0]);
    expect(errors[0]).toMatchObject({ code: 'invalid_frame', field: 'scope.code' });
  });
  it('counts by state and severity are the board’s true counts, past 500 incidents, and snapshots come in pages', async () => {
    const posted: string[] = [];
    for (let round = 0; round < 26; round += 1) posted.push(...(await Promise.all(Array.from({ length: 20 }, () => report(submitter)))));
    const redis = testRedis();
    try {
      const keys = incidentKeys(system.names.redisPrefix);
      await waitFor('every report routed', async () => {
        const views = await redis.mget(posted.map(keys.incident));
        return views.every((v) => v && JSON.parse(v).state !== 'reported') || undefined;
      }, 60_000);
      const screen = listScreen();
      const pages: number[] = [];
      const feed = client(coordinator);
      const sub = feed.subscribe({ scope: { kind: 'country' }, pageSize: 200 }, {
        ...screen.handlers,
        onSnapshot: (page) => {
          screen.handlers.onSnapshot(page);
          pages.push(page.items.length);
          if (page.more) sub.nextPage();
        },
      });
      const ids = await redis.zrange(keys.byUpdated, 0, -1);
      await waitFor('every page', () => screen.items.size >= ids.length || undefined);
      const views = (await redis.mget(ids.map(keys.incident))).map((v) => JSON.parse(v!));
      const byState: Record<string, number> = {};
      const bySeverity: Record<string, number> = {};
      for (const v of views) {
        byState[v.state] = (byState[v.state] ?? 0) + 1;
        const severity = v.classification?.severity ?? 'unclassified';
        bySeverity[severity] = (bySeverity[severity] ?? 0) + 1;
      }
      expect(ids.length).toBeGreaterThan(520);
      expect(screen.counts().total).toBe(ids.length);
      expect(screen.counts().byState).toEqual(byState);
      expect((screen.counts() as any).bySeverity).toEqual(bySeverity);
      expect(pages.slice(0, 2)).toEqual([200, 200]);
      for (const id of posted) expect(screen.items.has(id)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
  it('a client that stops reading is closed with 4429 once too much waits for it; the others on its board get every change meanwhile', async () => {
    const copy = await anotherBoard({ WS_MAX_BUFFERED_BYTES: String(64 * 1024), FEED_MAX_PENDING: '3' });
    const wsUrl = `${copy.url.replace(/^http/, 'ws')}/api/v2/feed`;
    const slow = new WebSocket(wsUrl, { headers: bearer(coordinator) });
    const slowClosed = new Promise<number>((resolve) => slow.once('close', (code) => resolve(code)));
    await new Promise((resolve) => slow.once('open', resolve));
    const healthy = listScreen();
    const feed = new FeedClient({ url: wsUrl, connect: connect(coordinator) });
    clients.push(feed);
    const sub = feed.subscribe({ scope: { kind: 'country' } }, healthy.handlers);
    await waitFor('the healthy snapshot', () => sub.position);
    const big = await report(submitter);
    await waitFor('a routed record', () => healthy.items.get(big)?.state === 'routed' || undefined);
    // the slow one stops reading and asks for thousands of whole records: its socket fills (the board's buffer over the bound)
    slow.send(JSON.stringify({ type: 'subscribe', sub: 'a', scope: { kind: 'country' } }));
    (slow as any)._socket.pause();
    for (let i = 0; i < 4000; i += 1) slow.send(JSON.stringify({ type: 'subscribe', sub: `r${i}`, scope: { kind: 'incident', id: big } }));
    const later = await Promise.all(Array.from({ length: 6 }, () => report(submitter)));
    await waitFor('the healthy client has every change', () => later.every((id) => healthy.items.get(id)?.state === 'routed') || undefined);
    (slow as any)._socket.resume();
    expect(await slowClosed).toBe(4429);
    await copy.board.close();
  });
  it('a TLP:RED incident reaches only who may see it: to anyone else nothing of it, not even its id', async () => {
    const national = listScreen();
    const reporter = listScreen();
    const subs = [client(coordinator).subscribe({ scope: { kind: 'country' } }, national.handlers), client(submitter).subscribe({ scope: { kind: 'country' } }, reporter.handlers)];
    // the auditor sees every other incident as a coordinator does; the Tuyên Quang submitter is of another organisation and province
    const audit = await rawFeed(boardUrl, auditor);
    const elsewhere = await rawFeed(boardUrl, tqSubmitter);
    const outsiders = [audit, elsewhere];
    for (const outsider of outsiders) outsider.send({ type: 'subscribe', sub: 'list', scope: { kind: 'country' } });
    await waitFor('the snapshots', () => (subs.every((s) => s.position) && outsiders.every((o) => o.texts.some((t) => t.startsWith('{"type":"snapshot"')))) || undefined);
    const red = await report(submitter, { tlp: 'RED' });
    // each outsider also asks for it by its id, as a pasted link would
    for (const outsider of outsiders) outsider.send({ type: 'subscribe', sub: 'open', scope: { kind: 'incident', id: red } });
    await waitFor('the RED incident routed on the national board and its reporter’s', () => (national.items.get(red)?.state === 'routed' && reporter.items.get(red)?.state === 'routed') || undefined);
    expect(national.items.get(red)!.tlp).toBe('RED');
    // reports after it: once each outsider has one, its feed has passed every change of the RED one so far
    const amber = await report(submitter);
    const fromTq = await report(tqSubmitter, { province: 'Tuyên Quang' });
    await waitFor('the later reports on the outsiders’ lists', () => (audit.texts.some((t) => t.includes(amber) && t.includes('"routed"')) && elsewhere.texts.some((t) => t.includes(fromTq) && t.includes('"routed"'))) || undefined);
    for (const outsider of outsiders) {
      expect(outsider.texts.filter((t) => t.includes(red))).toEqual([]);
      const records = outsider.frames().filter((f) => f.sub === 'open');
      expect(records.length).toBeGreaterThan(0);
      for (const record of records) expect(record).toMatchObject({ type: 'record', incident: null });
      outsider.socket.close();
    }
  });

  it('a connection that answers nothing is closed with 4408 after two heartbeats; a client that answers keeps its feed', async () => {
    const copy = await anotherBoard({ FEED_HEARTBEAT_MS: '1000' });
    const screen = listScreen();
    const statuses: string[] = [];
    const live = new FeedClient({ url: `${copy.url.replace(/^http/, 'ws')}/api/v2/feed`, connect: connect(coordinator), onStatus: (status) => void statuses.push(status) });
    clients.push(live);
    const sub = live.subscribe({ scope: { kind: 'country' } }, screen.handlers);
    await waitFor('the live snapshot', () => sub.position);
    // a peer gone dead: after its subscription it neither answers the board's pings nor sends anything
    const dead = await rawFeed(copy.url, coordinator, { autoPong: false });
    let code: number | undefined;
    void dead.closed.then((c) => (code = c));
    dead.send({ type: 'subscribe', sub: 'a', scope: { kind: 'country' } });
    await waitFor('the dead connection closed', () => code, 15_000);
    expect(code).toBe(4408);
    const id = await report(submitter);
    await waitFor('a change after it on the live client', () => screen.items.get(id)?.state === 'routed' || undefined);
    expect(statuses).toEqual(['connecting', 'live']);
    await copy.board.close();
  });

  it('a client that stops reading gets one compacted catch-up when it reads again, and the others are not held up meanwhile', async () => {
    const copy = await anotherBoard({ WS_MAX_BUFFERED_BYTES: String(64 * 1024) });
    const healthy = listScreen();
    const feed = new FeedClient({ url: `${copy.url.replace(/^http/, 'ws')}/api/v2/feed`, connect: connect(coordinator) });
    clients.push(feed);
    const sub = feed.subscribe({ scope: { kind: 'country' } }, healthy.handlers);
    await waitFor('the healthy snapshot', () => sub.position);
    const big = await report(submitter);
    await waitFor('a routed record', () => healthy.items.get(big)?.state === 'routed' || undefined);
    const slow = await rawFeed(copy.url, coordinator);
    slow.send({ type: 'subscribe', sub: 'a', scope: { kind: 'country' }, pageSize: 1 });
    await waitFor('its snapshot', () => slow.texts.some((t) => t.startsWith('{"type":"snapshot","sub":"a"')) || undefined);
    // it stops reading, after asking for thousands of whole records: its socket fills, past the board's bound
    (slow.socket as any)._socket.pause();
    for (let i = 0; i < 6000; i += 1) slow.send({ type: 'subscribe', sub: `r${i}`, scope: { kind: 'incident', id: big } });
    const later = await Promise.all(Array.from({ length: 6 }, () => report(submitter)));
    await waitFor('the healthy client has every change while the slow one reads nothing', () => later.every((id) => healthy.items.get(id)?.state === 'routed') || undefined);
    (slow.socket as any)._socket.resume();
    const isDelta = (t: string) => t.startsWith('{"type":"delta","sub":"a"');
    await waitFor('the catch-up', () => slow.texts.some((t) => isDelta(t) && later.some((id) => t.includes(id))) || undefined, 60_000);
    // the first delta after it read again has all six, each once and as it is now (not as first reported): coalesced while it waited
    const catchUp = JSON.parse(slow.texts.find((t) => isDelta(t) && later.some((id) => t.includes(id)))!);
    const items = catchUp.upserts.filter((item: FeedListItem) => later.includes(item.id));
    expect(items.map((item: FeedListItem) => item.id).sort()).toEqual([...later].sort());
    for (const item of items) {
      expect(item.state).not.toBe('reported');
      expect(item.version).toBeGreaterThanOrEqual(healthy.items.get(item.id)!.version);
    }
    expect(slow.socket.readyState).toBe(WebSocket.OPEN);
    slow.socket.close();
    await copy.board.close();
  });

  it('a client resumes after its board restarts: what changed while it was down arrives once, in order, nothing missed', async () => {
    const port = await freePort();
    let copy = await anotherBoard({}, port);
    const screen = listScreen();
    const feed = client(coordinator, () => copy.url);
    const sub = feed.subscribe({ scope: { kind: 'country' } }, screen.handlers);
    await waitFor('the snapshot', () => sub.position);
    const before = await report(submitter);
    await waitFor('a change before the restart', () => screen.items.get(before)?.state === 'routed' || undefined);
    await copy.board.close();
    const during = [await report(submitter), await report(tqSubmitter, { province: 'Tuyên Quang' }), await report(submitter)];
    // the same board, started again on the same address
    copy = await anotherBoard({}, port);
    await atProjectedVersions([screen], [before, ...during]);
    expect(screen.positions).toEqual([...screen.positions].sort(comparePositions));
    expect(new Set(screen.positions).size).toBe(screen.positions.length);
    expect(screen.reloads).toEqual([]);
    await copy.board.close();
  });

  it('two board copies at once serve the same feed: a client on each holds the same incidents at the same versions', async () => {
    const copy = await anotherBoard();
    const onFirst = listScreen();
    const onSecond = listScreen();
    const subs = [client(coordinator).subscribe({ scope: { kind: 'country' } }, onFirst.handlers), client(coordinator, () => copy.url).subscribe({ scope: { kind: 'country' } }, onSecond.handlers)];
    await waitFor('both snapshots', () => subs.every((s) => s.position) || undefined);
    const ids = [await report(submitter), await report(tqSubmitter, { province: 'Tuyên Quang' }), await report(submitter, { tlp: 'AMBER+STRICT' })];
    await atProjectedVersions([onFirst, onSecond], ids);
    for (const id of ids) expect(onSecond.items.get(id)).toEqual(onFirst.items.get(id));
    expect([onFirst.reloads, onSecond.reloads]).toEqual([[], []]);
    await copy.board.close();
  });

  it('an entry on the log that throws when judged is passed over: the feed goes on, and its reader stays healthy on /ready', async () => {
    const screen = listScreen();
    const sub = client(hanoiLiaison).subscribe({ scope: { kind: 'country' } }, screen.handlers);
    await waitFor('the snapshot', () => sub.position);
    const redis = testRedis();
    try {
      // readable, but no rule can judge it: an assignee that is not there
      const poison = { eventId: 'poison', type: 'incident.updated', incident: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', province: { code: '01' }, tlp: 'AMBER', assignees: [null] } };
      await redis.xadd(incidentKeys(system.names.redisPrefix).changes, '*', 'c', JSON.stringify(poison));
    } finally {
      redis.disconnect();
    }
    const id = await report(submitter);
    await waitFor('the next report on the liaison’s screen', () => screen.items.get(id)?.state === 'routed' || undefined);
    const ready = (await (await fetch(`${boardUrl}/ready`)).json()) as { checks: Record<string, string>; jobs: unknown[] };
    expect(ready.checks.jobs).toBe('ok');
    expect(ready.jobs).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'feed-log-reader', state: 'running', healthy: true }), expect.objectContaining({ name: 'feed-identity-changes', state: 'listening', healthy: true })]),
    );
  });
});
