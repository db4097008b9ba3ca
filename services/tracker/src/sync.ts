import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import { TimeoutError, topicName, type Logger } from '@ucsc/shared';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Makes the command handler decide against every event before the command in the incident's own
 * order, not against whatever the asynchronous projection holds: before a batch is decided, it
 * waits until the projector's committed offset on each of the batch's incidents' partitions of
 * the event log has reached the log's end (the last stable offset) as it was when the batch came
 * in. kafkajs commits past transaction markers, so a log whose last records are a transaction's
 * is reached too. Events another writer (dispatch, intake) appends after that point come after
 * the command in the incident's order, and the projection judges them in that order.
 */
export class ProjectionSync {
  private admin: Admin | undefined;
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
    /** the projector's consumer group, as runConsumer names it */
    private readonly projectorGroup: string,
    private readonly logger: Logger,
    private readonly timeoutMs = 5_000,
  ) {}

  private async connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Waits until the projection holds every event logged so far on these incidents' partitions; a transient error when it does not in time (the batch is tried again). */
  async caughtUp(incidentIds: readonly string[]): Promise<void> {
    if (incidentIds.length === 0) return;
    const admin = await this.connected();
    const topic = topicName(this.prefix, 'incidentEvents');
    const ends = await admin.fetchTopicOffsets(topic);
    const partitionMetadata = ends.map((e) => ({ partitionId: e.partition, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
    const wanted = new Map<number, bigint>();
    for (const id of incidentIds) {
      const partition = this.partitioner({ topic, partitionMetadata, message: { key: id, value: null } });
      const end = ends.find((e) => e.partition === partition);
      if (end && BigInt(end.offset) > 0n) wanted.set(partition, BigInt(end.offset));
    }
    if (wanted.size === 0) return;
    const started = Date.now();
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      const [committed] = await admin.fetchOffsets({ groupId: this.projectorGroup, topics: [topic] });
      const behind = [...wanted].filter(([partition, end]) => {
        const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return BigInt(at) < end;
      });
      if (behind.length === 0) return;
      if (Date.now() - started > this.timeoutMs) {
        this.logger.warn({ behind: behind.map(([p, end]) => ({ partition: p, end: String(end) })) }, 'the projection is behind the event log; the commands wait');
        throw new TimeoutError(`the incident projection did not reach the event log's end within ${this.timeoutMs} ms`);
      }
      await sleep(wait);
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}
