import type { WebSocket } from 'ws';
import {
  applyView,
  incidentKeys,
  incidentListItem,
  tokenActor,
  userActor,
  viewPlan,
  visibleChangeType,
  type Actor,
  type IdentityStore,
  type IncidentChange,
  type Logger,
  type Redis,
} from '@ucsc/shared';

/** How a client proved who it is; checked again while it stays connected. */
export type FeedCredential = { kind: 'session'; token: string } | { kind: 'api_token'; token: string };

/** `full`: every change with the whole incident, at once (the incident panel); `summary`: list items, coalesced. */
export type FeedView = 'full' | 'summary';

interface Client {
  socket: WebSocket;
  actor: Actor;
  credential: FeedCredential;
  view: FeedView;
  audience: Audience;
}

/**
 * Clients whose actors would get the same answer from canSee and the same view of an incident
 * (same roles, provinces, assignee ids and organisation): the question is asked once per change
 * for all of them, and their coalesced summary frame is written once.
 */
interface Audience {
  key: string;
  actor: Actor;
  clients: Set<Client>;
  /** list items waiting for the next flush, the latest per incident */
  pending: Map<string, string>;
}

function audienceKey(actor: Actor): string {
  const sorted = (list?: readonly string[]) => [...(list ?? [])].sort();
  return JSON.stringify([sorted(actor.roles), sorted(actor.provinceCodes), sorted(actor.assigneeIds), actor.organisationId ?? null]);
}

/**
 * Fans the tracker's incident changes out to connected board clients, each filtered by what its
 * user may see. One Redis subscription per board process, however many clients; visibility asked
 * once per audience, not per client; a change serialised once, whoever receives it. Summary
 * clients get one frame per FEED_FLUSH_MS with the latest of each incident that changed, so a
 * burst of reports costs each of them a few frames a second, not one per event. A client whose
 * session ends (sign-out, expiry, disabled account, revoked token) is disconnected, and a change
 * of its roles applies to what it is sent next: the identity store announces each change, and the
 * clients of that user or token are checked again at once.
 */
export class LiveFeed {
  private readonly audiences = new Map<string, Audience>();
  private clientCount = 0;
  private subscriber: Redis | undefined;
  private revalidation: NodeJS.Timeout | undefined;
  private flushing: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly maxBufferedBytes: number,
    private readonly logger: Logger,
    private readonly identities: IdentityStore,
    private readonly revalidateMs = 30_000,
    private readonly flushMs = 100,
  ) {}

  async start(): Promise<void> {
    const channel = incidentKeys(this.redisPrefix).feed;
    const identityChanges = this.identities.changesChannel;
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('message', (from: string, message: string) => {
      if (from === identityChanges) void this.revalidate((client) => client.actor.id === message);
      else this.broadcast(message);
    });
    // a role change, sign-out, disabled account or revoked token applies to open connections at
    // once; the periodic check is for what announces nothing (a session that expires)
    await this.subscriber.subscribe(channel, identityChanges);
    // pub/sub keeps nothing for a subscriber that was away: after Redis comes back, what changed
    // meanwhile never arrives. Every client is asked to reconnect, and gets a fresh snapshot.
    this.subscriber.on('ready', () => this.resyncAll());
    this.revalidation = setInterval(() => void this.revalidate(), this.revalidateMs);
    this.revalidation.unref();
    this.flushing = setInterval(() => this.flush(), this.flushMs);
    this.flushing.unref();
  }

  add(socket: WebSocket, actor: Actor, credential: FeedCredential, view: FeedView = 'full'): void {
    const client = { socket, actor, credential, view } as Client;
    this.join(client, actor);
    const leave = () => this.leave(client);
    socket.on('close', leave);
    socket.on('error', leave);
  }

  get size(): number {
    return this.clientCount;
  }

  private join(client: Client, actor: Actor): void {
    const key = audienceKey(actor);
    let audience = this.audiences.get(key);
    if (!audience) this.audiences.set(key, (audience = { key, actor, clients: new Set(), pending: new Map() }));
    client.actor = actor;
    client.audience = audience;
    if (!audience.clients.has(client)) {
      audience.clients.add(client);
      this.clientCount += 1;
    }
  }

  private leave(client: Client): void {
    const audience = client.audience;
    if (!audience.clients.delete(client)) return;
    this.clientCount -= 1;
    if (audience.clients.size === 0) this.audiences.delete(audience.key);
  }

  /** Sends, unless the client is too far behind: then it is dropped rather than buffered without bound. */
  private send(client: Client, frame: string): void {
    if (client.socket.bufferedAmount > this.maxBufferedBytes) {
      client.socket.close(1013, 'too far behind; reconnect');
      this.leave(client);
      return;
    }
    client.socket.send(frame);
  }

  private broadcast(message: string): void {
    // the channel is the tracker's (inside the system): read, not validated field by field again
    let change: IncidentChange;
    try {
      change = JSON.parse(message) as IncidentChange;
      if (typeof change?.incident?.id !== 'string' || typeof change.incident.province?.code !== 'string' || !Array.isArray(change.incident.assignees)) throw new Error('not a change');
    } catch {
      this.logger.warn('ignored a malformed incident change on the feed channel');
      return;
    }
    // one frame per distinct view (an audience's plan), however many audiences and clients share it;
    // the whole view wraps the channel's message as it came
    const fulls = new Map<string, string>();
    const items = new Map<string, string>();
    for (const audience of this.audiences.values()) {
      const plan = viewPlan(audience.actor, change.incident);
      if (!plan) continue;
      for (const client of audience.clients) {
        if (client.view === 'summary') {
          let item = items.get(plan.key);
          if (item === undefined) items.set(plan.key, (item = JSON.stringify(incidentListItem(applyView(change.incident, plan), visibleChangeType(change, plan)))));
          audience.pending.set(change.incident.id, item);
        } else {
          let full = fulls.get(plan.key);
          if (full === undefined) {
            const whole = plan.audience === 'coordinator' && plan.hiddenAttachments.length === 0;
            const shown = { eventId: change.eventId, type: visibleChangeType(change, plan), incident: applyView(change.incident, plan) };
            fulls.set(plan.key, (full = `{"type":"change","change":${whole ? message : JSON.stringify(shown)}}`));
          }
          this.send(client, full);
        }
      }
    }
  }

  /** Closes every connection with 1012 (service restart): clients reconnect and start from a new snapshot. */
  private resyncAll(): void {
    this.logger.warn({ clients: this.clientCount }, 'the change stream was interrupted; clients reconnect to resync');
    for (const audience of [...this.audiences.values()]) {
      for (const client of [...audience.clients]) {
        client.socket.close(1012, 'the live feed was interrupted; reconnect to resync');
        this.leave(client);
      }
    }
  }

  private flush(): void {
    for (const audience of this.audiences.values()) {
      if (audience.pending.size === 0) continue;
      const frame = `{"type":"summaries","incidents":[${[...audience.pending.values()].join(',')}]}`;
      audience.pending.clear();
      for (const client of audience.clients) if (client.view === 'summary') this.send(client, frame);
    }
  }

  private async currentActor(client: Client): Promise<Actor | undefined> {
    if (client.credential.kind === 'api_token') {
      const token = await this.identities.resolveToken(client.credential.token);
      return token ? tokenActor(token, client.actor.address) : undefined;
    }
    const session = await this.identities.resolveSession(client.credential.token);
    const user = session ? await this.identities.getUser(session.userId) : undefined;
    return session && user && !user.disabled ? userActor(user, session.authenticatedBy, client.actor.address) : undefined;
  }

  private async revalidate(which: (client: Client) => boolean = () => true): Promise<void> {
    for (const client of [...this.audiences.values()].flatMap((a) => [...a.clients]).filter(which)) {
      try {
        const actor = await this.currentActor(client);
        if (actor) {
          if (audienceKey(actor) !== client.audience.key) {
            this.leave(client);
            this.join(client, actor);
          } else client.actor = actor;
        } else {
          client.socket.close(4401, 'session ended');
          this.leave(client);
        }
      } catch (err) {
        this.logger.warn({ err }, 'could not revalidate a feed client; will try again');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.revalidation);
    clearInterval(this.flushing);
    for (const audience of this.audiences.values()) for (const client of audience.clients) client.socket.close(1001, 'server shutting down');
    this.audiences.clear();
    this.clientCount = 0;
    this.subscriber?.disconnect();
  }
}
