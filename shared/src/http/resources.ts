import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Admin, Kafka } from 'kafkajs';
import type { Actor } from '../contracts/common';

/**
 * A readiness check that Kafka really answers: asks the cluster for its brokers on an admin
 * connection made on demand (and remade after a failure).
 */
export function kafkaReadiness(kafka: Kafka): { check: () => Promise<void>; close: () => Promise<void> } {
  let admin: Admin | undefined;
  return {
    async check() {
      try {
        if (!admin) {
          admin = kafka.admin();
          await admin.connect();
        }
        await admin.describeCluster();
      } catch (error) {
        const old = admin;
        admin = undefined;
        await old?.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await admin?.disconnect().catch(() => undefined);
    },
  };
}

/** Runs fn when the app closes, after requests have drained. */
export function onClose(app: FastifyInstance, fn: () => Promise<unknown>): void {
  app.addHook('onClose', async () => {
    await fn();
  });
}

/**
 * Who is making this request. The seam the identity and access issue fills in: today every
 * caller is an unauthenticated user, recorded as such on every event and command.
 */
export function identify(request: FastifyRequest): Actor {
  return { kind: 'user', id: 'anonymous', authenticatedBy: 'none', address: request.ip };
}
