import { incidentKeys, readIncident, type IncidentChange, type Redis } from '@ucsc/shared';
import { applyEvent, type IncidentEvent } from './domain/lifecycle';

/**
 * Applies one event to the incident projection in Redis, once: an event at or below the
 * incident's version was applied already (a redelivery or a replay) and changes nothing.
 * Publishes the change on the live feed unless told not to (a rebuild).
 */
export async function projectEvent(
  redis: Redis,
  prefix: string,
  event: IncidentEvent,
  offset: number,
  publish = true,
): Promise<IncidentChange | undefined> {
  const current = await readIncident(redis, prefix, event.payload.incidentId);
  if (current && current.version >= offset) return undefined;
  const next = applyEvent(current, event, offset);
  if (!next) return undefined;
  const keys = incidentKeys(prefix);
  const change: IncidentChange = { eventId: event.id, type: event.type, incident: next };
  const score = Date.parse(next.updatedAt);
  const tx = redis
    .multi()
    .set(keys.incident(next.id), JSON.stringify(next))
    .zadd(keys.byUpdated, score, next.id)
    .zadd(keys.byProvince(next.province.code), score, next.id);
  if (publish) tx.publish(keys.feed, JSON.stringify(change));
  await tx.exec();
  return change;
}
