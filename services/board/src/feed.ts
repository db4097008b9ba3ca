import type { WebSocket } from 'ws';
import {
  canSee,
  incidentChangeSchema,
  incidentKeys,
  tokenActor,
  userActor,
  type Actor,
  type IdentityStore,
  type Logger,
  type Redis,
} from '@ucsc/shared';

/** How a client proved who it is; checked again while it stays connected. */
export type FeedCredential = { kind: 'session'; token: string } | { kind: 'api_token'; token: string };

interface Client {
  socket: WebSocket;
  actor: Actor;
  credential: FeedCredential;
}

/**
 * Fans the tracker's incident changes out to connected board clients, each filtered by what its
 * user may see. One Redis subscription per board process, however many clients. A client whose
 * session ends (sign-out, expiry, disabled account, revoked token) is disconnected, and a change
 * of its roles applies to what it is sent next.
 */
export class LiveFeed {
  private readonly clients = new Set<Client>();
  private subscriber: Redis | undefined;
  private revalidation: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly maxBufferedBytes: number,
    private readonly logger: Logger,
    private readonly identities: IdentityStore,
    private readonly revalidateMs = 30_000,
  ) {}

  async start(): Promise<void> {
    const channel = incidentKeys(this.redisPrefix).feed;
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('message', (_channel: string, message: string) => this.broadcast(message));
    await this.subscriber.subscribe(channel);
    this.revalidation = setInterval(() => void this.revalidate(), this.revalidateMs);
    this.revalidation.unref();
  }

  add(socket: WebSocket, actor: Actor, credential: FeedCredential): void {
    const client = { socket, actor, credential };
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', () => this.clients.delete(client));
  }

  get size(): number {
    return this.clients.size;
  }

  private broadcast(message: string): void {
    const parsed = incidentChangeSchema.safeParse(JSON.parse(message));
    if (!parsed.success) {
      this.logger.warn('ignored a malformed incident change on the feed channel');
      return;
    }
    const frame = JSON.stringify({ type: 'change', change: parsed.data });
    for (const client of this.clients) {
      if (!canSee(client.actor, parsed.data.incident)) continue;
      if (client.socket.bufferedAmount > this.maxBufferedBytes) {
        // too slow to keep up: drop it rather than buffer without bound; it reconnects and resyncs
        client.socket.close(1013, 'too far behind; reconnect');
        this.clients.delete(client);
        continue;
      }
      client.socket.send(frame);
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

  private async revalidate(): Promise<void> {
    for (const client of [...this.clients]) {
      try {
        const actor = await this.currentActor(client);
        if (actor) {
          client.actor = actor;
        } else {
          client.socket.close(4401, 'session ended');
          this.clients.delete(client);
        }
      } catch (err) {
        this.logger.warn({ err }, 'could not revalidate a feed client; will try again');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.revalidation);
    for (const client of this.clients) client.socket.close(1001, 'server shutting down');
    this.clients.clear();
    this.subscriber?.disconnect();
  }
}
