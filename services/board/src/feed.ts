import type { WebSocket } from 'ws';
import {
  applyView,
  comparePositions,
  feedClientFrameSchema,
  feedCloseCodes,
  incidentKeys,
  incidentListItem,
  tokenActor,
  userActor,
  viewFor,
  viewPlan,
  visibleChangeType,
  type Actor,
  type FeedClientFrameParsed,
  type FeedFilters,
  type FeedScope,
  type FeedServerFrame,
  type BackgroundJobs,
  type ClockSettings,
  type QueueKey,
  type IdentityStore,
  type IncidentChange,
  type JobHealth,
  type IncidentView,
  type IncidentListItem,
  type Logger,
  type Redis,
  type ViewPlan,
} from '@ucsc/shared';
import { SubscriptionIndex } from './feed-index';
import { GroupMembers, IncidentStore, type StoredIncident } from './feed-store';

/** How a client proved who it is; checked again while it stays connected. */
export type FeedCredential = { kind: 'session'; token: string } | { kind: 'api_token'; token: string };

export interface FeedOptions {
  maxBufferedBytes: number;
  revalidateMs?: number;
  /** the longest wait between flushes (ms; 100): what a busy board coalesces over */
  flushMs?: number;
  /**
   * the shortest (ms; 20). Each flush is followed by a wait of five times its own duration,
   * between the two: a quiet board sends a change within ~20 ms, a busy one spends at most a
   * sixth of its time flushing and coalesces more per frame
   */
  flushMinMs?: number;
  /**
   * A connection the log moved past with nothing for it is told its new position (a `position`
   * frame) at most this often (ms; 1000): it resumes from there. Sent on every flush, 900 province
   * clients got a frame ten times a second each for other provinces' changes, and the board spent
   * its time in writev.
   */
  positionMs?: number;
  heartbeatMs?: number;
  /** incidents a slow client may have waiting (coalesced) before it is closed with 4429 */
  maxPending?: number;
  /** the log reader and the identity subscription report here (/ready); without, nobody watches them */
  jobs?: BackgroundJobs;
  /** the configured policy and holidays: each item's next deadline, which the queue is ordered by */
  clocks?: ClockSettings;
}

/**
 * Subscriptions of users with the same access facts and the same scope and filters share one
 * group: whether a change concerns them is asked once, and the members (for true counts and
 * snapshot pages) are kept once, as references to the board's one copy of each incident.
 */
interface Group {
  key: string;
  actor: Actor;
  scope: Exclude<FeedScope, { kind: 'incident' }>;
  filters: FeedFilters;
  members: GroupMembers;
  subs: Set<Sub>;
  /** while the members are read: the incidents changes have judged meanwhile (newer than what the read may find) */
  changedWhileLoading: Set<string> | undefined;
  ready: Promise<void>;
}

interface Sub {
  id: string;
  connection: Connection;
  group: Group | undefined;
  /** an incident subscription: the id */
  incidentId: string | undefined;
  pageSize: number;
  /** list items (JSON) or null (removed) waiting for the next flush, the latest per incident */
  pending: Map<string, string | null>;
  /** a record waiting for the next flush */
  record: IncidentChange | undefined;
  countsMoved: boolean;
  /** reading its snapshot or its replay: nothing is flushed yet */
  loading: boolean;
}

interface Connection {
  socket: WebSocket;
  actor: Actor;
  audienceKey: string;
  credential: FeedCredential;
  subs: Map<string, Sub>;
  /** the position this connection's frames have reached: everything up to it is flushed to it */
  sent: string;
  /** when a frame last told the client a position in a flush (a delta, a record or a position frame) */
  toldAt: number;
  resumeFrom: string | undefined;
  lastHeard: number;
}

function audienceKey(actor: Actor): string {
  const sorted = (list?: readonly string[]) => [...(list ?? [])].sort();
  return JSON.stringify([sorted(actor.roles), sorted(actor.provinceCodes), sorted(actor.assigneeIds), actor.organisationId ?? null]);
}

/** Entries the board asks the log for at a time (its reader, and a client's replay). */
const readBatch = 1000;

const endedStates = ['resolved', 'report_received', 'closed', 'rejected', 'merged'];

/** Whether a list subscription's scope covers the incident (canSee applies on top); bench:board checks its clients with it. */
export function inScope(actor: Actor, scope: Exclude<FeedScope, { kind: 'incident' }>, incident: IncidentView): boolean {
  switch (scope.kind) {
    case 'country':
      return true;
    case 'province':
      return incident.province.code === scope.code;
    case 'assignments':
      return incident.assignees.some((a) => (actor.assigneeIds ?? []).includes(a.id) && !['declined', 'timed_out', 'removed'].includes(a.status ?? 'assigned'));
    case 'queue':
      return !endedStates.includes(incident.state);
  }
}

/** Whether the incident passes a list subscription's filters; bench:board checks its clients with it. */
export function passes(filters: FeedFilters, incident: IncidentView): boolean {
  const c = incident.classification;
  if (filters.provinces && !filters.provinces.includes(incident.province.code)) return false;
  if (filters.states && !filters.states.includes(incident.state)) return false;
  if (filters.tlp && !filters.tlp.includes(incident.tlp)) return false;
  if (filters.severities && !(c && filters.severities.includes(c.severity))) return false;
  if (filters.priorities && !(c?.priority && filters.priorities.includes(c.priority))) return false;
  if (filters.categories && !(c && filters.categories.includes(c.category))) return false;
  if (filters.assignee && !incident.assignees.some((a) => a.id === filters.assignee && !['declined', 'timed_out', 'removed'].includes(a.status ?? 'assigned'))) return false;
  return true;
}

/**
 * The live feed (protocol: shared/src/contracts/feed.ts). Changes come from the change log the
 * tracker's projector writes with the views (a Redis Stream): every board copy reads the same
 * log, so its entry ids are positions any copy can resume from. One reader per board process;
 * each change is judged once per group (canSee and the audience's view through viewPlan), and
 * each subscription gets, per flush, one coalesced delta. A client that reads slowly gets its
 * changes coalesced while its socket is full (a compacted catch-up), and is closed with 4429 when
 * more than maxPending incidents wait for it: memory stays bounded, the others are not slowed.
 */
export class LiveFeed {
  private readonly connections = new Set<Connection>();
  private readonly groups = new Map<string, Group>();
  /** which groups and incident subscriptions each change may concern */
  private readonly index = new SubscriptionIndex<Group, Sub>();
  private readonly keys: ReturnType<typeof incidentKeys>;
  /** each incident the groups hold, once, with its deadlines worked out once per version */
  private readonly store: IncidentStore;
  private reader: Redis | undefined;
  private position = '0-0';
  private gapCount = 0;
  private stopped = false;
  private reading: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly flushMs: number;
  private readonly flushMinMs: number;
  private readonly positionMs: number;
  private readonly heartbeatMs: number;
  private readonly maxPending: number;
  private identitySubscriber: Redis | undefined;
  private readerHealth: JobHealth | undefined;
  private identityHealth: JobHealth | undefined;

  constructor(
    private readonly redis: Redis,
    redisPrefix: string,
    private readonly logger: Logger,
    private readonly identities: IdentityStore,
    private readonly options: FeedOptions,
  ) {
    this.keys = incidentKeys(redisPrefix);
    this.flushMs = options.flushMs ?? 100;
    this.flushMinMs = Math.min(options.flushMinMs ?? 20, this.flushMs);
    this.positionMs = options.positionMs ?? 1000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.maxPending = options.maxPending ?? 5_000;
    this.store = new IncidentStore(options.clocks);
  }

  async start(): Promise<void> {
    const last = await this.redis.xrevrange(this.keys.changes, '+', '-', 'COUNT', 1);
    this.position = last[0]?.[0] ?? '0-0';
    this.readerHealth = this.options.jobs?.add('feed-log-reader');
    this.identityHealth = this.options.jobs?.add('feed-identity-changes');
    this.reader = this.redis.duplicate();
    this.watchConnection(this.reader, this.readerHealth);
    this.reading = this.read().catch((err: unknown) => this.cannotGoOn(this.readerHealth, err));
    // a role change, sign-out, disabled account or revoked token applies to open connections at once
    const subscriber = (this.identitySubscriber = this.redis.duplicate());
    this.watchConnection(subscriber, this.identityHealth);
    subscriber.on('message', (_from: string, userId: string) => void this.revalidate((c) => c.actor.id === userId));
    let subscribed = false;
    // back after a lost connection: what changed meanwhile was not heard, so every connection is checked again
    subscriber.on('ready', () => {
      if (!subscribed) return;
      this.identityHealth?.listening();
      void this.revalidate();
    });
    await subscriber.subscribe(this.identities.changesChannel);
    subscribed = true;
    this.identityHealth?.listening();
    const every = (ms: number, run: () => void) => {
      const timer = setInterval(run, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.revalidateMs ?? 30_000, () => void this.revalidate());
    const flushing = () => {
      const began = performance.now();
      this.flush();
      const wait = Math.min(this.flushMs, Math.max(this.flushMinMs, 5 * (performance.now() - began)));
      if (!this.stopped) this.flushTimer = setTimeout(flushing, wait).unref();
    };
    this.flushTimer = setTimeout(flushing, this.flushMinMs).unref();
    every(this.heartbeatMs, () => this.heartbeat());
  }

  /** A connection's loss counts against the job (stalled past the stall time: /ready 503); its end for good, with the board still running, is fatal. */
  private watchConnection(connection: Redis, health: JobHealth | undefined): void {
    connection.on('close', () => {
      if (!this.stopped) health?.failed(new Error('connection to Redis lost'));
    });
    connection.on('end', () => {
      if (!this.stopped) this.cannotGoOn(health, new Error('the connection to Redis ended for good'));
    });
  }

  private cannotGoOn(health: JobHealth | undefined, err: unknown): void {
    if (this.stopped) return;
    if (health) health.fatal(err);
    else this.logger.error({ err }, 'a feed job cannot go on');
  }

  get size(): number {
    return this.connections.size;
  }

  /** The position the board has read the log to. */
  get head(): string {
    return this.position;
  }

  /** A connection: it says what it wants in frames. */
  add(socket: WebSocket, actor: Actor, credential: FeedCredential): void {
    const connection: Connection = {
      socket,
      actor,
      audienceKey: audienceKey(actor),
      credential,
      subs: new Map(),
      sent: this.position,
      toldAt: 0,
      resumeFrom: undefined,
      lastHeard: Date.now(),
    };
    this.connections.add(connection);
    socket.on('message', (data, isBinary) => {
      connection.lastHeard = Date.now();
      if (isBinary) return this.refuse(connection, 'text_only', 'frames are JSON text');
      let frame: FeedClientFrameParsed;
      try {
        const parsed = feedClientFrameSchema.safeParse(JSON.parse(String(data)));
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          return this.refuse(connection, 'invalid_frame', issue.message, issue.path.join('.'));
        }
        frame = parsed.data;
      } catch {
        return this.refuse(connection, 'invalid_json', 'a frame must be JSON');
      }
      void this.receive(connection, frame).catch((err: unknown) => {
        this.logger.warn({ err }, 'a feed frame could not be answered');
        this.sendNow(connection, { type: 'error', code: 'unavailable', message: 'the board could not answer; try again' });
      });
    });
    socket.on('pong', () => (connection.lastHeard = Date.now()));
    const leave = () => this.leave(connection);
    socket.on('close', leave);
    socket.on('error', leave);
  }

  private refuse(connection: Connection, code: string, message: string, field?: string): void {
    this.sendNow(connection, { type: 'error', code, message, ...(field ? { field } : {}) });
  }

  private sendNow(connection: Connection, frame: FeedServerFrame): void {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(JSON.stringify(frame));
  }

  private leave(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    for (const sub of connection.subs.values()) this.drop(sub);
    connection.subs.clear();
  }

  private drop(sub: Sub): void {
    if (sub.incidentId !== undefined) this.index.removeIncidentSub(sub.incidentId, sub);
    const group = sub.group;
    if (!group) return;
    group.subs.delete(sub);
    if (group.subs.size === 0 && this.live(group)) {
      this.groups.delete(group.key);
      const ids = [...group.members.keys()].map((key) => key.id);
      this.index.removeGroup(group, ids);
      for (const id of ids) this.store.release(id);
    }
  }

  /** A dropped group is in no index and holds nothing: a load still reading for it stops. */
  private live(group: Group): boolean {
    return this.groups.get(group.key) === group;
  }

  /** How the group shows this incident (its actor's view plan) when the incident belongs in it: seen, in scope, through the filters. */
  private shownIn(group: Group, incident: IncidentView): ViewPlan | undefined {
    const plan = viewPlan(group.actor, incident);
    return plan && inScope(group.actor, group.scope, incident) && passes(group.filters, incident) ? plan : undefined;
  }

  private admit(group: Group, key: QueueKey): void {
    group.members.add(key);
    this.store.hold(key.id);
    this.index.held(group, key.id);
  }

  private evict(group: Group, key: QueueKey): void {
    group.members.delete(key);
    this.store.release(key.id);
    this.index.released(group, key.id);
  }

  private async receive(connection: Connection, frame: FeedClientFrameParsed): Promise<void> {
    switch (frame.type) {
      case 'ping':
        return this.sendNow(connection, { type: 'pong', ...(frame.at !== undefined ? { at: frame.at } : {}) });
      case 'resume':
        connection.resumeFrom = frame.position;
        return;
      case 'unsubscribe': {
        const sub = connection.subs.get(frame.sub);
        if (sub) this.drop(sub);
        connection.subs.delete(frame.sub);
        return;
      }
      case 'page': {
        const sub = connection.subs.get(frame.sub);
        if (!sub?.group) return this.refuse(connection, 'unknown_subscription', 'no list subscription of that name', 'sub');
        // a later page is read now, but what was flushed to this connection is all it may claim
        return this.sendPage(sub, Number(frame.cursor), connection.sent);
      }
      case 'subscribe':
        return this.subscribe(connection, frame);
    }
  }

  private async subscribe(connection: Connection, frame: Extract<FeedClientFrameParsed, { type: 'subscribe' }>): Promise<void> {
    const previous = connection.subs.get(frame.sub);
    if (previous) this.drop(previous);
    const sub: Sub = { id: frame.sub, connection, group: undefined, incidentId: undefined, pageSize: frame.pageSize, pending: new Map(), record: undefined, countsMoved: false, loading: true };
    connection.subs.set(frame.sub, sub);
    const after = frame.after ?? connection.resumeFrom;
    const at = this.position;
    if (frame.scope.kind !== 'incident') {
      const group = this.group(connection.actor, frame.scope, frame.filters);
      sub.group = group;
      group.subs.add(sub);
      await group.ready;
    } else {
      sub.incidentId = frame.scope.id;
      this.index.addIncidentSub(sub.incidentId, sub);
    }
    if (after !== undefined) {
      if ((await this.tooOld(after)) || (await this.replay(sub, after, at))) {
        // the client starts its subscriptions again from snapshots: this one is forgotten here
        this.drop(sub);
        if (connection.subs.get(sub.id) === sub) connection.subs.delete(sub.id);
        connection.resumeFrom = undefined;
        this.sendNow(connection, { type: 'reload', reason: 'gap_too_old', position: at });
        return;
      }
    } else if (sub.group) {
      await this.sendPage(sub, 0, at);
    } else {
      const incident = await this.readView(sub.incidentId!);
      const shown = incident ? viewFor(connection.actor, incident) : undefined;
      this.sendNow(connection, { type: 'record', sub: sub.id, position: at, incident: (shown as Record<string, unknown> | undefined) ?? null });
    }
    if (connection.subs.get(sub.id) === sub) sub.loading = false;
  }

  private async readView(id: string): Promise<IncidentView | undefined> {
    const raw = await this.redis.get(this.keys.incident(id));
    return raw ? (JSON.parse(raw) as IncidentView) : undefined;
  }

  /**
   * Whether the log may have dropped entries after this position (trimmed by its cap, or deleted):
   * entries were removed, and the position is before the first one kept (or the log is empty and
   * has written past it). Erring to `reload` is safe; erring the other way loses changes.
   */
  private async tooOld(after: string): Promise<boolean> {
    const info = (await this.redis.xinfo('STREAM', this.keys.changes).catch(() => undefined)) as unknown[] | undefined;
    // no log where a position was given out: it was deleted (Redis wiped, then rebuilt), and with
    // it what happened since that position (a rebuild writes views, not changes)
    if (!info) return after !== '0-0';
    const field = (name: string) => {
      const i = info.indexOf(name);
      return i >= 0 ? info[i + 1] : undefined;
    };
    const length = Number(field('length') ?? 0);
    const added = Number(field('entries-added') ?? 0);
    const deleted = field('max-deleted-entry-id');
    if (typeof deleted === 'string' && comparePositions(after, deleted) < 0) return true;
    const first = field('recorded-first-entry-id');
    // a position the log gave out is in it, or after it: one before its first entry was trimmed,
    // or belongs to a log made again since (a wipe), whose count of entries added started over
    if (after !== '0-0' && length > 0 && typeof first === 'string' && comparePositions(after, first) < 0) return true;
    if (added <= length) return false;
    if (length > 0) return typeof first === 'string' && comparePositions(after, first) < 0;
    const last = field('last-generated-id');
    return typeof last === 'string' && comparePositions(after, last) < 0;
  }

  /**
   * The changes after `after`, up to `to`, compacted into the subscription's pending. Live changes
   * (after `to`) keep coming while the log is read, and always win: the replay is collected apart
   * and laid under them. True when the projections were rebuilt since: the client must reload.
   */
  private async replay(sub: Sub, after: string, to: string): Promise<boolean> {
    const replayed = new Map<string, string | null>();
    let record: IncidentChange | undefined;
    let from = `(${after}`;
    while (comparePositions(after, to) < 0) {
      const entries = await this.redis.xrange(this.keys.changes, from, to, 'COUNT', readBatch);
      if (entries.length === 0) break;
      for (const [id, fields] of entries) {
        // the projections were rebuilt since: what the rebuild wrote is not on the log
        if (fields[0] === 'rebuilt') return true;
        const change = this.parse(fields[1]);
        if (change) record = this.offer(sub, change, replayed) ?? record;
        from = `(${id}`;
      }
    }
    for (const [id, item] of sub.pending) replayed.set(id, item);
    sub.pending = replayed;
    sub.record ??= record;
    sub.countsMoved = true;
    return false;
  }

  private group(actor: Actor, scope: Group['scope'], filters: FeedFilters): Group {
    const key = JSON.stringify([audienceKey(actor), scope, filters]);
    let group = this.groups.get(key);
    if (!group) {
      const created: Group = { key, actor, scope, filters, members: new GroupMembers(), subs: new Set(), changedWhileLoading: new Set(), ready: Promise.resolve() };
      this.groups.set(key, (group = created));
      this.index.addGroup(created);
      created.ready = this.load(created);
    }
    return group;
  }

  /**
   * Reads the group's members from the indexes: a province's own index, else every incident by last
   * change. Changes keep coming meanwhile and are judged for the group as they come (it is in the
   * subscription index from the start); an incident one of them judged is not read over again.
   */
  private async load(group: Group): Promise<void> {
    const index = group.scope.kind === 'province' ? this.keys.byProvince(group.scope.code) : this.keys.byUpdated;
    for (let start = 0; ; start += 500) {
      const ids = await this.redis.zrevrange(index, start, start + 499);
      if (ids.length === 0) break;
      const raws = await this.redis.mget(ids.map(this.keys.incident));
      if (!this.live(group)) break;
      for (const raw of raws) {
        if (!raw) continue;
        const incident = JSON.parse(raw) as IncidentView;
        if (group.changedWhileLoading!.has(incident.id)) continue;
        const plan = this.shownIn(group, incident);
        if (!plan) continue;
        // the stored version, when a group holds one: the newer one read here comes on the log, and moves every group at once
        const stored = this.store.get(incident.id) ?? this.store.put(incident);
        if (!group.members.find(stored)) this.admit(group, this.store.keyOf(stored, plan.audience, incident));
      }
      if (ids.length < 500) break;
    }
    group.changedWhileLoading = undefined;
  }

  /**
   * The list item of an incident as this plan shows it (viewPlan said the actor sees it), with the
   * next deadline its audience is shown: worked out once per version, whichever groups show it.
   */
  private listItem(incident: IncidentView, plan: ViewPlan, lastEvent: string): IncidentListItem {
    return incidentListItem(applyView(incident, plan), lastEvent, this.store.dueAt(incident, plan.audience));
  }

  /** A page of the group's members in the queue's order (shared compareQueue, kept as changes come): a slice, so its first pages are the top of the list. */
  private async sendPage(sub: Sub, offset: number, position = this.position): Promise<void> {
    const group = sub.group!;
    const ids = group.members.page(offset, sub.pageSize);
    const raws = ids.length ? await this.redis.mget(ids.map(this.keys.incident)) : [];
    const items = raws.flatMap((raw) => {
      if (!raw) return [];
      const incident = JSON.parse(raw) as IncidentView;
      const plan = viewPlan(group.actor, incident);
      return plan ? [this.listItem(incident, plan, visibleChangeType({ eventId: incident.timeline.at(-1)?.eventId ?? '', type: incident.timeline.at(-1)?.type ?? 'incident.reported' }, plan))] : [];
    });
    const next = offset + sub.pageSize < group.members.size ? String(offset + sub.pageSize) : null;
    this.sendNow(sub.connection, { type: 'snapshot', sub: sub.id, position, items, next, counts: group.members.counts() });
  }

  private parse(raw: string | undefined): IncidentChange | undefined {
    try {
      const change = JSON.parse(raw ?? '') as IncidentChange;
      if (typeof change?.incident?.id === 'string' && typeof change.incident.province?.code === 'string' && Array.isArray(change.incident.assignees)) return change;
    } catch {
      // fall through
    }
    this.logger.warn('ignored a malformed entry on the feed log');
    return undefined;
  }

  /**
   * Follows the log. An entry that throws while it is dispatched is logged and passed over (the
   * position moves on: one bad entry must not stop the feed); a read that fails is tried again,
   * and counts against the reader's health until one succeeds.
   */
  private async read(): Promise<void> {
    while (!this.stopped) {
      let answer: [string, [string, string[]][]][] | null;
      try {
        answer = (await this.reader!.xread('COUNT', readBatch, 'BLOCK', 1000, 'STREAMS', this.keys.changes, this.position)) as [string, [string, string[]][]][] | null;
        if (answer?.[0]?.[1].length === readBatch && (await this.fellBehind())) continue;
      } catch (err) {
        if (this.stopped) return;
        this.readerHealth?.failed(err);
        this.logger.warn({ err }, 'could not read the feed log; trying again');
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      const entries = answer?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) {
        try {
          if (fields[0] === 'rebuilt') {
            this.position = id;
            this.logger.warn({ position: id }, 'the projections were rebuilt: every connection reloads its snapshots');
            this.reloadAll();
            continue;
          }
          const change = this.parse(fields[1]);
          if (change) this.dispatch(change);
        } catch (err) {
          this.logger.error({ err, position: id }, 'a feed log entry could not be dispatched; passed over');
        }
        this.position = id;
      }
      this.readerHealth?.progressed();
    }
  }

  /**
   * Whether the log's cap trimmed entries this board had not read yet (it fell more than the cap
   * behind: a burst on a starved machine), judged by the rule a resuming client's position is
   * (tooOld); asked only when a read came back full, as it does whenever that many entries wait.
   * A Redis error here is the read's, tried again. When entries may have been trimmed, the
   * reader goes on from the log's last entry and every connection reloads its snapshots: the views
   * are written with their changes, so the snapshots hold all that was skipped, and nothing read
   * after is older than them.
   */
  private async fellBehind(): Promise<boolean> {
    if (this.position === '0-0' || !(await this.tooOld(this.position))) return false;
    const [last] = await this.redis.xrevrange(this.keys.changes, '+', '-', 'COUNT', 1);
    if (!last) return false;
    this.logger.warn({ position: this.position, goesOnFrom: last[0] }, 'the board fell behind the feed log past its cap: it goes on from the log’s end, and every connection reloads its snapshots');
    this.position = last[0];
    this.gapCount += 1;
    this.reloadAll();
    return true;
  }

  /** times the reader fell behind the log's cap and went on from its end (fellBehind) */
  get gaps(): number {
    return this.gapCount;
  }

  /**
   * What the log holds is not all that changed (the projections were rebuilt: a marker the
   * tracker's rebuild appends, what it wrote in the views; or the reader fell behind its cap), so
   * every connection is told to read its snapshots again.
   */
  private reloadAll(): void {
    for (const connection of this.connections) {
      for (const sub of connection.subs.values()) this.drop(sub);
      connection.subs.clear();
      connection.resumeFrom = undefined;
      this.sendNow(connection, { type: 'reload', reason: 'gap_too_old', position: this.position });
    }
  }

  /**
   * One change to the groups and incident subscriptions it may concern (the index's candidates,
   * each judged). The groups holding the incident hold the stored version's keys: each is moved
   * to the new version's, found by the old ones. The list item is written once per view.
   */
  private dispatch(change: IncidentChange): void {
    const before = this.store.get(change.incident.id);
    const items = new Map<string, string>();
    let failed: unknown;
    for (const group of this.index.groupsFor(change.incident)) {
      try {
        this.judge(group, change, before, items);
      } catch (err) {
        // the others may have moved to the new version: this group lets go of the incident (its
        // clients told so), rather than hold keys no change would find again
        const held = group.members.find(before);
        if (held) this.leaveGroup(group, held);
        failed ??= err;
      }
    }
    for (const sub of this.index.incidentSubs(change.incident.id)) sub.record = change;
    if (failed) throw failed;
  }

  private leaveGroup(group: Group, held: QueueKey): void {
    this.evict(group, held);
    for (const sub of group.subs) {
      sub.pending.set(held.id, null);
      sub.countsMoved = true;
    }
  }

  /** Whether the change enters, moves within, or leaves the group; its item (JSON, per view plan in `items`) shared by every group that shows it so. */
  private judge(group: Group, change: IncidentChange, before: StoredIncident | undefined, items: Map<string, string>): void {
    const incident = change.incident;
    group.changedWhileLoading?.add(incident.id);
    const held = group.members.find(before);
    const plan = this.shownIn(group, incident);
    if (!plan && !held) return;
    let item: string | null = null;
    if (plan) {
      const key = this.store.keyOf(this.store.put(incident), plan.audience, incident);
      if (!held) this.admit(group, key);
      else if (held !== key) {
        // the same incident, held on: it moves to the new version's place
        group.members.delete(held);
        group.members.add(key);
      }
      item = items.get(plan.key) ?? null;
      if (item === null) items.set(plan.key, (item = JSON.stringify(this.listItem(incident, plan, visibleChangeType(change, plan)))));
    } else return this.leaveGroup(group, held!);
    for (const sub of group.subs) {
      sub.pending.set(incident.id, item);
      sub.countsMoved = true;
    }
  }

  /** A replayed change, judged for one subscription against the change itself (the group's members are already current): into `into`, or the record it is for an incident subscription. */
  private offer(sub: Sub, change: IncidentChange, into: Map<string, string | null>): IncidentChange | undefined {
    const incident = change.incident;
    if (sub.incidentId !== undefined) return incident.id === sub.incidentId ? change : undefined;
    const group = sub.group!;
    const plan = this.shownIn(group, incident);
    if (plan) {
      into.set(incident.id, JSON.stringify(this.listItem(incident, plan, visibleChangeType(change, plan))));
    } else if (into.has(incident.id) || this.mightHaveHeld(group.actor, incident)) into.set(incident.id, null);
    return undefined;
  }

  /** Whether a client may hold this incident from before: it sees it, or it was one of its assignees. */
  private mightHaveHeld(actor: Actor, incident: IncidentView): boolean {
    return viewPlan(actor, incident) !== undefined || incident.assignees.some((a) => (actor.assigneeIds ?? []).includes(a.id));
  }

  private flush(): void {
    const position = this.position;
    const now = Date.now();
    for (const connection of this.connections) {
      const socket = connection.socket;
      if (socket.readyState !== socket.OPEN) continue;
      // a full socket: changes keep coalescing (the latest per incident) until it drains, up to a bound
      if (socket.bufferedAmount > this.options.maxBufferedBytes) {
        const waiting = [...connection.subs.values()].reduce((n, s) => n + s.pending.size, 0);
        if (waiting > this.maxPending) {
          // the close frame waits behind what is buffered (nothing more is added); ws ends the
          // socket if the client never answers it
          socket.close(feedCloseCodes.tooSlow, 'too far behind: reconnect and resume');
          this.leave(connection);
        }
        continue;
      }
      if ([...connection.subs.values()].some((s) => s.loading)) continue;
      let sentAny = false;
      for (const sub of connection.subs.values()) {
        if (sub.record) {
          const shown = viewFor(connection.actor, sub.record.incident);
          const plan = viewPlan(connection.actor, sub.record.incident);
          const frame: FeedServerFrame = { type: 'record', sub: sub.id, position, eventType: plan ? visibleChangeType(sub.record, plan) : 'incident.updated', incident: (shown as Record<string, unknown> | undefined) ?? null };
          sub.record = undefined;
          socket.send(JSON.stringify(frame));
          sentAny = true;
        }
        if (sub.pending.size === 0 && !sub.countsMoved) continue;
        const upserts: string[] = [];
        const removes: string[] = [];
        for (const [id, item] of sub.pending) {
          if (item === null) removes.push(JSON.stringify(id));
          else upserts.push(item);
        }
        sub.pending.clear();
        const counts = sub.countsMoved && sub.group ? `,"counts":${sub.group.members.countsJson()}` : '';
        sub.countsMoved = false;
        if (upserts.length === 0 && removes.length === 0 && !counts) continue;
        socket.send(`{"type":"delta","sub":${JSON.stringify(sub.id)},"position":"${position}","upserts":[${upserts.join(',')}],"removes":[${removes.join(',')}]${counts}}`);
        sentAny = true;
      }
      if (sentAny) connection.toldAt = now;
      else if (now - connection.toldAt >= this.positionMs && comparePositions(position, connection.sent) > 0) {
        socket.send(`{"type":"position","position":"${position}"}`);
        connection.toldAt = now;
      } else if (comparePositions(position, connection.sent) > 0) continue; // told later, from where it is then
      connection.sent = position;
    }
  }

  private heartbeat(): void {
    const now = Date.now();
    for (const connection of [...this.connections]) {
      if (now - connection.lastHeard > 2 * this.heartbeatMs) {
        // the close frame says why to a client that still reads; a dead one is cut a heartbeat later
        const socket = connection.socket;
        socket.close(feedCloseCodes.heartbeatTimeout, 'nothing heard for two heartbeats');
        setTimeout(() => socket.readyState !== socket.CLOSED && socket.terminate(), this.heartbeatMs).unref();
        this.leave(connection);
        continue;
      }
      if (connection.socket.readyState !== connection.socket.OPEN) continue;
      connection.socket.ping();
      if (![...connection.subs.values()].some((s) => s.loading)) {
        this.sendNow(connection, { type: 'heartbeat', at: now, position: connection.sent, intervalMs: this.heartbeatMs });
      }
    }
  }

  private async currentActor(connection: Connection): Promise<Actor | undefined> {
    if (connection.credential.kind === 'api_token') {
      const token = await this.identities.resolveToken(connection.credential.token);
      return token ? tokenActor(token, connection.actor.address) : undefined;
    }
    const session = await this.identities.resolveSession(connection.credential.token);
    const user = session ? await this.identities.getUser(session.userId) : undefined;
    return session && user && !user.disabled ? userActor(user, session.authenticatedBy, connection.actor.address) : undefined;
  }

  private async revalidate(which: (connection: Connection) => boolean = () => true): Promise<void> {
    for (const connection of [...this.connections].filter(which)) {
      try {
        const actor = await this.currentActor(connection);
        if (!actor) {
          connection.socket.close(feedCloseCodes.sessionEnded, 'session ended');
          this.leave(connection);
        } else if (audienceKey(actor) !== connection.audienceKey) {
          // what it may see changed: its subscriptions start again from snapshots
          for (const sub of connection.subs.values()) this.drop(sub);
          connection.subs.clear();
          connection.actor = actor;
          connection.audienceKey = audienceKey(actor);
          this.sendNow(connection, { type: 'reload', reason: 'scope_changed', position: this.position });
        } else connection.actor = actor;
      } catch (err) {
        this.logger.warn({ err }, 'could not revalidate a feed client; will try again');
      }
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const job of [this.readerHealth, this.identityHealth]) if (job) this.options.jobs?.remove(job);
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.flushTimer);
    for (const connection of this.connections) connection.socket.close(feedCloseCodes.shuttingDown, 'server shutting down');
    this.connections.clear();
    this.groups.clear();
    this.store.clear();
    this.identitySubscriber?.disconnect();
    this.reader?.disconnect();
    await this.reading?.catch(() => undefined);
  }
}
