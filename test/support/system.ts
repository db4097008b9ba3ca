// Builds the four services in this process, against the real Kafka and Redis, with this test's names.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { loadConfig, loadDirectoryFiles, type FeedFilters, type FeedListItem, type FeedScope } from '@ucsc/shared';
import { buildApp as buildIntake, intakeConfigSchema } from '@ucsc/intake';
import { buildApp as buildDispatch, dispatchConfigSchema, seedDirectory } from '@ucsc/dispatch';
import { buildApp as buildTracker, trackerConfigSchema } from '@ucsc/tracker';
import { buildApp as buildBoard, boardConfigSchema } from '@ucsc/board';
import { createTopics, testKafka, testLogger, uniqueNames, type TestNames } from './index';

export interface TestSystem {
  names: TestNames;
  intake: FastifyInstance;
  dispatch: FastifyInstance;
  tracker: FastifyInstance;
  board: FastifyInstance;
  intakeUrl: string;
  boardUrl: string;
  /** dispatch's directory API (the web app reads it) */
  dispatchUrl: string;
  /** the four apps by name, for a test that walks every route of every service */
  services(): [string, FastifyInstance][];
  close(): Promise<void>;
}

/** The four services with the demo directory seeded; `env` overrides settings (e.g. dispatch policy). */
export async function startSystem(
  label: string,
  overrides: Record<string, string> = {},
  options: { names?: TestNames; intake?: Record<string, string>; dispatch?: Record<string, string>; board?: Record<string, string> } = {},
): Promise<TestSystem> {
  const names = options.names ?? uniqueNames(label);
  // load shedding off unless a test asks for it: the four services, the test and its browser driver
  // share one event loop, whose lag says nothing of any one service (a directory save right after a
  // screenshot was refused 503 overloaded); load shedding is test/plugins.test.ts's subject
  overrides = { MAX_EVENT_LOOP_DELAY_MS: '0', ...overrides };
  await createTopics(names.prefix);
  await seedDirectory({ kafka: testKafka(), prefix: names.prefix, data: loadDirectoryFiles(), logger: testLogger });
  const attachmentDir = mkdtempSync(join(tmpdir(), `ucsc-${label}-attachments-`));
  const logger = testLogger;
  // the board (the identity owner) listens first: intake and dispatch exchange credentials there;
  // it links attachment downloads to intake, whose port is chosen beforehand
  const intakePort = await freePort();
  const intakeUrl = `http://127.0.0.1:${intakePort}`;
  // the web app reads the directory from dispatch, which listens too
  const dispatchPort = await freePort();
  const board = await buildBoard(loadConfig(boardConfigSchema, { ...names.env, ATTACHMENT_DIR: attachmentDir, ...overrides, ...options.board, INTAKE_PUBLIC_URL: intakeUrl, DISPATCH_PUBLIC_URL: `http://127.0.0.1:${dispatchPort}` }), { logger });
  const boardUrl = await board.listen({ host: '127.0.0.1', port: await freePort() });
  names.env.IDENTITY_URL = boardUrl;
  const env = { ...names.env, ATTACHMENT_DIR: attachmentDir, ...overrides };
  const intake = await buildIntake(loadConfig(intakeConfigSchema, { ...env, CORS_ALLOWED_ORIGINS: boardUrl, ...options.intake }), { logger });
  await intake.listen({ host: '127.0.0.1', port: intakePort });
  const [dispatch, tracker] = await Promise.all([
    buildDispatch(loadConfig(dispatchConfigSchema, { ...env, CORS_ALLOWED_ORIGINS: boardUrl, ...options.dispatch }), { logger }),
    buildTracker(loadConfig(trackerConfigSchema, env), { logger }),
  ]);
  const dispatchUrl = await dispatch.listen({ host: '127.0.0.1', port: dispatchPort });
  return {
    names,
    intake,
    dispatch,
    tracker,
    board,
    intakeUrl,
    boardUrl,
    dispatchUrl,
    services: () => [
      ['intake', intake],
      ['board', board],
      ['dispatch', dispatch],
      ['tracker', tracker],
    ],
    async close() {
      // bounded: a service that does not close in time left something open (a connection, a
      // consumer); that fails the test that started it, rather than hanging the run
      const closeWithin = async (name: string, app: FastifyInstance) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`${name} did not close within 30 s: something it serves or holds was left open`)), 30_000);
        });
        try {
          await Promise.race([app.close(), late]);
        } finally {
          clearTimeout(timer);
        }
      };
      try {
        await Promise.all([closeWithin('intake', intake), closeWithin('dispatch', dispatch), closeWithin('tracker', tracker), closeWithin('board', board)]);
      } finally {
        rmSync(attachmentDir, { recursive: true, force: true });
      }
    },
  };
}

/** The next port to try in UCSC_TEST_PORTS (`low-high`, for suites run side by side on one machine), per jest worker. */
let nextInRange = 0;
const portRange = /^(\d+)-(\d+)$/.exec(process.env.UCSC_TEST_PORTS ?? '');

/** Whether a port is free to listen on now. */
async function bindable(port: number): Promise<number | undefined> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  const chosen = bound ? (server.address() as { port: number }).port : undefined;
  if (bound) await new Promise((resolve) => server.close(resolve));
  return chosen;
}

/**
 * A TCP port nothing listens on now (for a service whose address another needs before it listens):
 * one of UCSC_TEST_PORTS when set (each jest worker takes its own slice), else one the system picks.
 */
export async function freePort(): Promise<number> {
  if (!portRange) return (await bindable(0))!;
  const [low, high] = [Number(portRange[1]), Number(portRange[2])];
  const workers = 2; // jest.config.js: maxWorkers
  const worker = Number(process.env.JEST_WORKER_ID ?? 1) - 1;
  const slice = Math.floor((high - low + 1) / workers);
  for (let tries = 0; tries < slice; tries++) {
    const port = low + worker * slice + (nextInRange++ % slice);
    if ((await bindable(port)) !== undefined) return port;
  }
  throw new Error(`no free port in UCSC_TEST_PORTS=${process.env.UCSC_TEST_PORTS}`);
}

/**
 * The identity owner (the board) for a test of another service on its own: it listens, and the
 * test's names point IDENTITY_URL at it, so that the service exchanges credentials there.
 */
export async function startIdentityOwner(names: TestNames): Promise<{ url: string; close(): Promise<void> }> {
  const board = await buildBoard(loadConfig(boardConfigSchema, { ...names.env, INTAKE_PUBLIC_URL: 'http://127.0.0.1:9' }), { logger: testLogger });
  const url = await board.listen({ host: '127.0.0.1', port: await freePort() });
  names.env.IDENTITY_URL = url;
  return { url, close: () => board.close() };
}

/** A raw client of the board's live feed (`/api/v2/feed`) that keeps every frame it receives. */
export interface RawFeed {
  frames: any[];
  socket: WebSocket;
  /** sends a subscription (the protocol's `subscribe` frame) */
  subscribe(sub: string, scope: FeedScope, filters?: FeedFilters): void;
  /** every list item of this incident received, from snapshots and deltas, in order */
  items(incidentId: string): FeedListItem[];
  /** every full record of this incident received (incident subscriptions), in order */
  records(incidentId: string): any[];
  close(): void;
  closed: Promise<number>;
}

/** Connects to the feed with a bearer credential and subscribes (as `all`) to the country: everything the user may see. */
export async function connectFeed(boardUrl: string, token: string, scope: FeedScope = { kind: 'country' }): Promise<RawFeed> {
  const socket = new WebSocket(`${boardUrl.replace(/^http/, 'ws')}/api/v2/feed`, { headers: { authorization: `Bearer ${token}` } });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const frames: any[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const subscribe = (sub: string, what: FeedScope, filters: FeedFilters = {}) => socket.send(JSON.stringify({ type: 'subscribe', sub, scope: what, filters }));
  subscribe('all', scope);
  return {
    frames,
    socket,
    subscribe,
    items: (id) => frames.flatMap((f) => (f.type === 'snapshot' ? f.items : f.type === 'delta' ? f.upserts : [])).filter((i: FeedListItem) => i.id === id),
    records: (id) => frames.filter((f) => f.type === 'record' && f.incident?.id === id),
    close: () => socket.close(),
    closed,
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}
