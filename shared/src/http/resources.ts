import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Admin, Kafka } from 'kafkajs';
import type { Actor } from '../contracts/common';
import { HttpError } from './errors';

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

/** Who is making this request, as authentication established it (see installAuthentication). */
export function identify(request: FastifyRequest): Actor {
  if (!request.actor) throw new HttpError(401, 'unauthenticated', 'sign in or present an API token');
  return request.actor;
}
