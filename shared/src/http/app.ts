import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { newId } from '../contracts/common';
import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';
import type { Logger } from '../log';
import { HttpError, installErrorHandler } from './errors';
import { jsonDepthExceeds, maxJsonDepth } from '../text';
import { withTimeout } from '../bus/kafka';
import { installAuthentication, type AuthenticationOptions } from './auth';
import type { ConsumerMonitor, UnhealthyConsumers } from '../bus/health';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
    /** every route of the app as registered (method and URL pattern): what a test of every route walks */
    routeTable: readonly { method: string; url: string }[];
  }
}

export type ReadinessCheck = () => Promise<unknown>;

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  bodyLimit?: number;
  /** what /ready checks: each must answer within 2 s */
  readiness: Record<string, ReadinessCheck>;
  /** services with a public API authenticate, rate-limit and audit every request; others serve only health */
  authentication?: AuthenticationOptions;
  /** the service's Kafka consumers: /ready reports each (503 while one is stopped or stalled), /metrics their lag */
  consumers?: ConsumerMonitor;
}

/**
 * The Fastify instance every service starts from: request ids, the one error handler, /live,
 * /ready (its Kafka and Redis really answer) and /metrics in Prometheus format.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : newId();
    },
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
  });
  installErrorHandler(app);
  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
  });

  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  app.decorate('metrics', registry);
  options.consumers?.register(registry);

  app.addHook('onResponse', async (request, reply) => {
    httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('cross-origin-opener-policy', 'same-origin');
    void reply.header('cross-origin-resource-policy', 'same-origin');
    void reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
  installJsonParser(app);
  if (options.authentication) installAuthentication(app, options.authentication);

  const open = { config: { public: true } };
  app.get('/live', open, async () => ({ status: 'live', service: options.service }));
  app.get('/ready', open, async (_request, reply) => {
    const results = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000, name);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, `failing: ${(error as Error).message}`] as const;
        }
      }),
    );
    const checks: Record<string, string> = Object.fromEntries(results);
    let consumers;
    if (options.consumers) {
      try {
        consumers = options.consumers.check();
        checks.consumers = 'ok';
      } catch (error) {
        consumers = (error as UnhealthyConsumers).reports;
        checks.consumers = `failing: ${(error as Error).message}`;
      }
    }
    const ready = Object.values(checks).every((status) => status === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks, ...(consumers ? { consumers } : {}) });
  });
  app.get('/metrics', open, async (_request, reply) => {
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return app;
}

/**
 * Fastify's own JSON parser (which refuses __proto__ and constructor keys), after a depth check:
 * a deeply nested body would otherwise overflow the stack of whatever walks it next (a 500).
 */
function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepthExceeds(body as string, maxJsonDepth)) {
      return done(new HttpError(400, 'too_deeply_nested', `the JSON body nests deeper than ${maxJsonDepth} levels`), undefined);
    }
    parse(request, body as string, done);
  });
}
