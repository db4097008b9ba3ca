import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import { envelopeBytes, newId, redisScript, type Envelope, type Redis, type RedisScript } from '@ucsc/shared';
import type { Effects, IncidentRouting } from './domain/dispatching';
import type { LoadView, RoutingDirectory } from './domain/routing';
import { LoadMirror, type LoadChange } from './loads';

/**
 * Dispatch's own keys in Redis (no other service reads them):
 *   <prefix>dispatch:incident:<id>   routing state of one incident (JSON)
 *   <prefix>dispatch:load            hash enterprise id → open assignments
 *   <prefix>dispatch:last-offered    hash enterprise id → sequence of its last offer (round-robin)
 *   <prefix>dispatch:load-changes    stream of every batch's changes to the two hashes (capped)
 *   <prefix>dispatch:deadlines       sorted set "<incident> <enterprise>" by acceptance deadline (ms)
 *   <prefix>dispatch:done:<bucket>   hash event id → that it was handled, at which record, and where its
 *                                    output is; one hash per seventh of the memory time, expiring as a whole
 *   <prefix>dispatch:output:<batch>  what a batch's decisions emitted (a JSON array of envelopes, compressed: packOutput), for a
 *                                    redelivery of the batch after its transaction failed; kept for a day
 *   <prefix>dispatch:sweep-lock      the timeout sweep's lock, so one copy sweeps at a time
 */
export function dispatchKeys(prefix: string) {
  const base = `${prefix}dispatch:`;
  return {
    incident: (id: string) => `${base}incident:${id}`,
    load: `${base}load`,
    lastOffered: `${base}last-offered`,
    loadChanges: `${base}load-changes`,
    deadlines: `${base}deadlines`,
    done: (bucket: number) => `${base}done:${bucket}`,
    output: (batch: string) => `${base}output:${batch}`,
    sweepLock: `${base}sweep-lock`,
  };
}

/** How many batches' load changes Redis keeps for copies to catch up from; a copy further behind reads the counters whole. */
const loadChangesKept = 10_000;

// Lua helpers: a command over a long list in slices (unpack has a limit), results joined
const luaHelpers = `
local function sliced(command, key, list, step)
  local out = {}
  for i = 1, #list, step do
    local part = {}
    for j = i, math.min(i + step - 1, #list) do part[#part + 1] = list[j] end
    local r = key and redis.call(command, key, unpack(part)) or redis.call(command, unpack(part))
    if type(r) == 'table' then for _, v in ipairs(r) do out[#out + 1] = v end end
  end
  return out
end
local function range(list, from, to)
  local out = {}
  for i = from, to do out[#out + 1] = list[i] end
  return out
end
-- what was recorded for each event id, in whichever of the done buckets holds it
local function recorded(buckets, ids)
  local found = {}
  for i = 1, #ids do found[i] = false end
  for _, bucket in ipairs(buckets) do
    local got = sliced('HMGET', bucket, ids, 1000)
    for i = 1, #ids do found[i] = found[i] or got[i] end
  end
  return found
end
`;

/**
 * One round trip at the start of a batch: the routing state of its incidents, what was recorded
 * for its events, and the load changes since the last this copy applied (or, the first time or
 * when those were trimmed away, the whole counters, with the change they are as of).
 * KEYS: changes stream, load, last-offered, then m incident keys, then the done buckets.
 * ARGV: the last change applied ('' for none), m, then the event ids.
 */
const readBatch = `${luaHelpers}
local m = tonumber(ARGV[2])
local states = sliced('MGET', nil, range(KEYS, 4, 3 + m), 1000)
local done = recorded(range(KEYS, 4 + m, #KEYS), range(ARGV, 3, #ARGV))
local since = ARGV[1]
if since ~= '' and #redis.call('XRANGE', KEYS[1], since, since) == 1 then
  return {0, since, redis.call('XRANGE', KEYS[1], '(' .. since, '+'), states, done}
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local id = newest and newest[1] or redis.call('XADD', KEYS[1], '*', 'c', '{"l":{},"o":{}}')
return {1, id, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]), states, done}
`;

/**
 * One atomic step at the end of a batch: unless another copy recorded one of its events or changed
 * one of its incidents since the read (then nothing is written, and the batch is decided again),
 * stores that each event was handled (a small marker), the incidents' new state, the load counters (HINCRBY: exact
 * across copies), the round-robin sequences (the larger wins), the deadlines, and appends the load
 * change to the stream the other copies catch up from. Returns the change's stream id ('' when the
 * batch changed no load), or false on a conflict. Bulk commands (one HSET, one MSET, …): a batch
 * of hundreds of events costs Redis a few commands, not thousands.
 * What the batch emitted is not an argument: it is SET beside the script, in the same MULTI (a
 * string of megabytes cost Redis tens of milliseconds a batch as a Lua argument, copied in and out).
 * KEYS: changes stream, load, last-offered, deadlines, the done bucket to write, then b done buckets
 * to look in, then m incident keys.
 * ARGV: when the bucket expires (unix s), load change (JSON), deadline operations (JSON), n, b,
 * then n event ids, their n done markers, then per incident the state read and the state to store.
 */
const writeBatch = `${luaHelpers}
local n, b = tonumber(ARGV[4]), tonumber(ARGV[5])
local ids = range(ARGV, 6, 5 + n)
for _, found in ipairs(recorded(range(KEYS, 6, 5 + b), ids)) do
  if found then return false end
end
local incidents = range(KEYS, 6 + b, #KEYS)
local states = sliced('MGET', nil, incidents, 1000)
local writes = {}
for j = 1, #incidents do
  local read, state = ARGV[4 + 2 * n + 2 * j], ARGV[5 + 2 * n + 2 * j]
  if (states[j] or '') ~= read then return false end
  if state ~= read then writes[#writes + 1] = incidents[j]; writes[#writes + 1] = state end
end
local records = {}
for i = 1, n do records[#records + 1] = ids[i]; records[#records + 1] = ARGV[5 + n + i] end
sliced('HSET', KEYS[5], records, 1000)
redis.call('EXPIREAT', KEYS[5], ARGV[1])
if #writes > 0 then sliced('MSET', nil, writes, 1000) end
local change = cjson.decode(ARGV[2])
local changed = false
for id, delta in pairs(change.l) do
  changed = true
  if redis.call('HINCRBY', KEYS[2], id, delta) == 0 then redis.call('HDEL', KEYS[2], id) end
end
-- sequences travel as strings: a Lua number would be written in %.14g and lose digits
local offered, sequences = {}, {}
for id, seq in pairs(change.o) do offered[#offered + 1] = id; sequences[#sequences + 1] = seq end
if #offered > 0 then
  changed = true
  local current = sliced('HMGET', KEYS[3], offered, 1000)
  local later = {}
  for i = 1, #offered do
    if tonumber(sequences[i]) > tonumber(current[i] or '0') then later[#later + 1] = offered[i]; later[#later + 1] = sequences[i] end
  end
  if #later > 0 then sliced('HSET', KEYS[3], later, 1000) end
end
-- adds before removals: an offer and its answer may share a batch; an enterprise is never offered the same incident twice
local deadlines = cjson.decode(ARGV[3])
if #deadlines.add > 0 then sliced('ZADD', KEYS[4], deadlines.add, 1000) end
if #deadlines.remove > 0 then sliced('ZREM', KEYS[4], deadlines.remove, 1000) end
if not changed then return '' end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ${loadChangesKept}, '*', 'c', ARGV[2])
`;

/** What a batch's decisions read and record; each decision sees the ones before it in the batch. */
export interface RoutingBatch {
  /** The routing state of an incident of the batch, with the batch's earlier decisions applied. */
  incident(id: string): IncidentRouting | undefined;
  /**
   * What handling this event emitted before: the same envelopes for the same record (its batch's
   * transaction failed after Redis changed), none for a copy of it at another offset; undefined
   * when it was never handled. Throws DecisionOutputLost when the same record's output is no
   * longer kept (a transaction left unfinished for longer than the output's time to live).
   */
  handledBefore(eventId: string, source: string): Envelope[] | undefined;
  readonly loads: LoadView;
  /** The round-robin sequence of the next decision's offers (record it with that decision): larger than every one before. */
  offerSequence(): number;
  /** Applies a decision's effects for the rest of the batch and queues them, with what it emits, for the batch's write; its offers take `sequence`. */
  record(eventId: string, source: string, effects: Effects, envelopes: Envelope[], sequence?: number): void;
}

/** A partition: topic:partition. */
const laneOf = (topic: string, partition: number) => `${topic}:${partition}`;
/** Where a record was read: topic:partition:offset (a done marker's `source`). */
export const recordSource = (topic: string, partition: number, offset: string) => `${laneOf(topic, partition)}:${offset}`;
const splitSource = (source: string) => ({ lane: source.slice(0, source.lastIndexOf(':')), offset: BigInt(source.slice(source.lastIndexOf(':') + 1)) });

export interface BatchEvent {
  eventId: string;
  incidentId: string;
  /** the record it was read from (topic:partition:offset) */
  source: string;
}

/** The event was decided and its decision recorded, but what it emitted is no longer kept (or cannot be read): it cannot be emitted again the same. */
export class DecisionOutputLost extends Error {
  constructor(
    readonly eventId: string,
    why = "it is no longer kept: its transaction never finished within the output's time to live",
  ) {
    super(`event ${eventId} was decided, but what it emitted cannot be sent again (${why}); re-route its incident by an override`);
  }
}

/** A done marker: which record an event was handled at, and where in which batch's output its envelopes are. */
type DoneMarker = { source: string; batch: string; from: number; count: number } | { source: string; envelopes: Envelope[] };

type LoadChangeWire = { l: Record<string, number>; o: Record<string, string> };

/**
 * Dispatch's routing state in Redis, read and written once per Kafka batch. The load counters
 * are mirrored in this copy's memory (LoadMirror) and kept current from the stream of changes
 * every copy appends to, so a batch reads only what changed since the last one.
 */
export class RoutingStore {
  private readonly keys: ReturnType<typeof dispatchKeys>;
  private readonly read: RedisScript;
  private readonly write: RedisScript;
  /** per partition (topic:partition), the last output this copy stored whose batch has not been seen committed */
  private readonly unsettled = new Map<string, { batch: string; last: bigint }>();
  private readonly mirror = new LoadMirror();
  /** the last change of the stream the mirror has applied; '' = read the counters whole */
  private since = '';
  /** changes this copy wrote and already applied to the mirror, to skip when the stream brings them back */
  private readonly own = new Set<string>();
  private sequence = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly outputTtlSeconds: number;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly doneTtlSeconds: number,
    /** how long a batch's output is kept for a redelivery of the batch (DECISION_OUTPUT_SECONDS); never longer than the done records it serves */
    outputTtlSeconds = doneTtlSeconds,
  ) {
    this.outputTtlSeconds = Math.min(outputTtlSeconds, doneTtlSeconds);
    this.keys = dispatchKeys(prefix);
    this.read = redisScript(redis, 'dispatchReadBatch', readBatch);
    this.write = redisScript(redis, 'dispatchWriteBatch', writeBatch);
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

  async openAssignments(): Promise<Record<string, number>> {
    const all = await this.redis.hgetall(this.keys.load);
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  /**
   * Decides a batch: one read of everything its events need, `decide` in memory (in order, each
   * decision seeing the previous ones' effects), one atomic write of all effects. When another copy
   * wrote part of it in between (a rebalance: the partition's previous owner still finishing), the
   * write changes nothing and the batch is read and decided again. Batches of this copy run one at
   * a time, since they share the mirror.
   */
  batch<T>(directory: RoutingDirectory, events: readonly BatchEvent[], decide: (batch: RoutingBatch) => T): Promise<T> {
    const run = this.queue.then(() => this.decideBatch(directory, events, decide));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async decideBatch<T>(directory: RoutingDirectory, events: readonly BatchEvent[], decide: (batch: RoutingBatch) => T): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const pending = await this.begin(directory, events);
      let written: string | null;
      try {
        const result = decide(pending);
        written = await this.commit(pending);
        if (written !== null) {
          if (written) this.own.add(written);
          return result;
        }
      } catch (error) {
        this.since = ''; // the mirror may hold effects that were never written: read it whole next time
        throw error;
      }
      this.since = '';
      if (attempt >= 5) throw new Error('another dispatch copy kept changing the incidents of this batch');
    }
  }

  private async begin(directory: RoutingDirectory, events: readonly BatchEvent[]): Promise<PendingBatch> {
    const incidentIds = [...new Set(events.map((e) => e.incidentId))];
    const eventIds = [...new Set(events.map((e) => e.eventId))];
    const buckets = this.doneBuckets();
    const reply = (await this.read(
      3 + incidentIds.length + buckets.lookup.length,
      this.keys.loadChanges,
      this.keys.load,
      this.keys.lastOffered,
      ...incidentIds.map(this.keys.incident),
      ...buckets.lookup,
      this.since,
      incidentIds.length,
      ...eventIds,
    )) as [0, string, [string, string[]][], (string | null)[], (string | null)[]] | [1, string, string[], string[], (string | null)[], (string | null)[]];
    let states: (string | null)[];
    let done: (string | null)[];
    let outputs = new Map<string, Buffer | null>();
    if (reply[0] === 1) {
      this.mirror.reset(reply[2], reply[3]);
      this.own.clear();
      this.since = reply[1];
      [, , , , states, done] = reply;
    } else {
      for (const [id, fields] of reply[2]) {
        if (!this.own.delete(id)) this.mirror.apply(fromWire(JSON.parse(fields[1]!) as LoadChangeWire));
        this.since = id;
      }
      [, , , states, done] = reply;
    }
    this.mirror.useDirectory(directory);
    const markers = new Map(eventIds.map((id, i) => [id, done[i] ? (JSON.parse(done[i]!) as DoneMarker) : undefined]));
    // a batch handled again at the same records (its transaction failed): the output it made, in a second read
    const again = [...new Set(events.flatMap((e) => { const m = markers.get(e.eventId); return m && 'batch' in m && m.source === e.source ? [m.batch] : []; }))];
    if (again.length) {
      const blobs = await this.redis.mgetBuffer(...again.map(this.keys.output));
      outputs = new Map(again.map((batch, i) => [batch, blobs[i] ?? null]));
    }
    const { lane } = splitSource(events[0]!.source);
    let lastOffset = -1n;
    for (const e of events) {
      const at = splitSource(e.source);
      if (at.lane !== lane) throw new Error('a batch of events from more than one partition');
      if (at.offset > lastOffset) lastOffset = at.offset;
    }
    return new PendingBatch(
      lane,
      lastOffset,
      this.mirror,
      new Map(incidentIds.map((id, i) => [id, states[i] ?? ''])),
      markers,
      outputs,
      new Map(events.map((e) => [e.eventId, e.incidentId])),
      () => (this.sequence = Math.max(this.sequence + 1, Date.now() * 1000)),
    );
  }

  /** The change's stream id ('' if the batch changed no load), or null if another copy got there first. */
  private async commit(batch: PendingBatch): Promise<string | null> {
    if (batch.records.length === 0) return '';
    const incidents = [...batch.touched];
    const buckets = this.doneBuckets();
    const output = batch.output();
    const outputKey = this.keys.output(batch.id);
    // the output and the write commit together: a marker never points to an output that was not stored
    const step = this.redis.multi();
    if (output !== '') step.set(outputKey, output, 'EX', this.outputTtlSeconds);
    this.write.queue(
      step,
      5 + buckets.lookup.length + incidents.length,
      this.keys.loadChanges,
      this.keys.load,
      this.keys.lastOffered,
      this.keys.deadlines,
      buckets.current,
      ...buckets.lookup,
      ...incidents.map(this.keys.incident),
      buckets.expireAt,
      JSON.stringify(toWire(batch.change)),
      JSON.stringify(batch.deadlines),
      batch.records.length,
      buckets.lookup.length,
      ...batch.records.map(([eventId]) => eventId),
      ...batch.records.map(([, record]) => record),
      ...incidents.flatMap((id) => [batch.read.get(id) ?? '', batch.stateToStore(id)]),
    );
    const replies = (await step.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const reply = replies[replies.length - 1]![1] as string | null;
    if (reply === null) {
      // another copy got there first: this try's output is referred to by nothing
      if (output !== '') await this.redis.del(outputKey);
      return null;
    }
    if (output !== '') this.unsettled.set(batch.lane, { batch: batch.id, last: batch.lastOffset });
    return reply;
  }

  /**
   * A batch of this partition committed in Kafka, with its offsets up to `nextOffset`: the output
   * this copy stored for records before that is in Kafka, and is never to be sent again. It becomes
   * an empty output (its markers stay; the key keeps its expiry), so a redelivery of those records
   * (a group's offsets lost or reset) emits nothing rather than the same events a second time, and
   * a burst does not hold its outputs in Redis for a day. The consumer does not wait for it, and
   * a miss (Redis away) leaves the output to its expiry: the caller logs it.
   */
  async committed(topic: string, partition: number, nextOffset: string): Promise<void> {
    const lane = laneOf(topic, partition);
    const pending = this.unsettled.get(lane);
    if (!pending || pending.last >= BigInt(nextOffset)) return;
    this.unsettled.delete(lane);
    await this.redis.set(this.keys.output(pending.batch), '[]', 'KEEPTTL', 'XX');
  }

  /**
   * Done records live in one hash per seventh of their memory time, which expires as a whole once
   * its newest record is that old: the bucket a record goes in now, and every bucket that may
   * still hold one from the last DECISION_MEMORY_SECONDS.
   */
  private doneBuckets(): { current: string; lookup: string[]; expireAt: number } {
    const size = Math.max(1, Math.ceil(this.doneTtlSeconds / 7));
    const bucket = Math.floor(Date.now() / 1000 / size);
    const lookup: string[] = [];
    for (let b = bucket - Math.ceil(this.doneTtlSeconds / size) - 1; b <= bucket; b += 1) lookup.push(this.keys.done(b));
    return { current: this.keys.done(bucket), lookup, expireAt: (bucket + 1) * size + this.doneTtlSeconds };
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

const toWire = (change: LoadChange): LoadChangeWire => ({ l: change.l, o: Object.fromEntries(Object.entries(change.o).map(([id, seq]) => [id, String(seq)])) });
const fromWire = (change: LoadChangeWire): LoadChange => ({ l: change.l, o: Object.fromEntries(Object.entries(change.o).map(([id, seq]) => [id, Number(seq)])) });

const [jsonOpen, jsonComma, jsonClose] = ['[', ',', ']'].map((c) => Buffer.from(c)) as [Buffer, Buffer, Buffer];

/**
 * A batch's output as stored: a zero byte, then its JSON compressed with Brotli at quality 1
 * (~8 ms for the 8 MB of ~1,850 reports, ~13 times smaller). Stored as JSON, each batch's ~5 KB a
 * report went into the AOF, which Redis rewrote ten times per 100,000 reports; it is read back
 * only when a batch is handled again. JSON never starts with a zero byte: an output stored as
 * plain JSON (an emptied one, '[]', or one stored before) reads as it is.
 */
export function packOutput(json: Buffer): Buffer {
  const packed = brotliCompressSync(json, { params: { [zlib.BROTLI_PARAM_QUALITY]: 1, [zlib.BROTLI_PARAM_SIZE_HINT]: json.length } });
  return Buffer.concat([Buffer.of(0), packed]);
}

export function unpackOutput(stored: Buffer): Envelope[] {
  const json = stored[0] === 0 ? brotliDecompressSync(stored.subarray(1)) : stored;
  return JSON.parse(json.toString()) as Envelope[];
}

class PendingBatch implements RoutingBatch {
  /** this batch's output key: unique, so a batch decided again never overwrites what an earlier try emitted */
  readonly id = newId();
  /** [event id, its done marker] for the write */
  readonly records: [string, string][] = [];
  /** the JSON of every envelope the batch's decisions emitted, in order: stored once, as one output */
  readonly outputs: Buffer[] = [];

  /** the batch's output as one JSON array, compressed (packOutput); '' when it emitted nothing */
  output(): Buffer | '' {
    if (this.outputs.length === 0) return '';
    const parts: Buffer[] = [jsonOpen];
    this.outputs.forEach((b, i) => parts.push(...(i ? [jsonComma, b] : [b])));
    parts.push(jsonClose);
    return packOutput(Buffer.concat(parts));
  }
  private readonly outputsRead = new Map<string, Envelope[]>();
  /** incidents a record of this batch depends on: written only if no other copy changed them since the read */
  readonly touched = new Set<string>();
  readonly change: LoadChange = { l: {}, o: {} };
  /** deadlines to add (score, member, score, member, …) and members to remove */
  readonly deadlines: { add: string[]; remove: string[] } = { add: [], remove: [] };
  private readonly current = new Map<string, IncidentRouting | undefined>();
  private readonly changed = new Set<string>();

  constructor(
    /** the partition its records come from (topic:partition) */
    readonly lane: string,
    /** the offset of its last record */
    readonly lastOffset: bigint,
    private readonly mirror: LoadMirror,
    /** raw state of each incident as read ('' = none) */
    readonly read: Map<string, string>,
    private readonly done: Map<string, DoneMarker | undefined>,
    /** the outputs of earlier tries of this batch, by batch id (null: no longer kept) */
    private readonly earlier: Map<string, Buffer | null>,
    private readonly incidentOf: Map<string, string>,
    private readonly nextSequence: () => number,
  ) {}

  get loads(): LoadView {
    return this.mirror;
  }

  incident(id: string): IncidentRouting | undefined {
    if (!this.current.has(id)) {
      const raw = this.read.get(id);
      if (raw === undefined) throw new Error(`incident ${id} was not read for this batch`);
      this.current.set(id, raw ? (JSON.parse(raw) as IncidentRouting) : undefined);
    }
    return this.current.get(id);
  }

  handledBefore(eventId: string, source: string): Envelope[] | undefined {
    const done = this.done.get(eventId);
    if (!done) return undefined;
    if (done.source !== source) return [];
    if ('envelopes' in done) return done.envelopes; // a record of the layout before outputs were kept per batch
    if (done.count === 0) return [];
    let envelopes = this.outputsRead.get(done.batch);
    if (!envelopes) {
      const raw = this.earlier.get(done.batch);
      if (!raw) throw new DecisionOutputLost(eventId);
      try {
        envelopes = unpackOutput(raw);
      } catch (error) {
        // damaged in Redis: a dead letter that says so, not a batch that fails for ever
        throw new DecisionOutputLost(eventId, `its stored output cannot be read: ${(error as Error).message}`);
      }
      this.outputsRead.set(done.batch, envelopes);
    }
    return envelopes.slice(done.from, done.from + done.count);
  }

  offerSequence(): number {
    return this.nextSequence();
  }

  record(eventId: string, source: string, effects: Effects, envelopes: Envelope[], sequence?: number): void {
    // the envelopes' JSON is made once, for the batch's output and for Kafka (envelopeBytes)
    const done: DoneMarker = { source, batch: this.id, from: this.outputs.length, count: envelopes.length };
    for (const e of envelopes) this.outputs.push(envelopeBytes(e));
    this.done.set(eventId, done);
    this.records.push([eventId, JSON.stringify(done)]);
    // the decision rests on its incident's state as read: written only if nobody changed it since
    const incidentId = this.incidentOf.get(eventId);
    if (incidentId === undefined || (effects.state && effects.state.incidentId !== incidentId)) throw new Error(`event ${eventId} was not read for this batch`);
    this.touched.add(incidentId);
    if (effects.state) {
      this.current.set(incidentId, effects.state);
      this.changed.add(incidentId);
    }
    const decided: LoadChange = { l: effects.loadDelta, o: {} };
    if (effects.offered.length) {
      const turn = sequence ?? this.nextSequence();
      for (const id of effects.offered) decided.o[id] = turn;
    }
    this.mirror.apply(decided);
    for (const [id, delta] of Object.entries(decided.l)) {
      const sum = (this.change.l[id] ?? 0) + delta;
      if (sum === 0) delete this.change.l[id];
      else this.change.l[id] = sum;
    }
    Object.assign(this.change.o, decided.o);
    this.deadlines.remove.push(...effects.deadlinesRemove);
    for (const a of effects.deadlinesAdd) this.deadlines.add.push(String(a.at), a.member);
  }

  stateToStore(id: string): string {
    return this.changed.has(id) ? JSON.stringify(this.current.get(id)) : (this.read.get(id) ?? '');
  }
}
