import { z } from 'zod';
import { baseConfigShape, loadConfig } from '../config';
import { createKafka, createProducer, minInsyncReplicasFor, waitForTopicsUsable } from '../bus/kafka';
import { createLogger } from '../log';
import { adminLogLevel, topicSettingsShape } from './topic-settings';

const schema = z.object({
  ...baseConfigShape,
  ...topicSettingsShape,
  PROBE_SECONDS: z.coerce.number().min(0).default(0).describe('Keep writing this long, a round every 100 ms (0: one round)'),
});
const partitions = 3;

/**
 * npm run kafka:probe: acks=all writes, as the services make them, to every partition of a probe
 * topic of its own (created like the others); says how many failed and the slowest. Exits 1 when one failed.
 */
async function main() {
  const config = loadConfig(schema);
  const kafka = createKafka({ clientId: 'ucsc-probe', brokers: config.KAFKA_BROKERS }, createLogger('probe', adminLogLevel(config.LOG_LEVEL)));
  const topic = `${config.TOPIC_PREFIX}.probe`;
  const replicationFactor = config.KAFKA_REPLICATION_FACTOR;
  const minInsyncReplicas = config.KAFKA_MIN_INSYNC_REPLICAS ?? minInsyncReplicasFor(replicationFactor);
  const admin = kafka.admin();
  const producer = createProducer(kafka);
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }, { name: 'retention.ms', value: '3600000' }] }],
    });
    await waitForTopicsUsable(admin, [{ name: topic, partitions }], { minInsyncReplicas, timeoutMs: config.KAFKA_TOPICS_READY_TIMEOUT_MS });
    const end = Date.now() + config.PROBE_SECONDS * 1000;
    const failures: string[] = [];
    let writes = 0;
    let slowest = 0;
    do {
      const round = Date.now();
      await Promise.all(
        Array.from({ length: partitions }, async (_, partition) => {
          const started = Date.now();
          try {
            await producer.send({ topic, acks: -1, messages: [{ value: new Date().toISOString(), partition }] });
          } catch (error) {
            failures.push(`${new Date().toISOString()} ${topic}/${partition}: ${error instanceof Error ? error.message : String(error)}`);
          }
          writes += 1;
          slowest = Math.max(slowest, Date.now() - started);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - round))));
    } while (Date.now() < end);
    for (const failure of failures) console.error(failure);
    console.log(`${writes} acks=all writes to ${topic} (${partitions} partitions, min.insync.replicas=${minInsyncReplicas}): ${failures.length} failed; slowest ${slowest} ms`);
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
