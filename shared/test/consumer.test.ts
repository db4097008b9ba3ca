import { ulid } from 'ulid';
import { KafkaJSConnectionError } from 'kafkajs';
import {
  ConsumerHealth,
  ConsumerMonitor,
  createHttpApp,
  deadLetterSchema,
  healthPlugin,
  metricsPlugin,
  makeEnvelope,
  runConsumer,
  topicName,
  watchConsumer,
  type ConsumerOptions,
  type ConsumerReport,
  type DeadLetter,
  type Envelope,
  type RunningConsumer,
} from '@ucsc/shared';
import { collectMessages, createTopics, testKafka, testLogger, uniqueNames, waitFor } from '../../test/support';

type ReadyBody = { checks: Record<string, string>; consumers: ConsumerReport[] };
const actor = { kind: 'system', id: 'test', authenticatedBy: 'service' } as const;
const acknowledge = (incidentId = ulid(), note?: string) =>
  makeEnvelope('incident.acknowledge', { incidentId, assigneeId: 'lia-01-sec-leader', ...(note ? { note } : {}) }, { producedBy: 'test', actor });
const rejection = (command: Envelope, reason: string) =>
  makeEnvelope('incident.command_rejected', { incidentId: (command.payload as { incidentId: string }).incidentId, commandId: command.id, commandType: command.type, reason }, { producedBy: 'test', actor });

/**
 * The consumer every service runs (shared/src/bus/consumer.ts), against the real broker: it never
 * stops while it says it is fine, and produces within the broker's limits.
 */
describe('a consumer that never stops silently', () => {
  const kafka = testKafka();
  const producer = kafka.producer();
  const cleanups: (() => Promise<unknown>)[] = [];

  /** Topics of the test's own, a dead-letter reader, and a consumer on incident commands. */
  async function world(label: string, options: Partial<ConsumerOptions<'incidentCommands'>>) {
    const { prefix } = uniqueNames(label);
    await createTopics(prefix);
    const letters: DeadLetter[] = [];
    const reader = kafka.consumer({ groupId: `${prefix}.dlq-reader` });
    await reader.connect();
    await reader.subscribe({ topic: topicName(prefix, 'deadLetter'), fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void letters.push(deadLetterSchema.parse(JSON.parse(String(message.value)))) });
    cleanups.push(() => reader.disconnect());
    const consumer = await runConsumer({
      kafka,
      prefix,
      group: label,
      topics: ['incidentCommands'],
      logger: testLogger,
      transactional: true,
      onFatal: () => undefined,
      ...options,
    } as ConsumerOptions<'incidentCommands'>);
    cleanups.push(() => consumer.stop());
    const send = (commands: (Envelope | { key: string; value: string })[]) =>
      producer.send({
        topic: topicName(prefix, 'incidentCommands'),
        acks: -1,
        messages: commands.map((c) => ('value' in c ? c : { key: (c.payload as { incidentId: string }).incidentId, value: JSON.stringify(c) })),
      });
    return { prefix, letters, consumer, send };
  }

  /** A transaction of another producer that holds the group's offset of one partition, left open until the test ends it. */
  async function openOffsetTransaction(prefix: string, group: string, topic: string, partition: number, offset: string) {
    const previous = kafka.producer({ transactionalId: `${prefix}.previous-owner`, idempotent: true, maxInFlightRequests: 1 });
    await previous.connect();
    const transaction = await previous.transaction();
    cleanups.push(async () => {
      await transaction.abort().catch(() => undefined); // committed already, or open still
      await previous.disconnect();
    });
    await transaction.sendOffsets({ consumerGroupId: `${prefix}.${group}`, topics: [{ topic, partitions: [{ partition, offset }] }] });
    return transaction;
  }

  /** A transactional consumer on incident commands that keeps the ids of what it handled. */
  async function collecting(prefix: string, group: string) {
    const handled: string[] = [];
    const consumer = await runConsumer({
      kafka,
      prefix,
      group,
      topics: ['incidentCommands'],
      logger: testLogger,
      transactional: true,
      onFatal: () => undefined,
      handle: async (c) => void handled.push(c.id),
    });
    cleanups.push(() => consumer.stop());
    return { consumer, handled };
  }

  beforeAll(() => producer.connect());
  afterAll(async () => {
    await Promise.all(cleanups.map((c) => c()));
    await producer.disconnect();
  });

  it('sends the outputs of one transaction in requests below the broker limit (1.5 MB from one record, on one partition)', async () => {
    const command = acknowledge();
    // 30 events of 50 KB, all keyed by the same incident: as one request the broker refuses them
    const { prefix, send, letters } = await world('split', { handle: async (c) => ({ incidentEvents: Array.from({ length: 30 }, (_, i) => rejection(c, `${i} `.padEnd(50_000, 'x'))) }) });
    const events = await collectMessages(prefix, 'incidentEvents');
    try {
      await send([command]);
      await waitFor('all 30 outputs committed', () => events.events.filter((e) => (e.payload as { commandId?: string }).commandId === command.id).length === 30 || undefined);
      expect(letters).toEqual([]);
    } finally {
      await events.stop();
    }
  });

  it('dead-letters a record whose output could never fit in a produce request, and goes on with the next', async () => {
    const huge = acknowledge();
    const next = acknowledge(huge.payload.incidentId);
    const handled: string[] = [];
    const { prefix, send, letters } = await world('too-large', {
      handle: async (c) => {
        handled.push(c.id);
        return { incidentEvents: [rejection(c, c.id === huge.id ? 'x'.repeat(950_000) : 'small')] };
      },
    });
    await send([huge, next]);
    const letter = await waitFor('the dead letter', () => letters.find((l) => l.error.code === 'output_too_large'));
    expect(letter.origin.consumerGroup).toBe(`${prefix}.too-large`);
    expect(letter.error.message).toMatch(/over the 900000-byte limit/);
    expect(JSON.parse(Buffer.from(letter.value!, 'base64').toString()).id).toBe(huge.id);
    await waitFor('the next record handled', () => handled.includes(next.id) || undefined);
  });

  it('passes by the types it does not handle without parsing them, and parses in full whatever the header and the value do not both name', async () => {
    const handled: string[] = [];
    const incidentId = ulid();
    const { send, letters } = await world('handles', {
      handles: ['incident.acknowledge'],
      handle: async (c) => void handled.push(c.id),
    });
    const decline = makeEnvelope('incident.decline_assignment', { incidentId, assigneeId: 'ent-a', reason: 'Hết năng lực' }, { producedBy: 'test', actor });
    const lying = acknowledge(incidentId); // its header names a type passed by, its value is one to handle
    const invalid = { ...acknowledge(incidentId), payload: { incidentId } }; // no assignee: invalid
    const unlabelled = acknowledge(incidentId);
    const header = (type: string) => ({ type, 'correlation-id': 'c' });
    await send([
      { key: incidentId, value: JSON.stringify(decline), headers: header('incident.decline_assignment') } as never,
      { key: incidentId, value: '{"id":"x","type":"incident.decline_assignment", not json', headers: header('incident.decline_assignment') } as never,
      { key: incidentId, value: JSON.stringify(lying), headers: header('incident.decline_assignment') } as never,
      { key: incidentId, value: JSON.stringify(invalid), headers: header('incident.acknowledge') } as never,
      { key: incidentId, value: JSON.stringify(unlabelled) },
    ]);
    await waitFor('the records to handle', () => (handled.includes(lying.id) && handled.includes(unlabelled.id)) || undefined);
    expect(handled).toEqual([lying.id, unlabelled.id]);
    const letter = await waitFor('the invalid one dead-lettered', () => letters.find((l) => l.error.code === 'invalid_payload'));
    expect(JSON.parse(Buffer.from(letter.value!, 'base64').toString()).id).toBe(invalid.id);
    // the dead-letter topic has one partition, in order: anything before it would be here already
    expect(letters).toHaveLength(1);
  });

  it('keeps the hash, not the bytes, of a record too large to carry in a dead letter', async () => {
    const big = acknowledge(ulid(), 'n');
    const value = JSON.stringify(big).replace('"note":"n"', `"note":"${'y'.repeat(800_000)}"`); // invalid: note is at most 2000 characters
    const { send, letters } = await world('big-letter', { handle: async () => undefined });
    await send([{ key: big.payload.incidentId, value }]);
    const letter = await waitFor('the dead letter', () => letters[0]);
    expect(letter.error.code).toBe('invalid_payload');
    expect(letter.value).toBeNull();
    expect(letter.valueOmitted?.bytes).toBe(Buffer.byteLength(value));
    expect(letter.valueOmitted?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('retries a batch after a transient error (Kafka or Redis away) and handles it once it passes', async () => {
    const command = acknowledge();
    let failures = 0;
    const handled: string[] = [];
    const { consumer, send } = await world('transient', {
      maxRetryDelayMs: 200,
      handle: async (c) => {
        if (failures < 3) {
          failures += 1;
          throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:6380');
        }
        handled.push(c.id);
        return undefined;
      },
    });
    await send([command]);
    await waitFor('the record handled after three failures', () => handled.includes(command.id) || undefined);
    expect(handled).toEqual([command.id]);
    expect(consumer.health.report()).toMatchObject({ retries: 3, state: 'running', healthy: true });
  });

  it('tells the handler once a batch is committed (after a failed try, only once), with the offset the group committed after it', async () => {
    const command = acknowledge();
    let failed = false;
    const commits: { partition: number; nextOffset: string }[] = [];
    const { prefix, consumer, send } = await world('committed', {
      maxRetryDelayMs: 200,
      handle: async (c) => {
        if (!failed) {
          failed = true;
          throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:6380');
        }
        return { incidentEvents: [rejection(c, 'đã xử lý')] };
      },
      onCommitted: (_topic, partition, nextOffset) => void commits.push({ partition, nextOffset }),
    });
    await send([command]);
    await waitFor('the batch committed', () => commits.length || undefined);
    expect(commits).toHaveLength(1);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: consumer.groupId, topics: [topicName(prefix, 'incidentCommands')], requireStable: true });
      const { partition, nextOffset } = commits[0]!;
      expect(offsets!.partitions.find((p) => p.partition === partition)?.offset).toBe(nextOffset);
    } finally {
      await admin.disconnect();
    }
  });

  it('a failing onCommitted is logged, and its batch is neither failed nor handled again', async () => {
    const [first, second] = [acknowledge(), acknowledge()];
    const handled: string[] = [];
    let calls = 0;
    const { consumer, send } = await world('committed-fails', {
      handle: async (c) => {
        handled.push(c.id);
        return { incidentEvents: [rejection(c, 'đã xử lý')] };
      },
      // the first throws, the second rejects
      onCommitted: () => {
        calls += 1;
        if (calls === 1) throw new Error('Redis away');
        return Promise.reject(new Error('Redis away'));
      },
    });
    await send([first]);
    await waitFor('the first batch committed', () => calls >= 1 || undefined);
    await send([second]);
    await waitFor('the second batch committed', () => calls >= 2 || undefined);
    expect(handled).toEqual([first.id, second.id]);
    expect(consumer.health.report()).toMatchObject({ state: 'running', healthy: true, retries: 0 });
  });

  it('fences a copy that lost its partition without knowing: the batch it finishes late is not committed beside the new owner’s', async () => {
    // copy A takes the command and stalls in its handler past its session (15 s): the group gives
    // the partition to copy B, which handles the same command; when A comes back and commits, the
    // broker refuses it (B's producer for that partition fenced A's), so the command has one output
    const command = acknowledge();
    let aHasIt!: () => void;
    const aTook = new Promise<void>((resolve) => (aHasIt = resolve));
    let releaseA!: () => void;
    const aMayGoOn = new Promise<void>((resolve) => (releaseA = resolve));
    const { prefix, send } = await world('zombie', {
      handle: async (c) => {
        aHasIt();
        await aMayGoOn;
        return { incidentEvents: [rejection(c, 'copy A')] };
      },
    });
    const events = await collectMessages(prefix, 'incidentEvents');
    cleanups.push(() => events.stop());
    await send([command]);
    await aTook;
    const b = await runConsumer({
      kafka,
      prefix,
      group: 'zombie',
      topics: ['incidentCommands'],
      logger: testLogger,
      transactional: true,
      onFatal: () => undefined,
      handle: async (c) => ({ incidentEvents: [rejection(c, 'copy B')] }),
    });
    cleanups.push(() => b.stop());
    const outputs = () => events.events.filter((e) => (e.payload as { commandId?: string }).commandId === command.id).map((e) => (e.payload as { reason: string }).reason);
    await waitFor('copy B to commit the command', () => outputs().includes('copy B'), 60_000);
    releaseA();
    // A's late commit, had it gone through, lands within moments: give it ample time
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(outputs()).toEqual(['copy B']);
  }, 90_000);

  it('starts after a transaction that committed the partition’s offset but whose markers are not written yet: its records are not done twice', async () => {
    // a commit returns before its markers reach the group's offsets; meanwhile a plain read of the
    // offset gives the one from before it. A copy that rejoined right then (its session expired on
    // a busy machine) did that transaction's batch again: chaos once found an incident routed twice.
    // Here a transaction holds the group's offset past five commands, open while the copy starts.
    const { prefix } = uniqueNames('unstable');
    await createTopics(prefix);
    const topic = topicName(prefix, 'incidentCommands');
    const incidentId = ulid();
    const before = [acknowledge(incidentId), acknowledge(incidentId), acknowledge(incidentId), acknowledge(incidentId), acknowledge(incidentId)];
    const [sent] = await producer.send({ topic, acks: -1, messages: before.map((c) => ({ key: incidentId, value: JSON.stringify(c) })) });
    const partition = sent!.partition;
    const past = (BigInt(sent!.baseOffset!) + BigInt(before.length)).toString();
    const transaction = await openOffsetTransaction(prefix, 'unstable', topic, partition, past);
    const { consumer, handled } = await collecting(prefix, 'unstable');
    await waitFor('the copy to join its group', () => consumer.health.report().state === 'running' || undefined);
    // long enough for its first batch (the five commands, from the offset a plain read gives)
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await transaction.commit();
    const after = acknowledge(incidentId);
    await producer.send({ topic, acks: -1, messages: [{ key: incidentId, value: JSON.stringify(after) }] });
    await waitFor('the command sent after the commit handled', () => handled.includes(after.id) || undefined);
    expect(handled).toEqual([after.id]);
  }, 60_000);

  it('takes a partition over while another partition’s transaction is still open: it waits on its own partition’s offset only', async () => {
    // under load some partition always has a transaction in flight: a copy that waited for the whole
    // topic's offsets to be stable never took its partitions over (chaos: dispatch stuck after Kafka came back)
    const { prefix } = uniqueNames('unstable-other');
    await createTopics(prefix);
    const topic = topicName(prefix, 'incidentCommands');
    const command = acknowledge();
    const [sent] = await producer.send({ topic, acks: -1, messages: [{ key: (command.payload as { incidentId: string }).incidentId, value: JSON.stringify(command) }] });
    const admin = kafka.admin();
    await admin.connect();
    const partitions = (await admin.fetchTopicOffsets(topic)).length;
    await admin.disconnect();
    expect(partitions).toBeGreaterThan(1);
    const other = (sent!.partition + 1) % partitions;
    await openOffsetTransaction(prefix, 'unstable-other', topic, other, '0');
    const { handled } = await collecting(prefix, 'unstable-other');
    // the transaction stays open for the whole test (its timeout is a minute)
    await waitFor('the command handled', () => handled.includes(command.id) || undefined, 20_000);
    expect(handled).toEqual([command.id]);
  }, 60_000);

  it('gives any other error to onFatal (the service exits to be restarted) and reports itself not healthy', async () => {
    const command = acknowledge();
    const fatal: unknown[] = [];
    const monitor = new ConsumerMonitor();
    const { consumer, send } = await world('fatal', {
      monitor,
      onFatal: (error) => fatal.push(error),
      handle: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'code')");
      },
    });
    await send([command]);
    await waitFor('onFatal called', () => fatal.length > 0 || undefined);
    expect(String(fatal[0])).toMatch(/Cannot read properties/);
    expect(consumer.health.report().healthy).toBe(false);
    expect(() => monitor.check()).toThrow(/fatal: .*Cannot read properties/);
  });

  it('stopped while it still joins its group, it stays stopped: no request to the broker afterwards, no record taken, not a member', async () => {
    const handled: Envelope[] = [];
    // world() starts the consumer without waiting for the join (as the services do): stop it at once
    const { consumer, send } = await world('stopped-joining', { handle: async (c) => void handled.push(c) });
    const requests: string[] = [];
    consumer.consumer.on(consumer.consumer.events.REQUEST, ({ payload }) => void requests.push(payload.apiName));
    await consumer.stop();
    const afterStop = requests.length;
    await send([acknowledge(), acknowledge()]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      // long enough for a join that went on after the stop to end, or to crash and be restarted
      await new Promise((resolve) => setTimeout(resolve, 8000));
      expect(requests.slice(afterStop)).toEqual([]);
      expect(handled).toHaveLength(0);
      const [group] = (await admin.describeGroups([consumer.groupId])).groups;
      expect(group?.members ?? []).toHaveLength(0);
    } finally {
      await admin.disconnect();
    }
  });

  it('answers /ready 503 while a consumer is stalled past the configured time, 200 once it moves, and exports its lag', async () => {
    const monitor = new ConsumerMonitor();
    const app = createHttpApp({ logger: testLogger });
    await app.register(metricsPlugin, { service: 'test', consumers: monitor });
    await app.register(healthPlugin, { service: 'test', readiness: {}, consumers: monitor });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const incidentId = ulid();
    const commands = [acknowledge(incidentId), acknowledge(incidentId), acknowledge(incidentId)];
    try {
      const { prefix, send } = await world('stalled', { monitor, stallMs: 500, handle: () => gate.then(() => undefined) });
      await waitFor('the consumer to join', async () => (await app.inject({ url: '/ready' })).statusCode === 200 || undefined);
      await send(commands);
      const stalled = await waitFor('503 from /ready', async () => {
        const r = await app.inject({ url: '/ready' });
        return r.statusCode === 503 ? (r.json() as ReadyBody) : undefined;
      });
      expect(stalled.checks.consumers).toMatch(new RegExp(`${prefix}\\.stalled: a batch has not finished`));
      expect(stalled.consumers[0]).toMatchObject({ group: `${prefix}.stalled`, state: 'running', healthy: false, });
      expect(stalled.consumers[0]!.lag).toBeGreaterThanOrEqual(3);
      const metrics = (await app.inject({ url: '/metrics' })).body;
      expect(metrics).toMatch(new RegExp(`ucsc_consumer_lag\\{group="${prefix}\\.stalled",topic="${prefix}\\.incident\\.commands",partition="\\d"[^}]*\\} [3-9]`));
      release();
      const ready = await waitFor('200 from /ready', async () => {
        const r = await app.inject({ url: '/ready' });
        return r.statusCode === 200 ? (r.json() as ReadyBody) : undefined;
      });
      expect(ready.consumers[0]).toMatchObject({ healthy: true, lag: 0 });
    } finally {
      release();
      await app.close();
    }
  });

  it('reports the lag of partitions that had no batch yet (behind a stuck one), from the group offsets, on /metrics too', async () => {
    const monitor = new ConsumerMonitor();
    const app = createHttpApp({ logger: testLogger });
    await app.register(metricsPlugin, { service: 'test', consumers: monitor });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const { prefix, consumer } = await world('lag-admin', { monitor, lagRefreshMs: 200, handle: () => gate.then(() => undefined) });
      const topic = topicName(prefix, 'incidentCommands');
      // four records on each of the six partitions; the first batch taken never finishes
      await producer.send({ topic, acks: -1, messages: [0, 1, 2, 3, 4, 5].flatMap((partition) => [1, 2, 3, 4].map(() => ({ partition, key: ulid(), value: JSON.stringify(acknowledge()) }))) });
      const report = await waitFor('the lag of every partition', () => {
        const r = consumer.health.report();
        return r.partitions === 6 && r.lag === 24 ? r : undefined;
      });
      expect(report.state).toBe('running');
      expect(consumer.health.lagByPartition()).toHaveLength(6);
      const metrics = (await app.inject({ url: '/metrics' })).body;
      for (const partition of [0, 1, 2, 3, 4, 5]) expect(metrics).toContain(`ucsc_consumer_lag{group="${prefix}.lag-admin",topic="${topic}",partition="${partition}",service="test"} 4`);
      release();
      await waitFor('no lag once every batch is handled', () => consumer.health.report().lag === 0 || undefined);
    } finally {
      release();
      await app.close();
    }
  });
});

describe('what kafkajs says of a consumer, as its health sees it', () => {
  // kafkajs's own event names, from a consumer never connected; the events are emitted by hand
  const events = testKafka().consumer({ groupId: 'events-only' }).events;
  function watched() {
    const listeners = new Map<string, (event: { payload: any }) => void>();
    const consumer = { events, on: (name: string, listener: (event: { payload: any }) => void) => listeners.set(name, listener) };
    const health = new ConsumerHealth('g', ['t'], 60_000);
    const fatal: unknown[] = [];
    watchConsumer(consumer as never, health, testLogger, (e) => fatal.push(e), () => false);
    const emit = (name: string, payload: unknown = {}) => listeners.get(name)!({ payload });
    return { health, fatal, emit };
  }

  it('a crash kafkajs restarts from (it stops the consumer first) is not fatal, and not ready until it has joined again', () => {
    const { health, fatal, emit } = watched();
    emit(events.GROUP_JOIN, { memberAssignment: { t: [0, 1] } });
    expect(health.report().healthy).toBe(true);
    emit(events.STOP);
    emit(events.CRASH, { error: new Error('This server is not the leader for that topic-partition'), restart: true });
    expect(fatal).toEqual([]);
    expect(health.report()).toMatchObject({ state: 'starting', healthy: false, problem: 'restarting after: This server is not the leader for that topic-partition' });
    emit(events.GROUP_JOIN, { memberAssignment: { t: [0] } });
    expect(health.report()).toMatchObject({ state: 'running', healthy: true, partitions: 1 });
  });

  it('a crash kafkajs gives up on is fatal', () => {
    const { health, fatal, emit } = watched();
    emit(events.GROUP_JOIN, { memberAssignment: { t: [0] } });
    emit(events.STOP);
    emit(events.CRASH, { error: new Error('The request included a message larger than the max message size the server will accept'), restart: false });
    expect(fatal).toHaveLength(1);
    expect(health.report()).toMatchObject({ state: 'crashed', healthy: false });
  });

  it('lag counts from the last batch finished to the high watermark, transaction markers included', () => {
    const { health, emit } = watched();
    emit(events.GROUP_JOIN, { memberAssignment: { t: [0] } });
    emit(events.START_BATCH_PROCESS, { topic: 't', partition: 0, firstOffset: '10', highWatermark: '25' });
    expect(health.lagByPartition()).toEqual([{ topic: 't', partition: 0, lag: 15 }]);
    // the last data record at 20, its commit marker at 21: caught up at 22
    emit(events.END_BATCH_PROCESS, { topic: 't', partition: 0, lastOffset: '21', highWatermark: '22' });
    expect(health.report()).toMatchObject({ lag: 0, healthy: true });
  });
});
