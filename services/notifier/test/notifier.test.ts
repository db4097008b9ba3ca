import type { FastifyInstance } from 'fastify';
import type { ParsedMail } from 'mailparser';
import { ulid } from 'ulid';
import { loadConfig, loadDirectoryFiles, makeEnvelope, Publisher, type Envelope } from '@ucsc/shared';
import { seedDirectory } from '@ucsc/dispatch';
import { buildApp, deliveryId, DeliveryLog, HeldEmail, InAppNotifications, notifierConfigSchema } from '@ucsc/notifier';
import { collectIncidentEvents, createTopics, testKafka, testLogger, testRedis, uniqueNames, waitFor, type TestNames } from '../../../test/support';
import { Catcher, ctx, Receiver, reported, secret } from './support';

const liaison = { kind: 'liaison', id: 'lia-08-sec-leader', name: 'Trần Văn B', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'leader' } as const;
const liaisonEmail = 'dungtn@attt.example.gov.vn';
const enterprise = { kind: 'enterprise', id: 'ent-vt-lachong', name: 'Lạc Hồng Telecom', organisationId: 'ent-vt-lachong', organisationName: 'Lạc Hồng Telecom', role: 'responder' } as const;
const BURST = Number(process.env.NOTIFIER_TEST_BURST ?? 10_000);
const hubEmail = 'phongnx@tuyenquang.example.gov.vn';

describe('the notifier, through a real SMTP server and a signing-checking webhook receiver', () => {
  const redis = testRedis();
  const catcher = new Catcher();
  const receiver = new Receiver();
  let names: TestNames;
  let app: FastifyInstance | undefined;
  let publisher: Publisher;

  beforeAll(async () => {
    await Promise.all([catcher.start(), receiver.start()]);
  });
  afterAll(async () => {
    await Promise.all([catcher.close(), receiver.close()]);
    redis.disconnect();
  });
  beforeEach(async () => {
    names = uniqueNames('notifier');
    await createTopics(names.prefix);
    await seedDirectory({ kafka: testKafka(), prefix: names.prefix, data: loadDirectoryFiles(), logger: testLogger });
    publisher = new Publisher(testKafka(), names.prefix, testLogger);
  });
  afterEach(async () => {
    catcher.beforeAnswer = async () => undefined;
    await app?.close();
    app = undefined;
    await publisher.close();
  });

  async function start(env: Record<string, string> = {}, now?: () => Date): Promise<FastifyInstance> {
    const config = loadConfig(notifierConfigSchema, {
      ...names.env,
      SMTP_URL: `smtp://127.0.0.1:${catcher.port}`,
      BOARD_URL: 'http://127.0.0.1:3100',
      WEBHOOK_ENDPOINTS: JSON.stringify([{ id: 'hook-lachong', organisationId: 'ent-vt-lachong', url: receiver.url, secrets: [secret] }]),
      WEBHOOK_ALLOW_PRIVATE: 'true',
      RETRY_SCHEDULE_MS: '50,100,200',
      ...env,
    });
    app = await buildApp(config, { logger: testLogger, ...(now ? { now } : {}) });
    return app;
  }
  const publish = (events: Envelope[]) => publisher.publish('incidentEvents', events as never);
  const inApp = async (addressee: string) => (await new InAppNotifications(redis, names.redisPrefix).page(addressee, [addressee], { limit: 100 })).items;

  it('an assignment, a breach and a rung reach their people by email, webhook and in the app; a signature checks', async () => {
    await start();
    const incidentId = ulid();
    const assigned = makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [liaison, enterprise], reasons: ['rule'] }, ctx);
    const breached = makeEnvelope('incident.deadline_breached', { incidentId, deadlineKey: 'ack', kind: 'acknowledge', basis: 'legal', dueAt: '2026-11-20T04:00:00.000Z', firedAt: '2026-11-20T04:00:01.000Z', late: false }, ctx);
    const rung = makeEnvelope(
      'incident.escalation_rung_reached',
      { incidentId, deadlineKey: 'ack', ladderId: 'default', rung: 1, reaches: 'liaison_leader', recipients: [{ id: 'lia-08-dig-leader', name: 'Lãnh đạo' }], dueAt: '2026-11-20T05:00:00.000Z', firedAt: '2026-11-20T05:00:00.000Z', late: false },
      ctx,
    );
    await publish([reported(incidentId, 'AMBER'), assigned, breached, rung]);

    // email: the assignee hears of the assignment and the breach, the hub of the breach, the rung's liaison of the rung
    await waitFor('the emails', () => catcher.to(liaisonEmail).length >= 2 && catcher.to(hubEmail).length >= 1 && catcher.to('phuongtt@cds.example.gov.vn').length >= 1);
    const toLiaison = catcher.to(liaisonEmail);
    expect(toLiaison.map((m) => m.subject).sort()).toEqual(['Quá hạn xử lý sự cố: Mã độc mã hóa máy chủ hồ sơ', 'Được giao xử lý sự cố: Mã độc mã hóa máy chủ hồ sơ']);
    expect(toLiaison[0]!.text).toContain(`http://127.0.0.1:3100/#/incident/${incidentId}`);
    expect(toLiaison.map((m) => m.messageId).sort()).toEqual([`<${deliveryId(assigned.id, liaison.id, 'email')}@notifier.ucsc>`, `<${deliveryId(breached.id, liaison.id, 'email')}@notifier.ucsc>`].sort());
    expect(catcher.to(hubEmail).map((m) => m.subject)).toEqual(['Quá hạn xử lý sự cố: Mã độc mã hóa máy chủ hồ sơ']);
    expect(catcher.to('phuongtt@cds.example.gov.vn')[0]!.text).toMatch(/Hạn: .*2026/);

    // webhook: the enterprise's registered endpoint, signed and verified with the same library
    await waitFor('the webhooks', () => receiver.received.filter((r) => r.body.data.incidentId === incidentId).length >= 2);
    const hooks = receiver.received.filter((r) => r.body.data.incidentId === incidentId);
    expect(hooks.map((h) => [h.body.type, h.verified])).toEqual([
      ['incident.assigned', true],
      ['incident.deadline_breached', true],
    ]);

    // in the app: each recipient's own list
    const items = (await waitFor('the in-app list', async () => ((await inApp(liaison.id)).length >= 2 ? inApp(liaison.id) : undefined))) as { kind: string; incidentId: string }[];
    expect(items.map((i) => i.kind)).toEqual(['breach', 'assigned']);
    expect((await inApp('lia-08-dig-leader')).map((i) => (i as { kind: string }).kind)).toEqual(['rung']);

    // every delivery is an event on the incident's timeline
    const log = await collectIncidentEvents(names.prefix);
    try {
      const sent = await waitFor('the timeline records', () => {
        const records = log.events.filter((e) => e.type === 'incident.notification_sent' && e.payload.incidentId === incidentId);
        return records.length >= 9 ? records : undefined;
      });
      const ids = sent.map((e) => (e.payload as { deliveryId: string }).deliveryId);
      expect(ids).toEqual(expect.arrayContaining([deliveryId(assigned.id, liaison.id, 'email'), deliveryId(assigned.id, `${enterprise.id}.hook-lachong`, 'webhook'), deliveryId(rung.id, 'lia-08-dig-leader', 'inapp')]));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await log.stop();
    }
  });

  it('addresses people as the directory topic has them now: a changed email counts from the next event', async () => {
    await start();
    const directory = loadDirectoryFiles();
    const entry = directory.liaisons.find((l) => l.id === liaison.id)!;
    const moved = 'b.tran@attt-moi.example.gov.vn';
    await publisher.publish('directoryEvents', [makeEnvelope('directory.liaison_put', { liaison: { ...entry, email: moved } }, ctx)]);
    const incidentId = ulid();
    await publish([reported(incidentId, 'GREEN'), makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [liaison], reasons: ['rule'] }, ctx)]);
    const mail = await waitFor('the email at the new address', () => catcher.to(moved).find((m) => m.text?.includes(incidentId)));
    expect(mail.subject).toBe('Được giao xử lý sự cố: Mã độc mã hóa máy chủ hồ sơ');
    expect(catcher.to(liaisonEmail).filter((m) => m.text?.includes(incidentId))).toHaveLength(0);
  });

  it('a TLP:RED incident is emailed with the link only, never its title', async () => {
    await start();
    const incidentId = ulid();
    await publish([reported(incidentId, 'RED', 'Rò rỉ bí mật nhà nước'), makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [liaison], reasons: ['rule'] }, ctx)]);
    const mail = await waitFor('the email', () => catcher.to(liaisonEmail).find((m) => m.text?.includes(incidentId)));
    expect(mail.subject).toBe('[TLP:RED] Được giao xử lý sự cố');
    expect(mail.text).not.toContain('Rò rỉ');
    expect(JSON.stringify(await inApp(liaison.id))).not.toContain('Rò rỉ');
  });

  it('an on-site team reaches its enterprise and the province’s hub, its arrival and leaving the hub; a report straight to the ministry reaches its leadership', async () => {
    await start();
    const incidentId = ulid();
    const teamId = ulid();
    const sent = makeEnvelope('incident.on_site_team_sent', { incidentId, teamAssigneeId: enterprise.id, people: ['Nguyễn Văn An', 'Lê Thị Bình'], teamId }, ctx);
    const arrived = makeEnvelope('incident.on_site_arrived', { incidentId, teamId }, ctx);
    const left = makeEnvelope('incident.on_site_left', { incidentId, teamId }, ctx);
    const toMinistry = makeEnvelope('incident.ministry_escalated', { incidentId, reason: 'Các Cục chưa phản hồi sau 2 giờ' }, ctx);
    await publish([reported(incidentId, 'AMBER'), sent, arrived, left, toMinistry]);

    const of = (address: string) => catcher.to(address).filter((m) => m.text?.includes(incidentId));
    await waitFor('the on-site and ministry emails', () => of(hubEmail).length >= 3 && of('hahb@most.example.gov.vn').length >= 1 && of('hangdh@attt.example.gov.vn').length >= 1 && of('longhm@lachongtel.example.vn').length >= 1);
    const title = 'Mã độc mã hóa máy chủ hồ sơ';
    expect(of('longhm@lachongtel.example.vn').map((m) => m.subject)).toEqual([`Cử đội hỗ trợ tại hiện trường: ${title}`]);
    expect(of(hubEmail).map((m) => m.subject).sort()).toEqual([`Cử đội hỗ trợ tại hiện trường: ${title}`, `Đội hỗ trợ đã có mặt tại hiện trường: ${title}`, `Đội hỗ trợ đã rời hiện trường: ${title}`].sort());
    for (const address of ['hahb@most.example.gov.vn', 'hangdh@attt.example.gov.vn']) {
      expect(of(address).map((m) => m.subject)).toEqual([`Sự cố được báo cáo thẳng lãnh đạo Bộ: ${title}`]);
    }
    // the enterprise's webhook hears that its team is sent, and nothing it is not addressed by
    await waitFor('the webhook', () => receiver.received.some((r) => r.body.data.incidentId === incidentId));
    expect(receiver.received.filter((r) => r.body.data.incidentId === incidentId).map((r) => [r.body.type, r.verified])).toEqual([['incident.on_site_team_sent', true]]);
    expect((await inApp('org-standing-body')).map((i) => (i as { kind: string }).kind)).toEqual(['ministry']);
  });

  it('retries a webhook the receiver failed twice from the retry queue, under the same webhook-id, once; the partition does not wait for it', async () => {
    // 1.5 s between tries: the next event of the same incident (the same partition) is delivered meanwhile
    await start({ RETRY_SCHEDULE_MS: '1500,1500,1500', RETRY_SWEEP_MS: '100' });
    receiver.answers = [500, 503];
    const incidentId = ulid();
    const assigned = makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [enterprise], reasons: ['rule'] }, ctx);
    const added = makeEnvelope('incident.assignee_added', { incidentId, assignee: liaison, reason: 'hỗ trợ' }, ctx);
    await publish([reported(incidentId, 'GREEN'), assigned, added]);
    const tries = () => receiver.received.filter((r) => r.body.data.incidentId === incidentId);
    // the liaison's email, from the event after the failing one, arrives before the webhook's retries are done
    await waitFor('the liaison email', () => catcher.to(liaisonEmail).some((m) => m.text?.includes(incidentId)));
    expect(tries().length).toBeLessThan(3);
    await waitFor('the third try', () => tries().length >= 3);
    expect(tries().map((t) => t.status)).toEqual([500, 503, 204]);
    expect(new Set(tries().map((t) => t.id))).toEqual(new Set([deliveryId(assigned.id, `${enterprise.id}.hook-lachong`, 'webhook')]));
    expect(tries().every((t) => t.verified)).toBe(true);
    const log = await collectIncidentEvents(names.prefix);
    try {
      const hookId = deliveryId(assigned.id, `${enterprise.id}.hook-lachong`, 'webhook');
      const records = await waitFor('the failures and the delivery on the timeline', () => {
        const mine = log.events.filter((e) => (e.type === 'incident.notification_failed' || e.type === 'incident.notification_sent') && (e.payload as { deliveryId: string }).deliveryId === hookId);
        return mine.length >= 3 ? mine : undefined;
      });
      expect(records.map((e) => [e.type, (e.payload as { attempt?: number }).attempt, (e.payload as { dead?: boolean }).dead])).toEqual([
        ['incident.notification_failed', 1, false],
        ['incident.notification_failed', 2, false],
        ['incident.notification_sent', undefined, undefined],
      ]);
    } finally {
      await log.stop();
    }
    // the email to the enterprise's focal point went once
    expect(catcher.to('longhm@lachongtel.example.vn').filter((m) => m.text?.includes(incidentId))).toHaveLength(1);
    expect(await redis.zcard(`${names.redisPrefix}notifier:retry-due`)).toBe(0);
  });

  it('a delivery that fails past the schedule is dead-lettered and recorded so', async () => {
    await start({ RETRY_SCHEDULE_MS: '50,50', RETRY_SWEEP_MS: '100' });
    receiver.answers = [500, 500, 500];
    const incidentId = ulid();
    const assigned = makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [enterprise], reasons: ['rule'] }, ctx);
    await publish([reported(incidentId, 'GREEN'), assigned]);
    const hookId = deliveryId(assigned.id, `${enterprise.id}.hook-lachong`, 'webhook');
    const log = await collectIncidentEvents(names.prefix);
    try {
      const failures = await waitFor('three failures', () => {
        const mine = log.events.filter((e) => e.type === 'incident.notification_failed' && e.payload.deliveryId === hookId);
        return mine.length >= 3 ? mine : undefined;
      });
      expect(failures.map((e) => (e.payload as { dead: boolean }).dead)).toEqual([false, false, true]);
    } finally {
      await log.stop();
    }
    expect(JSON.parse((await redis.hget(`${names.redisPrefix}notifier:dead-letters`, hookId))!).error).toContain('answered 500');
    expect(receiver.received.filter((r) => r.body.data.incidentId === incidentId)).toHaveLength(3);
  });

  it('an endpoint answering 410 is disabled: the next event is not posted to it', async () => {
    await start();
    receiver.answers = [410];
    const first = ulid();
    const second = ulid();
    await publish([reported(first, 'GREEN'), makeEnvelope('incident.assigned', { incidentId: first, provinceCode: '08', assignees: [enterprise], reasons: ['rule'] }, ctx)]);
    await waitFor('the 410', () => receiver.received.some((r) => r.body.data.incidentId === first));
    await publish([reported(second, 'GREEN'), makeEnvelope('incident.assigned', { incidentId: second, provinceCode: '08', assignees: [enterprise], reasons: ['rule'] }, ctx)]);
    // the second incident's email shows the notifier has handled it
    await waitFor('the second email', () => catcher.to('longhm@lachongtel.example.vn').some((m) => m.text?.includes(second)));
    expect(receiver.received.filter((r) => r.body.data.incidentId === first).map((r) => r.status)).toEqual([410]);
    expect(receiver.received.some((r) => r.body.data.incidentId === second)).toBe(false);
  });

  it('a delivery found recorded sent is not sent again, one found only intended is sent under its id, and a restart sends nothing again', async () => {
    const incidentId = ulid();
    const assigned = makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [liaison, { ...liaison, id: 'lia-08-sec-officer', role: 'officer' }], reasons: ['rule'] }, ctx);
    const log = new DeliveryLog(redis, names.redisPrefix, 60);
    // as a copy killed mid-way left it: the leader's email recorded sent, the officer's email intended (sent, not recorded)
    await redis.set(log.key(deliveryId(assigned.id, liaison.id, 'email')), 'sent');
    await redis.set(log.key(deliveryId(assigned.id, 'lia-08-sec-officer', 'email')), 'intended');
    await start();
    await publish([reported(incidentId, 'GREEN'), assigned]);
    const mail = await waitFor('the officer email', () => catcher.to('hangnh@attt.example.gov.vn').find((m) => m.text?.includes(incidentId)));
    expect(mail.messageId).toBe(`<${deliveryId(assigned.id, 'lia-08-sec-officer', 'email')}@notifier.ucsc>`);
    expect(await log.state(deliveryId(assigned.id, 'lia-08-sec-officer', 'email'))).toBe('sent');
    expect(catcher.to(liaisonEmail).filter((m) => m.text?.includes(incidentId))).toHaveLength(0);

    // a restart (a new copy, the same group) reads nothing again and sends nothing again
    await app!.close();
    await start();
    const later = ulid();
    await publish([reported(later, 'GREEN'), makeEnvelope('incident.assigned', { incidentId: later, provinceCode: '08', assignees: [liaison], reasons: ['rule'] }, ctx)]);
    await waitFor('the later email', () => catcher.to(liaisonEmail).some((m) => m.text?.includes(later)));
    expect(catcher.to('hangnh@attt.example.gov.vn').filter((m) => m.text?.includes(incidentId))).toHaveLength(1);
  });

  it('a held email the SMTP server refuses is tried again on the retry schedule, each failure on the timeline', async () => {
    const officer = 'lia-08-sec-officer';
    const officerEmail = 'hangnh@attt.example.gov.vn';
    await new HeldEmail(redis, names.redisPrefix).setPreferences(officer, { channels: ['email'], quietHours: { start: '22:00', end: '07:00' } });
    let clock = new Date('2026-11-20T16:00:00.000Z'); // 23:00 in Hà Nội
    await start({ HELD_SWEEP_MS: '100', RETRY_SCHEDULE_MS: '300,300' }, () => clock);
    const incidentId = ulid();
    const assigned = makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [{ ...liaison, id: officer, role: 'officer' }], reasons: ['rule'] }, ctx);
    await publish([reported(incidentId, 'GREEN', 'Tấn công giả mạo thư điện tử'), assigned]);
    await waitFor('the email held', async () => (await redis.zscore(`${names.redisPrefix}notifier:held-due`, officer)) !== null || undefined);
    let refused = 0;
    catcher.beforeAnswer = async (mail) => {
      if (mail.text?.includes(incidentId) && refused < 2) {
        refused += 1;
        throw Object.assign(new Error('mailbox busy'), { responseCode: 451 });
      }
    };
    const log = await collectIncidentEvents(names.prefix);
    try {
      clock = new Date('2026-11-21T00:01:00.000Z'); // 07:01: the quiet hours are over
      const records = await waitFor('two failures, then the email', () => {
        const mine = log.events.filter((e) => (e.type === 'incident.notification_failed' || e.type === 'incident.notification_sent') && e.payload.incidentId === incidentId);
        return mine.length >= 3 ? mine : undefined;
      });
      const id = deliveryId(assigned.id, officer, 'email');
      expect(records.map((e) => [e.type, (e.payload as { deliveryId: string }).deliveryId, (e.payload as { attempt?: number }).attempt])).toEqual([
        ['incident.notification_failed', id, 1],
        ['incident.notification_failed', id, 2],
        ['incident.notification_sent', id, undefined],
      ]);
    } finally {
      await log.stop();
    }
    // received three times (two refused), accepted once
    expect(catcher.to(officerEmail).filter((m) => m.text?.includes(incidentId))).toHaveLength(3);
    expect(refused).toBe(2);
  });

  it('quiet hours hold a normal incident until they end; a severe one goes at once', async () => {
    const officer = 'lia-08-sec-officer';
    const officerEmail = 'hangnh@attt.example.gov.vn';
    await new HeldEmail(redis, names.redisPrefix).setPreferences(officer, { channels: ['email', 'inapp'], quietHours: { start: '22:00', end: '07:00' } });
    // 23:00 in Hà Nội; the clock moves on when the test says so
    let clock = new Date('2026-11-20T16:00:00.000Z');
    await start({ HELD_SWEEP_MS: '100' }, () => clock);
    const normal = ulid();
    const severe = ulid();
    const assign = (incidentId: string) => makeEnvelope('incident.assigned', { incidentId, provinceCode: '08', assignees: [{ ...liaison, id: officer, role: 'officer' }], reasons: ['rule'] }, ctx);
    await publish([
      reported(normal, 'GREEN', 'Tấn công giả mạo thư điện tử'),
      assign(normal),
      reported(severe, 'GREEN', 'Tấn công từ chối dịch vụ cổng quốc gia'),
      makeEnvelope('incident.severity_changed', { incidentId: severe, to: 'severe', reason: 'cấp độ 4, gián đoạn dịch vụ' }, ctx),
      assign(severe),
    ]);
    await waitFor('the severe email', () => catcher.to(officerEmail).find((m) => m.text?.includes(severe)));
    // the normal one is in the app at once, and held for email until 07:00 (00:00 UTC)
    await waitFor('the in-app notice', async () => (await inApp(officer)).length === 2 || undefined);
    expect(await redis.zscore(`${names.redisPrefix}notifier:held-due`, officer)).toBe(String(Date.parse('2026-11-21T00:00:00.000Z')));
    expect(catcher.to(officerEmail).filter((m) => m.text?.includes(normal))).toHaveLength(0);
    clock = new Date('2026-11-21T00:01:00.000Z');
    const held = await waitFor('the held email', () => catcher.to(officerEmail).find((m) => m.text?.includes(normal)));
    expect(held.subject).toBe('Được giao xử lý sự cố: Tấn công giả mạo thư điện tử');
    expect(catcher.to(officerEmail).filter((m) => m.text?.includes(severe))).toHaveLength(1);
  });

  it(`a burst of ${BURST.toLocaleString('en')} incidents reaches the province liaison in a bounded number of emails that count them all, most urgent first`, async () => {
    const officer = 'lia-08-dig-officer';
    const officerEmail = 'thaolm@cds.example.gov.vn';
    await start({ GROUP_WINDOW_MS: '2000', GROUP_AFTER: '3', GROUP_MAX_LISTED: '10', HELD_SWEEP_MS: '200' });
    const events: Envelope[] = [];
    const ids: string[] = [];
    for (let i = 0; i < BURST; i++) {
      const incidentId = ulid();
      ids.push(incidentId);
      events.push(reported(incidentId, 'GREEN', `Mã độc lan rộng ${i}`));
      events.push(makeEnvelope('incident.assignee_added', { incidentId, assignee: { ...liaison, id: officer, role: 'officer' }, reason: 'đợt tấn công', offerExpiresAt: new Date(Date.parse('2026-11-21T00:00:00.000Z') + (BURST - i) * 60_000).toISOString() }, ctx));
    }
    const started = Date.now();
    for (let i = 0; i < events.length; i += 1000) await publish(events.slice(i, i + 1000));
    const counted = (mails: ParsedMail[]) =>
      mails.reduce((n, m) => n + (/^(\d+) sự cố mới/.exec(m.subject ?? '')?.[1] ? Number(/^(\d+) sự cố mới/.exec(m.subject!)![1]) : 1), 0);
    await waitFor('every incident counted', () => counted(catcher.to(officerEmail)) >= BURST || undefined, 90_000);
    const mails = catcher.to(officerEmail);
    const elapsedWindows = Math.ceil((Date.now() - started) / 2000);
    expect(counted(mails)).toBe(BURST);
    // in each window: three one by one, one grouped email at its end, and one more for what came while that was sent
    expect(mails.length).toBeLessThanOrEqual((3 + 2) * (elapsedWindows + 1));
    expect(mails.length).toBeLessThan(BURST / 20);
    const grouped = mails.filter((m) => /sự cố mới/.test(m.subject ?? ''));
    expect(grouped.length).toBeGreaterThan(0);
    // most urgent first: the earliest offer deadline leads the list
    // the largest grouped email: with at most BURST / 20 emails, it groups far more than the 10 it lists
    const first = grouped.reduce((a, b) => (counted([b]) > counted([a]) ? b : a));
    expect(counted([first])).toBeGreaterThan(10);
    const titles = [...(first.text ?? '').matchAll(/Mã độc lan rộng (\d+)/g)].map((m) => Number(m[1]));
    expect(titles).toEqual([...titles].sort((a, b) => b - a));
    expect(first.text).toMatch(/… và \d+ thông báo khác/);
  });
});
