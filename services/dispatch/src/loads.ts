import type { Enterprise } from '@ucsc/shared';
import type { LoadView, PoolLoads, RoutingDirectory } from './domain/routing';

/** A change to the load counters: open assignments added (or released, < 0) and the last offer's sequence. */
export interface LoadChange {
  /** enterprise id → change of its open assignments */
  l: Record<string, number>;
  /** enterprise id → sequence of its latest offer */
  o: Record<string, number>;
}

/**
 * This copy's mirror of the load counters in Redis (open assignments, last offer), kept as one
 * array per pool of the directory's index so that a decision reads its pool's loads without a
 * copy. Both kinds of change commute (sums, and the larger sequence), so applying every copy's
 * changes in any order gives Redis's values exactly.
 */
export class LoadMirror implements LoadView {
  private readonly open = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private directory: RoutingDirectory | undefined;
  private pools = new Map<readonly Enterprise[], PoolLoads & { open: Float64Array; last: Float64Array }>();
  /** where each enterprise's loads sit in the pool arrays built so far */
  private slots = new Map<string, { open: Float64Array; last: Float64Array; at: number }[]>();

  /** Replaces everything with a copy read from Redis (flat [id, value, id, value, …] lists). */
  reset(open: readonly string[], last: readonly string[]): void {
    this.open.clear();
    this.last.clear();
    for (let i = 0; i < open.length; i += 2) this.open.set(open[i]!, Number(open[i + 1]));
    for (let i = 0; i < last.length; i += 2) this.last.set(last[i]!, Number(last[i + 1]));
    this.dropPools();
  }

  /** The pools a decision asks for belong to this index; a new index (a directory change) starts afresh. */
  useDirectory(directory: RoutingDirectory): void {
    if (directory === this.directory) return;
    this.directory = directory;
    this.dropPools();
  }

  forPool(pool: readonly Enterprise[]): PoolLoads {
    let loads = this.pools.get(pool);
    if (!loads) {
      loads = { open: new Float64Array(pool.length), last: new Float64Array(pool.length) };
      for (let i = 0; i < pool.length; i += 1) {
        const id = pool[i]!.id;
        loads.open[i] = this.open.get(id) ?? 0;
        loads.last[i] = this.last.get(id) ?? 0;
        const at = this.slots.get(id);
        const slot = { open: loads.open, last: loads.last, at: i };
        if (at) at.push(slot);
        else this.slots.set(id, [slot]);
      }
      this.pools.set(pool, loads);
    }
    return loads;
  }

  apply(change: LoadChange): void {
    for (const id in change.l) {
      const open = (this.open.get(id) ?? 0) + change.l[id]!;
      if (open === 0) this.open.delete(id);
      else this.open.set(id, open);
      for (const slot of this.slots.get(id) ?? []) slot.open[slot.at] = open;
    }
    for (const id in change.o) {
      const last = Math.max(this.last.get(id) ?? 0, change.o[id]!);
      this.last.set(id, last);
      for (const slot of this.slots.get(id) ?? []) slot.last[slot.at] = last;
    }
  }

  openAssignments(id: string): number {
    return this.open.get(id) ?? 0;
  }

  private dropPools(): void {
    this.pools = new Map();
    this.slots = new Map();
  }
}
