import {
  applyView,
  compareQueue,
  deadlinesOf,
  deadlinesShownTo,
  incidentListItem,
  nextDue,
  queueKeyOf,
  sameQueueKey,
  type Audience,
  type ClockSettings,
  type FeedCounts,
  type IncidentView,
  type QueueKey,
} from '@ucsc/shared';
import { SortedList } from './sorted-list';

const audiences = ['coordinator', 'responder', 'submitter'] as const satisfies readonly Audience[];

/** The next deadline each audience is shown of this version (deadlinesShownTo), its deadlines worked out once. */
function dueAtByAudience(incident: IncidentView, clocks: ClockSettings | undefined): Record<Audience, string | undefined> {
  const deadlines = deadlinesOf(incident, clocks);
  return Object.fromEntries(audiences.map((audience) => [audience, nextDue(deadlinesShownTo(audience, deadlines))])) as Record<Audience, string | undefined>;
}

/**
 * One version of an incident as the board's groups hold it: its next deadline for each audience,
 * and its place in the queue as each audience is shown it (made when first asked, one object
 * where two audiences agree). Never changed once made but for keys added: a group finds what it
 * holds by these very objects.
 */
export interface StoredIncident {
  readonly id: string;
  readonly version: number;
  readonly dueAt: Readonly<Record<Audience, string | undefined>>;
  readonly keys: Partial<Record<Audience, QueueKey>>;
}

/**
 * The incidents the feed's groups hold, once per board copy (not once per group): the latest
 * version of each that a group holds, counted by how many groups hold it and let go of when none
 * does. A newer version replaces the one stored; the groups holding the older one are moved by
 * the feed in the same dispatch.
 */
export class IncidentStore {
  private readonly entries = new Map<string, { stored: StoredIncident; holders: number }>();

  constructor(private readonly clocks?: ClockSettings) {}

  get size(): number {
    return this.entries.size;
  }

  get(id: string): StoredIncident | undefined {
    return this.entries.get(id)?.stored;
  }

  /** The stored version of this incident: this one when none is stored or it is newer than the one stored (its deadlines worked out here, once). */
  put(incident: IncidentView): StoredIncident {
    const entry = this.entries.get(incident.id);
    if (entry && entry.stored.version >= incident.version) return entry.stored;
    const stored: StoredIncident = { id: incident.id, version: incident.version, dueAt: dueAtByAudience(incident, this.clocks), keys: {} };
    if (entry) entry.stored = stored;
    else this.entries.set(incident.id, { stored, holders: 0 });
    return stored;
  }

  /** Where the stored version stands in the queue for this audience, made from `incident` (its view) when first asked. */
  keyOf(stored: StoredIncident, audience: Audience, incident: IncidentView): QueueKey {
    const made = stored.keys[audience];
    if (made) return made;
    const key = queueKeyOf(incidentListItem(applyView(incident, { audience, hiddenAttachments: [], key: audience }), '', stored.dueAt[audience]));
    return (stored.keys[audience] = Object.values(stored.keys).find((other) => sameQueueKey(other, key)) ?? key);
  }

  /** The next deadline this audience is shown of this incident: the stored one for the stored version, else worked out now. */
  dueAt(incident: IncidentView, audience: Audience): string | undefined {
    const stored = this.get(incident.id);
    return stored?.version === incident.version ? stored.dueAt[audience] : dueAtByAudience(incident, this.clocks)[audience];
  }

  hold(id: string): void {
    this.entries.get(id)!.holders++;
  }

  release(id: string): void {
    const entry = this.entries.get(id);
    if (entry && --entry.holders === 0) this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The incidents of one group, as the store's keys (references, never copies), kept in the queue's
 * order as they come, move and go, so that a page is a slice; and its counts, kept as they move.
 */
export class GroupMembers {
  private readonly order = new SortedList<QueueKey>(compareQueue);
  private readonly byState = new Map<string, number>();
  private readonly bySeverity = new Map<string, number>();
  private counted: string | undefined;

  get size(): number {
    return this.order.size;
  }

  /** The key this group holds of the stored version (the key of one of its audiences), if it holds it. */
  find(stored: StoredIncident | undefined): QueueKey | undefined {
    for (const key of Object.values(stored?.keys ?? {})) if (this.order.has(key)) return key;
    return undefined;
  }

  add(key: QueueKey): void {
    this.order.add(key);
    this.count(key, 1);
  }

  delete(key: QueueKey): void {
    if (this.order.delete(key)) this.count(key, -1);
  }

  private count(key: QueueKey, by: 1 | -1): void {
    this.counted = undefined;
    for (const [map, name] of [
      [this.byState, key.state],
      [this.bySeverity, key.severity ?? 'unclassified'],
    ] as const) {
      const n = (map.get(name) ?? 0) + by;
      if (n === 0) map.delete(name);
      else map.set(name, n);
    }
  }

  /** The ids of `count` members from `offset`, in the queue's order. */
  page(offset: number, count: number): string[] {
    return this.order.slice(offset, count).map((key) => key.id);
  }

  keys(): Iterable<QueueKey> {
    return this.order;
  }

  counts(): FeedCounts {
    return { total: this.size, byState: Object.fromEntries(this.byState), bySeverity: Object.fromEntries(this.bySeverity) };
  }

  /** The counts as a frame carries them, written once per change of the members, whichever subscriptions send them. */
  countsJson(): string {
    return (this.counted ??= JSON.stringify(this.counts()));
  }
}
