import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { ensureTopics, topicName, topics, waitForTopicsUsable, type TopicKey } from '@ucsc/shared';
import { brokers, testKafka, uniqueNames } from '../../test/support';

// A busy broker names a new partition's leader before that leader hosts it (it answers "does not
// host this topic-partition" or "not the leader"): ensureTopics must not return until it does.
describe('topic creation waits until every partition is usable', () => {
  const admin = testKafka().admin();
  // a client that never retries: whatever it meets right after ensureTopics is what a producer meets
  const impatient = new Kafka({ clientId: 'impatient', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = impatient.producer({ allowAutoTopicCreation: false });
  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('creates the table, several deployments at once, and each partition then takes an acks=all write at the first try', async () => {
    const prefixes = [1, 2, 3].map(() => uniqueNames('topics').prefix);
    const created = await Promise.all(prefixes.map((prefix) => ensureTopics(admin, prefix)));
    const keys = Object.keys(topics) as TopicKey[];
    created.forEach((names, i) => expect(names.sort()).toEqual(keys.map((key) => topicName(prefixes[i]!, key)).sort()));
    const writes = prefixes.flatMap((prefix) =>
      keys.flatMap((key) =>
        Array.from({ length: topics[key].partitions }, (_, partition) =>
          producer.send({ topic: topicName(prefix, key), acks: -1, messages: [{ value: 'probe', partition }] }).then(
            () => 'ok',
            (error: Error) => `${topicName(prefix, key)}/${partition}: ${error.message}`,
          ),
        ),
      ),
    );
    expect((await Promise.all(writes)).filter((result) => result !== 'ok')).toEqual([]);
  });

  it('creates nothing the second time, and sets the deployment min.insync.replicas on every topic', async () => {
    const { prefix } = uniqueNames('topics');
    await ensureTopics(admin, prefix, { replicationFactor: 1, minInsyncReplicas: 1 });
    expect(await ensureTopics(admin, prefix)).toEqual([]);
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: (Object.keys(topics) as TopicKey[]).map((key) => ({ type: ConfigResourceTypes.TOPIC, name: topicName(prefix, key), configNames: ['min.insync.replicas'] })),
    });
    expect(resources.map((r) => r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue)).toEqual(resources.map(() => '1'));
  });

  it('refuses at once an existing topic with fewer partitions than the table', async () => {
    const { prefix } = uniqueNames('topics');
    const topic = topicName(prefix, 'incidentEvents');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const started = Date.now();
    await expect(ensureTopics(admin, prefix)).rejects.toThrow(`${topic} has 2 partitions, the topic table 6`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a min.insync.replicas no write could meet', async () => {
    await expect(ensureTopics(admin, uniqueNames('topics').prefix, { replicationFactor: 1, minInsyncReplicas: 2 })).rejects.toThrow(/cannot exceed the replication factor/);
  });

  it('gives up at its deadline, naming what is not usable', async () => {
    const { prefix } = uniqueNames('topics');
    await ensureTopics(admin, prefix);
    const topic = topicName(prefix, 'incidentEvents');
    // one broker: a partition can never have the two in-sync replicas asked for
    await expect(waitForTopicsUsable(admin, [{ name: topic, partitions: 6 }], { minInsyncReplicas: 2, timeoutMs: 500 })).rejects.toThrow(
      new RegExp(`not usable after 500 ms: ${topic.replace(/\./g, '\\.')}/0 has 1 in-sync replicas of the 2`),
    );
    await expect(waitForTopicsUsable(admin, [{ name: `${prefix}.never-created`, partitions: 1 }], { timeoutMs: 500 })).rejects.toThrow(/not usable after 500 ms/);
  });
});
