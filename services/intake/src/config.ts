import { z } from 'zod';
import { accessConfigShape, identityVerifierConfigShape, baseConfigShape, httpConfigShape } from '@ucsc/shared';

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
  CORS_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((list) => list.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine((o) => URL.canParse(o) && new URL(o).origin === o, 'each must be an origin: scheme://host[:port], no path')).max(20))
    .describe('Origins of pages that may call this API from a browser with the user’s session (the board’s web app, e.g. http://127.0.0.1:3100), comma-separated; none by default'),
  EMAIL_LIMIT_BYTES: positiveInt().default(25 * 1024 * 1024).describe('Largest raw email (report plus attachments) accepted, in bytes'),
});
export type IntakeConfig = z.infer<typeof intakeConfigSchema>;
