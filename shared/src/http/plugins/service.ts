import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Redis } from '../../redis';
import type { ConsumerMonitor } from '../../bus/health';
import type { BackgroundJobs } from '../../jobs/health';
import type { AuthenticationOptions } from '../auth';
import { errorsPlugin } from './errors';
import { securityHeadersPlugin } from './security-headers';
import { loadSheddingPlugin } from './load-shedding';
import { authenticationPlugin } from './authentication';
import { rateLimitsPlugin } from './rate-limits';
import { csrfPlugin } from './csrf';
import { auditPlugin } from './audit';
import { metricsPlugin } from './metrics';
import { healthPlugin, type ReadinessCheck } from './health';
import { schemasPlugin } from './schemas';
import { apiDocsPlugin } from './api-docs';

export interface ServicePluginsOptions {
  service: string;
  /** what /ready checks */
  readiness: Record<string, ReadinessCheck>;
  consumers?: ConsumerMonitor;
  /** background jobs (log readers, sweeps, subscriptions): on /ready and /metrics */
  jobs?: BackgroundJobs;
  maxEventLoopDelayMs: number;
  /** the title, description and named schemas of the service's OpenAPI document */
  docs: { title: string; description: string; components?: Record<string, z.ZodType> };
  /** a service with a public API: every request authenticated, rate-limited, CSRF-checked and audited */
  publicApi?: { access: AuthenticationOptions; redis: Redis; redisPrefix: string };
}

/**
 * The plugins a service's buildApp registers before its routes, in the order their hooks need:
 * errors first (it answers for all the others), authentication before the rate limit that counts
 * against whom it found, metrics, health and the document before any route, so they see each.
 */
export async function registerServicePlugins(app: FastifyInstance, options: ServicePluginsOptions): Promise<void> {
  await app.register(errorsPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(loadSheddingPlugin, { maxEventLoopDelayMs: options.maxEventLoopDelayMs });
  if (options.publicApi) {
    const { access, redis, redisPrefix } = options.publicApi;
    await app.register(authenticationPlugin, { access });
    await app.register(rateLimitsPlugin, { redis, redisPrefix, access });
    await app.register(csrfPlugin);
    await app.register(auditPlugin, { audit: access.audit });
  }
  const monitors = { ...(options.consumers ? { consumers: options.consumers } : {}), ...(options.jobs ? { jobs: options.jobs } : {}) };
  await app.register(metricsPlugin, { service: options.service, ...monitors });
  await app.register(healthPlugin, { service: options.service, readiness: options.readiness, ...monitors });
  await app.register(schemasPlugin);
  await app.register(apiDocsPlugin, { ...options.docs, authenticated: Boolean(options.publicApi) });
}
