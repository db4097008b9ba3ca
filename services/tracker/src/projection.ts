import { commandReplyKeys, commandReplyTtlSeconds, feedLogLength, incidentKeys, indexChanges, redisScript, type IndexOp, type CommandReply, type IncidentChange, type IncidentView, type Redis, type RedisScript } from '@ucsc/shared';
import { applyEvent, type IncidentEvent } from './domain/lifecycle';
import { commandOfEvent } from '@ucsc/shared';
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
 * Writes a batch's changed views only if each incident's stored version is still the one the
 * views were computed from (-1: absent), all or none; else answers the ids that moved. The version
 * is kept beside the view in a hash, so the guard does not decode ~4 KB views (a view written
 * before that hash existed is decoded once). With the views: each incident's next deadline (the
 * sweep's index; '' removes it) and the answers to the commands the batch applied or refused.
 * The changes go on the feed's change log (a stream capped near FEED_LOG_LENGTH entries) in the
 * same call, so a change is on the log exactly when its view is written, in the projection's order:
 * one entry per incident and batch, its last change with the view written.
 * The indexes beside the views (shared/src/projections/indexes.ts: likely duplicates, the figures
 * of the summaries) change in the same call, so they are never ahead of or behind the views.
 * KEYS: versions hash, by-updated set, deadline index. ARGV: count, change log, reply channel,
 * reply lifetime (s), reply count, log length, index op count; per incident key, id, expected,
 * version, view, score, province set, next deadline; per reply its key and JSON; per index op its
 * code (z+ z- h+ h-), key, member and score or value; then the changes to publish.
 */
const projectLua = `
local versions, byUpdated, deadlines = KEYS[1], KEYS[2], KEYS[3]
local n, changes, replyChannel, replyTtl, nReplies, logLength, nOps = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local first = 8
local moved = {}
for i = 0, n - 1 do
  local b = first + i * 8
  local current = redis.call('HGET', versions, ARGV[b + 1])
  if current then
    current = tonumber(current)
  else
    local raw = redis.call('GET', ARGV[b])
    current = raw and cjson.decode(raw).version or -1
  end
  if current ~= tonumber(ARGV[b + 2]) then moved[#moved + 1] = ARGV[b + 1] end
end
if #moved > 0 then return moved end
for i = 0, n - 1 do
  local b = first + i * 8
  redis.call('SET', ARGV[b], ARGV[b + 4])
  redis.call('HSET', versions, ARGV[b + 1], ARGV[b + 3])
  redis.call('ZADD', byUpdated, ARGV[b + 5], ARGV[b + 1])
  redis.call('ZADD', ARGV[b + 6], ARGV[b + 5], ARGV[b + 1])
  if ARGV[b + 7] == '' then redis.call('ZREM', deadlines, ARGV[b + 1]) else redis.call('ZADD', deadlines, ARGV[b + 7], ARGV[b + 1]) end
end
local r = first + n * 8
for i = 0, nReplies - 1 do
  redis.call('SET', ARGV[r + i * 2], ARGV[r + i * 2 + 1], 'EX', replyTtl)
  redis.call('PUBLISH', replyChannel, ARGV[r + i * 2 + 1])
end
local o = r + nReplies * 2
for i = 0, nOps - 1 do
  local op, key, member, value = ARGV[o + i * 4], ARGV[o + i * 4 + 1], ARGV[o + i * 4 + 2], ARGV[o + i * 4 + 3]
  if op == 'z+' then redis.call('ZADD', key, value, member)
  elseif op == 'z-' then redis.call('ZREM', key, member)
  elseif op == 'h+' then redis.call('HSET', key, member, value)
  else redis.call('HDEL', key, member) end
end
for j = o + nOps * 4, #ARGV do redis.call('XADD', changes, 'MAXLEN', '~', logLength, '*', 'c', ARGV[j]) end
return moved
`;

/** a view as last written or read, with its version (-1: known absent) */
interface Known {
  version: number;
  json: string | null;
  /** the parsed view, when it was just read */
  view?: IncidentView;
}

/**
 * The incident projection in Redis, written by the tracker's projector: each event applied once
 * (an event at or below the incident's version was applied already, a redelivery or a replay, and
 * changes nothing), never going backwards.
 *
 * One Redis round trip per Kafka batch: the views the batch needs come from what this projector
 * wrote last (a bounded cache; the partition's owner is the only writer), a new incident's report
 * needs none, and the one call that writes every changed view checks that each stored version is
 * still the one the change was computed from. Only views it does not know (after a start or a
 * rebalance) are read first; if another writer moved one (a copy that held the partition during a
 * rebalance, a rebuild), nothing is written and the batch is read and applied again.
 */
export class Projection {
  private readonly keys: ReturnType<typeof incidentKeys>;
  private readonly prefix: string;
  private readonly deadlines: string;
  private readonly replyKeys: ReturnType<typeof commandReplyKeys>;
  private readonly write: RedisScript;
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** how many views to remember (0: none, every view the batch needs but a new one is read) */
    private readonly cacheSize = 10_000,
  ) {
    this.keys = incidentKeys(prefix);
    this.prefix = prefix;
    this.deadlines = trackerKeys(prefix).deadlines;
    this.replyKeys = commandReplyKeys(prefix);
    this.write = redisScript(redis, 'ucscProjectIncidents', projectLua, 3);
  }

  /**
   * Applies the events (in offset order per incident), keeps each incident's next deadline in the
   * sweep's index, and unless told not to (a rebuild) publishes each change and answers the
   * commands the batch decided.
   */
  async project(events: readonly Positioned[], publish = true, clocks: SweepPolicy = {}): Promise<IncidentChange[]> {
    if (events.length === 0) return [];
    const first = new Map<string, IncidentEvent>();
    for (const { event } of events) if (!first.has(event.payload.incidentId)) first.set(event.payload.incidentId, event);
    let fresh = new Set<string>(); // ids whose stored view must be read before applying
    for (const [id, event] of first) if (!this.known.has(id) && event.type !== 'incident.reported') fresh.add(id);
    const read = new Map<string, Known>();
    for (let attempt = 1; ; attempt += 1) {
      if (fresh.size) await this.read([...fresh], read);
      const base = new Map<string, Known>();
      for (const id of first.keys()) base.set(id, read.get(id) ?? this.known.get(id) ?? { version: -1, json: null });
      const { changes, views, replies, before } = this.apply(base, events, publish);
      if (changes.length === 0) return [];
      const ops: IndexOp[] = [];
      for (const [id, view] of views) ops.push(...indexChanges(this.prefix, before.get(id), view));
      const args: (string | number)[] = [this.keys.versions, this.keys.byUpdated, this.deadlines, views.size, this.keys.changes, this.replyKeys.channel, commandReplyTtlSeconds, replies.length, feedLogLength, ops.length];
      const written = new Map<string, Known>();
      for (const [id, view] of views) {
        const json = JSON.stringify(view);
        written.set(id, { version: view.version, json });
        const fireAt = nextFireAt(view, clocks);
        args.push(this.keys.incident(id), id, base.get(id)!.version, view.version, json, Date.parse(view.updatedAt), this.keys.byProvince(view.province.code), fireAt ?? '');
      }
      for (const reply of replies) args.push(this.replyKeys.reply(reply.commandId), JSON.stringify(reply));
      for (const [op, key, member, value] of ops) args.push(op, key, member, value ?? '');
      if (publish) {
        // one entry per incident and batch: its last change, which carries the view just
        // serialised (the board shows the latest version anyway, and its timeline holds the
        // events the entry passes over); in the order of those last changes
        const last = new Map<string, IncidentChange>();
        for (const change of changes) {
          last.delete(change.incident.id);
          last.set(change.incident.id, change);
        }
        for (const change of last.values()) {
          args.push(`{"eventId":${JSON.stringify(change.eventId)},"type":${JSON.stringify(change.type)},"incident":${written.get(change.incident.id)!.json!}}`);
        }
      }
      const moved = (await this.write(...args)) as string[];
      if (moved.length === 0) {
        for (const [id, known] of written) this.remember(id, known);
        return changes;
      }
      // another writer moved these since we knew them: read them and apply the batch again
      for (const id of moved) {
        this.known.delete(id);
        read.delete(id);
      }
      if (attempt >= 5) throw new Error(`the projection of ${moved.length} incidents kept moving under this batch (${moved.slice(0, 3).join(', ')})`);
      fresh = new Set(moved);
    }
  }

  /** Forgets every view: after the partitions moved, what another copy wrote is read again. */
  forget(): void {
    this.known.clear();
  }

  private async read(ids: string[], into: Map<string, Known>): Promise<void> {
    const raws = await this.redis.mget(ids.map(this.keys.incident));
    ids.forEach((id, i) => {
      const raw = raws[i] ?? null;
      const view = raw ? (JSON.parse(raw) as IncidentView) : undefined;
      into.set(id, { version: view?.version ?? -1, json: raw, ...(view ? { view } : {}) });
      this.remember(id, { version: view?.version ?? -1, json: raw });
    });
  }

  private apply(
    base: Map<string, Known>,
    events: readonly Positioned[],
    answer: boolean,
  ): { changes: IncidentChange[]; views: Map<string, IncidentView>; replies: CommandReply[]; before: Map<string, IncidentView | undefined> } {
    const current = new Map<string, IncidentView | undefined>();
    for (const [id, known] of base) current.set(id, known.view ?? (known.json ? (JSON.parse(known.json) as IncidentView) : undefined));
    const before = new Map(current);
    const changes: IncidentChange[] = [];
    const views = new Map<string, IncidentView>();
    const replies: CommandReply[] = [];
    for (const { event, offset } of events) {
      const id = event.payload.incidentId;
      const view = current.get(id);
      if (view && view.version >= offset) continue;
      const next = applyEvent(view, event, offset);
      if (!next) continue;
      current.set(id, next);
      views.set(id, next);
      changes.push({ eventId: event.id, type: event.type, incident: next });
      const reply = answer ? replyOf(event, view, next) : undefined;
      if (reply) replies.push(reply);
    }
    return { changes, views, replies, before };
  }

  private remember(id: string, known: Known): void {
    if (this.cacheSize <= 0) return;
    this.known.delete(id); // re-inserted last: the map's order is the order of use
    this.known.set(id, known);
    while (this.known.size > this.cacheSize) this.known.delete(this.known.keys().next().value!);
  }
}

/** A batch of events applied once, without memory of earlier calls: see Projection. */
export async function projectEvents(redis: Redis, prefix: string, events: readonly Positioned[], publish = true, clocks: SweepPolicy = {}): Promise<IncidentChange[]> {
  return new Projection(redis, prefix, 0).project(events, publish, clocks);
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
    const { commandType, reason, status, state, allowed, code } = event.payload;
    return { ...base, commandType, outcome: 'refused', status: status ?? 409, reason, ...(state ? { state: after.state } : {}), ...(allowed ? { allowed } : {}), ...(code ? { code } : {}) };
  }
  const commandType = event.type === 'incident.routing_overridden' ? 'incident.override_routing' : commandOfEvent[event.type]!;
  if (before && after.timeline.length === before.timeline.length) {
    return { ...base, commandType, outcome: 'refused', status: 409, state: after.state, reason: `an earlier event on the incident left ${commandType} without effect` };
  }
  return { ...base, commandType, outcome: 'applied', status: 200, state: after.state, eventIds: [event.id] };
}
