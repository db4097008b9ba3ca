import { comparePositions, positionOf, type FeedClientFrame, type FeedCounts, type FeedFilters, type FeedListItem, type FeedPosition, type FeedScope, type FeedServerFrame } from './contracts/feed';

/**
 * The live feed's client (protocol: shared/src/contracts/feed.ts), for the web app and for Node
 * (tests, benches). No framework and no Node API: a browser's WebSocket or Node's global one (or
 * `ws`) through `connect`.
 *
 * It keeps each subscription's last position; after a dropped connection it reconnects (growing
 * pauses), sends `resume` and each subscription with its position, and hands every change to the
 * callbacks once and in order: a frame at or before what a subscription already had is dropped.
 * Silence longer than the heartbeat's grace counts as a dead connection.
 */

/** What the client needs of a WebSocket: the browser's, Node's global one and `ws` all fit. */
export interface FeedSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface FeedClientOptions {
  /** ws:// or wss:// URL of /api/v2/feed; a function is asked again at each reconnection (another board copy) */
  url: string | (() => string);
  /** makes the socket (default: the global WebSocket); Node passes a `ws` socket with its credentials */
  connect?: (url: string) => FeedSocket;
  /** pause before the first reconnection, doubling to maxDelayMs */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** silence after which the connection is taken for dead (default: twice the server's heartbeat, 30 s before the first) */
  graceMs?: number;
  /** the connection's state, for a screen's "live / reconnecting" mark; `closed` carries the close code */
  onStatus?: (status: 'connecting' | 'live' | 'reconnecting' | 'closed', code?: number, reason?: string) => void;
  /** a frame the board refused (`error`), with the subscription it names */
  onError?: (error: { code: string; message: string; field?: string; sub?: string }) => void;
}

export interface SnapshotPage {
  items: FeedListItem[];
  counts: FeedCounts;
  position: FeedPosition;
  /** the first page of a (re)started snapshot: the screen drops what it held */
  first: boolean;
  /** whether `nextPage()` has more to give */
  more: boolean;
}

export interface Delta {
  upserts: FeedListItem[];
  removes: string[];
  counts?: FeedCounts;
  position: FeedPosition;
}

export interface SubscriptionHandlers {
  onSnapshot?: (page: SnapshotPage) => void;
  onDelta?: (delta: Delta) => void;
  /** one incident's full record as the user may see it; null: it is gone or no longer visible */
  onRecord?: (incident: Record<string, unknown> | null, meta: { position: FeedPosition; eventType?: string }) => void;
  /** the board cannot fill the gap: the screen's data is stale, and fresh snapshots follow */
  onReload?: (reason: string) => void;
}

export interface FeedSubscription {
  readonly id: string;
  /** the last position this subscription has handled */
  readonly position: FeedPosition | undefined;
  nextPage(): void;
  close(): void;
}

interface Sub {
  id: string;
  scope: FeedScope;
  filters: FeedFilters;
  pageSize: number;
  handlers: SubscriptionHandlers;
  position: FeedPosition | undefined;
  next: string | null;
  firstPage: boolean;
  /**
   * whether the board has answered this subscription on the current connection (a snapshot, a
   * delta or a record): until then the connection's position frames and heartbeats do not speak
   * for it (the board may not have read its subscribe yet, and would replay from its position)
   */
  answered: boolean;
}

const OPEN = 1;

export class FeedClient {
  private socket: FeedSocket | undefined;
  private readonly subs = new Map<string, Sub>();
  private counter = 0;
  private attempts = 0;
  private closed = false;
  private grace: number;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: FeedClientOptions) {
    this.grace = options.graceMs ?? 30_000;
    this.open();
  }

  subscribe(spec: { scope: FeedScope; filters?: FeedFilters; pageSize?: number }, handlers: SubscriptionHandlers): FeedSubscription {
    const sub: Sub = { id: `s${++this.counter}`, scope: spec.scope, filters: spec.filters ?? {}, pageSize: spec.pageSize ?? 100, handlers, position: undefined, next: null, firstPage: true, answered: false };
    this.subs.set(sub.id, sub);
    if (this.socket?.readyState === OPEN) this.send(this.subscribeFrame(sub));
    return {
      id: sub.id,
      get position() {
        return sub.position;
      },
      nextPage: () => {
        if (sub.next) this.send({ type: 'page', sub: sub.id, cursor: sub.next });
      },
      close: () => {
        this.subs.delete(sub.id);
        this.send({ type: 'unsubscribe', sub: sub.id });
      },
    };
  }

  /** Stops for good: no reconnection. */
  close(): void {
    this.closed = true;
    this.stopTimers();
    clearTimeout(this.retry);
    this.socket?.close(1000, 'client closed');
  }

  private subscribeFrame(sub: Sub): FeedClientFrame {
    return { type: 'subscribe', sub: sub.id, scope: sub.scope, filters: sub.filters, pageSize: sub.pageSize, ...(sub.position ? { after: sub.position } : {}) };
  }

  private send(frame: FeedClientFrame): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  private open(): void {
    this.options.onStatus?.(this.attempts === 0 ? 'connecting' : 'reconnecting');
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    const socket = (this.options.connect ?? ((u) => new WebSocket(u) as unknown as FeedSocket))(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      // the oldest position any subscription holds: the board replays from there, and each
      // subscription drops what it already had; a subscription made while offline has no position,
      // and `resume` would stand for it, so then each one's own `after` says it alone
      const positions = [...this.subs.values()].map((s) => s.position);
      if (positions.length > 0 && positions.every((p) => p !== undefined)) this.send({ type: 'resume', position: positions.sort(comparePositions)[0]! });
      for (const sub of this.subs.values()) {
        sub.answered = false;
        this.send(this.subscribeFrame(sub));
      }
      this.options.onStatus?.('live');
      this.armWatchdog();
      this.pinger = setInterval(() => this.send({ type: 'ping', at: Date.now() }), Math.max(1000, this.grace / 2));
    };
    socket.onmessage = (event) => {
      this.armWatchdog();
      let frame: FeedServerFrame;
      try {
        frame = JSON.parse(typeof event.data === 'string' ? event.data : String(event.data)) as FeedServerFrame;
      } catch {
        return;
      }
      this.handle(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.stopTimers();
      this.socket = undefined;
      // a refused credential or a refused frame does not get better by trying again
      const final = this.closed || event.code === 4401 || event.code === 4403 || event.code === 4400;
      this.options.onStatus?.(final ? 'closed' : 'reconnecting', event.code, event.reason);
      if (final) return;
      const min = this.options.minDelayMs ?? 500;
      const delay = Math.min(this.options.maxDelayMs ?? 15_000, min * 2 ** this.attempts++);
      this.retry = setTimeout(() => this.open(), delay * (0.75 + Math.random() / 2));
    };
    socket.onerror = () => {};
  }

  private handle(frame: FeedServerFrame): void {
    switch (frame.type) {
      case 'heartbeat':
        this.grace = this.options.graceMs ?? frame.intervalMs * 2;
        this.advanceAll(frame.position);
        return;
      case 'position':
        this.advanceAll(frame.position);
        return;
      case 'pong':
        return;
      case 'error':
        this.options.onError?.(frame);
        return;
      case 'reload':
        // every subscription that held a position starts again from a snapshot (once: a reload
        // answers each subscription that asked to resume)
        for (const sub of this.subs.values()) {
          if (sub.position === undefined && frame.reason === 'gap_too_old') continue;
          sub.position = undefined;
          sub.firstPage = true;
          sub.answered = false;
          sub.handlers.onReload?.(frame.reason);
          this.send(this.subscribeFrame(sub));
        }
        return;
    }
    const sub = this.subs.get(frame.sub);
    if (!sub) return;
    const position = positionOf(frame)!;
    if (frame.type === 'snapshot') {
      // a first page restarts the subscription at its position; a later one only adds items (the
      // deltas carry the position on)
      const first = sub.firstPage;
      sub.firstPage = false;
      sub.answered = true;
      if (first) sub.position = position;
      sub.next = frame.next;
      sub.handlers.onSnapshot?.({ items: frame.items, counts: frame.counts, position, first, more: frame.next !== null });
      return;
    }
    sub.answered = true;
    if (sub.position !== undefined && comparePositions(position, sub.position) <= 0) return; // had it
    sub.position = position;
    if (frame.type === 'record') sub.handlers.onRecord?.(frame.incident, { position, ...(frame.eventType ? { eventType: frame.eventType } : {}) });
    else sub.handlers.onDelta?.({ upserts: frame.upserts, removes: frame.removes, position, ...(frame.counts ? { counts: frame.counts } : {}) });
  }

  /** Nothing for the subscriptions the board has answered up to here: they resume from it. */
  private advanceAll(position: FeedPosition): void {
    for (const sub of this.subs.values()) if (sub.answered && sub.position !== undefined && comparePositions(position, sub.position) > 0) sub.position = position;
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    const socket = this.socket;
    this.watchdog = setTimeout(() => {
      // silent too long: a dead network does not say so; close and reconnect
      if (this.socket === socket) socket?.close(4408, 'no heartbeat');
      socket?.onclose?.({ code: 4408, reason: 'no heartbeat' });
    }, this.grace);
  }

  private stopTimers(): void {
    clearTimeout(this.watchdog);
    clearInterval(this.pinger);
  }
}
