import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { ulid } from 'ulid';
import { IdentityStore, incidentKeys, type Actor, type IncidentView, type Redis } from '@ucsc/shared';
import { LiveFeed } from '../src/feed';
import { testLogger, testRedis, uniqueNames, waitFor } from '../../../test/support';
import { testIncident } from '../../../test/support/incidents';

/** A socket the feed writes to as it would to a browser's: every frame kept. */
function fakeSocket() {
  const socket = Object.assign(new EventEmitter(), { OPEN: 1, readyState: 1, bufferedAmount: 0, frames: [] as any[], send: (text: string) => void socket.frames.push(JSON.parse(text)), ping: () => undefined, close: () => undefined, terminate: () => undefined });
  return socket;
}

const coordinator = { kind: 'user', id: 'u-nc', roles: ['national_coordinator'], authenticatedBy: 'password+totp' } as unknown as Actor;

describe('the feed’s replay for a resumed subscription (services/board/src/feed.ts)', () => {
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
});
