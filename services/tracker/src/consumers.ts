import type { Kafka } from 'kafkajs';
import { makeEnvelope, readIncident, runConsumer, type ConsumerSettings, type Logger, type Redis, type RunningConsumer } from '@ucsc/shared';
import { decide, type Emit } from './domain/lifecycle';
import { Projection } from './projection';

export const trackerActor = { kind: 'service', id: 'tracker', authenticatedBy: 'service' } as const;

interface TrackerConsumerOptions {
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  instance: string;
  logger: Logger;
  settings: ConsumerSettings;
  /** views the projector remembers (PROJECTION_CACHE_VIEWS) */
  cacheViews?: number;
}

/** Keeps the incident projection in Redis up to date with the event log. */
export function startProjector(options: TrackerConsumerOptions): Promise<RunningConsumer> {
  const projection = new Projection(options.redis, options.redisPrefix, options.cacheViews);
  return runConsumer({
    ...options.settings,
    kafka: options.kafka,
    prefix: options.prefix,
    group: 'tracker.projector',
    topics: ['incidentEvents'],
    logger: options.logger,
    // partitions' batches overlap (each writes only its own incidents): one's Redis call while another is parsed
    partitionsConsumedConcurrently: 3,
    // the whole batch in one Redis call (Projection): the projector keeps pace with intake
    async handleBatch(items) {
      const changes = await projection.project(
        items.map(({ envelope, context }) => ({ event: envelope, offset: Number(context.offset) })),
      );
      options.logger.debug({ events: items.length, changes: changes.length }, 'projected');
      return items.map(() => undefined);
    },
  });
}

/**
 * The one judge of lifecycle commands: checks each against the incident's state and emits the
 * resulting events (or the refusal) in one transaction with the command's offset.
 */
export function startCommandHandler(options: TrackerConsumerOptions): Promise<RunningConsumer> {
  return runConsumer({
    ...options.settings,
    kafka: options.kafka,
    prefix: options.prefix,
    group: 'tracker.commands',
    topics: ['incidentCommands'],
    transactionalId: `${options.prefix}.tracker.${options.instance}`,
    logger: options.logger,
    async handle(command, { logger }) {
      const view = await readIncident(options.redis, options.redisPrefix, command.payload.incidentId);
      const context = { producedBy: 'tracker', actor: command.actor, correlationId: command.correlationId, causationId: command.id };
      const emit: Emit = (type, payload) => makeEnvelope(type, payload, context);
      const decision = decide(view, command, emit);
      if (decision.accepted) return { incidentEvents: decision.events };
      logger.info({ incidentId: command.payload.incidentId, reason: decision.reason }, `command ${command.type} rejected`);
      const rejected = makeEnvelope(
        'incident.command_rejected',
        { incidentId: command.payload.incidentId, commandId: command.id, commandType: command.type, reason: decision.reason },
        { ...context, actor: trackerActor },
      );
      return { incidentEvents: [rejected] };
    },
  });
}
