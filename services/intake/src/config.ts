import { z } from 'zod';
import { accessConfigShape, browserOriginsConfigShape, identityVerifierConfigShape, baseConfigShape, httpConfigShape } from '@ucsc/shared';

const positiveInt = () => z.coerce.number().int().positive();

export const intakeConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  ...accessConfigShape,
  ...identityVerifierConfigShape,
  PORT: httpConfigShape.PORT.default(3101),
  BODY_LIMIT_BYTES: positiveInt().default(256 * 1024).describe('Largest report body accepted, in bytes'),
  PUBLISH_TIMEOUT_MS: positiveInt().default(8000).describe('How long a report may wait for Kafka to acknowledge it before the submitter gets 503'),
  PUBLISH_MAX_BATCH: positiveInt().default(500).describe('Most reports carried by one produce request under load'),
  PUBLISH_LANES: positiveInt().default(2).describe('Produce requests in flight at once (per copy), each on its own idempotent producer'),
  RETRY_AFTER_SECONDS: positiveInt().default(5).describe('Retry-After sent with 503'),
  IDEMPOTENCY_WINDOW_SECONDS: positiveInt()
    .default(7 * 24 * 3600)
    .describe('How long a retried submission (same Idempotency-Key, or same organisation, system and detection time) returns the first incident'),
  ATTACHMENT_DIR: z.string().min(1).default('.data/attachments').describe('Folder of attachment content, by sha256; shared by every copy of intake (a volume)'),
  ATTACHMENT_LIMIT_BYTES: positiveInt().default(20 * 1024 * 1024).describe('Largest attachment accepted, in bytes'),
  ...browserOriginsConfigShape,
  EMAIL_LIMIT_BYTES: positiveInt().default(25 * 1024 * 1024).describe('Largest raw email (report plus attachments) accepted, in bytes'),
});
export type IntakeConfig = z.infer<typeof intakeConfigSchema>;
