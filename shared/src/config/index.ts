import { z } from 'zod';
import { responsePolicySchema } from '../contracts/lifecycle';

/** Thrown when the environment does not satisfy a service's config schema; names each variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function booleanFromEnvSchema() {
  return z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
}

/** Settings every service shares: where Kafka and Redis are, and how names are prefixed. */
export const baseConfigShape = {
  SERVICE_INSTANCE: z
    .string()
    .min(1)
    .default('local')
    .describe('Stable name of this copy of the service (transactional ids and consumer client ids derive from it)'),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .default('127.0.0.1:19092')
    .describe('Comma-separated host:port list of Kafka bootstrap brokers')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean)),
  REDIS_URL: z
    .url()
    .default('redis://127.0.0.1:16379')
    .describe('Redis connection URL (the project runs its own Redis with AOF persistence)'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash, underscore')
    .default('ucsc')
    .describe('Prefix of every Kafka topic and consumer group name'),
  REDIS_PREFIX: z
    .string()
    .default('ucsc:')
    .describe('Prefix of every Redis key and channel'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  KAFKA_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(5000)
    .describe('How long one Kafka request may take before it counts as failed'),
  KAFKA_MAX_REQUEST_BYTES: z.coerce
    .number()
    .int()
    .min(16_384)
    .default(900_000)
    .describe("Most bytes of records in one produce request; below the broker's message.max.bytes (1 MiB by default)"),
  CONSUMER_STALL_SECONDS: z.coerce
    .number()
    .positive()
    .default(60)
    .describe('A consumer whose batch has not finished, or that has not fetched, for this long makes /ready answer 503'),
  JOB_STALL_SECONDS: z.coerce
    .number()
    .positive()
    .default(60)
    .describe('A background job (the feed log reader, a sweep, a subscription) that has not finished a round, or has been disconnected, for this long makes /ready answer 503'),
} as const;

export const httpConfigShape = {
  HOST: z.string().default('127.0.0.1').describe('Address the HTTP server binds to'),
  PORT: z.coerce.number().int().min(0).max(65535).describe('TCP port of the HTTP server'),
  WORKERS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe('Copies of the service in this container, sharing its port (node cluster); each is a full copy with its own Kafka and Redis clients'),
  MAX_EVENT_LOOP_DELAY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe('While the event loop lags more than this, requests are answered 503 with Retry-After (0: never)'),
} as const;

/** Settings of services that take requests from people and machines. */
export const accessConfigShape = {
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600).describe('Requests per minute for one signed-in user or API token'),
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(120)
    .describe('Requests per minute from one address without credentials (sign-in attempts included)'),
  AUTH_FAILURES_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(10)
    .describe('Failed authentications (bad token, password or code) per minute from one address before it is refused with 429'),
  SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30).describe('A session ends after this long unused'),
  SESSION_MAX_HOURS: z.coerce.number().int().positive().default(12).describe('A session ends this long after sign-in, used or not'),
  MAX_FAILED_SIGN_INS: z.coerce.number().int().positive().default(5).describe('Failed sign-ins that lock an account'),
  LOCKOUT_MINUTES: z.coerce.number().int().positive().default(15).describe('How long a locked account stays locked'),
  COOKIE_SECURE: booleanFromEnvSchema().default(false).describe('Mark session cookies Secure (true behind HTTPS, as in production)'),
} as const;

const accessTokenSeconds = z.coerce
  .number()
  .int()
  .min(5)
  .max(900)
  .default(60)
  .describe('How long an access token (the owner\'s signed statement of who a credential is) lives: the bound on a revocation that a verifier missed');

/** Settings of the identity owner (the board): it signs the access tokens the other services check. */
export const identityOwnerConfigShape = {
  IDENTITY_SIGNING_JWK: z.string().min(1).describe('The private Ed25519 key (a JWK with kid) the owner signs access tokens with; verifiers get its public half in IDENTITY_PUBLIC_JWKS'),
  IDENTITY_SERVICE_KEY: z.string().min(32).describe('The shared key services present to the owner to exchange a credential for an access token'),
  ACCESS_TOKEN_SECONDS: accessTokenSeconds,
} as const;

/** Settings of a service that checks credentials without being their owner (intake, dispatch). */
export const identityVerifierConfigShape = {
  IDENTITY_URL: z.url().describe('Base URL of the identity owner (the board) as this service reaches it: opaque credentials are exchanged there'),
  IDENTITY_PUBLIC_JWKS: z.string().min(1).describe('The owner\'s public keys as a JWKS (JSON with keys, each with a kid); list two while rotating'),
  IDENTITY_SERVICE_KEY: z.string().min(32).describe('The shared key this service presents to the owner to exchange a credential'),
  ACCESS_TOKEN_SECONDS: accessTokenSeconds,
} as const;

export const baseConfigSchema = z.object(baseConfigShape);
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Reads a config schema from the environment once. A missing or bad variable stops start-up with
 * a message naming the variable and the rule.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.');
    const description = (schema.shape as Record<string, z.ZodType>)[variable]?.description;
    return `${variable}: ${issue.message}${description ? ` (${description})` : ''}`;
  });
  throw new ConfigError(problems);
}


/** A JSON value in an environment variable, checked against its schema at start-up. */
export const jsonOf = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** What an incident's deadlines are measured with (shared/src/clocks.ts): the tracker fires them, the board shows them, from the same settings. */
export const deadlineConfigShape = {
  RESPONSE_POLICY_JSON: jsonOf(responsePolicySchema).optional().describe('The response times per severity and priority, as JSON (default: the policy shipped in shared/src/clocks.ts)'),
  LEGAL_HOLIDAYS_JSON: jsonOf(z.array(z.iso.date()).max(1000))
    .default([])
    .describe('Vietnam’s public holidays as a JSON list of dates (YYYY-MM-DD, Vietnam time): a legal period (5 days) whose last day is one, or a Saturday or Sunday, ends at the end of the next working day'),
};
