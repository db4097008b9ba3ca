import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { ulid } from 'ulid';
import { compareQueue, defaultResponsePolicy, IdentityStore, incidentKeys, type Actor, type IncidentView, type Redis } from '@ucsc/shared';
import { LiveFeed, type FeedOptions } from '../src/feed';
import { testLogger, testRedis, uniqueNames, waitFor } from '../../../test/support';
import { testIncident } from '../../../test/support/incidents';

/** A socket the feed writes to as it would to a browser's: every frame kept. */
function fakeSocket() {
  const socket = Object.assign(new EventEmitter(), { OPEN: 1, readyState: 1, bufferedAmount: 0, frames: [] as any[], send: (text: string) => void socket.frames.push(JSON.parse(text)), ping: () => undefined, close: () => undefined, terminate: () => undefined });
  return socket;
}

const coordinator = { kind: 'user', id: 'u-nc', roles: ['national_coordinator'], authenticatedBy: 'password+totp' } as unknown as Actor;
const auditor = { kind: 'user', id: 'u-audit', roles: ['auditor'], authenticatedBy: 'password+totp' } as unknown as Actor;
const at = (minutes: number) => new Date(Date.parse('2026-12-01T02:00:00.000Z') + minutes * 60_000).toISOString();
const classification = (priority: 'P1' | 'P2' | 'P3' | 'P4') => ({ severity: priority === 'P1' ? 'severe' : 'normal', priority, category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['r'] }) as IncidentView['classification'];
const breached = { fired: [], breaches: [{ deadlineKey: 'acknowledge', kind: 'acknowledge', dueAt: at(1), firedAt: at(2), late: false }], climbs: [] } as unknown as IncidentView['clocks'];
const quiet = { maxBufferedBytes: 1 << 20, flushMs: 20, heartbeatMs: 60_000, revalidateMs: 3_600_000 } satisfies FeedOptions;

/** A connection of this actor on the feed, with one subscription. */
function subscribed(feed: LiveFeed, actor: Actor, frame: Record<string, unknown>) {
  const socket = fakeSocket();
  feed.add(socket as unknown as WebSocket, actor, { kind: 'session', token: 'unused' });
  const send = (f: Record<string, unknown>) => socket.emit('message', Buffer.from(JSON.stringify(f)), false);
  send({ type: 'subscribe', sub: 's1', ...frame });
  return { socket, send };
}

describe('the live feed on a real Redis (services/board/src/feed.ts)', () => {
  const redis = testRedis();
  const feeds: LiveFeed[] = [];
  afterAll(async () => {
    for (const feed of feeds) await feed.close();
    redis.disconnect();
  });

  it('a change that comes while the gap is read is not overwritten by an older one from the gap', async () => {
    const { redisPrefix } = uniqueNames('feed-replay');
    const keys = incidentKeys(redisPrefix);
    const change = (incident: IncidentView, type: string) => JSON.stringify({ eventId: ulid(), type, incident });
    const other = testIncident();
    const clientHad = await redis.xadd(keys.changes, '*', 'c', change(other, 'incident.reported'));
    // what the client missed while it was away: the incident, reported
    const incident = testIncident({ state: 'reported', version: 1 });
    await redis.xadd(keys.changes, '*', 'c', change(incident, 'incident.reported'));

    // the feed reads the gap from the log; just then the incident moves on, and the board's reader
    // hands that live change to the subscription before the gap's entries are judged
    let feed: LiveFeed | undefined;
    let live: string | undefined;
    const slowed = new Proxy(redis, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (key !== 'xrange') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          if (!live) {
            live = (await redis.xadd(keys.changes, '*', 'c', change({ ...incident, state: 'acknowledged', version: 2 }, 'incident.acknowledged')))!;
            await waitFor('the reader to pass the live change', () => feed!.head === live);
          }
          return (target.xrange as (...a: unknown[]) => Promise<unknown>)(...args);
        };
      },
    }) as Redis;
    feed = new LiveFeed(slowed, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), { maxBufferedBytes: 1 << 20, flushMs: 20, heartbeatMs: 60_000, revalidateMs: 3_600_000 });
    feeds.push(feed);
    await feed.start();

    const socket = fakeSocket();
    feed.add(socket as unknown as WebSocket, coordinator, { kind: 'session', token: 'unused' });
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', sub: 's1', scope: { kind: 'country' }, pageSize: 100, after: clientHad })), false);

    const delta = await waitFor('the resumed subscription’s first delta', () => socket.frames.find((f) => f.type === 'delta'));
    expect(socket.frames.filter((f) => f.type === 'snapshot' || f.type === 'reload')).toEqual([]);
    expect(delta.upserts.filter((u: { id: string }) => u.id === incident.id)).toEqual([expect.objectContaining({ id: incident.id, version: 2, state: 'acknowledged' })]);
    expect(delta.position).toBe(live);
  });

  it('pages every list in the queue’s order, the one the page sorts in: overdue, then priority, then the earliest open deadline, not the latest change', async () => {
    const { redisPrefix } = uniqueNames('feed-order');
    const keys = incidentKeys(redisPrefix);
    const at = (minutes: number) => new Date(Date.parse('2026-12-01T02:00:00.000Z') + minutes * 60_000).toISOString();
    const classification = (priority: 'P1' | 'P3') => ({ severity: priority === 'P1' ? 'severe' : 'normal', priority, category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['r'] }) as IncidentView['classification'];
    // the most recently changed first: the order the page must not be given
    const incidents = [
      testIncident({ id: '01P3LATEST000000000000000', classification: classification('P3'), reportedAt: at(0), updatedAt: at(50) }),
      testIncident({ id: '01P1DUELATER0000000000000', classification: classification('P1'), reportedAt: at(10), updatedAt: at(40) }),
      testIncident({ id: '01P1DUESOONER000000000000', classification: classification('P1'), reportedAt: at(5), updatedAt: at(30) }),
      testIncident({ id: '01OVERDUE0000000000000000', classification: classification('P3'), reportedAt: at(0), updatedAt: at(20), clocks: { fired: [], breaches: [{ deadlineKey: 'acknowledge', kind: 'acknowledge', dueAt: at(1), firedAt: at(2), late: false }], climbs: [] } as unknown as IncidentView['clocks'] }),
    ];
    for (const incident of incidents) {
      await redis.set(keys.incident(incident.id), JSON.stringify(incident));
      await redis.zadd(keys.byUpdated, Date.parse(incident.updatedAt), incident.id);
    }
    const feed = new LiveFeed(redis, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), { maxBufferedBytes: 1 << 20, flushMs: 20, heartbeatMs: 60_000, revalidateMs: 3_600_000 });
    feeds.push(feed);
    await feed.start();
    const socket = fakeSocket();
    feed.add(socket as unknown as WebSocket, coordinator, { kind: 'session', token: 'unused' });
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', sub: 's1', scope: { kind: 'country' }, pageSize: 3 })), false);
    const first = await waitFor('the first page', () => socket.frames.find((f) => f.type === 'snapshot'));
    expect(first.items.map((i: { id: string }) => i.id)).toEqual(['01OVERDUE0000000000000000', '01P1DUESOONER000000000000', '01P1DUELATER0000000000000']);
    expect(first.next).toBe('3');
    // each item says its next deadline: P1 severe is acknowledged within the policy's minutes of its report
    expect(Date.parse(first.items[1].dueAt)).toBeLessThan(Date.parse(first.items[2].dueAt));
    expect(Date.parse(first.items[1].dueAt)).toBeGreaterThan(Date.parse(at(5)));
  });
  it('two groups over the same incidents work out each incident’s deadlines once, not once per group, nor again for a page', async () => {
    const { redisPrefix } = uniqueNames('feed-once');
    const keys = incidentKeys(redisPrefix);
    const incidents = Array.from({ length: 40 }, (_, i) => testIncident({ classification: classification((['P1', 'P2', 'P3', 'P4'] as const)[i % 4]!), reportedAt: at(i), updatedAt: at(i) }));
    for (const incident of incidents) {
      await redis.set(keys.incident(incident.id), JSON.stringify(incident));
      await redis.zadd(keys.byUpdated, Date.parse(incident.updatedAt), incident.id);
    }
    // every working-out of an incident's deadlines reads the policy once (its severity's times)
    let worked = 0;
    const policy = new Proxy(structuredClone(defaultResponsePolicy), { get: (target, key) => (worked++, Reflect.get(target, key)) });
    const feed = new LiveFeed(redis, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), { ...quiet, clocks: { policy } });
    feeds.push(feed);
    await feed.start();
    // a coordinator and an auditor: two groups of the same incidents, seen the same way
    const screens = [subscribed(feed, coordinator, { scope: { kind: 'country' }, pageSize: 10 }), subscribed(feed, auditor, { scope: { kind: 'country' }, pageSize: 10 })];
    const pages = await Promise.all(screens.map((s) => waitFor('the first page', () => s.socket.frames.find((f) => f.type === 'snapshot'))));
    expect(pages[0].items).toEqual(pages[1].items);
    expect(pages[0].counts.total).toBe(40);
    expect(worked).toBe(40);

    // a change: judged by both groups, its deadlines worked out once
    const moved = { ...incidents[5]!, version: 4, state: 'acknowledged' as const, updatedAt: at(60) };
    await redis.set(keys.incident(moved.id), JSON.stringify(moved));
    await redis.xadd(keys.changes, '*', 'c', JSON.stringify({ eventId: ulid(), type: 'incident.acknowledged', incident: moved }));
    for (const s of screens) await waitFor('the change', () => s.socket.frames.find((f) => f.type === 'delta' && f.upserts.some((u: { id: string }) => u.id === moved.id)));
    expect(worked).toBe(41);
    // a later page reads what it shows, and works nothing out again
    screens[0]!.send({ type: 'page', sub: 's1', cursor: '10' });
    await waitFor('the second page', () => screens[0]!.socket.frames.filter((f) => f.type === 'snapshot').length === 2 || undefined);
    expect(worked).toBe(41);
  });

  it('a queue that changes (incidents move, leave and enter) still pages in the queue’s order, with its true counts', async () => {
    const { redisPrefix } = uniqueNames('feed-moves');
    const keys = incidentKeys(redisPrefix);
    const priorities = ['P1', 'P2', 'P3', 'P4'] as const;
    const views = Array.from({ length: 60 }, (_, i) => testIncident({ classification: classification(priorities[i % 4]!), reportedAt: at(i % 7), updatedAt: at(i) }));
    for (const incident of views) {
      await redis.set(keys.incident(incident.id), JSON.stringify(incident));
      await redis.zadd(keys.byUpdated, Date.parse(incident.updatedAt), incident.id);
    }
    const feed = new LiveFeed(redis, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), quiet);
    feeds.push(feed);
    await feed.start();
    const { socket, send } = subscribed(feed, coordinator, { scope: { kind: 'queue' }, pageSize: 25 });
    await waitFor('the first page', () => socket.frames.find((f) => f.type === 'snapshot'));

    // moves (priority, a breach), closes (out of the queue) and new reports, as the log brings them
    const change = async (incident: IncidentView, type: string) => {
      await redis.set(keys.incident(incident.id), JSON.stringify(incident));
      return redis.xadd(keys.changes, '*', 'c', JSON.stringify({ eventId: ulid(), type, incident }));
    };
    let last: string | null = null;
    for (let i = 0; i < 60; i += 3) {
      const v = views[i]!;
      const next = i % 9 === 0 ? { ...v, version: 4, state: 'closed' as const } : i % 9 === 3 ? { ...v, version: 4, clocks: breached } : { ...v, version: 4, classification: classification(priorities[(i + 1) % 4]!) };
      views[i] = next;
      last = await change(next, 'incident.updated');
    }
    for (let i = 0; i < 10; i++) {
      const fresh = testIncident({ classification: classification(priorities[i % 4]!), reportedAt: at(i), updatedAt: at(100 + i) });
      views.push(fresh);
      last = await change(fresh, 'incident.reported');
    }
    await waitFor('the last change', () => feed.head === last || undefined);

    const open = views.filter((v) => v.state !== 'closed');
    const items: { id: string }[] = [];
    for (let cursor = 0, n = 2; cursor < open.length; cursor += 25, n++) {
      send({ type: 'page', sub: 's1', cursor: String(cursor) });
      const page = await waitFor('a page', () => socket.frames.filter((f) => f.type === 'snapshot')[n - 1]);
      items.push(...page.items);
      expect(page.counts.total).toBe(open.length);
      if (page.next === null) break;
    }
    expect(new Set(items.map((i) => i.id))).toEqual(new Set(open.map((v) => v.id)));
    expect(items).toEqual([...items].sort(compareQueue as (a: unknown, b: unknown) => number));
    // the overdue first: the breached ones moved to the top
    expect(items.slice(0, 6).every((i) => (i as { overdue?: boolean }).overdue)).toBe(true);
  });
  it('a change that cannot be judged for one group, after others moved to its version, leaves that group without the incident, not holding it twice after the next', async () => {
    const { redisPrefix } = uniqueNames('feed-broken');
    const keys = incidentKeys(redisPrefix);
    const incident = testIncident({ version: 3 });
    await redis.set(keys.incident(incident.id), JSON.stringify(incident));
    await redis.zadd(keys.byUpdated, Date.parse(incident.updatedAt), incident.id);
    const feed = new LiveFeed(redis, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), quiet);
    feeds.push(feed);
    await feed.start();
    // Hà Nội's coordinator sees the incident as a responder, the national one as a coordinator
    const hanoi = { kind: 'user', id: 'u-pc', roles: ['province_coordinator'], provinceCodes: ['01'], authenticatedBy: 'password' } as unknown as Actor;
    const screens = [subscribed(feed, coordinator, { scope: { kind: 'country' }, pageSize: 10 }), subscribed(feed, hanoi, { scope: { kind: 'country' }, pageSize: 10 })];
    for (const s of screens) await waitFor('the first page', () => s.socket.frames.find((f) => f.type === 'snapshot'));

    // a timeline that is not a list: the coordinator's view does not read it, the responder's does (and throws)
    const broken = await redis.xadd(keys.changes, '*', 'c', JSON.stringify({ eventId: ulid(), type: 'incident.updated', incident: { ...incident, version: 4, timeline: 'broken' } }));
    await waitFor('the broken change read', () => feed.head === broken || undefined);
    const good = { ...incident, version: 5, state: 'acknowledged' as const };
    await redis.set(keys.incident(incident.id), JSON.stringify(good));
    await redis.xadd(keys.changes, '*', 'c', JSON.stringify({ eventId: ulid(), type: 'incident.acknowledged', incident: good }));
    const { socket, send } = screens[1]!;
    await waitFor('the good change on Hà Nội’s screen', () => socket.frames.find((f) => f.type === 'delta' && f.upserts.some((u: { version: number }) => u.version === 5)));
    send({ type: 'page', sub: 's1', cursor: '0' });
    const page = await waitFor('a page', () => socket.frames.filter((f) => f.type === 'snapshot')[1]);
    expect(page.items.map((i: { id: string }) => i.id)).toEqual([incident.id]);
    expect(page.counts).toEqual({ total: 1, byState: { acknowledged: 1 }, bySeverity: { normal: 1 } });
  });

  it('a reader that fell behind the log’s cap (entries it had not read trimmed away) tells every client to reload, and the reloaded snapshot holds what was trimmed', async () => {
    const { redisPrefix } = uniqueNames('feed-behind');
    const keys = incidentKeys(redisPrefix);
    const change = (incident: IncidentView) => JSON.stringify({ eventId: ulid(), type: 'incident.assigned', incident });
    const before = await redis.xadd(keys.changes, '*', 'c', change(testIncident()));
    const feed = new LiveFeed(redis, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), quiet);
    feeds.push(feed);
    await feed.start();
    expect(feed.head).toBe(before);
    const { socket, send } = subscribed(feed, coordinator, { scope: { kind: 'country' }, pageSize: 100 });
    await waitFor('the first page', () => socket.frames.find((f) => f.type === 'snapshot'));

    // a burst the reader does not get to before the cap trims it: 1,500 changes written and the
    // log cut to its last 1,200 in one transaction, the reader's position and the first 300 gone
    const incidents = Array.from({ length: 1500 }, () => testIncident({ state: 'assigned' }));
    const trimmed = incidents[0]!;
    const burst = redis.multi();
    burst.set(keys.incident(trimmed.id), JSON.stringify(trimmed)).zadd(keys.byUpdated, Date.parse(trimmed.updatedAt), trimmed.id);
    for (const incident of incidents) burst.xadd(keys.changes, '*', 'c', change(incident));
    burst.xtrim(keys.changes, 'MAXLEN', 1200);
    const written = (await burst.exec())!.map(([, id]) => id);
    const last = written[written.length - 2] as string;

    const reload = await waitFor('the reload', () => socket.frames.find((f) => f.type === 'reload'));
    expect(reload).toEqual({ type: 'reload', reason: 'gap_too_old', position: last });
    expect(feed.gaps).toBe(1);
    expect(feed.head).toBe(last);
    // nothing of the burst was sent as if it were all: no delta before the reload
    expect(socket.frames.filter((f) => f.type === 'delta')).toEqual([]);
    send({ type: 'subscribe', sub: 's1', scope: { kind: 'country' }, pageSize: 100 });
    const snapshot = await waitFor('the snapshot after the reload', () => socket.frames.filter((f) => f.type === 'snapshot')[1]);
    expect(snapshot.items.map((i: { id: string }) => i.id)).toContain(trimmed.id);
  });

  it('a client the log moves past with nothing for it is told its position at most once per positionMs, not on every flush, and a change for it carries the latest', async () => {
    const { redisPrefix } = uniqueNames('feed-position');
    const keys = incidentKeys(redisPrefix);
    const change = (incident: IncidentView) => JSON.stringify({ eventId: ulid(), type: 'incident.assigned', incident });
    await redis.xadd(keys.changes, '*', 'c', change(testIncident()));
    const tuyenQuang = { code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Tuyên Quang' };
    const run = async (positionMs: number) => {
      const feed = new LiveFeed(redis, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), { ...quiet, positionMs });
      feeds.push(feed);
      await feed.start();
      const { socket } = subscribed(feed, coordinator, { scope: { kind: 'province', code: '08' }, pageSize: 100 });
      await waitFor('the first page', () => socket.frames.find((f) => f.type === 'snapshot'));
      // Hà Nội's changes, over many 20 ms flushes: none is for this client
      let elsewhere = '';
      for (let i = 0; i < 20; i++) {
        elsewhere = (await redis.xadd(keys.changes, '*', 'c', change(testIncident())))!;
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      await waitFor('the feed to read them', () => feed.head === elsewhere);
      return { feed, socket, elsewhere };
    };

    const slow = await run(60_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slow.socket.frames.filter((f) => f.type === 'position')).toHaveLength(1);
    const mine = (await redis.xadd(keys.changes, '*', 'c', change(testIncident({ province: tuyenQuang }))))!;
    const delta = await waitFor('the change for it', () => slow.socket.frames.find((f) => f.type === 'delta'));
    expect(delta.position).toBe(mine);

    // and told where the log is, a positionMs after: what it resumes from is never far behind
    const quick = await run(100);
    await waitFor('the last position told', () => quick.socket.frames.find((f) => f.type === 'position' && f.position === quick.elsewhere));
  });

  it('a quiet board flushes a change after its shortest wait, not its longest: the wait follows the flushes’ own cost', async () => {
    const { redisPrefix } = uniqueNames('feed-flush');
    const keys = incidentKeys(redisPrefix);
    // the longest wait a minute: a board that always waited it would hold the change that long
    const feed = new LiveFeed(redis, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), { ...quiet, flushMs: 60_000, flushMinMs: 20 });
    feeds.push(feed);
    await feed.start();
    const { socket } = subscribed(feed, coordinator, { scope: { kind: 'country' }, pageSize: 100 });
    await waitFor('the first page', () => socket.frames.find((f) => f.type === 'snapshot'));
    const incident = testIncident({ state: 'assigned' });
    const position = await redis.xadd(keys.changes, '*', 'c', JSON.stringify({ eventId: ulid(), type: 'incident.assigned', incident }));
    const delta = await waitFor('the change, well before a minute', () => socket.frames.find((f) => f.type === 'delta'), 10_000);
    expect(delta).toMatchObject({ position, upserts: [expect.objectContaining({ id: incident.id })] });
  });

  it('a reader that is a full read behind, with nothing trimmed, reads on without a reload', async () => {
    const { redisPrefix } = uniqueNames('feed-behind-kept');
    const keys = incidentKeys(redisPrefix);
    const change = (incident: IncidentView) => JSON.stringify({ eventId: ulid(), type: 'incident.assigned', incident });
    await redis.xadd(keys.changes, '*', 'c', change(testIncident()));
    const feed = new LiveFeed(redis, redisPrefix, testLogger, new IdentityStore(redis, redisPrefix), quiet);
    feeds.push(feed);
    await feed.start();
    const { socket } = subscribed(feed, coordinator, { scope: { kind: 'country' }, pageSize: 100 });
    await waitFor('the first page', () => socket.frames.find((f) => f.type === 'snapshot'));
    const incidents = Array.from({ length: 2500 }, () => testIncident({ state: 'assigned' }));
    const burst = redis.multi();
    for (const incident of incidents) burst.xadd(keys.changes, '*', 'c', change(incident));
    await burst.exec();
    const seen = new Set<string>();
    await waitFor('every change on the client', () => {
      for (const f of socket.frames) if (f.type === 'delta') for (const u of f.upserts) seen.add(u.id);
      return seen.size === incidents.length || undefined;
    });
    expect(socket.frames.filter((f) => f.type === 'reload')).toEqual([]);
    expect(feed.gaps).toBe(0);
  });
});
