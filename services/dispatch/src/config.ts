import { z } from 'zod';
import type { RoutingPolicy } from './domain/dispatching';
import { accessConfigShape, identityVerifierConfigShape, baseConfigShape, httpConfigShape } from '@ucsc/shared';

/** The routing policy's settings: read by dispatch and by the rebuild of its routing state (npm run rebuild). */
export const routingPolicyShape = {
  ENTERPRISES_PER_INCIDENT: z.coerce.number().int().min(0).max(20).default(1).describe('How many member enterprises a normal incident is offered to'),
  ENTERPRISES_PER_SEVERE_INCIDENT: z.coerce.number().int().min(0).max(20).default(2).describe('How many member enterprises a severe incident is offered to'),
  ACCEPTANCE_WINDOW_SECONDS: z.coerce
    .number()
    .positive()
    .default(1800)
    .describe('How long an enterprise has to accept an offer before it goes to the next one'),
} as const;

/** The policy the settings give (one reading, for the live consumer and the rebuild alike). */
export function routingPolicyOf(config: { ENTERPRISES_PER_INCIDENT: number; ENTERPRISES_PER_SEVERE_INCIDENT: number; ACCEPTANCE_WINDOW_SECONDS: number }): RoutingPolicy {
  return {
    enterprisesPerIncident: config.ENTERPRISES_PER_INCIDENT,
    enterprisesPerSevereIncident: config.ENTERPRISES_PER_SEVERE_INCIDENT,
    acceptanceWindowMs: config.ACCEPTANCE_WINDOW_SECONDS * 1000,
  };
}

export const dispatchConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  ...accessConfigShape,
  ...identityVerifierConfigShape,
  PORT: httpConfigShape.PORT.default(3102),
  ...routingPolicyShape,
  TIMEOUT_SWEEP_MS: z.coerce.number().int().positive().default(5000).describe('How often offers past their acceptance window are looked for'),
  DECISION_MEMORY_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600)
    .describe('How long dispatch remembers that it handled an event, and at which record, so that a copy of it decides nothing'),
  DECISION_OUTPUT_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 3600)
    .describe('How long dispatch keeps what a batch emitted, to re-emit the same if that batch is delivered again after its transaction failed'),
});
export type DispatchConfig = z.infer<typeof dispatchConfigSchema>;
