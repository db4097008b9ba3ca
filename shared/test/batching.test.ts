import { ulid } from 'ulid';
import { BatchingPublisher, makeEnvelope, type Actor } from '@ucsc/shared';
import { collectIncidentEvents, createTopics, testKafka, testLogger, uniqueNames, waitFor } from '../../test/support';

const actor: Actor = { kind: 'system', id: 'test', authenticatedBy: 'none' };
const reported = (title: string) =>
  makeEnvelope(
    'incident.reported',
    {
      incidentId: ulid(),
      province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' },
      reportingOrganisation: { name: 'Sở Tài chính' },
      title,
      description: 'Mô tả',
      detectedAt: new Date().toISOString(),
      reportedAt: new Date().toISOString(),
      tlp: 'AMBER',
    },
    { producedBy: 'test', actor },
  );

describe('BatchingPublisher', () => {
  const names = uniqueNames('batching');
  let publisher: BatchingPublisher;
  let collector: Awaited<ReturnType<typeof collectIncidentEvents>>;

  beforeAll(async () => {
    await createTopics(names.prefix);
    publisher = new BatchingPublisher(testKafka(), names.prefix, testLogger, { timeoutMs: 10_000, maxBatchRecords: 100 });
    collector = await collectIncidentEvents(names.prefix);
  });
  afterAll(async () => {
    await collector?.stop();
    await publisher?.close();
  });

  it('many concurrent publishes share produce requests, and each settles only once Kafka has its records', async () => {
    await publisher.publish('incidentEvents', [reported('khởi động')]);
    const before = { ...publisher.stats };
    const envelopes = Array.from({ length: 400 }, (_, i) => reported(`báo cáo ${i}`));
    await Promise.all(envelopes.map((e) => publisher.publish('incidentEvents', [e])));
    const requests = publisher.stats.requests - before.requests;
    expect(publisher.stats.records - before.records).toBe(400);
    // one produce request per 100 at most, plus the one that was already in flight
    expect(requests).toBeLessThanOrEqual(10);
    expect(requests).toBeGreaterThanOrEqual(4);
    const ids = new Set(envelopes.map((e) => e.id));
    await waitFor('all 400 in Kafka', () => collector.events.filter((e) => ids.has(e.id)).length === 400);
  });

  it('with several lanes, produce requests run side by side and every record lands once', async () => {
    const laned = new BatchingPublisher(testKafka(), names.prefix, testLogger, { timeoutMs: 10_000, maxBatchRecords: 50, lanes: 3 });
    try {
      const envelopes = Array.from({ length: 300 }, (_, i) => reported(`làn ${i}`));
      await Promise.all(envelopes.map((e) => laned.publish('incidentEvents', [e])));
      expect(laned.stats.records).toBe(300);
      expect(laned.stats.requests).toBeGreaterThanOrEqual(6);
      const ids = new Set(envelopes.map((e) => e.id));
      await waitFor('all 300 in Kafka', () => collector.events.filter((e) => ids.has(e.id)).length === 300);
      expect(collector.events.filter((e) => ids.has(e.id))).toHaveLength(300);
    } finally {
      await laned.close();
    }
  });

  it('fails every caller of a request Kafka did not acknowledge, in time, and recovers afterwards', async () => {
    const unreachable = new BatchingPublisher(testKafka(['127.0.0.1:1']), names.prefix, testLogger, { timeoutMs: 1500 });
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => unreachable.publish('incidentEvents', [reported(`không tới ${i}`)])));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    expect(Date.now() - started).toBeLessThan(8000);
    await unreachable.close();
    await expect(publisher.publish('incidentEvents', [reported('vẫn chạy')])).resolves.toBeUndefined();
  });
});
