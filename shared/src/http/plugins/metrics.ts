import type { FastifyInstance, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';
import type { ConsumerMonitor } from '../../bus/health';
import type { BackgroundJobs } from '../../jobs/health';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
    /** every route of the app as registered (method, URL pattern, the schemas it declares): what a test of every route walks */
    routeTable: readonly RouteTableEntry[];
  }
}

export interface RouteTableEntry {
  method: string;
  url: string;
  /** the route's declared schemas (zod, through fastify-type-provider-zod): params, querystring, headers, body, response */
  schema?: FastifySchema;
}

export interface MetricsOptions {
  service: string;
  /** the service's Kafka consumers: their lag is on /metrics */
  consumers?: ConsumerMonitor;
  /** the service's background jobs: healthy, seconds since progress, failures */
  jobs?: BackgroundJobs;
}

/** /metrics in Prometheus format: the process, each request's duration by route and status, consumer lag. Registered before the routes, so it sees each. */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: MetricsOptions) => {
    const routeTable: RouteTableEntry[] = [];
    app.decorate('routeTable', routeTable);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, ...(route.schema ? { schema: route.schema } : {}) });
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
    options.jobs?.register(registry);
    app.addHook('onResponse', async (request, reply) => {
      httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    app.get('/metrics', { config: { public: true }, schema: { summary: 'Prometheus metrics: request durations, consumer lag, the process' } }, async (_request, reply) => {
      void reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'ucsc-metrics', fastify: '5.x' },
);
