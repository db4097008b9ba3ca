import cluster, { type Worker } from 'node:cluster';

/**
 * With WORKERS > 1 the copies of a service share one port, and the primary hands each connection
 * to one of them: a /ready that answered for its own copy alone would say "ready" half the time
 * while the other copy's consumer has stopped. So each copy tells the primary, every second, what
 * its own checks found; the primary passes the table of all copies to each copy; and /ready (any
 * copy's) answers 503 while any copy is not ready, has not reported for `staleMs`, or is being
 * replaced after it died.
 */

/** What one copy says of itself. */
export interface CopyHealth {
  ready: boolean;
  problem?: string;
}

/** One copy as the primary last heard of it. */
export interface CopyReport extends CopyHealth {
  copy: number;
  pid?: number;
  /** ms since the copy last reported */
  ageMs: number;
}

type ToPrimary = { ucsc: 'copy-health'; copy: number } & CopyHealth;
type ToCopy = { ucsc: 'copies-health'; copies: CopyReport[] };

const REPORT_EVERY_MS = 1000;
const STALE_MS = 5000;

/** The index a copy was forked with (supervise sets it); undefined outside a cluster worker. */
export const copyIndex = (): number | undefined => (cluster.isWorker && process.env.UCSC_COPY !== undefined ? Number(process.env.UCSC_COPY) : undefined);

/**
 * In the primary: collects each copy's report and sends every copy the table of all of them.
 * `expected` copies are listed from the start (as not yet reported), so that no copy says ready
 * before every copy has.
 */
export function collectCopiesHealth(expected: number, staleMs = STALE_MS): { forked(copy: number, worker: Worker): void; exited(copy: number, why: string): void; stop(): void } {
  const heard = new Map<number, { health: CopyHealth; at: number; pid?: number }>();
  const workers = new Map<number, Worker>();
  for (let copy = 0; copy < expected; copy += 1) heard.set(copy, { health: { ready: false, problem: 'starting' }, at: Date.now() });
  const table = (): CopyReport[] =>
    [...heard].map(([copy, { health, at, pid }]) => {
      const ageMs = Date.now() - at;
      const stale = ageMs > staleMs;
      return { copy, ...(pid ? { pid } : {}), ageMs, ready: health.ready && !stale, ...(stale ? { problem: `no report for ${Math.round(ageMs / 1000)} s (${health.problem ?? 'last said ready'})` } : health.problem ? { problem: health.problem } : {}) };
    });
  const timer = setInterval(() => {
    const message: ToCopy = { ucsc: 'copies-health', copies: table() };
    for (const worker of workers.values()) if (worker.isConnected()) worker.send(message);
  }, REPORT_EVERY_MS);
  timer.unref();
  return {
    forked(copy, worker) {
      workers.set(copy, worker);
      heard.set(copy, { health: { ready: false, problem: 'starting' }, at: Date.now(), ...(worker.process.pid ? { pid: worker.process.pid } : {}) });
      worker.on('message', (message: ToPrimary) => {
        if (message?.ucsc !== 'copy-health' || workers.get(copy) !== worker) return;
        heard.set(copy, { health: { ready: message.ready, ...(message.problem ? { problem: message.problem } : {}) }, at: Date.now(), ...(worker.process.pid ? { pid: worker.process.pid } : {}) });
      });
    },
    exited(copy, why) {
      workers.delete(copy);
      heard.set(copy, { health: { ready: false, problem: why }, at: Date.now() });
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * In a copy (a cluster worker): reports its own health to the primary every second, and keeps the
 * table the primary sends back. `check()` throws naming the copies that are not ready (its own
 * included, as the primary last heard of it); outside a cluster it has nothing to say.
 */
export function reportCopyHealth(own: () => Promise<CopyHealth>, staleMs = STALE_MS): { check(): CopyReport[] | undefined; stop(): void } {
  const copy = copyIndex();
  if (copy === undefined || !process.send) return { check: () => undefined, stop: () => undefined };
  let copies: CopyReport[] | undefined;
  let receivedAt = 0;
  const onMessage = (message: ToCopy) => {
    if (message?.ucsc !== 'copies-health') return;
    copies = message.copies;
    receivedAt = Date.now();
  };
  process.on('message', onMessage);
  let sending = false;
  const timer = setInterval(() => {
    if (sending) return;
    sending = true;
    own()
      .then((health) => {
        const message: ToPrimary = { ucsc: 'copy-health', copy, ...health };
        if (process.connected) process.send?.(message);
      })
      .catch(() => undefined)
      .finally(() => {
        sending = false;
      });
  }, REPORT_EVERY_MS);
  timer.unref();
  return {
    check() {
      if (!copies) throw new Error('the primary has not yet said how the other copies are');
      if (Date.now() - receivedAt > staleMs) throw new Error(`no word from the primary for ${Math.round((Date.now() - receivedAt) / 1000)} s`);
      const bad = copies.filter((c) => !c.ready);
      if (bad.length) throw new CopiesNotReady(copies, bad.map((c) => `copy ${c.copy}${c.copy === copy ? ' (this one)' : ''}: ${c.problem ?? 'not ready'}`).join('; '));
      return copies;
    },
    stop() {
      clearInterval(timer);
      process.off('message', onMessage);
    },
  };
}

export class CopiesNotReady extends Error {
  override name = 'CopiesNotReady';
  constructor(
    readonly copies: CopyReport[],
    message: string,
  ) {
    super(message);
  }
}
