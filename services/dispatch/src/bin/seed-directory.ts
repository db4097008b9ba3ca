// Seeds the directory topic from the directory files when it is empty (npm start runs it every time).
import { z } from 'zod';
import { baseConfigShape, createKafka, createLogger, demoDirectoryPath, loadConfig, loadDirectoryFiles } from '@ucsc/shared';
import { seedDirectory } from '../directory';

const config = loadConfig(
  z.object({
    ...baseConfigShape,
    DIRECTORY_DIR: z.string().min(1).default(demoDirectoryPath).describe('Folder with the directory files to seed from'),
  }),
);
const logger = createLogger('seed-directory', config.LOG_LEVEL);
const kafka = createKafka({ clientId: 'seed-directory', brokers: config.KAFKA_BROKERS }, logger);

seedDirectory({ kafka, prefix: config.TOPIC_PREFIX, data: loadDirectoryFiles(config.DIRECTORY_DIR), logger }).then(
  (events) => {
    console.log(events ? `directory seeded: ${events} events` : 'directory already seeded');
  },
  (error: unknown) => {
    console.error(`seeding the directory failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
