/** The first index of `chunk` whose item is not before `item`. */
function lowerBound<T>(chunk: readonly T[], item: T, compare: (a: T, b: T) => number): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(chunk[mid]!, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Items kept in an order as they come, move and go, for a group of the feed with 100,000 members:
 * sorted chunks of up to twice `chunkSize` items, in order, so that an insert or a removal shifts
 * one chunk (not the whole array, as a splice of one array would) and a slice from an offset walks
 * the chunks' lengths. `compare` must never tie two different items (the queue's order ends on the id).
 */
export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly chunkSize = 512,
  ) {}

  get size(): number {
    return this.count;
  }

  /** The chunk an item belongs in: the first whose last item is not before it, else the last. */
  private chunkFor(item: T): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(this.chunks[mid]!.at(-1)!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(item: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const c = this.chunkFor(item);
    const chunk = this.chunks[c]!;
    chunk.splice(lowerBound(chunk, item, this.compare), 0, item);
    if (chunk.length > 2 * this.chunkSize) this.chunks.splice(c + 1, 0, chunk.splice(this.chunkSize));
  }

  /** Where this very item (the same object) is, if it is held. */
  private find(item: T): { c: number; i: number } | undefined {
    if (this.count === 0) return undefined;
    const c = this.chunkFor(item);
    const i = lowerBound(this.chunks[c]!, item, this.compare);
    return this.chunks[c]![i] === item ? { c, i } : undefined;
  }

  has(item: T): boolean {
    return this.find(item) !== undefined;
  }

  /** Removes this very item; false when it is not held. */
  delete(item: T): boolean {
    const at = this.find(item);
    if (!at) return false;
    const chunk = this.chunks[at.c]!;
    chunk.splice(at.i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(at.c, 1);
    // a chunk grown small is joined to the next, so that slices do not walk many small chunks
    else if (chunk.length < this.chunkSize / 2 && at.c + 1 < this.chunks.length && chunk.length + this.chunks[at.c + 1]!.length <= 2 * this.chunkSize) {
      this.chunks.splice(at.c, 2, chunk.concat(this.chunks[at.c + 1]!));
    }
    return true;
  }

  /** Up to `count` items from `offset`, in order. */
  slice(offset: number, count: number): T[] {
    const out: T[] = [];
    let c = 0;
    while (c < this.chunks.length && offset >= this.chunks[c]!.length) offset -= this.chunks[c++]!.length;
    for (; c < this.chunks.length && out.length < count; c++, offset = 0) out.push(...this.chunks[c]!.slice(offset, offset + count - out.length));
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const chunk of this.chunks) yield* chunk;
  }
}
