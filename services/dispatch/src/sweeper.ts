import { makeEnvelope, type JobHealth, type Logger, type Publisher, type Redis } from '@ucsc/shared';
import { dispatchActor } from './consumer';
import type { RoutingStore } from './store';

export interface TimeoutSweep {
  stop(): Promise<void>;
}

/**
 * Ends offers whose acceptance window has passed: emits incident.assignment_timed_out, which the
 * dispatcher consumes like a decline (the next enterprise that fits is asked). Runs every
 * intervalMs under a Redis lock, so that of several dispatch copies one sweeps at a time. Each tick
 * that finished (swept, or found another copy sweeping) or failed goes to its job health (/ready).
 */
export function startTimeoutSweep(options: {
  redis: Redis;
  store: RoutingStore;
  publisher: Publisher;
  instance: string;
  intervalMs: number;
  logger: Logger;
  now?: () => Date;
  health: JobHealth;
}): TimeoutSweep {
  const { redis, store, publisher, logger, health } = options;
  const now = options.now ?? (() => new Date());
  let running: Promise<void> | undefined;
  let stopped = false;

  async function sweep(): Promise<void> {
    const locked = await redis.set(store.sweepLockKey, options.instance, 'PX', Math.max(options.intervalMs * 5, 5000), 'NX');
    if (!locked) return;
    try {
      const at = now();
      for (const { incidentId, enterpriseId } of await store.expiredOffers(at.getTime())) {
        const state = await store.incident(incidentId);
        const offer = state?.offers.find((o) => o.id === enterpriseId);
        if (offer?.status === 'offered' && Date.parse(offer.expiresAt) <= at.getTime()) {
          const timedOut = makeEnvelope(
            'incident.assignment_timed_out',
            { incidentId, assigneeId: enterpriseId, offeredAt: offer.offeredAt, expiredAt: offer.expiresAt },
            { producedBy: 'dispatch', actor: dispatchActor },
          );
          await publisher.publish('incidentEvents', [timedOut]);
          logger.info({ incidentId, enterpriseId }, 'offer timed out');
        }
        // the dispatcher removes it too when it handles the event; removing it here stops a second notice
        await redis.zrem(store.deadlinesKey, `${incidentId} ${enterpriseId}`);
      }
    } finally {
      await redis.del(store.sweepLockKey);
    }
  }

  const timer = setInterval(() => {
    if (running || stopped) return;
    running = sweep()
      .then(() => health.progressed())
      .catch((err: unknown) => {
        health.failed(err);
        logger.warn({ err }, 'timeout sweep failed; retrying on the next tick');
      })
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
