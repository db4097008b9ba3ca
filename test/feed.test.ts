import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { comparePositions, FeedClient, incidentKeys, loadConfig, readIncident, type FeedListItem, type FeedSocket } from '@ucsc/shared';
import { buildApp as buildBoard, boardConfigSchema } from '@ucsc/board';
import { bearer, sampleReport, sessionToken, testLogger, testRedis, waitFor } from './support';
import { postJson, startSystem, type TestSystem } from './support/system';

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

describe('the live feed: subscriptions, positions, resume, scope', () => {
  let system: TestSystem;
  let coordinator: string;
  let hanoiLiaison: string; // Hà Nội's security liaison officer: assigned by routing, not of the reporting organisation
  let submitter: string; // Hà Nội
  let tqSubmitter: string; // Tuyên Quang
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
  const anotherBoard = async (env: Record<string, string> = {}) => {
    const board = await buildBoard(loadConfig(boardConfigSchema, { ...system.names.env, INTAKE_PUBLIC_URL: system.intakeUrl, ...env }), { logger: testLogger });
    extraBoards.push(board);
    return { board, url: await board.listen({ host: '127.0.0.1', port: 0 }) };
  };

  beforeAll(async () => {
    system = await startSystem('feed');
    boardUrl = system.boardUrl;
    coordinator = await sessionToken(system.names.redisPrefix, 'dieuphoi');
    hanoiLiaison = await sessionToken(system.names.redisPrefix, 'lienlac.hanoi');
    submitter = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    tqSubmitter = await sessionToken(system.names.redisPrefix, 'tuyenquang.baocao');
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
});
