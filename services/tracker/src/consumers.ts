import type { Kafka } from 'kafkajs';
import { makeEnvelope, readIncident, runConsumer, type Logger, type Redis, type RunningConsumer } from '@ucsc/shared';
import { decide, type Emit } from './domain/lifecycle';
import { projectEvent } from './projection';

export const trackerActor = { kind: 'service', id: 'tracker', authenticatedBy: 'service' } as const;

interface TrackerConsumerOptions {
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  instance: string;
  logger: Logger;
}

/** Keeps the incident projection in Redis up to date with the event log. */
export function startProjector(options: TrackerConsumerOptions): Promise<RunningConsumer> {
  return runConsumer({
    kafka: options.kafka,
    prefix: options.prefix,
    group: 'tracker.projector',
    topics: ['incidentEvents'],
    logger: options.logger,
    async handle(event, { offset, logger }) {
      const change = await projectEvent(options.redis, options.redisPrefix, event, Number(offset));
      if (change) logger.debug({ incidentId: change.incident.id, type: event.type, state: change.incident.state }, 'projected');
    },
  });
}

/**
 * The one judge of lifecycle commands: checks each against the incident's state and emits the
 * resulting events (or the refusal) in one transaction with the command's offset.
 */
export function startCommandHandler(options: TrackerConsumerOptions): Promise<RunningConsumer> {
  return runConsumer({
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
