// Board WebSocket clients of scripts/system.mjs's Feed, in one process: each connects to
// /api/v2/feed with its session (bearer) and subscribes to the country as the national board's
// queue does (everything its user may see: compact list items, coalesced per flush), notes every
// incident it is sent past "reported" (a snapshot page or a delta), reconnects when dropped as the
// page does and resumes from its last position, and on request says which of the routed reports it
// should have seen (canSee, the board's own rule) it never got.
import WebSocket from 'ws';
import { createRequire } from 'node:module';
import { host, reportTlp } from './system.mjs';

const require = createRequire(import.meta.url);
const { canSee } = require('@ucsc/shared');

let boardPort;
let clients = [];
let stopping = false;
// one index per incident id for the whole process; each client keeps a bit per index
const indexOf = new Map();
const idAt = [];
function index(id) {
  let i = indexOf.get(id);
  if (i === undefined) {
    i = idAt.length;
    indexOf.set(id, i);
    idAt.push(id);
  }
  return i;
}

function mark(client, id, state, at) {
  if (state === 'reported') return;
  const i = index(id);
  if (i >> 3 >= client.seen.length) {
    const grown = new Uint8Array(Math.max(client.seen.length * 2, (i >> 3) + 1024));
    grown.set(client.seen);
    client.seen = grown;
  }
  if (client.seen[i >> 3] & (1 << (i & 7))) return;
  client.seen[i >> 3] |= 1 << (i & 7);
  if (client.national) client.firstSeen.set(i, at);
}

function connect(client) {
  const socket = new WebSocket(`ws://${host}:${boardPort}/api/v2/feed`, { headers: { authorization: `Bearer ${client.token}` } });
  client.socket = socket;
  socket.on('open', () => {
    client.open = true;
    client.paging = false;
    // until the board answers the subscription on this connection, its position frames and
    // heartbeats do not speak for it (it may not have read the subscribe yet)
    client.answered = false;
    // back after a drop: the changes after its last position, then live (no snapshot)
    if (client.position) socket.send(JSON.stringify({ type: 'resume', position: client.position }));
    socket.send(JSON.stringify({ type: 'subscribe', sub: 'queue', scope: { kind: 'country' }, pageSize: 100, ...(client.position ? { after: client.position } : {}) }));
  });
  socket.on('message', (data) => {
    const text = data.toString('utf8');
    client.frames += 1;
    client.bytes += text.length;
    const at = Date.now();
    const frame = JSON.parse(text);
    if (frame.sub) client.answered = true;
    if (frame.type === 'snapshot') {
      for (const item of frame.items) mark(client, item.id, item.state, at);
      // every page, as a user scrolling the whole list would (after a reload the list is read
      // again); a later page's position is not the client's: it keeps the first page's and the deltas'
      const later = client.paging;
      client.paging = Boolean(frame.next);
      if (frame.next) socket.send(JSON.stringify({ type: 'page', sub: frame.sub, cursor: frame.next }));
      if (later) return;
    }
    else if (frame.type === 'delta') for (const item of frame.upserts) mark(client, item.id, item.state, at);
    else if (frame.type === 'reload') {
      client.position = undefined;
      client.paging = false;
      client.answered = false;
      socket.send(JSON.stringify({ type: 'subscribe', sub: 'queue', scope: { kind: 'country' }, pageSize: 100 }));
    }
    if (frame.position && frame.type !== 'reload' && client.answered) client.position = frame.position;
  });
  socket.on('error', () => undefined);
  socket.on('close', (code) => {
    client.open = false;
    if (stopping) return;
    client.drops += 1;
    client.lastClose = code;
    // as the page does: back in a second, with whatever credential it holds now
    setTimeout(() => connect(client), 1000).unref();
  });
}

process.on('message', (m) => {
  if (m.type === 'setup') {
    boardPort = m.boardPort;
    clients = m.clients.map((c) => ({ ...c, open: false, seen: new Uint8Array(1024), firstSeen: new Map(), frames: 0, bytes: 0, drops: 0 }));
    for (const client of clients) connect(client);
  } else if (m.type === 'tokens') {
    // Redis was wiped: the accounts were made again, with new sessions
    for (const client of clients) if (m.byUser[client.actor.name]) Object.assign(client, m.byUser[client.actor.name]);
  } else if (m.type === 'status') {
    const sum = (f) => clients.reduce((n, c) => n + f(c), 0);
    process.send({ type: 'status', open: sum((c) => (c.open ? 1 : 0)), total: clients.length, frames: sum((c) => c.frames), bytes: sum((c) => c.bytes), drops: sum((c) => c.drops), nationalMin: Math.min(...clients.filter((c) => c.national).map((c) => c.firstSeen.size)) });
  } else if (m.type === 'unseen') {
    const national = clients.filter((c) => c.national);
    const seenBy = (client, id) => {
      const i = indexOf.get(id);
      return i !== undefined && client.firstSeen.has(i);
    };
    process.send({ type: 'unseen', unseen: m.ids.filter((id) => national.some((c) => !seenBy(c, id))).length });
  } else if (m.type === 'seen') {
    const seen = [];
    for (const client of clients) if (client.national) for (const [i, t] of client.firstSeen) seen.push([idAt[i], t]);
    process.send({ type: 'seen', seen });
  } else if (m.type === 'check') {
    let missing = 0;
    let clientsMissing = 0;
    let nationalMissing = 0;
    let lastSeenAt = 0;
    const examples = [];
    const missingIds = new Set();
    const latencies = [];
    for (const client of clients) {
      let missed = 0;
      const sees = new Map(); // what it may see depends only on the province here
      for (const [id, code, acceptedAt] of m.expected) {
        if (!sees.has(code)) sees.set(code, canSee(client.actor, { province: { code }, tlp: reportTlp, assignees: [] }));
        if (!sees.get(code)) continue;
        const i = indexOf.get(id);
        const has = i !== undefined && i >> 3 < client.seen.length && client.seen[i >> 3] & (1 << (i & 7));
        if (!has) {
          missed += 1;
          if (missingIds.size < 20_000) missingIds.add(id);
          if (examples.length < 3) examples.push(`${id} (province ${code}) not on client ${client.id}`);
          continue;
        }
        if (client.national) {
          const t = client.firstSeen.get(i);
          latencies.push(t - acceptedAt);
          lastSeenAt = Math.max(lastSeenAt, t);
        }
      }
      missing += missed;
      if (missed) clientsMissing += 1;
      if (missed && client.national) nationalMissing += missed;
    }
    process.send({ type: 'checked', missing, clientsMissing, nationalMissing, missingIds: [...missingIds], examples, latencies, lastSeenAt });
  }
});
process.on('disconnect', () => {
  stopping = true;
  for (const client of clients) client.socket?.terminate();
  process.exit(0);
});
