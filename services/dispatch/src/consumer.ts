import type { Kafka } from 'kafkajs';
import { makeEnvelope, runConsumer, type ConsumerSettings, type Envelope, type IncidentCategory, type Logger, type RunningConsumer } from '@ucsc/shared';
import { onAccepted, onOfferEnded, onOverride, onReported, type Draft, type Effects, type RoutingPolicy } from './domain/dispatching';
import { enterprisePool, type RoutingDirectory } from './domain/routing';
import type { DirectoryView } from './directory';
import type { RoutingStore } from './store';

export const dispatchActor = { kind: 'service', id: 'dispatch', authenticatedBy: 'service' } as const;

/**
 * Classifies and routes new reports, re-routes after a decline or a timeout, and judges
 * coordinators' overrides; each in one Kafka transaction with the consumed offsets. The state and
 * load counters in Redis are changed once per event (RoutingStore.recordOnce), so a redelivered
 * event re-emits the same decision and never routes twice.
 */
export function startDispatcher(options: {
  kafka: Kafka;
  prefix: string;
  instance: string;
  directory: DirectoryView;
  store: RoutingStore;
  policy: RoutingPolicy;
  logger: Logger;
  now?: () => Date;
  settings: ConsumerSettings;
}): Promise<RunningConsumer> {
  const { directory, store, policy } = options;
  const now = options.now ?? (() => new Date());

  // one index per message: the loads are read for the very pool the decision then scans
  const loadsFor = (routing: RoutingDirectory, provinceCode: string, category: IncidentCategory) =>
    store.loads(enterprisePool(routing, provinceCode, category));

  return runConsumer({
    ...options.settings,
    kafka: options.kafka,
    prefix: options.prefix,
    group: 'dispatch',
    topics: ['incidentEvents', 'routingCommands'],
    transactionalId: `${options.prefix}.dispatch.${options.instance}`,
    logger: options.logger,
    async handle(message, { topic, partition, offset, logger }) {
      const context = { producedBy: 'dispatch', correlationId: message.correlationId, causationId: message.id };
      const wrap = (drafts: Draft[], actor: Envelope['actor'] = dispatchActor) =>
        drafts.map((d) => makeEnvelope(d.type, d.payload as never, { ...context, actor }) as Envelope<Draft['type']>);
      // every outcome goes through recordOnce, even "nothing to do": on a retried batch the state
      // already shows this event's effects, and only the record of the first run says what to emit
      const record = async (effects: Effects, actor?: Envelope['actor'], extra: Envelope<Draft['type']>[] = []) => {
        const envelopes = await store.recordOnce(message.id, `${topic}:${partition}:${offset}`, effects, [...wrap(effects.events, actor), ...extra]);
        return { incidentEvents: envelopes as Envelope<Draft['type']>[] };
      };
      const nothing = (): Effects => ({ events: [], loadDelta: {}, offered: [], deadlinesAdd: [], deadlinesRemove: [] });

      switch (message.type) {
        case 'incident.reported': {
          const report = message.payload;
          const routed = await store.incident(report.incidentId);
          if (routed) return record(nothing()); // routed before: re-emit what that produced, if this is a retry
          const routing = directory.routing();
          const loads = await loadsFor(routing, report.province.code, report.category ?? 'other');
          const effects = onReported(routing, loads, report, now(), policy);
          logger.info({ incidentId: report.incidentId, events: effects.events.map((e) => e.type) }, 'classified and routed');
          return record(effects);
        }
        case 'incident.assignment_declined':
        case 'incident.assignment_timed_out': {
          const state = await store.incident(message.payload.incidentId);
          if (!state) return record(nothing());
          const routing = directory.routing();
          const loads = await loadsFor(routing, state.province.code, state.category);
          const outcome = message.type === 'incident.assignment_declined' ? 'declined' : 'timed_out';
          const effects = onOfferEnded(routing, loads, state, message.payload.assigneeId, outcome, now(), policy);
          logger.info({ incidentId: state.incidentId, enterpriseId: message.payload.assigneeId, outcome, events: effects.events.map((e) => e.type) }, 're-routed');
          return record(effects);
        }
        case 'incident.assignment_accepted': {
          const state = await store.incident(message.payload.incidentId);
          if (!state) return record(nothing());
          return record(onAccepted(state, message.payload.assigneeId));
        }
        case 'incident.override_routing': {
          const state = await store.incident(message.payload.incidentId);
          const outcome = onOverride(directory.routing(), state, message.payload);
          if (outcome.accepted) return record(outcome.effects, message.actor);
          logger.info({ incidentId: message.payload.incidentId, reason: outcome.reason }, 'override rejected');
          const rejected = makeEnvelope(
            'incident.command_rejected',
            { incidentId: message.payload.incidentId, commandId: message.id, commandType: message.type, reason: outcome.reason },
            { ...context, actor: dispatchActor },
          );
          return record(nothing(), undefined, [rejected]);
        }
        default:
          return undefined; // the other events are facts dispatch does not act on
      }
    },
  });
}
