// What every integration test needs: the real Kafka and Redis that `npm test` started, and names
// of its own (topics, consumer groups, Redis keys) so tests cannot see each other's data.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createKafka, createLogger, createRedis, ensureTopics, IdentityStore, makeEnvelope, parseMessage, Publisher, topicName, type Envelope, type Logger, type Redis, type TopicKey, type TopicMessageType } from '@ucsc/shared';
import { seedDemoAccounts } from '@ucsc/board';
import { defaultLadder, sweeperActor } from '@ucsc/tracker';

export const brokers = (process.env.UCSC_TEST_KAFKA_BROKERS ?? '127.0.0.1:29092').split(',');
export const redisUrl = process.env.UCSC_TEST_REDIS_URL ?? 'redis://127.0.0.1:26379';

export const testLogger: Logger = createLogger('test', (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent');

/**
 * The identity owner's key pair and the services' exchange key for this test process (each
 * deployment has its own). IDENTITY_URL is the owner's address once one listens (startSystem,
 * startIdentityOwner); until then nothing answers there.
 */
const identityKey = (() => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}` };
  const { d: _d, ...publicJwk } = jwk;
  return {
    IDENTITY_SIGNING_JWK: JSON.stringify(jwk),
    IDENTITY_PUBLIC_JWKS: JSON.stringify({ keys: [{ ...publicJwk, alg: 'EdDSA', use: 'sig' }] }),
    IDENTITY_SERVICE_KEY: randomBytes(32).toString('base64url'),
  };
})();

export interface TestNames {
  prefix: string;
  redisPrefix: string;
  /** the environment a service's config schema reads, pointing at this test's names */
  env: Record<string, string>;
}

export function uniqueNames(label: string): TestNames {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `t-${label}-${suffix}`;
  const redisPrefix = `${prefix}:`;
  return {
    prefix,
    redisPrefix,
    env: {
      KAFKA_BROKERS: brokers.join(','),
      REDIS_URL: redisUrl,
      TOPIC_PREFIX: prefix,
      REDIS_PREFIX: redisPrefix,
      SERVICE_INSTANCE: suffix,
      LOG_LEVEL: 'silent',
      PORT: '0',
      ...identityKey,
      IDENTITY_URL: 'http://127.0.0.1:9',
    },
  };
}

/** Creates this test's topics from the topic table. */
export async function createTopics(prefix: string, kafkaBrokers = brokers): Promise<void> {
  const admin = createKafka({ clientId: 'test-admin', brokers: kafkaBrokers }, testLogger).admin();
  await admin.connect();
  try {
    await ensureTopics(admin, prefix);
  } finally {
    await admin.disconnect();
  }
}

export function testKafka(kafkaBrokers = brokers) {
  return createKafka({ clientId: `test-${randomBytes(3).toString('hex')}`, brokers: kafkaBrokers }, testLogger);
}

export function testRedis(): Redis {
  return createRedis(redisUrl, testLogger);
}

/** Waits for a condition with a deadline; never a fixed sleep. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What /ready says of a monitor (consumers, background jobs): undefined while healthy, else the problem its check names. */
export function unhealthy(monitor: { check(): unknown }): string | undefined {
  try {
    monitor.check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

let sampleCount = 0;
const sampleBase = Date.now() - 3600_000;

/**
 * A valid, complete Biểu mẫu 03 with Vietnamese text. Each call is detected a millisecond apart,
 * so that two samples are two reports, not a retry of one (see intake's report fingerprint).
 */
export function sampleReport(overrides: Record<string, unknown> = {}) {
  sampleCount += 1;
  return {
    province: 'Hà Nội',
    reportingOrganisation: { name: 'Sở Tài chính Hà Nội', address: '38B Triệu Việt Vương, Hai Bà Trưng, Hà Nội', phone: '024 3976 2777', email: 'vanphong@sotaichinh.hanoi.gov.vn' },
    contactPerson: { name: 'Nguyễn Thị Hoa', position: 'Trưởng phòng Công nghệ thông tin', phone: '0912 345 678', email: 'hoa.nt@sotaichinh.hanoi.gov.vn' },
    affectedSystem: { operator: 'Trung tâm Thông tin – Sở Tài chính', name: 'Cổng thông tin điện tử Sở Tài chính', protectionLevel: 3, connectivityProvider: 'VNPT Hà Nội' },
    title: 'Tấn công thay đổi giao diện cổng thông tin',
    description: 'Trang chủ cổng thông tin bị thay đổi giao diện lúc 02:10, hiển thị nội dung lạ.',
    detectedAt: new Date(sampleBase - sampleCount).toISOString(),
    alreadyHandled: false,
    detection: { methods: ['monitoring'] },
    alreadyNotified: { parties: ['national_coordinator'] },
    technicalDetail: { operatingSystems: ['Ubuntu 22.04'], services: ['web'], securityMeasures: ['firewall'], publicIpAddresses: ['203.162.10.20'], domainNames: ['sotaichinh.hanoi.gov.vn'], purpose: 'Cổng thông tin điện tử' },
    reportTime: new Date(Date.now() - 600_000).toISOString(),
    category: 'defacement',
    ...overrides,
  };
}

/** Reads one of a test's topics from the beginning into an array (valid messages only), until stopped. */
export async function collectMessages<K extends TopicKey>(prefix: string, topic: K, kafkaBrokers = brokers) {
  const events: Envelope<TopicMessageType<K>>[] = [];
  const consumer = testKafka(kafkaBrokers).consumer({ groupId: `${prefix}.collector.${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName(prefix, topic), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const parsed = parseMessage(topic, message.value);
      if (parsed.ok) events.push(parsed.value);
    },
  });
  return { events, stop: () => consumer.disconnect() };
}

export const collectIncidentEvents = (prefix: string, kafkaBrokers = brokers) => collectMessages(prefix, 'incidentEvents', kafkaBrokers);

/**
 * A session of a demo account, made directly by the identity store (a fixture: tests of signing
 * in itself go through the sign-in route); returns its bearer token. A TOTP code works once, so
 * fixtures do not spend the codes that those tests use.
 */
export async function sessionToken(redisPrefix: string, username: string): Promise<string> {
  const redis = testRedis();
  try {
    const store = new IdentityStore(redis, redisPrefix);
    const accounts = await seedDemoAccounts(store);
    const account = accounts.find((a) => a.username === username);
    const user = await store.findByUsername(username);
    if (!account || !user) throw new Error(`no demo account ${username}`);
    return (await store.createSession(user, account.totpSecret ? 'password+totp' : 'password')).token;
  } finally {
    redis.disconnect();
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * What the tracker's sweeps fire when an incident's first progress is late, up to the liaison
 * leader's rung ("meet online at once"), published as they would: the breach starting a climb on
 * the default ladder, the officer's rung, the leader's. The caller waits for them to be projected.
 */
export async function publishLeaderRung(prefix: string, incidentId: string, leader: { id: string; name: string }): Promise<void> {
  const publisher = new Publisher(testKafka(), prefix, testLogger);
  const now = new Date().toISOString();
  const deadline = { incidentId, deadlineKey: 'first_progress', kind: 'first_progress', basis: 'policy' as const, dueAt: now, firedAt: now, late: false };
  const rung = (n: number, reaches: 'liaison_officer' | 'liaison_leader', recipients: { id: string; name: string }[]) =>
    makeEnvelope('incident.escalation_rung_reached', { incidentId, deadlineKey: 'first_progress', ladderId: defaultLadder.id, rung: n, reaches, recipients, dueAt: now, firedAt: now, late: false }, { producedBy: 'tracker', actor: sweeperActor });
  await publisher.publish('incidentEvents', [
    makeEnvelope('incident.deadline_breached', { ...deadline, ladder: defaultLadder }, { producedBy: 'tracker', actor: sweeperActor }),
    rung(0, 'liaison_officer', []),
    rung(1, 'liaison_leader', [leader]),
  ]);
  await publisher.close();
}
