import { z } from 'zod';
import { accessConfigShape, identityVerifierConfigShape, baseConfigShape, httpConfigShape } from '@ucsc/shared';

const endpointSchema = z.object({ id: z.string().min(1), organisationId: z.string().min(1), url: z.url(), secrets: z.array(z.string().startsWith('whsec_')).min(1) });

export const notifierConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  ...accessConfigShape,
  ...identityVerifierConfigShape,
  PORT: httpConfigShape.PORT.default(3104),
  SMTP_URL: z.string().min(1).default('smtp://127.0.0.1:1025').describe('SMTP server the email goes through (the mail catcher in development)'),
  MAIL_FROM: z.string().min(1).default('ucsc <thongbao@ucsc.local>').describe('From: of every email'),
  BOARD_URL: z.url().default('http://127.0.0.1:3100').describe('Where the one link to act points'),
  WEBHOOK_ENDPOINTS: z
    .string()
    .default('[]')
    .transform((s, ctx) => {
      const parsed = z.array(endpointSchema).safeParse(JSON.parse(s));
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        return z.NEVER;
      }
      return parsed.data;
    })
    .describe('JSON list of the admin-registered webhook endpoints: {id, organisationId, url, secrets: ["whsec_…"]} (first secret signs; more during rotation)'),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false').transform((s) => s === 'true').describe('Allow webhook endpoints in private address ranges (development and tests only)'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000).describe('How long a webhook receiver has to answer'),
  RETRY_SCHEDULE_MS: z
    .string()
    .default('0,5000,300000,1800000,7200000,18000000,36000000,36000000')
    .transform((s) => s.split(',').map(Number))
    .describe('Waits before each retry of a failed delivery (Standard Webhooks schedule); after the last, it is dead-lettered'),
  RETRY_SWEEP_MS: z.coerce.number().int().positive().default(1000).describe('How often the retry queue is looked at for deliveries due'),
  RETRY_LEASE_MS: z.coerce.number().int().positive().default(300_000).describe('How long a copy holds the retries it took before another copy may take them (it died meanwhile); above 20 tries at WEBHOOK_TIMEOUT_MS (a sweep takes 20 at a time)'),
  GROUP_WINDOW_MS: z.coerce.number().int().positive().default(5 * 60_000).describe('The burst window: after GROUP_AFTER emails within it, a recipient gets one grouped email at its end'),
  GROUP_AFTER: z.coerce.number().int().nonnegative().default(3).describe('Emails a recipient gets one by one within a burst window before the rest are grouped'),
  GROUP_MAX_LISTED: z.coerce.number().int().positive().default(20).describe('Incidents a grouped email lists (most urgent first); it counts all of them'),
  HELD_SWEEP_MS: z.coerce.number().int().positive().default(1000).describe('How often held email (quiet hours, grouping) is looked for'),
  DELIVERY_MEMORY_SECONDS: z.coerce.number().int().positive().default(30 * 24 * 3600).describe('How long a delivery id is remembered'),
});
export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
