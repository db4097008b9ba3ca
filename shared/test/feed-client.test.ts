import { FeedClient, type FeedSocket } from '../src/feed-client';

/** Sockets the client opens, each played by the test as the board would answer. */
function board() {
  const sockets: (FeedSocket & { sent: any[]; answer(frame: unknown): void; drop(): void; open(): void })[] = [];
  const connect = () => {
    const socket = {
      readyState: 0,
      sent: [] as any[],
      send(data: string) {
        socket.sent.push(JSON.parse(data));
      },
      close() {},
      onopen: null as FeedSocket['onopen'],
      onmessage: null as FeedSocket['onmessage'],
      onclose: null as FeedSocket['onclose'],
      onerror: null as FeedSocket['onerror'],
      answer: (frame: unknown) => socket.onmessage?.({ data: JSON.stringify(frame) }),
      drop: () => {
        socket.readyState = 3;
        socket.onclose?.({ code: 1006, reason: '' });
      },
      open: () => {
        socket.readyState = 1;
        socket.onopen?.({});
      },
    };
    sockets.push(socket);
    return socket;
  };
  return { sockets, connect, last: () => sockets.at(-1)! };
}

const counts = { total: 0, byState: {}, bySeverity: {} };
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('the feed client (shared/src/feed-client.ts)', () => {
  const clients: FeedClient[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  const start = () => {
    const b = board();
    clients.push(new FeedClient({ url: 'ws://board/api/v2/feed', connect: b.connect, minDelayMs: 1, maxDelayMs: 1, graceMs: 60_000 }));
    b.last().open();
    return b;
  };

  it('a position frame that comes before the board answers a resumed subscription does not move it on: the next resume asks from where it was', async () => {
    const b = start();
    const list = clients[0]!.subscribe({ scope: { kind: 'country' } }, {});
    b.last().answer({ type: 'snapshot', sub: list.id, position: '5-0', items: [], next: null, counts });
    b.last().drop();
    await until(() => b.sockets.length === 2);
    b.last().open();
    expect(b.last().sent.find((f) => f.type === 'subscribe')).toMatchObject({ sub: list.id, after: '5-0' });
    // the board has not read the subscribe yet: this position is the connection's, not the subscription's
    b.last().answer({ type: 'position', position: '9-0' });
    b.last().answer({ type: 'heartbeat', at: 1, position: '9-0', intervalMs: 60_000 });
    expect(list.position).toBe('5-0');
    b.last().drop();
    await until(() => b.sockets.length === 3);
    b.last().open();
    expect(b.last().sent.find((f) => f.type === 'subscribe')).toMatchObject({ sub: list.id, after: '5-0' });
    // once answered, the connection's positions speak for it
    b.last().answer({ type: 'delta', sub: list.id, position: '10-0', upserts: [], removes: [], counts });
    b.last().answer({ type: 'position', position: '12-0' });
    expect(list.position).toBe('12-0');
  });

  it('a later snapshot page does not move the position: the delta flushed after it at the same position is applied', () => {
    const b = start();
    const deltas: unknown[] = [];
    const list = clients[0]!.subscribe({ scope: { kind: 'country' }, pageSize: 1 }, { onDelta: (d) => deltas.push(d) });
    b.last().answer({ type: 'snapshot', sub: list.id, position: '5-0', items: [], next: '1', counts });
    list.nextPage();
    b.last().answer({ type: 'snapshot', sub: list.id, position: '7-0', items: [], next: null, counts });
    expect(list.position).toBe('5-0');
    b.last().answer({ type: 'delta', sub: list.id, position: '7-0', upserts: [], removes: ['X'], counts });
    expect(deltas).toEqual([expect.objectContaining({ removes: ['X'], position: '7-0' })]);
  });

  it('a subscription made while offline is not resumed from another’s position: no resume frame, and it asks for a snapshot', async () => {
    const b = start();
    const held = clients[0]!.subscribe({ scope: { kind: 'country' } }, {});
    b.last().answer({ type: 'snapshot', sub: held.id, position: '5-0', items: [], next: null, counts });
    b.last().drop();
    const made = clients[0]!.subscribe({ scope: { kind: 'province', code: '01' } }, {});
    await until(() => b.sockets.length === 2);
    b.last().open();
    expect(b.last().sent.map((f) => f.type)).not.toContain('resume');
    expect(b.last().sent.filter((f) => f.type === 'subscribe')).toEqual([expect.objectContaining({ sub: held.id, after: '5-0' }), expect.not.objectContaining({ after: expect.anything() })]);
    expect(b.last().sent.find((f) => f.sub === made.id)).toBeDefined();
  });
});
