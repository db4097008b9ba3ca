import { ulid } from 'ulid';
import {
  deadLetterSchema,
  makeEnvelope,
  PermanentError,
  runConsumer,
  topicName,
  type Envelope,
  type RunningConsumer,
} from '@ucsc/shared';
import { createTopics, testKafka, testLogger, uniqueNames, waitFor } from '../../test/support';

const actor = { kind: 'system', id: 'test', authenticatedBy: 'service' } as const;

describe('a message no consumer can read goes to the dead-letter topic, and the partition moves on', () => {
  const names = uniqueNames('dlq');
  const kafka = testKafka();
  const producer = kafka.producer();
  const handled: Envelope[] = [];
  const deadLetters: unknown[] = [];
  const consumers: Pick<RunningConsumer, 'stop'>[] = [];
  const incidentId = ulid();

  beforeAll(async () => {
    await createTopics(names.prefix);
    await producer.connect();
    consumers.push(
      await runConsumer({
        kafka,
        prefix: names.prefix,
        group: 'under-test',
        topics: ['incidentEvents'],
        logger: testLogger,
        async handle(envelope) {
          if (envelope.type === 'incident.acknowledged' && envelope.payload.assigneeId === 'poison') {
            throw new PermanentError('this assignee can never be acknowledged', 'poison_pill');
          }
          handled.push(envelope);
        },
      }),
    );
    const dlqConsumer = kafka.consumer({ groupId: `${names.prefix}.dlq-reader` });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: topicName(names.prefix, 'deadLetter'), fromBeginning: true });
    await dlqConsumer.run({ eachMessage: async ({ message }) => void deadLetters.push(JSON.parse(String(message.value))) });
    consumers.push({ stop: () => dlqConsumer.disconnect() });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await producer.disconnect();
  });

  it('dead-letters malformed records with their origin and the error, and handles the valid one after them', async () => {
    const topic = topicName(names.prefix, 'incidentEvents');
    const valid = makeEnvelope('incident.acknowledged', { incidentId, assigneeId: 'lia-01-sec-leader' }, { producedBy: 'test', actor });
    const wrongPayload = { ...valid, id: ulid(), payload: { incidentId } };
    const poison = makeEnvelope('incident.acknowledged', { incidentId, assigneeId: 'poison' }, { producedBy: 'test', actor });
    // same key, so all land on one partition, in this order
    const [sent] = await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: incidentId, value: '{"this is": not json' },
        { key: incidentId, value: JSON.stringify(wrongPayload) },
        { key: incidentId, value: JSON.stringify(poison) },
        { key: incidentId, value: JSON.stringify(valid) },
      ],
    });
    const firstOffset = BigInt(sent!.baseOffset!);

    await waitFor('the valid message to be handled', () => handled.find((e) => e.id === valid.id));
    await waitFor('three dead letters', () => deadLetters.length >= 3 || undefined);

    const letters = deadLetters.map((d) => deadLetterSchema.parse(d));
    expect(letters.map((l) => l.error.code)).toEqual(['invalid_json', 'invalid_payload', 'poison_pill']);
    expect(letters.map((l) => BigInt(l.origin.offset) - firstOffset)).toEqual([0n, 1n, 2n]);
    for (const letter of letters) {
      expect(letter.origin).toMatchObject({ topic, partition: sent!.partition, key: incidentId, consumerGroup: `${names.prefix}.under-test` });
    }
    expect(Buffer.from(letters[0]!.value!, 'base64').toString()).toBe('{"this is": not json');
    expect(letters[1]!.error.issues?.join(' ')).toMatch(/assigneeId/);
    expect(handled.map((e) => e.id)).toEqual([valid.id]);
  });
});
