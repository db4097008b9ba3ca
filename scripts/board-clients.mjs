// Feed clients of `npm run bench:board`, in one process: for every target (the board, the bare
// baseline, a baseline build) and every client of the plan, one FeedClient (shared/src/feed-client.ts,
// the web app's own) on `ws` with the account's bearer session, subscribed as its screen is (a
// national coordinator the country, a province coordinator its province, an enterprise its
// assignments; some also with one incident open). Each notes every incident it is sent, the
// version it holds, when it first saw each, its bytes and why it was closed. A slow client stops
// reading its socket when told and starts again later. On `check`, each compares what it holds
// with the final views: a change it should have (the latest version of each incident its scope
// covers) and does not hold is missed; an incident it was sent that its account could never see
// (canSee, with every assignment it ever had counted current) is leaked.
import WebSocket from 'ws';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { FeedClient, canSee } = require('@ucsc/shared');
const { feedFiltersPass, feedScopeCovers } = require('@ucsc/board');

const host = '127.0.0.1';
let states = [];
let stopping = false;

function start(target, client) {
  const state = { target: target.name, client, items: new Map(), record: undefined, firstSeen: new Map(), firstVersion: new Map(), bytes: 0, frames: 0, closes: {}, reloads: 0, lastAt: 0, open: false, socket: undefined };
  const seen = (id, version) => {
    if (state.firstSeen.has(id)) return;
    state.firstSeen.set(id, Date.now());
    state.firstVersion.set(id, version);
  };
  state.feed = new FeedClient({
    url: `ws://${host}:${target.port}/api/v2/feed`,
    minDelayMs: 200,
    maxDelayMs: 2000,
    connect: (url) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${client.token}` } });
      socket.on('message', (data) => {
        state.bytes += data.length;
        state.frames += 1;
        // when it was last sent a change (pongs, heartbeats and positions come however quiet the log is)
        if (/^\{"type":"(delta|snapshot|record)"/.test(data.toString('latin1', 0, 24))) state.lastAt = Date.now();
      });
      // the closes counted are the server's (the client's own watchdog closes too, after a silence)
      let byClient = false;
      const close = socket.close.bind(socket);
      socket.close = (...args) => {
        byClient = true;
        close(...args);
      };
      socket.on('close', (code) => {
        if (!byClient && !stopping) state.closes[code] = (state.closes[code] ?? 0) + 1;
      });
      state.socket = socket;
      return socket;
    },
    onStatus: (status) => void (state.open = status === 'live'),
  });
  state.feed.subscribe(
    { scope: client.scope, filters: client.filters, pageSize: 500 },
    {
      onSnapshot: (page) => {
        if (page.first) state.items.clear();
        for (const item of page.items) {
          seen(item.id, item.version);
          state.items.set(item.id, item.version);
        }
      },
      onDelta: (delta) => {
        for (const item of delta.upserts) {
          seen(item.id, item.version);
          if ((state.items.get(item.id) ?? -1) < item.version) state.items.set(item.id, item.version);
        }
        for (const id of delta.removes) state.items.delete(id);
      },
      onReload: () => void (state.reloads += 1),
    },
  );
  return state;
}

function openIncident(state, id) {
  state.incidentId = id;
  state.feed.subscribe(
    { scope: { kind: 'incident', id } },
    {
      onRecord: (incident) => {
        if (!incident) return;
        if (!state.firstSeen.has(id)) state.firstSeen.set(id, Date.now());
        state.record = Math.max(state.record ?? -1, incident.version);
      },
    },
  );
}

/** Every assignment it ever had counted as current: what the account could have seen at some moment. */
const everVisible = (actor, facts) => canSee(actor, { ...facts, assignees: facts.assignees.map((a) => ({ ...a, status: 'assigned' })) });

function check(final, accepted, loggedAt = []) {
  const views = new Map(final.map(([id, version, facts]) => [id, { version, facts }]));
  const acceptedAt = new Map(accepted);
  // the log's time of each (incident, version): from the one a client saw first to its first sight
  const logged = new Map(loggedAt);
  const byTarget = {};
  for (const state of states) {
    const { actor, scope, filters, kind, slow } = state.client;
    const out = (byTarget[state.target] ??= { clients: 0, missed: 0, clientsMissing: 0, leaked: 0, examples: [], latencies: [], fromLog: [], bytes: 0, bytesByKind: {}, closes: {}, slowCloses: {}, reloads: 0, slowMissed: 0, open: 0 });
    out.clients += 1;
    out.bytes += state.bytes;
    const label = slow ? `slow ${kind}` : kind;
    out.bytesByKind[label] ??= [0, 0];
    out.bytesByKind[label][0] += state.bytes;
    out.bytesByKind[label][1] += 1;
    out.reloads += state.reloads;
    out.open += state.open ? 1 : 0;
    for (const [code, n] of Object.entries(state.closes)) (slow ? out.slowCloses : out.closes)[code] = ((slow ? out.slowCloses : out.closes)[code] ?? 0) + n;
    let missed = 0;
    for (const [id, { version, facts }] of views) {
      if (!canSee(actor, facts) || !feedScopeCovers(actor, scope, facts) || !feedFiltersPass(filters, facts)) continue;
      if ((state.items.get(id) ?? -1) < version) {
        missed += 1;
        if (out.examples.length < 3) out.examples.push(`missed: ${id} v${version} (province ${facts.province.code}, ${facts.tlp}) on ${kind} client ${state.client.id}, which holds v${state.items.get(id) ?? 'none'}`);
      }
    }
    if (state.incidentId) {
      const view = views.get(state.incidentId);
      if (view && canSee(actor, view.facts) && (state.record ?? -1) < view.version) missed += 1;
    }
    for (const id of state.firstSeen.keys()) {
      const view = views.get(id);
      if (view && everVisible(actor, view.facts)) continue;
      out.leaked += 1;
      if (out.examples.length < 6) out.examples.push(`leaked: ${id} (${view ? `province ${view.facts.province.code}, ${view.facts.tlp}` : 'no view'}) to ${kind} client ${state.client.id}`);
    }
    out.missed += missed;
    if (missed) out.clientsMissing += 1;
    if (slow) out.slowMissed += missed;
    // 202 → first sight, on the clients that keep reading (the slow ones are counted apart)
    if (!slow) for (const [id, at] of state.firstSeen) if (acceptedAt.has(id) && id !== state.incidentId) {
      out.latencies.push(at - acceptedAt.get(id));
      const at0 = logged.get(`${id} ${state.firstVersion.get(id)}`);
      if (at0 !== undefined) out.fromLog.push(at - at0);
    }
  }
  return byTarget;
}

/** BENCH_DUMP_DIR: per client, its kind (with "+filters" when it set its own), whether slow, and its first sight of each incident: [id, ms] and [id, version]. */
function dumpFirstSights(dir) {
  const rows = states.map((s) => [`${s.client.kind}${Object.keys(s.client.filters ?? {}).length ? '+filters' : ''}`, s.client.slow ?? false, [...s.firstSeen], [...s.firstVersion]]);
  writeFileSync(`${dir}/seen-${process.pid}.json`, JSON.stringify(rows));
}

process.on('message', (m) => {
  if (m.type === 'setup') {
    states = m.targets.flatMap((target) => m.clients.map((client) => start(target, client)));
    process.send({ type: 'started' });
  } else if (m.type === 'status') {
    process.send({ type: 'status', open: states.filter((s) => s.open).length, total: states.length, lastAt: Math.max(0, ...states.map((s) => s.lastAt)), bytes: states.reduce((n, s) => n + s.bytes, 0) });
  } else if (m.type === 'open-incidents') {
    for (const state of states) if (state.client.opensIncident) openIncident(state, m.ids[state.client.id % m.ids.length]);
    process.send({ type: 'opened' });
  } else if (m.type === 'pause' || m.type === 'resume') {
    // the slow clients stop reading (the kernel's buffers fill, then the server's) and start again
    for (const state of states) if (state.client.slow) state.socket?._socket?.[m.type]();
    process.send({ type: m.type });
  } else if (m.type === 'check') {
    if (process.env.BENCH_DUMP_DIR) dumpFirstSights(process.env.BENCH_DUMP_DIR);
    process.send({ type: 'checked', byTarget: check(m.final, m.accepted, m.loggedAt) });
  }
});
process.on('disconnect', () => {
  stopping = true;
  for (const state of states) state.feed.close();
  process.exit(0);
});
