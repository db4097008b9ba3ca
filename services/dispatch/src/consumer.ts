import type { Kafka } from 'kafkajs';
import { ZodError } from 'zod';
import {
  incidentReportedSchema,
  makeEnvelope,
  PermanentError,
  runConsumer,
  type BatchItem,
  type ConsumerSettings,
  type Envelope,
  type Logger,
  type Outbox,
  type RunningConsumer,
  type TopicMessageType,
} from '@ucsc/shared';
import { onAccepted, onOfferedByCoordinator, onOfferEnded, onOverride, onPartsChanged, onReported, type Draft, type Effects, type RoutingPolicy } from './domain/dispatching';
import type { RoutingDirectory } from './domain/routing';
import type { DirectoryView } from './directory';
import { DecisionOutputLost, recordSource, type RoutingBatch, type RoutingStore } from './store';

export const dispatchActor = { kind: 'service', id: 'dispatch', authenticatedBy: 'service' } as const;

type DispatchTopic = 'incidentEvents' | 'routingCommands';
type Message = Envelope<TopicMessageType<DispatchTopic>>;
export type DispatchItem = BatchItem<DispatchTopic>;
export type DispatchResult = Outbox | undefined | PermanentError;

/** The events and commands dispatch decides on; the others (its own decisions among them) pass by. */
const decides = new Set<Message['type']>([
  'incident.reported',
  'incident.assignment_declined',
  'incident.assignment_timed_out',
  'incident.assignment_accepted',
  'incident.override_routing',
  // the lifecycle ending (or restarting) enterprises' parts: their load follows
  'incident.assignee_added',
  'incident.assignee_removed',
  'incident.resolved',
  'incident.closed',
  'incident.rejected',
  'incident.merged',
  'incident.reopened',
]);
const reportFactsSchema = incidentReportedSchema.omit({ report: true });
const sourceOf = (context: DispatchItem['context']) => recordSource(context.topic, context.partition, context.offset);
const incidentOf = (message: Message) => (message.payload as { incidentId: string }).incidentId;

/**
 * Decides a batch of one partition's records: one Redis read for all of them, the decisions in
 * memory in order (each sees the previous ones' state, loads and round-robin turn), one atomic
 * Redis write of all their effects, once per event id (RoutingStore.batch). One result per item.
 */
export function dispatchBatches(options: { directory: Pick<DirectoryView, 'routing'>; store: RoutingStore; policy: RoutingPolicy; logger: Logger; now?: () => Date }) {
  const { directory, store, policy, logger } = options;
  const now = options.now ?? (() => new Date());
  return async (items: readonly DispatchItem[]): Promise<DispatchResult[]> => {
    const events = items
      .filter((i) => decides.has(i.envelope.type))
      .map((i) => ({ eventId: i.envelope.id, incidentId: incidentOf(i.envelope), source: sourceOf(i.context) }));
    if (events.length === 0) return items.map(() => undefined);
    const routing = directory.routing();
    const results = await store.batch(routing, events, (batch) => items.map((item) => decideOne(batch, routing, item)));
    const routed = results.filter((r, i) => r && items[i]!.envelope.type === 'incident.reported').length;
    logger.info({ records: items.length, decided: events.length, routed }, 'dispatch batch decided');
    return results;
  };

  function decideOne(batch: RoutingBatch, routing: RoutingDirectory, { envelope: message, context }: DispatchItem): DispatchResult {
    if (!decides.has(message.type)) return undefined;
    const source = sourceOf(context);
    let before: Envelope[] | undefined;
    try {
      before = batch.handledBefore(message.id, source);
    } catch (error) {
      if (!(error instanceof DecisionOutputLost)) throw error;
      context.logger.error({ eventId: message.id }, error.message);
      return new PermanentError(error.message, 'decision_output_lost');
    }
    if (before) return before.length ? { incidentEvents: before as Envelope<Draft['type']>[] } : undefined;
    try {
      return decide(batch, routing, message, source, context.logger);
    } catch (error) {
      // an event dispatch made does not fit its own contract: nothing was recorded, so the record is dead-lettered and the partition goes on
      if (error instanceof ZodError) return new PermanentError(`dispatch could not decide on this record: ${error.message}`, 'invalid_decision');
      throw error;
    }
  }

  function decide(batch: RoutingBatch, routing: RoutingDirectory, message: Message, source: string, log: Logger): DispatchResult {
    const context = { producedBy: 'dispatch', correlationId: message.correlationId, causationId: message.id };
    const wrap = (drafts: Draft[], actor: Envelope['actor'] = dispatchActor, occurredAt?: string) =>
      drafts.map((d) => makeEnvelope(d.type, d.payload as never, { ...context, actor, ...(occurredAt ? { occurredAt } : {}) }) as Envelope<Draft['type']>);
    // an outcome that emits and changes nothing is not remembered: handled again, it decides nothing again
    const record = (effects: Effects, actor?: Envelope['actor'], extra: Envelope<Draft['type']>[] = [], occurredAt?: string): DispatchResult => {
      // the decision's offers carry their round-robin turn, so that a rebuild from the log restores it
      const sequence = effects.offered.length ? batch.offerSequence() : undefined;
      const drafts = sequence === undefined ? effects.events : effects.events.map((d) => (d.type === 'incident.assignment_offered' ? { ...d, payload: { ...d.payload, sequence: String(sequence) } } : d));
      const envelopes = [...wrap(drafts, actor, occurredAt), ...extra];
      if (envelopes.length === 0 && !effects.state) return undefined;
      batch.record(message.id, source, effects, envelopes, sequence);
      return { incidentEvents: envelopes };
    };

    switch (message.type) {
      case 'incident.reported': {
        const report = message.payload;
        if (batch.incident(report.incidentId)) return undefined; // routed before (the same report sent twice)
        const effects = onReported(routing, batch.loads, report, now(), policy);
        log.debug({ incidentId: report.incidentId, events: effects.events.map((e) => e.type) }, 'classified and routed');
        return record(effects);
      }
      case 'incident.assignment_declined':
      case 'incident.assignment_timed_out': {
        const state = batch.incident(message.payload.incidentId);
        if (!state) return undefined;
        const outcome = message.type === 'incident.assignment_declined' ? 'declined' : 'timed_out';
        const effects = onOfferEnded(routing, batch.loads, state, message.payload.assigneeId, outcome, now(), policy);
        log.info({ incidentId: state.incidentId, enterpriseId: message.payload.assigneeId, outcome, events: effects.events.map((e) => e.type) }, 're-routed');
        return record(effects);
      }
      case 'incident.assignment_accepted': {
        const state = batch.incident(message.payload.incidentId);
        return state ? record(onAccepted(state, message.payload.assigneeId)) : undefined;
      }
      case 'incident.override_routing': {
        // the override's event carries the time its state records, so that a rebuild from the log gives the same state
        const at = now().toISOString();
        const outcome = onOverride(routing, batch.incident(message.payload.incidentId), message.payload, at);
        if (outcome.accepted) return record(outcome.effects, message.actor, [], at);
        log.info({ incidentId: message.payload.incidentId, reason: outcome.reason }, 'override rejected');
        const rejected = makeEnvelope(
          'incident.command_rejected',
          { incidentId: message.payload.incidentId, commandId: message.id, commandType: message.type, reason: outcome.reason },
          { ...context, actor: dispatchActor },
        );
        return record({ events: [], loadDelta: {}, offered: [], deadlinesAdd: [], deadlinesRemove: [] }, undefined, [rejected]);
      }
      case 'incident.assignee_added': {
        const state = batch.incident(message.payload.incidentId);
        const { assignee, offerExpiresAt } = message.payload;
        if (!state || assignee.kind !== 'enterprise' || !offerExpiresAt) return undefined;
        return record(onOfferedByCoordinator(state, assignee, message.occurredAt, offerExpiresAt));
      }
      case 'incident.assignee_removed':
      case 'incident.resolved':
      case 'incident.closed':
      case 'incident.rejected':
      case 'incident.merged':
      case 'incident.reopened': {
        const state = batch.incident(message.payload.incidentId);
        if (!state) return undefined;
        const change =
          message.type === 'incident.assignee_removed'
            ? ({ kind: 'removed', enterpriseId: message.payload.assigneeId } as const)
            : ({ kind: message.type === 'incident.resolved' ? 'resolved' : message.type === 'incident.reopened' ? 'reopened' : 'finished' } as const);
        return record(onPartsChanged(state, change));
      }
      default:
        return undefined;
    }
  }
}

/**
 * Classifies and routes new reports, re-routes after a decline or a timeout, and judges
 * coordinators' overrides; each batch in one Kafka transaction with its offsets.
 */
export function startDispatcher(options: {
  kafka: Kafka;
  prefix: string;
  directory: DirectoryView;
  store: RoutingStore;
  policy: RoutingPolicy;
  logger: Logger;
  now?: () => Date;
  settings: ConsumerSettings;
}): Promise<RunningConsumer> {
  return runConsumer({
    ...options.settings,
    kafka: options.kafka,
    prefix: options.prefix,
    group: 'dispatch',
    topics: ['incidentEvents', 'routingCommands'],
    transactional: true,
    logger: options.logger,
    // its own decisions come back on the events topic: passed by unparsed, not validated again
    handles: [...decides],
    // a report's classification facts are read and checked; the rest of Biểu mẫu 03 (two thirds of
    // its bytes and of its validation) is not dispatch's to read: the tracker checks it in full
    reads: { 'incident.reported': reportFactsSchema },
    // the next batch is decided (its Redis read and write; the store runs batches one at a time)
    // while the previous one's transaction is with the broker: a copy waited a third of its time
    partitionsConsumedConcurrently: 3,
    handleBatch: dispatchBatches(options),
    // a batch in Kafka: its stored output is no longer needed to send it again (a miss, logged by
    // the consumer, leaves it to its expiry)
    onCommitted: (topic, partition, nextOffset) => options.store.committed(topic, partition, nextOffset),
  });
}
