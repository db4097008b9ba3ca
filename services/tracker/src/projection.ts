import { incidentKeys, type IncidentChange, type IncidentView, type Redis } from '@ucsc/shared';
import { applyEvent, type IncidentEvent } from './domain/lifecycle';

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
export async function projectEvents(redis: Redis, prefix: string, events: readonly Positioned[], publish = true): Promise<IncidentChange[]> {
  if (events.length === 0) return [];
  const keys = incidentKeys(prefix);
  const ids = [...new Set(events.map((e) => e.event.payload.incidentId))];
  const raws = await redis.mget(ids.map(keys.incident));
  const views = new Map<string, IncidentView | undefined>(ids.map((id, i) => [id, raws[i] ? (JSON.parse(raws[i]!) as IncidentView) : undefined]));
  const changes: IncidentChange[] = [];
  const changed = new Set<string>();
  for (const { event, offset } of events) {
    const id = event.payload.incidentId;
    const current = views.get(id);
    if (current && current.version >= offset) continue;
    const next = applyEvent(current, event, offset);
    if (!next) continue;
    views.set(id, next);
    changed.add(id);
    changes.push({ eventId: event.id, type: event.type, incident: next });
  }
  if (changes.length === 0) return [];
  const tx = redis.multi();
  for (const id of changed) {
    const view = views.get(id)!;
    const score = Date.parse(view.updatedAt);
    tx.set(keys.incident(id), JSON.stringify(view)).zadd(keys.byUpdated, score, id).zadd(keys.byProvince(view.province.code), score, id);
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
