import { z } from 'zod';

/** The settings of the commands that create topics (npm run topics, npm run kafka:probe). */
export const topicSettingsShape = {
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1).describe('Replicas of each topic (3 in production)'),
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('In-sync replicas an acks=all write needs (min.insync.replicas of each new topic); default 2 with three or more replicas, else 1'),
  KAFKA_TOPICS_READY_TIMEOUT_MS: z.coerce.number().int().min(1).default(60_000).describe('How long to wait for every partition to be usable'),
};

/** kafkajs's lines only with LOG_LEVEL=debug: while a command waits, the broker answers that a new partition is not ready yet, as expected. */
export const adminLogLevel = (level: string) => (level === 'debug' || level === 'trace' ? level : 'silent');
