import type { IncidentView } from './catalogue';
import { FeedClient } from './catalogue';
import type { FeedCounts } from './catalogue';

/**
 * The web app's one use of the live feed: every screen takes incidents from here. The incidents
 * themselves still come over /api/v1/feed (a snapshot, then each change with the whole incident as
 * this user may see it: the screens read deadlines, parts and clocks that the list items of the
 * resumable protocol do not carry); the units' counts come over /api/v2/feed (shared/src/contracts/feed.ts,
 * through shared/src/feed-client.ts): true counts over everything the user may see, from the server.
 */
export type FeedStatus = 'connecting' | 'live' | 'reconnecting';

export interface FeedHandlers {
  onSnapshot(incidents: IncidentView[]): void;
  onChange(incident: IncidentView): void;
  onStatus(status: FeedStatus): void;
}

const feedBase = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;

/** Each unit's true counts by state and severity (one list subscription per unit, one item per page). */
export function watchUnitCounts(codes: readonly string[], onCounts: (code: string, counts: FeedCounts) => void): () => void {
  const client = new FeedClient({ url: () => `${feedBase()}/api/v2/feed` });
  for (const code of codes) {
    client.subscribe({ scope: { kind: 'province', code }, pageSize: 1 }, {
      onSnapshot: (page) => onCounts(code, page.counts),
      onDelta: (delta) => delta.counts && onCounts(code, delta.counts),
    });
  }
  return () => client.close();
}

export function openFeed(handlers: FeedHandlers): () => void {
  let socket: WebSocket | undefined;
  let stopped = false;
  let delay = 500;
  const connect = () => {
    handlers.onStatus(socket ? 'reconnecting' : 'connecting');
    const url = `${feedBase()}/api/v1/feed?view=full`;
    const ws = (socket = new WebSocket(url));
    ws.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as { type: string; incidents?: IncidentView[]; change?: { incident: IncidentView } };
      if (frame.type === 'snapshot' && frame.incidents) {
        delay = 500;
        handlers.onStatus('live');
        handlers.onSnapshot(frame.incidents);
      } else if (frame.type === 'change' && frame.change) handlers.onChange(frame.change.incident);
    };
    ws.onclose = () => {
      if (stopped) return;
      handlers.onStatus('reconnecting');
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();
  return () => {
    stopped = true;
    socket?.close();
  };
}

/** The incidents held, by id, with a change applied only when it is newer than what is held. */
export function applyChange(held: ReadonlyMap<string, IncidentView>, incident: IncidentView): Map<string, IncidentView> {
  const before = held.get(incident.id);
  if (before && before.version > incident.version) return held as Map<string, IncidentView>;
  const next = new Map(held);
  next.set(incident.id, incident);
  return next;
}
