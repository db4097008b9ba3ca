import fc from 'fast-check';
import { compareQueue, defaultResponsePolicy, type QueueKey } from '@ucsc/shared';
import { GroupMembers, IncidentStore } from '../src/feed-store';
import { SortedList } from '../src/sorted-list';
import { testIncident } from '../../../test/support/incidents';

const states = ['reported', 'routed', 'acknowledged', 'responding', 'closed', 'merged'] as const;
const queueKey = fc.record(
  {
    state: fc.constantFrom(...states),
    overdue: fc.constantFrom(true as const, undefined),
    escalated: fc.constantFrom(true as const, undefined),
    priority: fc.constantFrom('P1', 'P2', 'P3', 'P4', undefined),
    severity: fc.constantFrom('severe', 'normal', undefined),
    // few distinct times, so that many keys tie until the id
    dueAt: fc.constantFrom('2026-12-01T02:00:00.000Z', '2026-12-01T03:00:00.000Z', undefined),
    reportedAt: fc.constantFrom('2026-11-30T01:00:00.000Z', '2026-11-30T05:00:00.000Z'),
  },
  { requiredKeys: ['state', 'reportedAt'] },
);
/** What a group does as changes come: an incident enters, moves (a new version's key), or leaves. */
const enter = fc.record({ op: fc.constant('enter' as const), id: fc.integer({ min: 0, max: 400 }), key: queueKey });
const leave = fc.record({ op: fc.constant('leave' as const), pick: fc.nat() });
const operation = fc.oneof(enter, fc.record({ op: fc.constant('move' as const), pick: fc.nat(), key: queueKey }), leave);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;
/** A group that fills (chunks split), changes, then empties (chunks shrink and join). */
const lifetime = fc
  .tuple(fc.array(enter, { minLength: 20, maxLength: 200 }), fc.array(operation, { maxLength: 300 }), fc.array(leave, { maxLength: 250 }))
  .map(([filling, changing, emptying]): Operation[] => [...filling, ...changing, ...emptying]);

interface Ordered {
  add(key: QueueKey): void;
  delete(key: QueueKey): unknown;
  size: number;
  /** the ids of `count` items from `offset` */
  ids(offset: number, count: number): string[];
}

/** Plays the operations on a list and on a plain array sorted after each: they must agree at every step. */
function play(operations: Operation[], list: Ordered) {
  const held = new Map<string, QueueKey>();
  for (const o of operations) {
    const ids = [...held.keys()];
    if (o.op === 'enter') {
      const id = `inc-${String(o.id).padStart(4, '0')}`;
      if (held.has(id)) continue;
      const key = { ...o.key, id };
      held.set(id, key);
      list.add(key);
    } else if (ids.length > 0) {
      const id = ids[o.pick % ids.length]!;
      list.delete(held.get(id)!);
      held.delete(id);
      if (o.op === 'move') {
        const key = { ...o.key, id };
        held.set(id, key);
        list.add(key);
      }
    }
    const sorted = [...held.values()].sort(compareQueue);
    expect(list.size).toBe(sorted.length);
    // a page anywhere, and the whole list, as a full sort gives it
    const offset = sorted.length ? (o.op === 'enter' ? o.id : o.pick) % sorted.length : 0;
    expect(list.ids(offset, 7)).toEqual(sorted.slice(offset, offset + 7).map((k) => k.id));
  }
  return [...held.values()].sort(compareQueue);
}

describe('the feed’s store and its groups’ members (services/board/src/feed-store.ts, sorted-list.ts)', () => {
  it('a list kept in the queue’s order through inserts, moves and removes pages as a full sort of what it holds would', () => {
    fc.assert(
      fc.property(lifetime, (operations) => {
        // small chunks, so that chunks split, empty and join many times over
        const list = new SortedList<QueueKey>(compareQueue, 4);
        const sorted = play(operations, { add: (k) => list.add(k), delete: (k) => list.delete(k), ids: (offset, count) => list.slice(offset, count).map((k) => k.id), get size() { return list.size; } });
        expect([...list]).toEqual(sorted);
      }),
      { numRuns: 60 },
    );
  });

  it('a group’s members page and count as a sort and a count of what they hold, after every change', () => {
    fc.assert(
      fc.property(lifetime, (operations) => {
        const members = new GroupMembers();
        const sorted = play(operations, { add: (k) => members.add(k), delete: (k) => members.delete(k), ids: (offset, count) => members.page(offset, count), get size() { return members.size; } });
        expect(members.page(0, sorted.length)).toEqual(sorted.map((k) => k.id));
        const byState: Record<string, number> = {};
        const bySeverity: Record<string, number> = {};
        for (const k of sorted) {
          byState[k.state] = (byState[k.state] ?? 0) + 1;
          bySeverity[k.severity ?? 'unclassified'] = (bySeverity[k.severity ?? 'unclassified'] ?? 0) + 1;
        }
        expect(members.counts()).toEqual({ total: sorted.length, byState, bySeverity });
        expect(JSON.parse(members.countsJson())).toEqual(members.counts());
      }),
      { numRuns: 40 },
    );
  });

  it('two groups over the same incidents hold one copy of each: the same key objects, one stored version, let go of when neither holds it', () => {
    const store = new IncidentStore();
    const incidents = Array.from({ length: 20 }, (_, i) => testIncident({ title: `sự cố ${i}` }));
    const country = new GroupMembers();
    const hanoi = new GroupMembers();
    for (const incident of incidents) {
      for (const group of [country, hanoi]) {
        const key = store.keyOf(store.put(incident), 'coordinator', incident);
        group.add(key);
        store.hold(incident.id);
      }
    }
    expect(store.size).toBe(20);
    const a = [...country.keys()];
    const b = [...hanoi.keys()];
    expect(a).toHaveLength(20);
    for (let i = 0; i < 20; i++) expect(a[i]).toBe(b[i]);
    // a responder's key says the same as a coordinator's here: one object for both
    const first = incidents[0]!;
    expect(store.keyOf(store.get(first.id)!, 'responder', first)).toBe(a.find((k) => k.id === first.id));
    // a submitter is not shown the classification: a key of its own, found by the groups that hold it
    const submitterKey = store.keyOf(store.get(first.id)!, 'submitter', first);
    expect(submitterKey.priority).toBeUndefined();
    expect(country.find(store.get(first.id))).toBe(a.find((k) => k.id === first.id));

    for (const group of [country, hanoi]) {
      for (const key of [...group.keys()]) {
        group.delete(key);
        store.release(key.id);
      }
    }
    expect(store.size).toBe(0);
  });

  it('works out an incident’s deadlines once per version, whichever groups and audiences ask; a newer version replaces the stored one, an older one does not', () => {
    let worked = 0;
    const policy = new Proxy(structuredClone(defaultResponsePolicy), { get: (target, key) => (worked++, Reflect.get(target, key)) });
    const store = new IncidentStore({ policy });
    const v3 = testIncident({ version: 3 });
    const stored = store.put(v3);
    for (const audience of ['coordinator', 'responder', 'submitter'] as const) store.keyOf(store.put({ ...v3 }), audience, v3);
    expect(store.dueAt(v3, 'coordinator')).toBe(stored.dueAt.coordinator);
    expect(worked).toBe(1);
    expect(store.put({ ...v3, version: 2 })).toBe(stored);
    expect(worked).toBe(1);
    const v4 = store.put({ ...v3, version: 4, state: 'acknowledged' });
    expect(v4).not.toBe(stored);
    expect(store.get(v3.id)).toBe(v4);
    expect(worked).toBe(2);
  });
});
