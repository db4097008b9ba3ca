// The baseline of `npm run bench:intake`: the least a service can do to take a report over HTTP
// and put it in Kafka. Fastify, no validation, no idempotency, no batching of its own: one
// kafkajs send (acks=all) per request, answered 202 when the broker acknowledged. With WORKERS > 1
// it runs as that many processes sharing the port, as intake does, so the two compare like for like.
import cluster from 'node:cluster';
import Fastify from 'fastify';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { randomUUID } from 'node:crypto';

const { KAFKA_BROKERS, BARE_TOPIC, PORT } = process.env;
const workers = Number(process.env.WORKERS ?? 1);

if (workers > 1 && cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', () => {
      ready += 1;
      if (ready === workers) process.send?.('ready');
    });
  }
  let running = workers;
  cluster.on('exit', () => {
    running -= 1;
    if (running === 0) process.exit(0);
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
} else {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.ERROR });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/api/v1/reports', async (request, reply) => {
    const id = randomUUID();
    await producer.send({ topic: BARE_TOPIC, acks: -1, messages: [{ key: id, value: request.body }] });
    return reply.status(202).send({ incidentId: id });
  });
  await app.listen({ host: '127.0.0.1', port: Number(PORT) });
  process.send?.('ready');
  process.on('SIGTERM', async () => {
    await app.close();
    await producer.disconnect();
    process.exit(0);
  });
}
