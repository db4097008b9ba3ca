// Builds the four services in this process, against the real Kafka and Redis, with this test's names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { loadConfig, loadDirectoryFiles } from '@ucsc/shared';
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
  /** the four apps by name, for a test that walks every route of every service */
  services(): [string, FastifyInstance][];
  close(): Promise<void>;
}

/** The four services with the demo directory seeded; `env` overrides settings (e.g. dispatch policy). */
export async function startSystem(label: string, overrides: Record<string, string> = {}): Promise<TestSystem> {
  const names = uniqueNames(label);
  await createTopics(names.prefix);
  await seedDirectory({ kafka: testKafka(), prefix: names.prefix, data: loadDirectoryFiles(), logger: testLogger });
  const attachmentDir = mkdtempSync(join(tmpdir(), `ucsc-${label}-attachments-`));
  const env = { ...names.env, ATTACHMENT_DIR: attachmentDir, ...overrides };
  const logger = testLogger;
  const intake = await buildIntake(loadConfig(intakeConfigSchema, env), { logger });
  const intakeUrl = await intake.listen({ host: '127.0.0.1', port: 0 });
  const [dispatch, tracker, board] = await Promise.all([
    buildDispatch(loadConfig(dispatchConfigSchema, env), { logger }),
    buildTracker(loadConfig(trackerConfigSchema, env), { logger }),
    // the board links attachment downloads to this intake
    buildBoard(loadConfig(boardConfigSchema, { ...env, INTAKE_PUBLIC_URL: intakeUrl }), { logger }),
  ]);
  const boardUrl = await board.listen({ host: '127.0.0.1', port: 0 });
  return {
    names,
    intake,
    dispatch,
    tracker,
    board,
    intakeUrl,
    boardUrl,
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

/** A board WebSocket client that keeps every frame it receives. */
export async function connectFeed(boardUrl: string, token: string, query = ''): Promise<{ frames: any[]; socket: WebSocket; close(): void; closed: Promise<number> }> {
  const socket = new WebSocket(`${boardUrl.replace(/^http/, 'ws')}/api/v1/feed${query}`, { headers: { authorization: `Bearer ${token}` } });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const frames: any[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { frames, socket, close: () => socket.close(), closed };
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
