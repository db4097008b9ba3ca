import type { Kafka, Producer } from 'kafkajs';
import { ulid } from 'ulid';
import { createProducer, directoryEnds, FollowedDirectory, makeEnvelope, toRecord, topicName, type Actor, type DirectoryData, type Envelope, type Logger, type TopicMessageType } from '@ucsc/shared';
import { indexDirectory, type RoutingDirectory } from './domain/routing';

export { followDirectory } from '@ucsc/shared';

/**
 * This copy's view of the directory (shared/src/directory/follow.ts), with the index routing asks:
 * rebuilt after a change, but while a change set is partly applied (an import arrives over several
 * fetches), routing keeps the index from before it: it sees an import whole or not at all.
 */
export class DirectoryView extends FollowedDirectory {
  private index: RoutingDirectory | undefined;
  private indexed = -1;

  routing(): RoutingDirectory {
    if (!this.index || (this.changes !== this.indexed && this.settled)) {
      this.index = indexDirectory(this.data());
      this.indexed = this.changes;
    }
    return this.index;
  }
}

type DirectoryEventType = TopicMessageType<'directoryEvents'>;
export type DirectoryDraft = { [T in DirectoryEventType]: { type: T; payload: Envelope<T>['payload'] } }[DirectoryEventType];

/**
 * Writes directory changes: all the events of one change (an import of a whole roster) in one
 * Kafka transaction, so readers see all of it or none of it. One transaction at a time.
 */
export class DirectoryWriter {
  private producer: Producer;
  private connected: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
    transactionalId: string,
  ) {
    this.producer = createProducer(kafka, transactionalId);
  }

  write(drafts: DirectoryDraft[], actor: Actor, correlationId?: string): Promise<Envelope[]> {
    const run = this.queue.then(() => this.send(drafts, actor, correlationId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(drafts: DirectoryDraft[], actor: Actor, correlationId?: string): Promise<Envelope[]> {
    // a failed connect is forgotten, so the next write tries again rather than failing for ever
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const sizes = new Map<string, number>();
    for (const d of drafts) if (d.payload.changeSetId) sizes.set(d.payload.changeSetId, (sizes.get(d.payload.changeSetId) ?? 0) + 1);
    const envelopes = drafts.map((d) => {
      const changeSetSize = d.payload.changeSetId ? sizes.get(d.payload.changeSetId) : undefined;
      const payload = changeSetSize ? { ...d.payload, changeSetSize } : d.payload;
      return makeEnvelope(d.type, payload as never, { producedBy: 'dispatch', actor, ...(correlationId ? { correlationId } : {}) });
    });
    const transaction = await this.producer.transaction();
    try {
      // batches keep each request well under the broker's message size limit
      for (let i = 0; i < envelopes.length; i += 500) {
        await transaction.send({ topic: topicName(this.prefix, 'directoryEvents'), acks: -1, messages: envelopes.slice(i, i + 500).map(toRecord) });
      }
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    return envelopes;
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

export const seedActor = { kind: 'system', id: 'directory-seed', authenticatedBy: 'service' } as const satisfies Actor;

/** The events that load a whole directory (the demo data, or a ministry's files), as one change. */
export function directoryDrafts(data: DirectoryData, changeSetId: string, reason: string): DirectoryDraft[] {
  const change = { changeSetId, reason };
  return [
    ...data.units.map((unit): DirectoryDraft => ({ type: 'directory.unit_put', payload: { unit, ...change } })),
    ...data.organisations.map((organisation): DirectoryDraft => ({ type: 'directory.organisation_put', payload: { organisation, ...change } })),
    ...data.liaisons.map((liaison): DirectoryDraft => ({ type: 'directory.liaison_put', payload: { liaison, ...change } })),
    ...data.enterprises.map((enterprise): DirectoryDraft => ({ type: 'directory.enterprise_put', payload: { enterprise, ...change } })),
  ];
}

/**
 * Seeds the directory topic from files when it holds nothing yet; a topic with any record is left
 * alone, so running it again (every `npm start`) changes nothing. Returns how many events it wrote.
 */
export async function seedDirectory(options: { kafka: Kafka; prefix: string; data: DirectoryData; logger: Logger }): Promise<number> {
  const { kafka, prefix, data, logger } = options;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await directoryEnds(admin, topicName(prefix, 'directoryEvents'));
    if ([...ends.values()].some((high) => high > 0n)) {
      logger.info('directory topic already holds the directory; not seeding');
      return 0;
    }
  } finally {
    await admin.disconnect();
  }
  // a fixed transactional id: two seeders started at once fence each other instead of interleaving
  const writer = new DirectoryWriter(kafka, prefix, `${prefix}.directory.seed`);
  try {
    const envelopes = await writer.write(directoryDrafts(data, `seed-${ulid()}`, 'seeded from the directory files'), seedActor);
    logger.info({ events: envelopes.length }, 'directory seeded');
    return envelopes.length;
  } finally {
    await writer.close();
  }
}
