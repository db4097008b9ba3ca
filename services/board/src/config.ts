import { z } from 'zod';
import { baseConfigShape, httpConfigShape } from '@ucsc/shared';

export const boardConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  PORT: httpConfigShape.PORT.default(3100),
  SNAPSHOT_SIZE: z.coerce.number().int().positive().max(5000).default(500).describe('How many recent incidents a new board client gets'),
  WS_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024)
    .describe('A board client further behind than this is disconnected (it reconnects and resyncs)'),
});
export type BoardConfig = z.infer<typeof boardConfigSchema>;
