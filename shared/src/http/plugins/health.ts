import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { withTimeout } from '../../bus/kafka';
import type { ConsumerMonitor, UnhealthyConsumers } from '../../bus/health';
import type { BackgroundJobs, UnhealthyJobs } from '../../jobs/health';
import { reportCopyHealth, type CopiesNotReady } from '../copies';

export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  service: string;
  /** what /ready checks: each must answer within 2 s */
  readiness: Record<string, ReadinessCheck>;
  /** the service's Kafka consumers: /ready reports each (503 while one is stopped or stalled) */
  consumers?: ConsumerMonitor;
  /** the service's background jobs (log readers, sweeps, subscriptions): /ready reports each (503 while one is stopped or stalled) */
  jobs?: BackgroundJobs;
}

/** /live (the process is up; never shed under load) and /ready (its Kafka and Redis really answer, its consumers and background jobs move). */
export const healthPlugin = fp(
  async (app: FastifyInstance, options: HealthOptions) => {
    // summaries only: a response schema would need the zod serializer (plugins/schemas.ts), which an app of health alone does not have
    app.get('/live', { config: { public: true, pressureHandler: () => undefined }, schema: { summary: 'The process is up: {status: live, service}' } }, async () => ({ status: 'live', service: options.service }));
    /** this copy's own checks */
    const evaluate = async () => {
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
      // each monitor's check throws naming what is unhealthy, with every report
      const reports: Record<string, unknown[]> = {};
      for (const [name, monitor] of [['consumers', options.consumers], ['jobs', options.jobs]] as const) {
        if (!monitor) continue;
        try {
          reports[name] = monitor.check();
          checks[name] = 'ok';
        } catch (error) {
          reports[name] = (error as UnhealthyConsumers | UnhealthyJobs).reports;
          checks[name] = `failing: ${(error as Error).message}`;
        }
      }
      return { checks, reports };
    };
    const failing = (checks: Record<string, string>) => Object.entries(checks).filter(([, status]) => status !== 'ok');
    // with WORKERS > 1: the other copies behind the same port are part of this answer (copies.ts)
    const copies = reportCopyHealth(async () => {
      const bad = failing((await evaluate()).checks);
      return bad.length ? { ready: false, problem: bad.map(([name, status]) => `${name} ${status}`).join('; ') } : { ready: true };
    });
    app.addHook('onClose', async () => copies.stop());
    app.get('/ready', { config: { public: true }, schema: { summary: 'Its Kafka and Redis answer and its consumers and background jobs move (with WORKERS > 1, every copy\'s): 200 {status: ready, checks, consumers, jobs}, else 503 not_ready naming what fails' } }, async (_request, reply) => {
      const { checks, reports } = await evaluate();
      let table;
      try {
        table = copies.check();
        if (table) checks.copies = 'ok';
      } catch (error) {
        table = (error as Partial<CopiesNotReady>).copies;
        checks.copies = `failing: ${(error as Error).message}`;
      }
      const ready = failing(checks).length === 0;
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks, ...reports, ...(table ? { copies: table } : {}) });
    });
  },
  { name: 'ucsc-health', fastify: '5.x' },
);
