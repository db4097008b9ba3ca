import { z } from 'zod';
import { baseConfigShape, demoDirectoryPath, httpConfigShape } from '@ucsc/shared';

export const dispatchConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  PORT: httpConfigShape.PORT.default(3102),
  DIRECTORY_DIR: z
    .string()
    .min(1)
    .default(demoDirectoryPath)
    .describe('Folder with units.json, organisations.json, liaisons.json and enterprises.json'),
});
export type DispatchConfig = z.infer<typeof dispatchConfigSchema>;
