import { z } from 'zod';
import { baseConfigShape, deadlineConfigShape, escalationLadderSchema, httpConfigShape, jsonOf } from '@ucsc/shared';
import type { SweepPolicy } from './domain/sweep';

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
  SWEEP_SCHEDULE: z
    .string()
    .default('*/15 * * * * *')
    .describe('node-cron expression of the deadline sweeps, in Vietnam time (Asia/Ho_Chi_Minh); seconds field allowed'),
  SWEEP_LOCK_TTL_MS: z.coerce.number().int().min(1000).default(60_000).describe('How long the sweep lock is held at most (a copy that died holding it is replaced after this)'),
  SWEEP_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe('Whether this copy schedules deadline sweeps (tests drive them by hand)'),
  DEADLINE_LATE_AFTER_MINUTES: z.coerce.number().int().min(1).default(5).describe('A deadline or rung fired this long after it was due is marked late'),
  ...deadlineConfigShape,
  ESCALATION_LADDER_JSON: jsonOf(escalationLadderSchema).optional().describe('The escalation ladder, as JSON (default: officer → leader → on site → ministry leadership)'),
});
export type TrackerConfig = z.infer<typeof trackerConfigSchema>;

/** The clocks' settings as configured (policy, ladder, lateness): the live projector and the rebuild use the same. */
export function clocksOf(config: TrackerConfig): SweepPolicy {
  return {
    ...(config.RESPONSE_POLICY_JSON ? { policy: config.RESPONSE_POLICY_JSON } : {}),
    ...(config.ESCALATION_LADDER_JSON ? { ladder: config.ESCALATION_LADDER_JSON } : {}),
    lateAfterMinutes: config.DEADLINE_LATE_AFTER_MINUTES,
    holidays: config.LEGAL_HOLIDAYS_JSON,
  };
}
