import type { Kafka } from 'kafkajs';
import { parseMessage, replayTopic, topicName, type Logger, type ProvinceRef, type Redis } from '@ucsc/shared';
import { applyOverride, endOffer, onAccepted, onOfferedByCoordinator, onPartsChanged, type Effects, type IncidentRouting, type RoutingPolicy } from './domain/dispatching';
import { dispatchKeys } from './store';

export interface RebuiltRouting {
  events: number;
  /** incidents with a routing state */
  incidents: number;
  /** enterprise id → open assignments */
  loads: Record<string, number>;
  /** enterprise id → sequence of its last offer */
  lastOffered: Record<string, number>;
}

/**
 * Rebuilds everything dispatch's later decisions read from the incident-events log: each
 * incident's routing state (`dispatch:incident:<id>`), the enterprises' loads (`dispatch:load`),
 * the round-robin sequences (`dispatch:last-offered`) and the acceptance deadlines
 * (`dispatch:deadlines`). Every routing fact is on the log (the classification, the assignment,
 * each offer, its answer, a coordinator's override, the lifecycle's end of each part) and goes
 * through the same domain functions the live consumer uses, without re-routing (the re-routing's
 * offers are on the log). How many enterprises an incident wants is the policy's, as configured.
 * Run it with dispatch stopped; it replaces those keys.
 */
export async function rebuildRouting(options: {
  kafka: Kafka;
  redis: Redis;
  prefix: string;
  redisPrefix: string;
  policy: Pick<RoutingPolicy, 'enterprisesPerIncident' | 'enterprisesPerSevereIncident'>;
  logger: Logger;
}): Promise<RebuiltRouting> {
  const provinces = new Map<string, ProvinceRef>();
  const states = new Map<string, IncidentRouting>();
  const loads: Record<string, number> = {};
  const lastOffered: Record<string, number> = {};
  const deadlines = new Map<string, number>();
  let events = 0;
  /** `sequence`: the round-robin turn the live store gave the offer (on dispatch's own offers); else the offer's time in µs, as the live store numbers it */
  const apply = (effects: Effects, at: string, sequence?: string) => {
    if (effects.state) states.set(effects.state.incidentId, effects.state);
    for (const [id, delta] of Object.entries(effects.loadDelta)) loads[id] = (loads[id] ?? 0) + delta;
    const turn = sequence ? Number(sequence) : Date.parse(at) * 1000;
    for (const id of effects.offered) lastOffered[id] = Math.max(lastOffered[id] ?? 0, turn);
    for (const member of effects.deadlinesRemove) deadlines.delete(member);
    for (const { member, at: due } of effects.deadlinesAdd) deadlines.set(member, due);
  };
  await replayTopic({
    kafka: options.kafka,
    topic: topicName(options.prefix, 'incidentEvents'),
    groupPrefix: `${options.prefix}.dispatch.rebuild`,
    apply: async (messages) => {
      for (const message of messages) {
        const parsed = parseMessage('incidentEvents', message.value);
        if (!parsed.ok) continue; // dead-lettered by the live consumers
        const event = parsed.value;
        events += 1;
        const id = event.payload.incidentId;
        if (event.type === 'incident.reported') provinces.set(id, event.payload.province);
        if (event.type === 'incident.classified') {
          const { category, tlp, severity } = event.payload;
          const want = severity === 'severe' ? options.policy.enterprisesPerSevereIncident : options.policy.enterprisesPerIncident;
          if (!states.has(id)) states.set(id, { incidentId: id, province: provinces.get(id)!, category, tlp, severity, want, assignees: [], offers: [] });
          continue;
        }
        const state = states.get(id);
        if (!state) continue;
        switch (event.type) {
          case 'incident.assigned':
            states.set(id, { ...state, assignees: event.payload.assignees.map(({ id: assigneeId, name, kind }) => ({ id: assigneeId, name, kind })) });
            break;
          case 'incident.assignment_offered':
            apply(onOfferedByCoordinator(state, event.payload.assignee, event.payload.offeredAt, event.payload.offerExpiresAt), event.payload.offeredAt, event.payload.sequence);
            break;
          case 'incident.assignee_added':
            if (event.payload.assignee.kind === 'enterprise' && event.payload.offerExpiresAt) {
              apply(onOfferedByCoordinator(state, event.payload.assignee, event.occurredAt, event.payload.offerExpiresAt), event.occurredAt);
            }
            break;
          case 'incident.routing_overridden':
            apply(applyOverride(state, event.payload, event.occurredAt), event.occurredAt);
            break;
          case 'incident.assignment_accepted':
            apply(onAccepted(state, event.payload.assigneeId), event.occurredAt);
            break;
          case 'incident.assignment_declined':
          case 'incident.assignment_timed_out':
            apply(endOffer(state, event.payload.assigneeId, event.type === 'incident.assignment_declined' ? 'declined' : 'timed_out'), event.occurredAt);
            break;
          case 'incident.assignee_removed':
            apply(onPartsChanged(state, { kind: 'removed', enterpriseId: event.payload.assigneeId }), event.occurredAt);
            break;
          case 'incident.resolved':
          case 'incident.reopened':
            apply(onPartsChanged(state, { kind: event.type === 'incident.resolved' ? 'resolved' : 'reopened' }), event.occurredAt);
            break;
          case 'incident.closed':
          case 'incident.rejected':
          case 'incident.merged':
            apply(onPartsChanged(state, { kind: 'finished' }), event.occurredAt);
            break;
          default:
            break;
        }
      }
    },
  });
  await writeRouting(options.redis, options.redisPrefix, { states, loads, lastOffered, deadlines });
  const held = Object.fromEntries(Object.entries(loads).filter(([, n]) => n !== 0));
  options.logger.info({ events, incidents: states.size, enterprises: Object.keys(held).length }, 'dispatch routing rebuilt');
  return { events, incidents: states.size, loads: held, lastOffered };
}

/** Replaces dispatch's routing keys with the rebuilt ones, in slices (a million incidents is not one command). */
async function writeRouting(
  redis: Redis,
  redisPrefix: string,
  rebuilt: { states: Map<string, IncidentRouting>; loads: Record<string, number>; lastOffered: Record<string, number>; deadlines: Map<string, number> },
): Promise<void> {
  const keys = dispatchKeys(redisPrefix);
  // the states of incidents no longer on the log (another deployment's leftovers) go too
  for (let cursor = '0'; ; ) {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.incident('*'), 'COUNT', 1000);
    if (found.length) await redis.unlink(...found);
    if ((cursor = next) === '0') break;
  }
  const slice = 1000;
  const states = [...rebuilt.states.values()];
  for (let i = 0; i < states.length; i += slice) {
    await redis.mset(states.slice(i, i + slice).flatMap((s) => [keys.incident(s.incidentId), JSON.stringify(s)]));
  }
  const write = redis.multi().del(keys.load, keys.lastOffered, keys.deadlines, keys.loadChanges);
  const held = Object.entries(rebuilt.loads).filter(([, n]) => n !== 0);
  if (held.length) write.hset(keys.load, Object.fromEntries(held));
  // sequences as strings: the live store compares them with tonumber, and a number would lose digits in Lua
  const sequences = Object.entries(rebuilt.lastOffered);
  if (sequences.length) write.hset(keys.lastOffered, Object.fromEntries(sequences.map(([id, seq]) => [id, String(seq)])));
  const due = [...rebuilt.deadlines].flatMap(([member, at]) => [at, member]);
  for (let i = 0; i < due.length; i += 2 * slice) write.zadd(keys.deadlines, ...due.slice(i, i + 2 * slice));
  await write.exec();
}
