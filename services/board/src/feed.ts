import type { WebSocket } from 'ws';
import { canSee, incidentChangeSchema, incidentKeys, type Actor, type Logger, type Redis } from '@ucsc/shared';

interface Client {
  socket: WebSocket;
  actor: Actor;
}

/**
 * Fans the tracker's incident changes out to connected board clients, each filtered by what its
 * user may see. One Redis subscription per board process, however many clients.
 */
export class LiveFeed {
  private readonly clients = new Set<Client>();
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly maxBufferedBytes: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const channel = incidentKeys(this.redisPrefix).feed;
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('message', (_channel: string, message: string) => this.broadcast(message));
    await this.subscriber.subscribe(channel);
  }

  add(socket: WebSocket, actor: Actor): void {
    const client = { socket, actor };
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

  async close(): Promise<void> {
    for (const client of this.clients) client.socket.close(1001, 'server shutting down');
    this.clients.clear();
    this.subscriber?.disconnect();
  }
}
