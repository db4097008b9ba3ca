import type { Admin, Kafka } from 'kafkajs';

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
