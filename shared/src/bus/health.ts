import { Gauge, Counter, type Registry } from 'prom-client';

export type ConsumerState = 'starting' | 'running' | 'stopped' | 'crashed';

interface PartitionProgress {
  /** the next offset this consumer will process (the last batch's last offset + 1, markers included) */
  position?: bigint;
  highWatermark?: bigint;
  /** position and high watermark came from the group's committed offset and the topic's end, not a batch */
  fromAdmin?: boolean;
}

/** What /ready says of one consumer. */
export interface ConsumerReport {
  group: string;
  topics: string[];
  state: ConsumerState;
  /** false when stopped, crashed, or stalled past the configured time */
  healthy: boolean;
  problem?: string;
  /** records not yet processed on the partitions this copy holds (as far as it has fetched) */
  lag: number;
  partitions: number;
  /** since the last batch was finished (or the consumer started) */
  secondsSinceProgress: number;
  /** a batch that has been retried after transient errors since this many seconds */
  retryingForSeconds?: number;
  deadLetters: number;
  retries: number;
}

/**
 * The progress of one consumer, fed by kafkajs's instrumentation events and by the runner:
 * what it holds, how far behind it is, whether its fetch loop and its batches move. A consumer
 * is unhealthy when kafkajs stopped it, or when it is stuck: a batch unfinished (retried) for
 * longer than `stallMs`, or no fetch at all for that long while it holds partitions.
 */
export class ConsumerHealth {
  state: ConsumerState = 'starting';
  problem: string | undefined;
  private readonly partitions = new Map<string, PartitionProgress>();
  private assigned = 0;
  private lastProgressAt: number;
  private lastFetchAt: number;
  private batchStartedAt: number | undefined;
  private retryingSince: number | undefined;
  deadLetters = 0;
  retries = 0;
  private restartReason: string | undefined;

  constructor(
    readonly group: string,
    readonly topics: string[],
    private readonly stallMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.lastProgressAt = clock();
    this.lastFetchAt = clock();
  }

  joined(assignment: Record<string, number[]>): void {
    this.state = 'running';
    this.problem = undefined;
    this.restartReason = undefined;
    this.retryingSince = undefined;
    this.batchStartedAt = undefined;
    const held = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) held.add(`${topic}:${p}`);
    for (const key of this.partitions.keys()) if (!held.has(key)) this.partitions.delete(key);
    for (const key of held) if (!this.partitions.has(key)) this.partitions.set(key, {});
    this.assigned = held.size;
    this.lastFetchAt = this.clock();
  }

  fetched(): void {
    this.lastFetchAt = this.clock();
  }

  batchStarted(topic: string, partition: number, firstOffset: string | null, highWatermark: string): void {
    const p = this.partition(topic, partition);
    p.highWatermark = BigInt(highWatermark);
    if (firstOffset !== null) p.position = BigInt(firstOffset);
    p.fromAdmin = false;
    this.batchStartedAt = this.clock();
  }

  batchEnded(topic: string, partition: number, lastOffset: string, highWatermark: string): void {
    const p = this.partition(topic, partition);
    p.highWatermark = BigInt(highWatermark);
    p.position = BigInt(lastOffset) + 1n;
    p.fromAdmin = false;
    this.batchStartedAt = undefined;
    this.retryingSince = undefined;
    this.lastProgressAt = this.lastFetchAt = this.clock();
  }

  retrying(): void {
    this.retries += 1;
    this.retryingSince ??= this.clock();
  }

  /** kafkajs starts the consumer again after a retriable crash: not ready until it has joined again */
  restarting(reason: string): void {
    this.state = 'starting';
    this.problem = undefined;
    this.restartReason = reason;
  }

  /** how long the batch under way has been retried */
  retryingMs(): number {
    return this.retryingSince === undefined ? 0 : this.clock() - this.retryingSince;
  }

  stopped(state: 'stopped' | 'crashed', problem?: string): void {
    this.state = state;
    this.problem = problem;
  }

  private partition(topic: string, partition: number): PartitionProgress {
    const key = `${topic}:${partition}`;
    let p = this.partitions.get(key);
    if (!p) this.partitions.set(key, (p = {}));
    return p;
  }

  /** Partitions held that no batch has told about since the group was joined: their lag comes from admin offsets. */
  partitionsWithoutBatch(): { topic: string; partition: number }[] {
    const out: { topic: string; partition: number }[] = [];
    for (const [key, p] of this.partitions) {
      if (p.position !== undefined && !p.fromAdmin) continue;
      const at = key.lastIndexOf(':');
      out.push({ topic: key.slice(0, at), partition: Number(key.slice(at + 1)) });
    }
    return out;
  }

  /**
   * Where a partition no batch has told about stands, from the group's committed offset (the next
   * record to process) and the topic's end: a partition still held and still without a batch.
   */
  offsetsFromAdmin(topic: string, partition: number, committed: bigint, highWatermark: bigint): void {
    const p = this.partitions.get(`${topic}:${partition}`);
    if (!p || (p.position !== undefined && !p.fromAdmin)) return;
    p.position = committed;
    p.highWatermark = highWatermark;
    p.fromAdmin = true;
  }

  /** Lag per partition held, where known. */
  lagByPartition(): { topic: string; partition: number; lag: number }[] {
    const out: { topic: string; partition: number; lag: number }[] = [];
    for (const [key, p] of this.partitions) {
      if (p.highWatermark === undefined || p.position === undefined) continue;
      const at = key.lastIndexOf(':');
      const lag = p.highWatermark > p.position ? Number(p.highWatermark - p.position) : 0;
      out.push({ topic: key.slice(0, at), partition: Number(key.slice(at + 1)), lag });
    }
    return out;
  }

  report(): ConsumerReport {
    const now = this.clock();
    let problem = this.problem;
    if (this.state === 'stopped' || this.state === 'crashed') problem ??= `consumer ${this.state}`;
    else if (this.batchStartedAt !== undefined && now - this.batchStartedAt > this.stallMs) {
      problem = `a batch has not finished for ${Math.round((now - this.batchStartedAt) / 1000)} s`;
    } else if (this.batchStartedAt === undefined && this.assigned > 0 && now - this.lastFetchAt > this.stallMs) {
      problem = `no fetch for ${Math.round((now - this.lastFetchAt) / 1000)} s`;
    } else if (this.state === 'starting') {
      problem = this.restartReason ? `restarting after: ${this.restartReason}` : 'joining its group';
    }
    return {
      group: this.group,
      topics: this.topics,
      state: this.state,
      healthy: problem === undefined,
      ...(problem ? { problem } : {}),
      lag: this.lagByPartition().reduce((n, p) => n + p.lag, 0),
      partitions: this.assigned,
      secondsSinceProgress: Math.round((now - this.lastProgressAt) / 100) / 10,
      ...(this.retryingSince !== undefined ? { retryingForSeconds: Math.round((now - this.retryingSince) / 100) / 10 } : {}),
      deadLetters: this.deadLetters,
      retries: this.retries,
    };
  }
}

/**
 * The consumers of one service, for /ready and /metrics. A service builds one, gives it to
 * createHttpApp and to each runConsumer.
 */
export class ConsumerMonitor {
  private readonly consumers: ConsumerHealth[] = [];

  add(health: ConsumerHealth): void {
    this.consumers.push(health);
  }

  remove(health: ConsumerHealth): void {
    const i = this.consumers.indexOf(health);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  reports(): ConsumerReport[] {
    return this.consumers.map((c) => c.report());
  }

  /** Throws naming every unhealthy consumer; otherwise returns their reports. */
  check(): ConsumerReport[] {
    const reports = this.reports();
    const bad = reports.filter((r) => !r.healthy);
    if (bad.length) throw new UnhealthyConsumers(reports, bad.map((r) => `${r.group}: ${r.problem ?? r.state}`).join('; '));
    return reports;
  }

  register(registry: Registry): void {
    const consumers = this.consumers;
    new Gauge({
      name: 'ucsc_consumer_lag',
      help: 'Records not yet processed, per consumer group and partition held by this copy',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of consumers) for (const p of c.lagByPartition()) this.set({ group: c.group, topic: p.topic, partition: String(p.partition) }, p.lag);
      },
    });
    new Gauge({
      name: 'ucsc_consumer_seconds_since_progress',
      help: 'Seconds since the consumer last finished a batch',
      labelNames: ['group'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of consumers) this.set({ group: c.group }, c.report().secondsSinceProgress);
      },
    });
    new Gauge({
      name: 'ucsc_consumer_healthy',
      help: '1 while the consumer runs and makes progress, 0 when stopped or stalled',
      labelNames: ['group'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of consumers) this.set({ group: c.group }, c.report().healthy ? 1 : 0);
      },
    });
    for (const [name, help, field] of [
      ['ucsc_consumer_dead_letters_total', 'Records sent to the dead-letter topic', 'deadLetters'],
      ['ucsc_consumer_retries_total', 'Batches retried after a transient error', 'retries'],
    ] as const) {
      new Counter({
        name,
        help,
        labelNames: ['group'],
        registers: [registry],
        collect() {
          this.reset();
          for (const c of consumers) this.inc({ group: c.group }, c[field]);
        },
      });
    }
  }
}

export class UnhealthyConsumers extends Error {
  override name = 'UnhealthyConsumers';
  constructor(
    readonly reports: ConsumerReport[],
    message: string,
  ) {
    super(message);
  }
}
