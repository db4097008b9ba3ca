import { commandReplyKeys, commandReplyTtlSeconds, incidentKeys, type CommandReply, type IncidentChange, type IncidentView, type Redis } from '@ucsc/shared';
import { applyEvent, type IncidentEvent } from './domain/lifecycle';
import { commandOfEvent } from './domain/transitions';
import { nextFireAt, type SweepPolicy } from './domain/sweep';

/** The tracker's own keys beside the incident projection (cleared and rebuilt with it). */
export function trackerKeys(prefix: string) {
  return {
    /** sorted set: incident id → when a sweep next has something to fire for it (ms) */
    deadlines: `${prefix}incidents:deadlines`,
    /** the sweep's lock: one sweeper at a time across the tracker's copies */
    sweepLock: `${prefix}tracker:sweep-lock`,
  };
}

/** An event and its offset on the incident-events partition (the projection's version). */
export interface Positioned {
  event: IncidentEvent;
  offset: number;
}

/**
 * Applies events to the incident projection in Redis, each once: an event at or below the
 * incident's version was applied already (a redelivery or a replay) and changes nothing. One read
 * of every incident the events touch, the events applied in order in memory, one transaction
 * writing what changed: two round trips for a whole Kafka batch, whatever its size. Publishes
 * each change on the live feed unless told not to (a rebuild).
 */
export async function projectEvents(redis: Redis, prefix: string, events: readonly Positioned[], publish = true, clocks: SweepPolicy = {}): Promise<IncidentChange[]> {
  if (events.length === 0) return [];
  const keys = incidentKeys(prefix);
  const ids = [...new Set(events.map((e) => e.event.payload.incidentId))];
  const raws = await redis.mget(ids.map(keys.incident));
  const views = new Map<string, IncidentView | undefined>(ids.map((id, i) => [id, raws[i] ? (JSON.parse(raws[i]!) as IncidentView) : undefined]));
  const changes: IncidentChange[] = [];
  const changed = new Set<string>();
  const replies: CommandReply[] = [];
  for (const { event, offset } of events) {
    const id = event.payload.incidentId;
    const current = views.get(id);
    if (current && current.version >= offset) continue;
    const next = applyEvent(current, event, offset);
    if (!next) continue;
    views.set(id, next);
    changed.add(id);
    changes.push({ eventId: event.id, type: event.type, incident: next });
    const reply = publish ? replyOf(event, current, next) : undefined;
    if (reply) replies.push(reply);
  }
  if (changes.length === 0) return [];
  const tx = redis.multi();
  const deadlineIndex = trackerKeys(prefix).deadlines;
  const replyKeys = commandReplyKeys(prefix);
  for (const reply of replies) tx.set(replyKeys.reply(reply.commandId), JSON.stringify(reply), 'EX', commandReplyTtlSeconds).publish(replyKeys.channel, JSON.stringify(reply));
  for (const id of changed) {
    const view = views.get(id)!;
    const score = Date.parse(view.updatedAt);
    tx.set(keys.incident(id), JSON.stringify(view)).zadd(keys.byUpdated, score, id).zadd(keys.byProvince(view.province.code), score, id);
    const fireAt = nextFireAt(view, clocks);
    if (fireAt === undefined) tx.zrem(deadlineIndex, id);
    else tx.zadd(deadlineIndex, fireAt, id);
  }
  if (publish) for (const change of changes) tx.publish(keys.feed, JSON.stringify(change));
  const results = await tx.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error('the projection transaction was discarded');
  return changes;
}

/** One event: see projectEvents. */
export async function projectEvent(redis: Redis, prefix: string, event: IncidentEvent, offset: number, publish = true): Promise<IncidentChange | undefined> {
  return (await projectEvents(redis, prefix, [{ event, offset }], publish))[0];
}

/** The events that answer a command: the first its rule emits (tracker), a routing override (dispatch), or a refusal. */
function answeredCommand(event: IncidentEvent): string | undefined {
  if (event.type === 'incident.command_rejected') return event.payload.commandId;
  if (!event.causationId) return undefined;
  if (event.type === 'incident.routing_overridden') return event.causationId;
  return event.producedBy === 'tracker' && commandOfEvent[event.type] ? event.causationId : undefined;
}

/**
 * The sender's answer, once the event is in the projection: applied, or refused (by the tracker's
 * decision, or because an event that came before it in the incident's order made it moot: the
 * projection then leaves it without effect, and says so).
 */
function replyOf(event: IncidentEvent, before: IncidentView | undefined, after: IncidentView): CommandReply | undefined {
  const commandId = answeredCommand(event);
  if (!commandId) return undefined;
  const base = { commandId, incidentId: after.id, at: event.occurredAt };
  if (event.type === 'incident.command_rejected') {
    const { commandType, reason, status, state, allowed } = event.payload;
    return { ...base, commandType, outcome: 'refused', status: status ?? 409, reason, ...(state ? { state: after.state } : {}), ...(allowed ? { allowed } : {}) };
  }
  const commandType = event.type === 'incident.routing_overridden' ? 'incident.override_routing' : commandOfEvent[event.type]!;
  if (before && after.timeline.length === before.timeline.length) {
    return { ...base, commandType, outcome: 'refused', status: 409, state: after.state, reason: `an earlier event on the incident left ${commandType} without effect` };
  }
  return { ...base, commandType, outcome: 'applied', status: 200, state: after.state, eventIds: [event.id] };
}
