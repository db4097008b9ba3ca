import type { Kafka } from 'kafkajs';
import { parseMessage, replayTopic, topicName, type Logger, type ProvinceRef, type Redis } from '@ucsc/shared';
import { endOffer, onAccepted, onOfferedByCoordinator, onPartsChanged, type Effects, type IncidentRouting } from './domain/dispatching';
import { dispatchKeys } from './store';

/**
 * Rebuilds dispatch's enterprise loads (open assignments per enterprise) from the incident-events
 * log: every offer on the log (dispatch's own and a coordinator's), its answer and the lifecycle's
 * end of each part, through the same domain functions the live consumer uses, without re-routing
 * (the re-routing's offers are on the log). Replaces `dispatch:load`. Run it with dispatch stopped.
 */
export async function rebuildLoads(options: { kafka: Kafka; redis: Redis; prefix: string; redisPrefix: string; logger: Logger }): Promise<{ events: number; loads: Record<string, number> }> {
  const provinces = new Map<string, ProvinceRef>();
  const states = new Map<string, IncidentRouting>();
  const loads: Record<string, number> = {};
  let events = 0;
  const apply = (effects: Effects) => {
    if (effects.state) states.set(effects.state.incidentId, effects.state);
    for (const [id, delta] of Object.entries(effects.loadDelta)) loads[id] = (loads[id] ?? 0) + delta;
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
          states.set(id, { incidentId: id, province: provinces.get(id)!, category, tlp, severity, want: 0, assignees: [], offers: [] });
          continue;
        }
        const state = states.get(id);
        if (!state) continue;
        switch (event.type) {
          case 'incident.assignment_offered':
            apply(onOfferedByCoordinator(state, event.payload.assignee, event.payload.offeredAt, event.payload.offerExpiresAt));
            break;
          case 'incident.assignee_added':
            if (event.payload.assignee.kind === 'enterprise' && event.payload.offerExpiresAt) apply(onOfferedByCoordinator(state, event.payload.assignee, event.occurredAt, event.payload.offerExpiresAt));
            break;
          case 'incident.assignment_accepted':
            apply(onAccepted(state, event.payload.assigneeId));
            break;
          case 'incident.assignment_declined':
          case 'incident.assignment_timed_out':
            apply(endOffer(state, event.payload.assigneeId, event.type === 'incident.assignment_declined' ? 'declined' : 'timed_out'));
            break;
          case 'incident.assignee_removed':
            apply(onPartsChanged(state, { kind: 'removed', enterpriseId: event.payload.assigneeId }));
            break;
          case 'incident.resolved':
          case 'incident.reopened':
            apply(onPartsChanged(state, { kind: event.type === 'incident.resolved' ? 'resolved' : 'reopened' }));
            break;
          case 'incident.closed':
          case 'incident.rejected':
          case 'incident.merged':
            apply(onPartsChanged(state, { kind: 'finished' }));
            break;
          default:
            break;
        }
      }
    },
  });
  const held = Object.entries(loads).filter(([, n]) => n !== 0);
  const key = dispatchKeys(options.redisPrefix).load;
  const write = options.redis.multi().del(key);
  if (held.length) write.hset(key, Object.fromEntries(held));
  await write.exec();
  options.logger.info({ events, enterprises: held.length }, 'dispatch loads rebuilt');
  return { events, loads: Object.fromEntries(held) };
}
