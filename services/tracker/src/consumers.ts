import type { Kafka } from 'kafkajs';
import {
  commandReplyKeys,
  commandReplyTtlSeconds,
  incidentKeys,
  makeEnvelope,
  runConsumer,
  type BatchItem,
  type CommandReply,
  type ConsumerSettings,
  type IncidentView,
  type Logger,
  type Outbox,
  type Redis,
  type ResponsePolicy,
  type RunningConsumer,
} from '@ucsc/shared';
import { applyEvent, decide, type Emit, type IncidentCommand } from './domain/lifecycle';
import { Projection } from './projection';
import type { ProjectionSync } from './sync';
import type { SweepPolicy } from './domain/sweep';

export const trackerActor = { kind: 'service', id: 'tracker', authenticatedBy: 'service' } as const;

interface TrackerConsumerOptions {
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  logger: Logger;
  settings: ConsumerSettings;
  /** views the projector remembers (PROJECTION_CACHE_VIEWS) */
  cacheViews?: number;
}

/** The projector's consumer group name (runConsumer prefixes it): the command handler waits on its progress. */
export const projectorGroup = 'tracker.projector';

/** Keeps the incident projection in Redis up to date with the event log (and the deadline index with it). */
export function startProjector(options: TrackerConsumerOptions & { clocks?: SweepPolicy }): Promise<RunningConsumer> {
  const projection = new Projection(options.redis, options.redisPrefix, options.cacheViews);
  return runConsumer({
    ...options.settings,
    kafka: options.kafka,
    prefix: options.prefix,
    group: projectorGroup,
    topics: ['incidentEvents'],
    logger: options.logger,
    // partitions' batches overlap (each writes only its own incidents): one's Redis call while another is parsed
    partitionsConsumedConcurrently: 3,
    // the whole batch in one Redis call (Projection): the projector keeps pace with intake
    async handleBatch(items) {
      const changes = await projection.project(
        items.map(({ envelope, context }) => ({ event: envelope, offset: Number(context.offset) })),
        true,
        options.clocks,
      );
      options.logger.debug({ events: items.length, changes: changes.length }, 'projected');
      return items.map(() => undefined);
    },
  });
}

export interface CommandHandlerOptions extends TrackerConsumerOptions {
  sync: Pick<ProjectionSync, 'caughtUp'>;
  policy?: ResponsePolicy;
  now?: () => Date;
}

/**
 * Decides a batch of commands: first waits until the projection holds every event already on
 * the log for their incidents (ProjectionSync), then decides them in order, each against the
 * incident as the commands before it in the batch left it (their events applied in memory). The
 * events, or a refusal, commit with the commands' offsets in one transaction; the sender's answer
 * is written when the projector applies them (projection.ts), so the answer and the read model
 * agree. A command decided before (a retry of the same id) emits nothing and is answered again.
 */
export function decideCommands(options: CommandHandlerOptions) {
  const { redis, redisPrefix, logger } = options;
  const now = options.now ?? (() => new Date());
  const keys = incidentKeys(redisPrefix);
  const replies = commandReplyKeys(redisPrefix);
  return async (items: readonly BatchItem<'incidentCommands'>[]): Promise<(Outbox | undefined)[]> => {
    const ids = new Set<string>();
    for (const { envelope } of items) {
      ids.add(envelope.payload.incidentId);
      if (envelope.type === 'incident.merge') ids.add(envelope.payload.intoIncidentId);
    }
    await options.sync.caughtUp([...ids]);
    const list = [...ids];
    const raws = list.length ? await redis.mget(list.map(keys.incident)) : [];
    const views = new Map<string, IncidentView | undefined>(list.map((id, i) => [id, raws[i] ? (JSON.parse(raws[i]!) as IncidentView) : undefined]));
    const remember = (event: Parameters<typeof applyEvent>[1]) => {
      const view = views.get(event.payload.incidentId);
      const next = applyEvent(view, event, view?.version ?? 0);
      if (next) views.set(event.payload.incidentId, next);
    };
    const results: (Outbox | undefined)[] = [];
    for (const { envelope } of items) {
      const command = envelope as IncidentCommand;
      const incidentId = command.payload.incidentId;
      const at = now().toISOString();
      const context = { producedBy: 'tracker', actor: command.actor, correlationId: command.correlationId, causationId: command.id, occurredAt: at };
      const emit: Emit = (type, payload) => makeEnvelope(type, payload, context);
      const decision = decide(views.get(incidentId), command, emit, { ...(options.policy ? { policy: options.policy } : {}), incident: (id) => views.get(id) });
      if (decision.accepted && decision.duplicate) {
        await answerAgain(command, views.get(incidentId), at);
        results.push(undefined);
        continue;
      }
      if (decision.accepted) {
        decision.events.forEach(remember);
        results.push({ incidentEvents: decision.events });
        continue;
      }
      logger.info({ incidentId, status: decision.status, reason: decision.reason }, `command ${command.type} refused`);
      const { status, reason, state, allowed, code } = decision;
      const rejected = makeEnvelope(
        'incident.command_rejected',
        { incidentId, commandId: command.id, commandType: command.type, reason, status, ...(state ? { state } : {}), ...(allowed ? { allowed } : {}), ...(code ? { code } : {}) },
        { ...context, actor: trackerActor },
      );
      // an unknown incident has no projection to record the refusal on: it is answered here
      if (status === 404) await answer({ commandId: command.id, incidentId, commandType: command.type, outcome: 'refused', status, reason, at });
      else remember(rejected);
      results.push({ incidentEvents: [rejected] });
    }
    return results;
  };

  /** A retried command id: the first outcome again, marked as a duplicate. */
  async function answerAgain(command: IncidentCommand, view: IncidentView | undefined, at: string) {
    const raw = await redis.get(replies.reply(command.id));
    const first = raw ? (JSON.parse(raw) as CommandReply) : undefined;
    const reply: CommandReply = first
      ? { ...first, duplicate: true }
      : { commandId: command.id, incidentId: command.payload.incidentId, commandType: command.type, outcome: 'applied', status: 200, duplicate: true, at, ...(view ? { state: view.state } : {}) };
    await redis.publish(replies.channel, JSON.stringify(reply));
  }

  async function answer(reply: CommandReply) {
    await redis.multi().set(replies.reply(reply.commandId), JSON.stringify(reply), 'EX', commandReplyTtlSeconds).publish(replies.channel, JSON.stringify(reply)).exec();
  }
}

/**
 * The one judge of lifecycle commands: checks each against the incident's state and emits the
 * resulting events (or the refusal) in one transaction with the command's offset.
 */
export function startCommandHandler(options: CommandHandlerOptions): Promise<RunningConsumer> {
  return runConsumer({
    ...options.settings,
    kafka: options.kafka,
    prefix: options.prefix,
    group: 'tracker.commands',
    topics: ['incidentCommands'],
    transactional: true,
    logger: options.logger,
    handleBatch: decideCommands(options),
  });
}
