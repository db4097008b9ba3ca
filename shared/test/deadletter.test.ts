import { ulid } from 'ulid';
import { createHash } from 'node:crypto';
import {
  deadLetterSchema,
  withheldMarking,
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

  it('keeps only the size and SHA-256 of a record marked RED or AMBER+STRICT, wherever the marking is, and never quotes it in the error', async () => {
    const topic = topicName(names.prefix, 'incidentEvents');
    const key = ulid();
    const secret = 'mat-khau-quan-tri-bi-lo';
    const marked = (tlp: string) => ({ ...makeEnvelope('incident.acknowledged', { incidentId: key, assigneeId: 'x' }, { producedBy: 'test', actor }), type: 'incident.attachment_added', payload: { incidentId: key, attachment: { filename: `${secret}.txt`, tlp } } });
    const values = [
      JSON.stringify(marked('RED')), // an attachment marked stricter than anything around it
      JSON.stringify(marked('AMBER+STRICT')),
      `{"payload":{"tlp":"RED","description":"${secret}"`, // cut short: not JSON, the marking read from its words
      JSON.stringify(marked('AMBER')), // AMBER: the bytes stay, to diagnose the record
    ];
    const already = deadLetters.length;
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key, value })) });
    await waitFor('four more dead letters', () => deadLetters.length >= already + 4 || undefined);
    const letters = deadLetters.slice(already).map((d) => deadLetterSchema.parse(d));
    expect(letters.map((l) => [l.error.code, l.valueOmitted?.marking ?? null, l.value === null])).toEqual([
      ['invalid_payload', 'RED', true],
      ['invalid_payload', 'AMBER+STRICT', true],
      ['invalid_json', 'RED', true],
      ['invalid_payload', null, false],
    ]);
    letters.slice(0, 3).forEach((letter, i) => {
      expect(letter.valueOmitted).toEqual({ bytes: Buffer.byteLength(values[i]!), sha256: createHash('sha256').update(values[i]!).digest('hex'), marking: letter.valueOmitted!.marking });
      expect(JSON.stringify(letter)).not.toContain(secret);
      expect(letter.origin).toMatchObject({ topic, key });
    });
    expect(Buffer.from(letters[3]!.value!, 'base64').toString()).toBe(values[3]);
  });
});

describe('which dead letters keep their bytes', () => {
  it.each([
    ['no marking', '{"type":"x","payload":{"note":"n"}}', undefined],
    ['AMBER and GREEN', '{"tlp":"AMBER","attachments":[{"tlp":"GREEN"}]}', undefined],
    ['RED on the incident', '{"payload":{"report":{"tlp":"RED"}}}', 'RED'],
    ['RED on one attachment of an AMBER incident', '{"tlp":"AMBER","a":[{"tlp":"GREEN"},{"b":{"tlp":"RED"}}]}', 'RED'],
    ['AMBER+STRICT', '{"tlp":"AMBER+STRICT"}', 'AMBER+STRICT'],
    ['RED beats AMBER+STRICT', '{"x":{"tlp":"AMBER+STRICT"},"y":{"tlp":"RED"}}', 'RED'],
    ['written in lower case, or with its TLP: prefix', '[{"TLP":"tlp:red"}]', 'RED'],
    ['not JSON, with the word', 'garbled … tlp=RED …', 'RED'],
    ['not JSON, with AMBER+STRICT', '{"tlp":"AMBER+STRICT", oops', 'AMBER+STRICT'],
    ['not JSON, without', '{"this is": not json', undefined],
    ['a number under the key', '{"exclusions":{"tlp":3}}', undefined],
  ])('%s', (_what, value, marking) => {
    expect(withheldMarking(Buffer.from(value))).toBe(marking);
  });
});
