import { commandReplyKeys, readCommandReply, type CommandReply, type Logger, type Redis } from '@ucsc/shared';

/**
 * Waits for the tracker's answer to a command, keyed by the command's id: one Redis subscription
 * for the whole board, one waiter per command in flight. A waiter is registered before the
 * command is sent, so an answer that comes quickly is not missed; the stored answer is read as
 * well, for an answer published while the subscription was away.
 */
export class CommandReplies {
  private subscriber: Redis | undefined;
  private readonly waiters = new Map<string, Set<(reply: CommandReply) => void>>();
  private readonly keys: ReturnType<typeof commandReplyKeys>;

  constructor(
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly logger: Logger,
  ) {
    this.keys = commandReplyKeys(redisPrefix);
  }

  async start(): Promise<void> {
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('message', (_channel: string, message: string) => {
      let reply: CommandReply;
      try {
        reply = JSON.parse(message) as CommandReply;
      } catch {
        this.logger.warn('an unreadable command reply was ignored');
        return;
      }
      for (const resolve of this.waiters.get(reply.commandId) ?? []) resolve(reply);
    });
    await this.subscriber.subscribe(this.keys.channel);
  }

  /** The outcome already stored for this command id (a retry), if any. */
  stored(commandId: string): Promise<CommandReply | undefined> {
    return readCommandReply(this.redis, this.redisPrefix, commandId);
  }

  /**
   * Registers a waiter, runs `send` (which puts the command on Kafka), then waits up to
   * `timeoutMs` for the answer; undefined when none came in time (the command is still decided,
   * and its outcome can be read later under its id).
   */
  async sendAndWait(commandId: string, send: () => Promise<void>, timeoutMs: number): Promise<CommandReply | undefined> {
    let resolve!: (reply: CommandReply | undefined) => void;
    const answered = new Promise<CommandReply | undefined>((r) => (resolve = r));
    const waiter = (reply: CommandReply) => resolve(reply);
    let set = this.waiters.get(commandId);
    if (!set) this.waiters.set(commandId, (set = new Set()));
    set.add(waiter);
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    try {
      await send();
      const reply = await Promise.race([answered, this.pollStored(commandId, answered)]);
      return reply;
    } finally {
      clearTimeout(timer);
      set.delete(waiter);
      if (set.size === 0) this.waiters.delete(commandId);
    }
  }

  /** A second look at the stored answer shortly after sending: covers a subscription that reconnected. */
  private async pollStored(commandId: string, answered: Promise<unknown>): Promise<CommandReply | undefined> {
    let done = false;
    void answered.then(() => (done = true));
    for (let wait = 250; !done; wait = Math.min(wait * 2, 1000)) {
      await new Promise((r) => setTimeout(r, wait));
      if (done) break;
      const stored = await this.stored(commandId).catch(() => undefined);
      if (stored) return stored;
    }
    return answered as Promise<CommandReply | undefined>;
  }

  close(): void {
    this.subscriber?.disconnect();
    this.waiters.clear();
  }
}
