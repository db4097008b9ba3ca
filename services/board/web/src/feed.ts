import type { IncidentView } from './catalogue';

/**
 * The web app's one use of the live feed: every screen takes incidents from here. Today it speaks
 * the board's current protocol (services/board/src/feed.ts: a snapshot, then each change with the
 * whole incident as this user may see it); the resumable protocol of shared/src/contracts/feed.ts
 * replaces it here alone, once the board serves it.
 */
export type FeedStatus = 'connecting' | 'live' | 'reconnecting';

export interface FeedHandlers {
  onSnapshot(incidents: IncidentView[]): void;
  onChange(incident: IncidentView): void;
  onStatus(status: FeedStatus): void;
}

export function openFeed(handlers: FeedHandlers): () => void {
  let socket: WebSocket | undefined;
  let stopped = false;
  let delay = 500;
  const connect = () => {
    handlers.onStatus(socket ? 'reconnecting' : 'connecting');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/feed?view=full`;
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
