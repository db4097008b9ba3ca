import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, parseMessage, topicName } from '@ucsc/shared';
import { buildApp, intakeConfigSchema } from '@ucsc/intake';
import { bearer, createTopics, sampleReport, sessionToken, testKafka, testLogger, uniqueNames, waitFor } from '../../../test/support';
import { startIdentityOwner } from '../../../test/support/system';
import { postJson } from '../../../test/support/system';

// A Kafka broker of this test's own, so stopping it disturbs no other test.
const kafkaScript = join(__dirname, '..', '..', '..', 'infra', 'kafka.sh');
const port = Number(process.env.UCSC_TEST_OUTAGE_KAFKA_PORT ?? 29192);
const outageEnv = { KAFKA_INSTANCE: 'kafka-outage', KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1), KAFKA_HEAP: '384m' };
const brokers = [`127.0.0.1:${outageEnv.KAFKA_PORT}`];

function kafkaCtl(command: 'start' | 'stop') {
  const result = spawnSync('bash', [kafkaScript, command], { env: { ...process.env, ...outageEnv }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kafka.sh ${command} failed: ${result.stderr}`);
}

describe('intake when Kafka is down', () => {
  const names = uniqueNames('outage');
  let owner: Awaited<ReturnType<typeof startIdentityOwner>> | undefined;
  let intake: FastifyInstance;
  let url: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    kafkaCtl('start');
    await createTopics(names.prefix, brokers);
    await createTopics(names.prefix); // the owner's topics, on the test Kafka that stays up
    owner = await startIdentityOwner(names);
    const config = loadConfig(intakeConfigSchema, {
      ...names.env,
      KAFKA_BROKERS: brokers.join(','),
      PUBLISH_TIMEOUT_MS: '3000',
      KAFKA_REQUEST_TIMEOUT_MS: '2000',
      // this test stops and starts Kafka with spawnSync, which blocks the event loop intake shares
      // with it for seconds: load shedding would answer that lag, which no real intake has
      MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    intake = await buildApp(config, { logger: testLogger });
    url = await intake.listen({ host: '127.0.0.1', port: 0 });
    auth = bearer(await sessionToken(names.redisPrefix, 'hanoi.baocao'));
  }, 180_000);

  afterAll(async () => {
    await intake?.close();
    await owner?.close();
    kafkaCtl('stop');
  }, 60_000);

  it('answers 503 with Retry-After (not 2xx, not a hang) while Kafka is stopped, and 202 once it is back', async () => {
    const before = await postJson(`${url}/api/v1/reports`, sampleReport({ title: 'trước sự cố' }), auth);
    expect(before.status).toBe(202);

    kafkaCtl('stop');
    const started = Date.now();
    const during = await postJson(`${url}/api/v1/reports`, sampleReport({ title: 'trong sự cố' }), auth);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(during.json).toMatchObject({ error: 'storage_unavailable' });
    expect(during.json.incidentId).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await intake.inject({ url: '/ready' })).statusCode).toBe(503);

    // many at once while it is down: every one answered, none with success
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => postJson(`${url}/api/v1/reports`, sampleReport({ title: `đợt ${i}` }), auth)));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(503));

    // the submitter retries the same report with its key until it is stored
    const retried = sampleReport({ title: 'thử lại với khóa' });
    const key = `outage-${retried.detectedAt}`;
    expect((await postJson(`${url}/api/v1/reports`, retried, { ...auth, 'idempotency-key': key })).status).toBe(503);

    kafkaCtl('start');
    const after = await waitFor(
      'intake to accept reports again',
      async () => {
        const response = await postJson(`${url}/api/v1/reports`, sampleReport({ title: 'sau sự cố' }), auth);
        return response.status === 202 ? response : undefined;
      },
      60_000,
    );
    const stored = await postJson(`${url}/api/v1/reports`, retried, { ...auth, 'idempotency-key': key });
    expect(stored.status).toBe(202);
    expect((await postJson(`${url}/api/v1/reports`, retried, { ...auth, 'idempotency-key': key })).json.incidentId).toBe(stored.json.incidentId);

    // the accepted reports are in Kafka, the retried one once; nothing answered 503 was stored
    const accepted = new Set([before.json.incidentId, after.json.incidentId, stored.json.incidentId]);
    const found = new Set<string>();
    const titles: string[] = [];
    const consumer = testKafka(brokers).consumer({ groupId: `${names.prefix}.check` });
    await consumer.connect();
    await consumer.subscribe({ topic: topicName(names.prefix, 'incidentEvents'), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = parseMessage('incidentEvents', message.value);
        if (parsed.ok && parsed.value.type === 'incident.reported') {
          found.add(parsed.value.payload.incidentId);
          titles.push(parsed.value.payload.title);
        }
      },
    });
    try {
      await waitFor('the accepted reports in Kafka', () => [...accepted].every((id) => found.has(id)) || undefined);
      expect(titles.filter((t) => t === 'thử lại với khóa')).toHaveLength(1);
      expect(titles.filter((t) => t === 'trong sự cố' || t.startsWith('đợt '))).toEqual([]);
    } finally {
      await consumer.disconnect();
    }
  }, 240_000);

  it('answers in time while Kafka is frozen (SIGSTOP), and a report sent before the freeze that lands after it is stored once, under one incident', async () => {
    const pid = Number(readFileSync(join(__dirname, '..', '..', '..', 'infra', '.data', 'kafka-outage', 'kafka.pid'), 'utf8'));
    const report = sampleReport({ title: 'gửi khi Kafka đóng băng' });
    const key = `freeze-${report.detectedAt}`;
    process.kill(pid, 'SIGSTOP');
    let first;
    const started = Date.now();
    try {
      first = await postJson(`${url}/api/v1/reports`, report, { ...auth, 'idempotency-key': key });
      // never a hang: answered within the publish timeout (3 s here) and a margin
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    // the submitter retries with its key until it is told the report is stored
    const stored = await waitFor(
      'the retried report to be answered 202',
      async () => {
        const response = await postJson(`${url}/api/v1/reports`, report, { ...auth, 'idempotency-key': key });
        return response.status === 202 ? response : undefined;
      },
      90_000,
    );
    const reported: string[] = [];
    const admin = testKafka(brokers).admin();
    await admin.connect();
    const topic = topicName(names.prefix, 'incidentEvents');
    // read to the end the topic has now that the retry was answered: a second copy would be before it
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    await admin.disconnect();
    const reached = new Map<number, bigint>();
    const consumer = testKafka(brokers).consumer({ groupId: `${names.prefix}.freeze-check` });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached.set(payload.partition, BigInt(payload.lastOffset) + 1n));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = parseMessage('incidentEvents', message.value);
        if (parsed.ok && parsed.value.type === 'incident.reported' && parsed.value.payload.title === 'gửi khi Kafka đóng băng') reported.push(parsed.value.payload.incidentId);
      },
    });
    try {
      await waitFor('the whole topic read', () => [...ends].every(([p, end]) => end === 0n || (reached.get(p) ?? 0n) >= end) || undefined, 60_000);
      expect(reported).toEqual([stored.json.incidentId]);
    } finally {
      await consumer.disconnect();
    }
  }, 180_000);
});
