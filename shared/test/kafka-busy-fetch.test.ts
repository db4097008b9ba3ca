import { topicName } from '@ucsc/shared';
import { createTopics, testKafka, uniqueNames, waitFor } from '../../test/support';

// patches/kafkajs+2.2.4.patch: while a broker's last fetch brought records, the consumer's next
// fetch asks it to wait up to busyMaxWaitTimeInMs for busyMinBytes, so that records coming a few
// milliseconds apart make one batch (one transaction downstream) instead of one batch each; after
// an empty fetch it long-polls again (minBytes, maxWaitTimeInMs), so a record that comes alone is
// not held. shared/src/bus/consumer.ts sets 256 KB and 25 ms; wider here, so that the test does
// not hang on the machine's speed.
describe('a consumer’s fetch while records keep coming (kafkajs patch)', () => {
  const kafka = testKafka();

  it('gathers records that come while it is busy into one batch, and long-polls again once a fetch came back empty', async () => {
    const { prefix } = uniqueNames('busy-fetch');
    await createTopics(prefix);
    const topic = topicName(prefix, 'auditEvents');
    const producer = kafka.producer();
    await producer.connect();
    const consumer = kafka.consumer({ groupId: `${prefix}.busy`, maxWaitTimeInMs: 2000, busyMinBytes: 1024 * 1024, busyMaxWaitTimeInMs: 800 });
    const fetches: number[] = [];
    consumer.on(consumer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'Fetch') fetches.push(payload.duration);
    });
    const batches: string[][] = [];
    const send = (value: string) => producer.send({ topic, acks: -1, messages: [{ key: 'one-partition', value }] });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachBatch: async ({ batch }) => void batches.push(batch.messages.map((m) => String(m.value))) });
      await send('A');
      await waitFor('A consumed', () => batches.flat().includes('A') || undefined);
      // three records a few milliseconds apart, while the fetch after A's waits for more
      for (const value of ['B', 'C', 'D']) {
        await send(value);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await waitFor('D consumed', () => batches.flat().includes('D') || undefined);
      expect(batches).toEqual([['A'], ['B', 'C', 'D']]);
      // the fetch after them comes back empty (800 ms at most), and the one after that long-polls
      const seen = fetches.length;
      await waitFor('a long poll', () => fetches.slice(seen).some((ms) => ms >= 1500) || undefined, 15_000);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});
