import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { loadConfig } from '../config';
import { createLogger, type Logger } from '../log';

/**
 * Listens, then closes with grace on SIGTERM/SIGINT: the app's onClose hooks drain in-flight
 * work, commit offsets and release connections before the process exits.
 */
export async function serve(app: FastifyInstance, host: string, port: number, logger: Logger): Promise<void> {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const address = await app.listen({ host, port });
  logger.info({ address }, 'listening');
}

type ServiceConfig = { HOST: string; PORT: number; LOG_LEVEL: string };

/** A service's whole main(): config from the environment once, build, listen. */
export function runService<S extends z.ZodObject>(
  service: string,
  schema: S,
  build: (config: z.infer<S>, overrides: { logger: Logger }) => Promise<FastifyInstance>,
): void {
  (async () => {
    const config = loadConfig(schema) as z.infer<S> & ServiceConfig;
    const logger = createLogger(service, config.LOG_LEVEL as 'info');
    const app = await build(config, { logger });
    await serve(app, config.HOST, config.PORT, logger);
  })().catch((error: unknown) => {
    console.error(`${service}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
