import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { loadDirectoryFiles, makeEnvelope, Publisher } from '@ucsc/shared';
import { seedDirectory } from '@ucsc/dispatch';
import { deliveryId, InAppNotifications } from '@ucsc/notifier';
import { collectIncidentEvents, createTopics, testKafka, testLogger, testRedis, uniqueNames, waitFor } from '../../../test/support';
import { freePort } from '../../../test/support/system';
import { Catcher, ctx, reported } from './support';

// A real notifier process (services/notifier/dist/server.js), killed with SIGKILL while the SMTP
// server holds the answer to one of its emails: sent, but neither the send nor the offset recorded.
const root = join(__dirname, '..', '..', '..');
const liaison = (id: string, role: 'leader' | 'officer') => ({ kind: 'liaison', id, name: id, organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role }) as const;
const [first, second, third] = [liaison('lia-08-sec-leader', 'leader'), liaison('lia-08-sec-officer', 'officer'), liaison('lia-08-dig-leader', 'leader')];
const emails = { [first.id]: 'dungtn@attt.example.gov.vn', [second.id]: 'hangnh@attt.example.gov.vn', [third.id]: 'phuongtt@cds.example.gov.vn' };

describe('a notifier process killed with kill -9 between sending and recording', () => {
  const catcher = new Catcher();
  const redis = testRedis();
  const children: ChildProcess[] = [];
  beforeAll(() => catcher.start());
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await catcher.close();
    redis.disconnect();
  });

  it('the next process sends what was not recorded under the same ids, never what was, and records each delivery once', async () => {
    const names = uniqueNames('notifier-kill');
    await createTopics(names.prefix);
    await seedDirectory({ kafka: testKafka(), prefix: names.prefix, data: loadDirectoryFiles(), logger: testLogger });
    const start = async () => {
      const port = await freePort();
      const child = spawn(join(root, 'node_modules/.bin/node'), [join(root, 'services/notifier/dist/server.js')], {
        env: { ...process.env, ...names.env, PORT: String(port), SMTP_URL: `smtp://127.0.0.1:${catcher.port}`, LOG_LEVEL: 'silent' },
        stdio: 'ignore',
      });
      children.push(child);
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
      await waitFor('the notifier ready', async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.status === 200 || undefined, 60_000);
      return { child, exited };
    };

    const incidentId = ulid();
    const assigned = makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [first, second, third], reasons: ['rule'] }, ctx);
    const id = (who: { id: string }, channel: 'email' | 'inapp') => deliveryId(assigned.id, who.id, channel);
    const one = await start();
    // the second recipient's email reaches the server: the process dies before it hears "250 OK"
    let killedAt: number | undefined;
    catcher.beforeAnswer = async (mail) => {
      if (mail.messageId !== `<${id(second, 'email')}@notifier.ucsc>` || killedAt !== undefined) return;
      killedAt = catcher.mails.length;
      one.child.kill('SIGKILL');
      await one.exited;
    };
    const publisher = new Publisher(testKafka(), names.prefix, testLogger);
    try {
      await publisher.publish('incidentEvents', [reported(incidentId, 'GREEN'), assigned]);
      expect(await one.exited).toBe('SIGKILL');
      expect(killedAt).toBeDefined();
      // as it died: the first email recorded sent, the second only intended, the third not begun
      const state = (key: string) => redis.get(`${names.redisPrefix}notifier:delivery:${key}`);
      expect([await state(id(first, 'email')), await state(id(second, 'email')), await state(id(third, 'email'))]).toEqual(['sent', 'intended', null]);

      const two = await start();
      await waitFor('the third email', () => catcher.to(emails[third.id]!).some((m) => m.text?.includes(incidentId)), 60_000);
      const log = await collectIncidentEvents(names.prefix);
      try {
        const sent = await waitFor('every delivery on the timeline', () => {
          const records = log.events.filter((e) => e.type === 'incident.notification_sent' && e.payload.incidentId === incidentId);
          return records.length >= 6 ? records : undefined;
        });
        // nothing lost: each of the six deliveries (three emails, three in-app) recorded, once (the dead process's transaction never committed)
        const ids = sent.map((e) => (e.payload as { deliveryId: string }).deliveryId).sort();
        expect(ids).toEqual([first, second, third].flatMap((p) => [id(p, 'email'), id(p, 'inapp')]).sort());
      } finally {
        await log.stop();
      }
      // nothing twice: the first email (recorded sent) never again; the second sent again under
      // its one Message-ID (which mail clients keep once); the third once
      const mailsTo = (who: { id: string }) => catcher.to(emails[who.id]!).filter((m) => m.text?.includes(incidentId));
      expect(mailsTo(first)).toHaveLength(1);
      expect(mailsTo(second).map((m) => m.messageId)).toEqual([`<${id(second, 'email')}@notifier.ucsc>`, `<${id(second, 'email')}@notifier.ucsc>`]);
      expect(mailsTo(third)).toHaveLength(1);
      for (const who of [first, second, third]) {
        expect((await new InAppNotifications(redis, names.redisPrefix).page(who.id, [who.id], { limit: 10 })).items.map((i) => i.incidentId)).toEqual([incidentId]);
      }
      two.child.kill('SIGTERM');
      await two.exited;
    } finally {
      await publisher.close();
    }
  });
});
