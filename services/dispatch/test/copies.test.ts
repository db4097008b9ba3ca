import type { FastifyInstance } from 'fastify';
import { ulid } from 'ulid';
import { loadConfig, loadDirectoryFiles, makeEnvelope, topicName, toRecord, type Envelope } from '@ucsc/shared';
import { buildApp, dispatchConfigSchema, dispatchKeys, seedDirectory } from '@ucsc/dispatch';
import { collectIncidentEvents, createTopics, testKafka, testLogger, testRedis, uniqueNames, waitFor } from '../../../test/support';

const demo = loadDirectoryFiles();
const categories = ['malware', 'phishing', 'dos', 'intrusion', 'defacement', 'ransomware'] as const;

describe('two dispatch copies, one joining and one leaving mid-load (rebalances)', () => {
  it('route every report once, and the load counters equal the offers made', async () => {
    const names = uniqueNames('copies');
    await createTopics(names.prefix);
    await seedDirectory({ kafka: testKafka(), prefix: names.prefix, data: demo, logger: testLogger });
    const fatal: unknown[] = [];
    const copy = (instance: string) =>
      buildApp(loadConfig(dispatchConfigSchema, { ...names.env, SERVICE_INSTANCE: instance }), { logger: testLogger, onFatal: (e) => fatal.push(e) });
    const log = await collectIncidentEvents(names.prefix);
    const producer = testKafka().producer();
    await producer.connect();
    const redis = testRedis();
    const apps: FastifyInstance[] = [];
    try {
      apps.push(await copy('a'));
      const reports: Envelope<'incident.reported'>[] = [];
      for (let i = 0; i < 600; i += 1) {
        const unit = demo.units[i % demo.units.length]!;
        const payload = {
          incidentId: ulid(),
          province: { code: unit.code, name: unit.name, filedAs: unit.shortName },
          reportingOrganisation: { name: 'Sở Y tế' },
          title: 'Sự cố',
          description: 'd',
          detectedAt: '2026-11-20T02:10:00.000Z',
          reportedAt: '2026-11-20T03:00:00.000Z',
          tlp: 'AMBER' as const,
          category: categories[i % categories.length],
        };
        reports.push(makeEnvelope('incident.reported', payload, { producedBy: 'test', actor: { kind: 'system', id: 'test', authenticatedBy: 'service' } }));
      }
      const topic = topicName(names.prefix, 'incidentEvents');
      const send = (wave: Envelope<'incident.reported'>[]) =>
        producer.send({ topic, messages: wave.map((r) => ({ ...toRecord(r), key: r.payload.incidentId })) });
      const classified = () => new Set(log.events.filter((e) => e.type === 'incident.classified').map((e) => e.payload.incidentId)).size;
      const ready = async (app: FastifyInstance) => (await app.inject({ url: '/ready' })).statusCode === 200;
      await send(reports.slice(0, 150));
      await waitFor('the first wave routed by the first copy', () => classified() === 150, 60_000);
      apps.push(await copy('b')); // the partitions are shared out again
      await send(reports.slice(150, 300)); // while the group rebalances
      await waitFor('both copies in the group', async () => (await ready(apps[0]!)) && (await ready(apps[1]!)), 60_000);
      await send(reports.slice(300, 450));
      await apps.shift()!.close(); // the first copy leaves mid-wave: the second takes all partitions
      await send(reports.slice(450));
      await waitFor('every report routed', () => classified() === reports.length, 90_000);

      // once: one decision per report (a decision re-emitted after a failed transaction has the same ids)
      const distinct = (type: string) => new Map(log.events.filter((e) => e.type === type).map((e) => [e.id, e]));
      const perIncident = new Map<string, number>();
      for (const e of distinct('incident.classified').values()) perIncident.set(e.payload.incidentId, (perIncident.get(e.payload.incidentId) ?? 0) + 1);
      expect([...perIncident.values()].every((n) => n === 1)).toBe(true);
      // exact counters: the open assignments of each enterprise are the offers it was made (none declined)
      const offers = new Map<string, number>();
      for (const e of distinct('incident.assignment_offered').values()) {
        if (e.type === 'incident.assignment_offered') offers.set(e.payload.assignee.id, (offers.get(e.payload.assignee.id) ?? 0) + 1);
      }
      const loads = Object.fromEntries(Object.entries(await redis.hgetall(dispatchKeys(names.redisPrefix).load)).map(([id, n]) => [id, Number(n)]));
      expect(loads).toEqual(Object.fromEntries(offers));
      expect(offers.size).toBeGreaterThan(10);
      // a rebalance is no reason for a copy to give up (and exit)
      expect(fatal.map(String)).toEqual([]);
    } finally {
      for (const app of apps) await app.close();
      await log.stop();
      await producer.disconnect();
      redis.disconnect();
    }
  }, 240_000);
});
