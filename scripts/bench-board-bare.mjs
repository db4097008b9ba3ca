// The baseline of `npm run bench:board`: the least a WebSocket server can do to forward the board's
// changes, on the same change log the board reads. `ws` alone: a connection names its account by
// its bearer token (the harness hands over token → actor), subscribes with the same frames as
// /api/v2/feed (country, province, assignments, incident), gets an empty snapshot at the log's head,
// then, for every change on the log, every connection is walked and every subscription that may
// see it (canSee, the same scope rule as the board) is sent one frame at once: the list item, or the
// whole record for an incident subscription. No groups, no coalescing, no backpressure, no resume,
// no revalidation: what the board does beyond this is what the comparison prices.
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';

const require = createRequire(import.meta.url);
const { canSee, createLogger, createRedis, incidentKeys, incidentListItem, viewFor } = require('@ucsc/shared');
const { feedFiltersPass, feedScopeCovers } = require('@ucsc/board');

const { REDIS_URL, REDIS_PREFIX, PORT } = process.env;
const keys = incidentKeys(REDIS_PREFIX);
const redis = createRedis(REDIS_URL, createLogger('bench-bare-feed', 'warn'));
let actors = new Map();
const connections = new Set();

const last = await redis.xrevrange(keys.changes, '+', '-', 'COUNT', 1);
let position = last[0]?.[0] ?? '0-0';

const server = new WebSocketServer({ host: '127.0.0.1', port: Number(PORT), path: '/api/v2/feed', maxPayload: 64 * 1024 });
server.on('connection', (socket, request) => {
  const actor = actors.get((request.headers.authorization ?? '').replace(/^Bearer /, ''));
  if (!actor) return socket.close(4401, 'unknown token');
  const connection = { socket, actor, subs: new Map() };
  connections.add(connection);
  socket.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (frame.type === 'ping') return socket.send(JSON.stringify({ type: 'pong', at: frame.at }));
    if (frame.type === 'unsubscribe') return void connection.subs.delete(frame.sub);
    if (frame.type !== 'subscribe') return;
    connection.subs.set(frame.sub, { scope: frame.scope, filters: frame.filters ?? {} });
    if (frame.scope.kind === 'incident') socket.send(JSON.stringify({ type: 'record', sub: frame.sub, position, incident: null }));
    else socket.send(JSON.stringify({ type: 'snapshot', sub: frame.sub, position, items: [], next: null, counts: { total: 0, byState: {}, bySeverity: {} } }));
  });
  socket.on('close', () => connections.delete(connection));
  socket.on('error', () => connections.delete(connection));
});

async function read() {
  const reader = redis.duplicate();
  for (;;) {
    const answer = await reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', keys.changes, position);
    for (const [id, fields] of answer?.[0]?.[1] ?? []) {
      position = id;
      const change = JSON.parse(fields[1]);
      const incident = change.incident;
      for (const connection of connections) {
        if (!canSee(connection.actor, incident)) continue;
        for (const [sub, { scope, filters }] of connection.subs) {
          if (scope.kind === 'incident') {
            if (scope.id === incident.id) connection.socket.send(JSON.stringify({ type: 'record', sub, position: id, eventType: change.type, incident: viewFor(connection.actor, incident) }));
          } else if (feedScopeCovers(connection.actor, scope, incident) && feedFiltersPass(filters, incident)) {
            connection.socket.send(JSON.stringify({ type: 'delta', sub, position: id, upserts: [incidentListItem(viewFor(connection.actor, incident), change.type)], removes: [] }));
          }
        }
      }
    }
  }
}

process.on('message', (m) => {
  if (m.type === 'actors') {
    actors = new Map(m.actors);
    process.send({ type: 'ready' });
  } else if (m.type === 'memory') {
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ type: 'memory', rss, heapUsed });
  }
});
process.on('disconnect', () => process.exit(0));
read().catch((error) => {
  console.error(`[bench:board bare feed] ${error.stack ?? error}`);
  process.exit(1);
});
process.send({ type: 'listening' });
