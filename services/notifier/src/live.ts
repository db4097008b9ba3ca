import type { Logger, Redis } from '@ucsc/shared';
import type { InAppItem } from './inapp';

type Listener = (item: InAppItem) => void;

/**
 * New in-app notifications as they are added, by any copy of the notifier: one Redis subscription
 * per copy (the list's own channel), handed to the streams of the addressees each item is for.
 */
export class LiveNotifications {
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('message', (_channel: string, message: string) => {
      let item: InAppItem;
      try {
        item = JSON.parse(message) as InAppItem;
      } catch (error) {
        this.logger.warn({ err: error }, 'an unreadable live notification was skipped');
        return;
      }
      for (const listener of this.listeners.get(item.recipientId) ?? []) listener(item);
    });
    await this.subscriber.subscribe(this.channel);
  }

  /** Calls `listener` with each new item for any of the addressees until the returned function is called. */
  listen(addressees: string[], listener: Listener): () => void {
    for (const a of addressees) {
      let set = this.listeners.get(a);
      if (!set) this.listeners.set(a, (set = new Set()));
      set.add(listener);
    }
    return () => {
      for (const a of addressees) {
        const set = this.listeners.get(a);
        set?.delete(listener);
        if (set?.size === 0) this.listeners.delete(a);
      }
    };
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }
}
