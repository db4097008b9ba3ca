import { z } from 'zod';
import { baseConfigShape, httpConfigShape } from '@ucsc/shared';

export const trackerConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  PORT: httpConfigShape.PORT.default(3103),
  PROJECTION_CACHE_VIEWS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('Incident views the projector remembers from its own writes, so that a batch reads nothing before its one write (0: read every view a batch needs)'),
});
export type TrackerConfig = z.infer<typeof trackerConfigSchema>;
