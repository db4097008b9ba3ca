import type { Enterprise, Envelope, Redis } from '@ucsc/shared';
import type { Effects, IncidentRouting } from './domain/dispatching';
import type { LoadView } from './domain/routing';

/**
 * Dispatch's own keys in Redis (no other service reads them):
 *   <prefix>dispatch:incident:<id>   routing state of one incident (JSON)
 *   <prefix>dispatch:load            hash enterprise id → open assignments
 *   <prefix>dispatch:last-offered    hash enterprise id → sequence of its last offer (round-robin)
 *   <prefix>dispatch:deadlines       sorted set "<incident> <enterprise>" by acceptance deadline (ms)
 *   <prefix>dispatch:done:<eventId>  what handling that event produced, for a redelivery (TTL)
 *   <prefix>dispatch:sweep-lock      the timeout sweep's lock, so one copy sweeps at a time
 */
export function dispatchKeys(prefix: string) {
  const base = `${prefix}dispatch:`;
  return {
    incident: (id: string) => `${base}incident:${id}`,
    load: `${base}load`,
    lastOffered: `${base}last-offered`,
    deadlines: `${base}deadlines`,
    done: (eventId: string) => `${base}done:${eventId}`,
    sweepLock: `${base}sweep-lock`,
  };
}

/**
 * Records a decision once: if this event was handled before (a batch retried after its Kafka
 * transaction failed, or a redelivery), returns what was produced then and changes nothing;
 * otherwise applies the state, the load counters, the round-robin sequence and the deadlines,
 * and remembers the output — all in one atomic step, so counters never count twice.
 */
const recordOnce = `
local done = redis.call('GET', KEYS[1])
if done then return done end
local change = cjson.decode(ARGV[3])
-- the state is stored as given: re-encoding would turn an empty list into an empty object
if ARGV[4] ~= '' then redis.call('SET', KEYS[2], ARGV[4]) end
for id, delta in pairs(change.loadDelta) do
  local n = redis.call('HINCRBY', KEYS[3], id, delta)
  if n <= 0 then redis.call('HDEL', KEYS[3], id) end
end
for _, id in ipairs(change.offered) do redis.call('HSET', KEYS[4], id, change.sequence) end
for _, d in ipairs(change.deadlinesAdd) do redis.call('ZADD', KEYS[5], d.at, d.member) end
for _, m in ipairs(change.deadlinesRemove) do redis.call('ZREM', KEYS[5], m) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
`;

export class RoutingStore {
  private readonly keys: ReturnType<typeof dispatchKeys>;
  private sequence = 0;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly doneTtlSeconds: number,
  ) {
    this.keys = dispatchKeys(prefix);
  }

  get deadlinesKey(): string {
    return this.keys.deadlines;
  }

  get sweepLockKey(): string {
    return this.keys.sweepLock;
  }

  async incident(id: string): Promise<IncidentRouting | undefined> {
    const raw = await this.redis.get(this.keys.incident(id));
    return raw ? (JSON.parse(raw) as IncidentRouting) : undefined;
  }

  /** The load of the enterprises of the pool a decision looks at, read in one round trip. */
  async loads(pool: readonly Enterprise[]): Promise<LoadView> {
    const open: number[] = new Array(pool.length).fill(0);
    const last: number[] = new Array(pool.length).fill(0);
    if (pool.length) {
      const ids = pool.map((e) => e.id);
      const [loads, seqs] = await Promise.all([this.redis.hmget(this.keys.load, ...ids), this.redis.hmget(this.keys.lastOffered, ...ids)]);
      for (let i = 0; i < pool.length; i += 1) {
        if (loads[i]) open[i] = Number(loads[i]);
        if (seqs[i]) last[i] = Number(seqs[i]);
      }
    }
    return {
      forPool: (asked) => {
        if (asked !== pool) throw new Error('loads were read for another pool of enterprises');
        return { open, last };
      },
    };
  }

  async openAssignments(): Promise<Record<string, number>> {
    const all = await this.redis.hgetall(this.keys.load);
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  /**
   * Applies the effects of handling one event, once. Returns the envelopes to emit: the ones just
   * made; for the same record handled again (its batch's transaction failed, so nothing it emitted
   * was committed), the very same ones as the first time; for a copy of an event handled before,
   * found at another offset (sent twice), nothing.
   */
  async recordOnce(eventId: string, source: string, effects: Effects, envelopes: Envelope[]): Promise<Envelope[]> {
    // a sequence that grows across restarts and copies: the round-robin order of offers
    this.sequence = Math.max(this.sequence + 1, Date.now() * 1000);
    const change = {
      loadDelta: effects.loadDelta,
      offered: effects.offered,
      sequence: this.sequence,
      deadlinesAdd: effects.deadlinesAdd,
      deadlinesRemove: effects.deadlinesRemove,
    };
    const incidentId = effects.state?.incidentId ?? 'none';
    const previous = (await this.redis.eval(
      recordOnce,
      5,
      this.keys.done(eventId),
      this.keys.incident(incidentId),
      this.keys.load,
      this.keys.lastOffered,
      this.keys.deadlines,
      JSON.stringify({ source, envelopes }),
      String(this.doneTtlSeconds),
      JSON.stringify(change),
      effects.state ? JSON.stringify(effects.state) : '',
    )) as string | null;
    if (!previous) return envelopes;
    const done = JSON.parse(previous) as { source: string; envelopes: Envelope[] };
    return done.source === source ? done.envelopes : [];
  }

  /** Offers whose acceptance window has passed, oldest first. */
  async expiredOffers(now: number, limit = 100): Promise<{ incidentId: string; enterpriseId: string }[]> {
    const members = await this.redis.zrangebyscore(this.keys.deadlines, '-inf', now, 'LIMIT', 0, limit);
    return members.map((m) => {
      const [incidentId, enterpriseId] = m.split(' ') as [string, string];
      return { incidentId, enterpriseId };
    });
  }
}
