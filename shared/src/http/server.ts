import cluster from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { loadConfig } from '../config';
import { createLogger, type Logger } from '../log';
import { collectCopiesHealth } from './copies';

/**
 * Listens, then closes with grace (close-with-grace) on SIGTERM/SIGINT, or after an uncaught
 * error: the app's onClose hooks drain in-flight work, commit offsets and release connections
 * before the process exits; one that takes longer than 30 s is cut short.
 */
export async function serve(app: FastifyInstance, host: string, port: number, logger: Logger): Promise<void> {
  closeWithGrace({ delay: 30_000, logger: { error: (message: unknown) => logger.error({ err: message }, 'shutdown did not finish cleanly') } }, async ({ signal, err }) => {
    if (err) logger.fatal({ err }, 'uncaught error; shutting down');
    else logger.info({ signal }, 'shutting down');
    await app.close();
    logger.info('stopped');
  });
  const address = await app.listen({ host, port });
  logger.info({ address }, 'listening');
}

type ServiceConfig = { HOST: string; PORT: number; LOG_LEVEL: string; WORKERS?: number; SERVICE_INSTANCE: string };

/**
 * With WORKERS > 1 the process only supervises: it forks that many copies of the service, which
 * share the port (the primary hands each connection to one of them), passes a stop signal on to
 * them, and replaces one that dies. Each copy is a copy as any other: its own instance name.
 * Each copy's /ready answers for all of them (copies.ts).
 */
function supervise(service: string, config: ServiceConfig, logger: Logger): void {
  let stopping = false;
  let running = 0;
  const health = collectCopiesHealth(config.WORKERS ?? 1);
  const fork = (index: number) => {
    const worker = cluster.fork({ SERVICE_INSTANCE: `${config.SERVICE_INSTANCE}-${index}`, UCSC_COPY: String(index) });
    health.forked(index, worker);
    running += 1;
    worker.on('exit', (code, signal) => {
      running -= 1;
      if (stopping) {
        if (running === 0) process.exit(0);
        return;
      }
      health.exited(index, `exited (${signal ?? `code ${code}`}); being replaced`);
      logger.error({ index, code, signal }, `${service} copy exited; starting another`);
      setTimeout(() => fork(index), 1000);
    });
  };
  for (let i = 0; i < (config.WORKERS ?? 1); i++) fork(i);
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the copies');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(1), 35_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** A service's whole main(): config from the environment once, build, listen. */
export function runService<S extends z.ZodObject>(
  service: string,
  schema: S,
  build: (config: z.infer<S>, overrides: { logger: Logger }) => Promise<FastifyInstance>,
): void {
  (async () => {
    const config = loadConfig(schema) as z.infer<S> & ServiceConfig;
    const logger = createLogger(service, config.LOG_LEVEL as 'info');
    if ((config.WORKERS ?? 1) > 1 && cluster.isPrimary) return supervise(service, config, logger);
    const app = await build(config, { logger });
    await serve(app, config.HOST, config.PORT, logger);
  })().catch((error: unknown) => {
    console.error(`${service}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

/** Runs fn when the app closes, after requests have drained. */
export function onClose(app: FastifyInstance, fn: () => Promise<unknown>): void {
  app.addHook('onClose', async () => {
    await fn();
  });
}
