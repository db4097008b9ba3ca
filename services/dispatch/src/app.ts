import type { FastifyInstance } from 'fastify';
import { createHttpApp, createKafka, createLogger, kafkaReadiness, loadDirectoryFiles, onClose, type Logger } from '@ucsc/shared';
import type { DispatchConfig } from './config';
import { indexDirectory } from './domain/routing';
import { startDispatcher } from './consumer';

export interface DispatchOverrides {
  logger?: Logger;
}

/** Builds the dispatch service: the routing consumer plus its health and metrics endpoints. */
export async function buildApp(config: DispatchConfig, overrides: DispatchOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger('dispatch', config.LOG_LEVEL);
  const kafka = createKafka(
    { clientId: `dispatch-${config.SERVICE_INSTANCE}`, brokers: config.KAFKA_BROKERS, requestTimeoutMs: config.KAFKA_REQUEST_TIMEOUT_MS },
    logger,
  );
  const directory = indexDirectory(loadDirectoryFiles(config.DIRECTORY_DIR));
  const kafkaHealth = kafkaReadiness(kafka);
  const app = createHttpApp({ service: 'dispatch', logger, readiness: { kafka: kafkaHealth.check } });
  const dispatcher = await startDispatcher({ kafka, prefix: config.TOPIC_PREFIX, instance: config.SERVICE_INSTANCE, directory, logger });
  onClose(app, async () => {
    await dispatcher.stop();
    await kafkaHealth.close();
  });
  return app;
}
