import { z } from 'zod';
import { accessConfigShape, baseConfigShape, httpConfigShape } from '@ucsc/shared';

export const intakeConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  ...accessConfigShape,
  PORT: httpConfigShape.PORT.default(3101),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(256 * 1024).describe('Largest report body accepted, in bytes'),
  PUBLISH_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(8000)
    .describe('How long a report may wait for Kafka to acknowledge it before the submitter gets 503'),
  RETRY_AFTER_SECONDS: z.coerce.number().int().positive().default(5).describe('Retry-After sent with 503'),
});
export type IntakeConfig = z.infer<typeof intakeConfigSchema>;
