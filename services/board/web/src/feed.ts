import { useEffect, useMemo, useState } from 'preact/hooks';
import { FeedClient, type FeedCounts, type FeedFilters, type FeedListItem, type FeedScope, type IncidentView } from './catalogue';

/**
 * The web app's one use of the live feed, `/api/v2/feed` (protocol: shared/src/contracts/feed.ts,
 * client: shared/src/feed-client.ts): one socket per signed-in page, one subscription per thing a
 * screen shows. Lists take compact items (paged snapshots, then deltas, with the server's true
 * counts); the incident page takes the full record as this user may see it. The client keeps each
 * subscription's position: after a drop it reconnects and resumes, so nothing is missed or shown
 * twice; when the board says the gap is too old, the lists start again from fresh snapshots.
 */
export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

const feedUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v2/feed`;

export function openFeed(onStatus: (status: FeedStatus, code?: number) => void): FeedClient {
  return new FeedClient({ url: feedUrl, onStatus });
}

/** A list screen's incidents by id, with a change applied only when it is newer than what is held. */
export function applyDelta(held: ReadonlyMap<string, FeedListItem>, upserts: readonly FeedListItem[], removes: readonly string[]): Map<string, FeedListItem> {
  const next = new Map(held);
  for (const item of upserts) {
    const before = next.get(item.id);
    if (!before || before.version <= item.version) next.set(item.id, item);
  }
  for (const id of removes) next.delete(id);
  return next;
}

export interface List {
  items: FeedListItem[];
  /** the server's count over everything the subscription covers (not what the page holds) */
  counts: FeedCounts | undefined;
  /** whether the server has more pages of the snapshot */
  more: boolean;
  loadMore(): void;
  /** the board could not fill a gap: the list was dropped and is being read again */
  reloaded: boolean;
}

/** A list subscription for as long as the screen shows it; a new scope or filters subscribe again. */
export function useList(client: FeedClient, scope: FeedScope, filters: FeedFilters = {}, pageSize = 100): List {
  const [held, setHeld] = useState(new Map<string, FeedListItem>());
  const [counts, setCounts] = useState<FeedCounts>();
  const [more, setMore] = useState(false);
  const [reloaded, setReloaded] = useState(false);
  const [sub, setSub] = useState<{ nextPage(): void }>();
  const key = JSON.stringify([scope, filters, pageSize]);
  useEffect(() => {
    setHeld(new Map());
    setCounts(undefined);
    const subscription = client.subscribe({ scope, filters, pageSize }, {
      onSnapshot: (page) => {
        setHeld((h) => applyDelta(page.first ? new Map() : h, page.items, []));
        setCounts(page.counts);
        setMore(page.more);
      },
      onDelta: (delta) => {
        setHeld((h) => applyDelta(h, delta.upserts, delta.removes));
        if (delta.counts) setCounts(delta.counts);
      },
      onReload: () => {
        setReloaded(true);
        setHeld(new Map());
      },
    });
    setSub(subscription);
    return () => subscription.close();
  }, [client, key]);
  const items = useMemo(() => [...held.values()], [held]);
  return { items, counts, more, loadMore: () => sub?.nextPage(), reloaded };
}

/** One incident's full record while it is open on screen: undefined while loading, null when it is not (or no longer) visible. */
export function useIncident(client: FeedClient, id: string): IncidentView | null | undefined {
  const [incident, setIncident] = useState<IncidentView | null>();
  useEffect(() => {
    setIncident(undefined);
    const subscription = client.subscribe({ scope: { kind: 'incident', id } }, {
      onRecord: (record) => setIncident((held) => {
        const next = record as IncidentView | null;
        // a record older than the one held (a replay after a reconnection) does not go back in time
        return next && held && held.version > next.version ? held : next;
      }),
    });
    return () => subscription.close();
  }, [client, id]);
  return incident;
}

/** Each unit's true counts by state and severity (one list subscription per unit, one item per page). */
export function useUnitCounts(client: FeedClient, codes: readonly string[]): Map<string, FeedCounts> {
  const [counts, setCounts] = useState(new Map<string, FeedCounts>());
  useEffect(() => {
    const subs = codes.map((code) =>
      client.subscribe({ scope: { kind: 'province', code }, pageSize: 1 }, {
        onSnapshot: (page) => setCounts((m) => new Map(m).set(code, page.counts)),
        onDelta: (delta) => delta.counts && setCounts((m) => new Map(m).set(code, delta.counts!)),
      }),
    );
    return () => subs.forEach((s) => s.close());
  }, [client, codes.join()]);
  return counts;
}
