import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { withTimeout } from '../../bus/kafka';
import type { ConsumerMonitor, UnhealthyConsumers } from '../../bus/health';
import { reportCopyHealth, type CopiesNotReady } from '../copies';

export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  service: string;
  /** what /ready checks: each must answer within 2 s */
  readiness: Record<string, ReadinessCheck>;
  /** the service's Kafka consumers: /ready reports each (503 while one is stopped or stalled) */
  consumers?: ConsumerMonitor;
}

/** /live (the process is up; never shed under load) and /ready (its Kafka and Redis really answer, its consumers move). */
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
      return { checks, consumers };
    };
    const failing = (checks: Record<string, string>) => Object.entries(checks).filter(([, status]) => status !== 'ok');
    // with WORKERS > 1: the other copies behind the same port are part of this answer (copies.ts)
    const copies = reportCopyHealth(async () => {
      const bad = failing((await evaluate()).checks);
      return bad.length ? { ready: false, problem: bad.map(([name, status]) => `${name} ${status}`).join('; ') } : { ready: true };
    });
    app.addHook('onClose', async () => copies.stop());
    app.get('/ready', { config: { public: true }, schema: { summary: 'Its Kafka and Redis answer and its consumers move (with WORKERS > 1, every copy\'s): 200 {status: ready, checks, consumers}, else 503 not_ready naming what fails' } }, async (_request, reply) => {
      const { checks, consumers } = await evaluate();
      let table;
      try {
        table = copies.check();
        if (table) checks.copies = 'ok';
      } catch (error) {
        table = (error as Partial<CopiesNotReady>).copies;
        checks.copies = `failing: ${(error as Error).message}`;
      }
      const ready = failing(checks).length === 0;
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks, ...(consumers ? { consumers } : {}), ...(table ? { copies: table } : {}) });
    });
  },
  { name: 'ucsc-health', fastify: '5.x' },
);
