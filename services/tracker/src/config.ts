import { z } from 'zod';
import { baseConfigShape, httpConfigShape } from '@ucsc/shared';

export const trackerConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  PORT: httpConfigShape.PORT.default(3103),
});
export type TrackerConfig = z.infer<typeof trackerConfigSchema>;
