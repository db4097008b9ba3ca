import { z } from 'zod';

/** What the dead-letter topic holds: the original record, where it came from, and why it failed. */
export const deadLetterSchema = z.object({
  origin: z.object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    key: z.string().nullable(),
    consumerGroup: z.string(),
  }),
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.string()).optional() }),
  failedAt: z.string(),
  /** the original value, base64, exactly as it was on the topic */
  value: z.string().nullable(),
  /** when the original was too large to carry in a letter: its size and hash instead of its bytes */
  valueOmitted: z.object({ bytes: z.number().int(), sha256: z.string() }).optional(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;
