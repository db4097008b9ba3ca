import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditLog } from '../audit';
import { safeMethods } from './authentication';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the route writes its own, more specific audit entries */
    auditedByRoute?: boolean;
    /**
     * a successful write is itself an event on the Kafka log naming its actor (a report, a
     * follow-up): that event is the audit record; refusals and failures are still audited
     */
    recordedByEvent?: boolean;
  }
}

/** Every write of an authenticated actor, and every refusal, is on the audit trail. */
export const auditPlugin = fp(
  async (app: FastifyInstance, options: { audit: AuditLog }) => {
    app.addHook('onResponse', async (request, reply) => {
      if (!request.actor || request.routeOptions.config?.auditedByRoute) return;
      if (safeMethods.has(request.method) && reply.statusCode !== 403) return;
      if (request.routeOptions.config?.recordedByEvent && reply.statusCode < 400) return;
      const params = request.params as { id?: string } | undefined;
      await options.audit.record(
        request.actor,
        {
          action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
          outcome: reply.statusCode < 400 ? 'success' : reply.statusCode === 403 ? 'denied' : 'failure',
          status: reply.statusCode,
          requestId: String(request.id),
          ...(params?.id ? { target: params.id } : {}),
        },
        String(request.id),
      );
    });
  },
  { name: 'ucsc-audit', fastify: '5.x', dependencies: ['ucsc-authentication'] },
);
