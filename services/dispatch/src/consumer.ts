import type { Kafka } from 'kafkajs';
import { makeEnvelope, runConsumer, type Logger, type RunningConsumer } from '@ucsc/shared';
import { routeReport, type RoutingDirectory } from './domain/routing';

export const dispatchActor = { kind: 'service', id: 'dispatch', authenticatedBy: 'service' } as const;

/**
 * Reads new reports and emits who is assigned, in one Kafka transaction with the consumed
 * offsets: a redelivered or replayed report never routes twice.
 */
export function startDispatcher(options: {
  kafka: Kafka;
  prefix: string;
  instance: string;
  directory: RoutingDirectory;
  logger: Logger;
}): Promise<RunningConsumer> {
  const { directory } = options;
  return runConsumer({
    kafka: options.kafka,
    prefix: options.prefix,
    group: 'dispatch',
    topics: ['incidentEvents'],
    transactionalId: `${options.prefix}.dispatch.${options.instance}`,
    logger: options.logger,
    async handle(event, { logger }) {
      if (event.type !== 'incident.reported') return;
      const decision = routeReport(directory, event.payload);
      logger.info({ incidentId: event.payload.incidentId, assignees: decision.assignees.length }, 'routed');
      const assigned = makeEnvelope(
        'incident.assigned',
        { incidentId: event.payload.incidentId, provinceCode: event.payload.province.code, ...decision },
        { producedBy: 'dispatch', actor: dispatchActor, correlationId: event.correlationId, causationId: event.id },
      );
      return { incidentEvents: [assigned] };
    },
  });
}
