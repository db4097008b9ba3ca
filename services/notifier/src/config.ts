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
  DELIVERY_MEMORY_SECONDS: z.coerce.number().int().positive().default(30 * 24 * 3600).describe('How long a delivery id is remembered'),
});
export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
