import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@ucsc/shared';
import { buildApp as buildIntake, intakeConfigSchema } from '@ucsc/intake';
import { createTopics, uniqueNames, waitFor } from './support';
import { startSystem, type TestSystem } from './support/system';

// What the Fastify plugins of every service do, against two copies of intake sharing Kafka and Redis.
describe('rate limits and load shedding', () => {
  const names = uniqueNames('plugins');
  let copies: FastifyInstance[] = [];
  /** a third copy that sheds load early (20 ms of event-loop delay); the two others keep the default, so a GC pause cannot turn their answers into 503s */
  let touchy: FastifyInstance;
  beforeAll(async () => {
    await createTopics(names.prefix);
    const config = loadConfig(intakeConfigSchema, { ...names.env, ANONYMOUS_RATE_LIMIT_PER_MINUTE: '4' });
    copies = [await buildIntake(config), await buildIntake({ ...config, SERVICE_INSTANCE: `${config.SERVICE_INSTANCE}-b` })];
    touchy = await buildIntake({ ...config, SERVICE_INSTANCE: `${config.SERVICE_INSTANCE}-c`, MAX_EVENT_LOOP_DELAY_MS: 20 });
  });
  afterAll(async () => {
    await Promise.all([...copies, touchy].map((app) => app?.close()));
  });

  it('copies of a service share one count per address (Redis), and answer 429 with Retry-After past it', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await copies[i % 2]!.inject({ method: 'GET', url: '/ready', remoteAddress: '192.0.2.7' }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 429]);
    expect(answers[4]!.json()).toEqual({ error: 'rate_limited', message: 'too many requests' });
    expect(Number(answers[4]!.headers['retry-after'])).toBeGreaterThan(0);
    // another address has its own count
    expect((await copies[1]!.inject({ method: 'GET', url: '/ready', remoteAddress: '192.0.2.8' })).statusCode).toBe(200);
  });

  it('answers 503 with Retry-After while the event loop lags, except /live', async () => {
    const app = touchy;
    const shed = await waitFor(
      'a request shed under load',
      async () => {
        const until = Date.now() + 800;
        while (Date.now() < until); // the event loop lags most of the time: nothing else runs meanwhile
        const answer = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: {}, remoteAddress: '192.0.2.9' });
        return answer.statusCode === 503 ? answer : undefined;
      },
      15_000,
    );
    expect(shed.json()).toEqual({ error: 'overloaded', message: 'the service is overloaded; try again shortly' });
    expect(shed.headers['retry-after']).toBe('5');
    expect((await app.inject({ method: 'GET', url: '/live' })).statusCode).toBe(200);
    // once the loop keeps up again, requests are served (here: refused for want of credentials)
    await waitFor('the service to take requests again', async () => (await app.inject({ method: 'POST', url: '/api/v1/reports', payload: {}, remoteAddress: '192.0.2.10' })).statusCode === 401, 15_000);
  });

  it('sends the security headers of @fastify/helmet', async () => {
    const answer = await copies[0]!.inject({ method: 'GET', url: '/live' });
    expect(answer.headers).toMatchObject({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    });
  });
});

describe('API documents', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem('apidocs');
  });
  afterAll(async () => {
    await system?.close();
  });

  it('every service publishes the OpenAPI document of its declared routes, and a page for it', async () => {
    const services = { intake: system.intake, dispatch: system.dispatch, tracker: system.tracker, board: system.board };
    for (const [name, app] of Object.entries(services)) {
      const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      expect([name, doc.openapi, doc.info.title]).toEqual([name, '3.1.0', `ucsc ${name}`]);
      expect([name, (await app.inject({ method: 'GET', url: '/api/docs/' })).statusCode]).toEqual([name, 200]);
    }
    const board = (await system.board.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    // a declared body is in the document as the rules the route validates with
    expect(board.paths['/api/v1/incidents/{id}/assignments/{assigneeId}/decline'].post.requestBody.content['application/json'].schema.required).toEqual(['reason']);
    expect(Object.keys(board.paths['/api/v1/auth/login'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '423', '429']));
    const dispatch = (await system.dispatch.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(dispatch.paths['/api/v1/directory/{entity}'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['entity', 'format']));
    // every route of dispatch declares its answers: the success with its schema, and the refusals
    const operations = Object.entries(dispatch.paths as Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>)
      .filter(([path]) => path.startsWith('/api/v1/directory') || path.startsWith('/api/v1/routing'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method} ${path}`, Boolean(op.responses?.['200']?.content?.['application/json']?.schema), Object.keys(op.responses ?? {}).filter((s) => s >= '400').sort()] as const));
    expect(operations.length).toBeGreaterThanOrEqual(9);
    for (const [operation, success, refusals] of operations) expect([operation, success, refusals]).toEqual([operation, true, expect.arrayContaining(['401', '403', '429'])]);
    expect(dispatch.paths['/api/v1/directory/{entity}/{id}'].get.responses['200'].content['application/json'].schema.anyOf).toHaveLength(4);
  });
});
