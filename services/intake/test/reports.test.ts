import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Envelope } from '@ucsc/shared';
import { buildApp, intakeConfigSchema } from '@ucsc/intake';
import { bearer, collectIncidentEvents, createTopics, sampleReport, sessionToken, testLogger, uniqueNames, waitFor } from '../../../test/support';
import { startIdentityOwner } from '../../../test/support/system';

describe('POST /api/v1/reports', () => {
  const names = uniqueNames('intake');
  let owner: Awaited<ReturnType<typeof startIdentityOwner>> | undefined;
  let intake: FastifyInstance;
  let collector: Awaited<ReturnType<typeof collectIncidentEvents>>;
  let token: string;
  let attachmentDir: string;
  const config = () => loadConfig(intakeConfigSchema, { ...names.env, BODY_LIMIT_BYTES: '8192', ATTACHMENT_DIR: attachmentDir });

  beforeAll(async () => {
    attachmentDir = await mkdtemp(join(tmpdir(), 'ucsc-intake-'));
    await createTopics(names.prefix);
    owner = await startIdentityOwner(names);
    intake = await buildApp(config(), { logger: testLogger });
    collector = await collectIncidentEvents(names.prefix);
    token = await sessionToken(names.redisPrefix, 'hanoi.baocao');
  });
  afterAll(async () => {
    await collector?.stop();
    await owner?.close();
    await intake?.close();
    await rm(attachmentDir, { recursive: true, force: true });
  });

  const post = (payload: unknown, headers: Record<string, string> = {}, app = intake) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { 'content-type': 'application/json', ...bearer(token), ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const reportedEvents = (incidentId: string) => collector.events.filter((e) => e.type === 'incident.reported' && e.payload.incidentId === incidentId);
  const fields = (body: { problems: { field: string }[] }) => body.problems.map((p) => p.field).sort();

  it('accepts the whole Biểu mẫu 03 with 202 and the incident id, once Kafka has it, with every field on the event', async () => {
    const report = sampleReport();
    const response = await post(report);
    expect(response.statusCode).toBe(202);
    const { incidentId, status } = response.json();
    expect(status).toBe('cho');
    const event = (await waitFor('the event in Kafka', () => collector.events.find((e) => e.payload.incidentId === incidentId))) as Envelope<'incident.reported'>;
    expect(event).toMatchObject({ type: 'incident.reported', producedBy: 'intake', payload: { title: report.title, tlp: 'AMBER' } });
    expect(event.actor).toMatchObject({ kind: 'user', organisationId: 'org-hub-01', roles: ['submitter'], authenticatedBy: 'password' });
    expect(event.payload.report).toMatchObject({
      reportingOrganisation: report.reportingOrganisation,
      contactPerson: report.contactPerson,
      affectedSystem: { operator: report.affectedSystem.operator, protectionLevel: 3 },
      alreadyHandled: false,
      detection: { methods: ['monitoring'] },
      alreadyNotified: { parties: ['national_coordinator'] },
      technicalDetail: { publicIpAddresses: ['203.162.10.20'], domainNames: ['sotaichinh.hanoi.gov.vn'] },
      confidentialityRequested: false,
    });
    expect(event.payload).toMatchObject({ category: 'defacement', protectionLevel: 3 });
  });

  it('names every missing required field at once', async () => {
    const response = await post({});
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toBe('validation_failed');
    expect(fields(body)).toEqual(
      [
        'body.affectedSystem',
        'body.alreadyHandled',
        'body.alreadyNotified',
        'body.contactPerson',
        'body.description',
        'body.detectedAt',
        'body.detection',
        'body.province',
        'body.reportTime',
        'body.reportingOrganisation',
        'body.title',
      ].sort(),
    );
    for (const problem of body.problems) expect(problem.rule).toBe('invalid_type');
  });

  it('names every missing field inside the groups at once', async () => {
    const response = await post(sampleReport({ reportingOrganisation: {}, contactPerson: {}, affectedSystem: {}, detection: {}, alreadyNotified: {} }));
    expect(response.statusCode).toBe(400);
    expect(fields(response.json())).toEqual(
      [
        'body.reportingOrganisation.name',
        'body.reportingOrganisation.address',
        'body.reportingOrganisation.phone',
        'body.reportingOrganisation.email',
        'body.contactPerson.name',
        'body.contactPerson.position',
        'body.contactPerson.phone',
        'body.contactPerson.email',
        'body.affectedSystem.operator',
        'body.detection.methods',
        'body.alreadyNotified.parties',
      ].sort(),
    );
  });

  it('reports every wrong format in one answer, with the field and the rule, the directory’s checks among them', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const response = await post(
      sampleReport({
        province: 'Atlantis',
        reportingOrganisation: { name: 'Sở Tài chính', address: 'Hà Nội', phone: '12345', email: 'không-phải-email' },
        contactPerson: { name: 'Hoa', position: 'Trưởng phòng', phone: '+1 202 555 0100', email: 'hoa@' },
        affectedSystem: { operator: 'Trung tâm', protectionLevel: 6 },
        detectedAt: future,
        reportTime: 'hôm qua',
        detection: { methods: ['notified'] },
        technicalDetail: { publicIpAddresses: ['203.162.10.20', '2001:db8::1', '300.1.1.1', '2001:db8:::1'], domainNames: ['cổngthôngtin.vn', 'not a domain', '-bad-.vn'] },
        category: 'hacking',
        tlp: 'PURPLE',
      }),
    );
    expect(response.statusCode).toBe(400);
    const problems = response.json().problems.map((p: { field: string; rule: string }) => [p.field, p.rule]);
    expect(problems).toEqual(
      expect.arrayContaining([
        ['body.province', 'known_province'],
        ['body.reportingOrganisation.phone', 'vietnamese_phone'],
        ['body.reportingOrganisation.email', 'invalid_format'],
        ['body.contactPerson.phone', 'vietnamese_phone'],
        ['body.contactPerson.email', 'invalid_format'],
        ['body.affectedSystem.protectionLevel', 'too_big'],
        ['body.detectedAt', 'not_in_future'],
        ['body.reportTime', 'invalid_format'],
        ['body.detection.notifiedBy', 'required_with_notified'],
        ['body.technicalDetail.publicIpAddresses.2', 'ip_address'],
        ['body.technicalDetail.publicIpAddresses.3', 'ip_address'],
        ['body.technicalDetail.domainNames.1', 'domain_name'],
        ['body.technicalDetail.domainNames.2', 'domain_name'],
        ['body.category', 'invalid_value'],
        ['body.tlp', 'invalid_value'],
      ]),
    );
    expect(problems).toHaveLength(15);
  });

  it.each([
    ['a detection time that is not a date', { detectedAt: 'hôm qua' }, 'body.detectedAt', 'invalid_format'],
    ['a detection time in the future', { detectedAt: new Date(Date.now() + 86_400_000).toISOString() }, 'body.detectedAt', 'not_in_future'],
    ['a report time in the future', { reportTime: new Date(Date.now() + 86_400_000).toISOString() }, 'body.reportTime', 'not_in_future'],
    ['an unknown province', { province: 'Atlantis' }, 'body.province', 'known_province'],
    ['an unknown TLP marking', { tlp: 'PURPLE' }, 'body.tlp', 'invalid_value'],
    ['a blank title', { title: '   ' }, 'body.title', 'too_small'],
    ['a protection level of 0', { affectedSystem: { operator: 'Trung tâm', protectionLevel: 0 } }, 'body.affectedSystem.protectionLevel', 'too_small'],
    ['a protection level that is not whole', { affectedSystem: { operator: 'Trung tâm', protectionLevel: 2.5 } }, 'body.affectedSystem.protectionLevel', 'invalid_type'],
    ['a foreign phone number', { contactPerson: { ...sampleReport().contactPerson, phone: '+33 1 42 68 53 00' } }, 'body.contactPerson.phone', 'vietnamese_phone'],
    ['an email without a domain', { contactPerson: { ...sampleReport().contactPerson, email: 'hoa' } }, 'body.contactPerson.email', 'invalid_format'],
    ['an IPv4 address out of range', { technicalDetail: { publicIpAddresses: ['10.0.0.256'] } }, 'body.technicalDetail.publicIpAddresses.0', 'ip_address'],
    ['a malformed IPv6 address', { technicalDetail: { publicIpAddresses: ['fe80::1::2'] } }, 'body.technicalDetail.publicIpAddresses.0', 'ip_address'],
    ['a domain with a space', { technicalDetail: { domainNames: ['hanoi gov.vn'] } }, 'body.technicalDetail.domainNames.0', 'domain_name'],
    ['no way of detection', { detection: { methods: [] } }, 'body.detection.methods', 'too_small'],
    ['"other" detection without saying how', { detection: { methods: ['other'] } }, 'body.detection.other', 'required_with_other'],
    ['"handled" that is not yes or no', { alreadyHandled: 'có lẽ' }, 'body.alreadyHandled', 'invalid_type'],
    ['an unknown category', { category: 'hacking' }, 'body.category', 'invalid_value'],
  ])('rejects %s, naming the field and the rule', async (_what, change, field, rule) => {
    const response = await post(sampleReport(change));
    expect(response.statusCode).toBe(400);
    expect(response.json().problems).toEqual([expect.objectContaining({ field, rule })]);
  });

  it.each([['0912345678'], ['+84 912 345 678'], ['84-912-345-678'], ['(024) 3943 6684'], ['0236.3822.111']])('accepts the Vietnamese phone number %s', async (phone) => {
    const response = await post(sampleReport({ contactPerson: { ...sampleReport().contactPerson, phone } }));
    expect(response.statusCode).toBe(202);
  });

  it('accepts IPv6 addresses and internationalised domain names', async () => {
    const response = await post(sampleReport({ technicalDetail: { publicIpAddresses: ['2001:ee0:4f0c::1', '::ffff:203.162.4.191'], domainNames: ['tênmiền.vn', 'CongThongTin.HaNoi.gov.vn'] } }));
    expect(response.statusCode).toBe(202);
  });

  it('answers 400 for a body that is not JSON, 415 for another content type, 413 past the size limit, never 500', async () => {
    const notJson = await post('{"province": ');
    expect(notJson.statusCode).toBe(400);
    const wrongType = await post('province=Hà Nội', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().error).toBe('unsupported_media_type');
    const tooLarge = await post(sampleReport({ description: 'x'.repeat(9000) }));
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error).toBe('body_too_large');
    for (const odd of ['null', '[]', '"chuỗi"', '42', '{"detection": null, "technicalDetail": 7}']) {
      const response = await post(odd);
      expect(response.statusCode).toBe(400);
    }
  });

  it('stores Vietnamese typed with combining accents (NFD) exactly as the precomposed text (NFC)', async () => {
    const title = 'Tấn công mã hóa dữ liệu ở Đắk Lắk';
    const contact = 'Nguyễn Thị Hoa';
    const nfd = sampleReport({ title: title.normalize('NFD'), province: 'Đắk Lắk'.normalize('NFD'), contactPerson: { ...sampleReport().contactPerson, name: contact.normalize('NFD') } });
    expect(nfd.title).not.toBe(title);
    // a national coordinator files anywhere (a Hà Nội submitter may not file for Đắk Lắk)
    const response = await post(nfd, bearer(await sessionToken(names.redisPrefix, 'dieuphoi')));
    expect(response.statusCode).toBe(202);
    const { incidentId } = response.json();
    const event = (await waitFor('the event', () => collector.events.find((e) => e.payload.incidentId === incidentId))) as Envelope<'incident.reported'>;
    expect(event.payload.title).toBe(title);
    expect(event.payload.report?.contactPerson.name).toBe(contact);
    expect(event.payload.province.code).toBe('66');
  });

  it('accepts a former province name, maps it to its current unit and keeps the name it was filed under', async () => {
    const response = await post(sampleReport({ province: 'Bình Dương' }), bearer(await sessionToken(names.redisPrefix, 'dieuphoi')));
    expect(response.statusCode).toBe(202);
    expect(response.json().province).toEqual({ code: '79', name: 'Thành phố Hồ Chí Minh', filedAs: 'Bình Dương', formerCode: '74' });
  });

  describe('a retried submission', () => {
    it('with the same Idempotency-Key returns the first incident, stored once; the key with other content is refused', async () => {
      const report = sampleReport();
      const key = `retry-${Date.now()}`;
      const first = await post(report, { 'idempotency-key': key });
      const second = await post(report, { 'idempotency-key': key });
      expect(first.statusCode).toBe(202);
      expect(second.statusCode).toBe(202);
      expect(second.json()).toEqual(first.json());
      expect(second.headers['idempotent-replayed']).toBe('true');
      const reused = await post({ ...report, description: 'Một sự cố khác hẳn' }, { 'idempotency-key': key });
      expect(reused.statusCode).toBe(422);
      expect(reused.json().error).toBe('idempotency_key_reused');
      await waitFor('the report in Kafka', () => reportedEvents(first.json().incidentId).length > 0);
      expect(collector.events.filter((e) => e.type === 'incident.reported' && e.payload.title === report.title && e.payload.detectedAt === report.detectedAt)).toHaveLength(1);
    });

    it('without a key, by the same organisation, system and detection time, returns the first incident', async () => {
      const report = sampleReport();
      const first = await post(report);
      // typed again: another time zone, another case, the same instant
      const detectedAt = new Date(Date.parse(report.detectedAt)).toISOString().replace('Z', '+00:00');
      const again = await post({ ...report, detectedAt, reportingOrganisation: { ...report.reportingOrganisation, name: report.reportingOrganisation.name.toUpperCase() } });
      expect(again.statusCode).toBe(202);
      expect(again.json().incidentId).toBe(first.json().incidentId);
      const other = await post({ ...report, affectedSystem: { ...report.affectedSystem, name: 'Hệ thống thư điện tử' } });
      expect(other.json().incidentId).not.toBe(first.json().incidentId);
    });

    it('is recognised within the submitting organisation: another organisation’s same key or same report is its own incident', async () => {
      // another organisation that may file in Hà Nội: the national coordinator's
      const other = bearer(await sessionToken(names.redisPrefix, 'dieuphoi'));
      const report = sampleReport();
      const key = `shared-key-${report.detectedAt}`;
      const mine = await post(report, { 'idempotency-key': key });
      const theirsWithKey = await post(report, { ...other, 'idempotency-key': key });
      const theirsWithout = await post(report, other);
      expect([mine.statusCode, theirsWithKey.statusCode, theirsWithout.statusCode]).toEqual([202, 202, 202]);
      expect(theirsWithKey.headers['idempotent-replayed']).toBeUndefined();
      expect(theirsWithKey.json().incidentId).not.toBe(mine.json().incidentId);
      expect(theirsWithout.json().incidentId).not.toBe(mine.json().incidentId);
      // and each organisation's own retry still finds its own incident
      expect((await post(report, { ...other, 'idempotency-key': key })).json().incidentId).toBe(theirsWithKey.json().incidentId);
    });

    it('sent twenty times at once is stored once', async () => {
      const report = sampleReport();
      const responses = await Promise.all(Array.from({ length: 20 }, () => post(report, { 'idempotency-key': `burst-${report.detectedAt}` })));
      const ids = new Set(responses.map((r) => r.json().incidentId));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(202));
      expect(ids.size).toBe(1);
      const [incidentId] = [...ids] as [string];
      await waitFor('the report in Kafka', () => reportedEvents(incidentId).length > 0);
      expect(reportedEvents(incidentId)).toHaveLength(1);
    });

    it('after intake restarted, and on another copy of intake, returns the first incident', async () => {
      const withKey = sampleReport();
      const withoutKey = sampleReport();
      const first = await post(withKey, { 'idempotency-key': `restart-${withKey.detectedAt}` });
      const firstWithout = await post(withoutKey);
      await intake.close();
      intake = await buildApp(config(), { logger: testLogger });
      const other = await buildApp({ ...config(), SERVICE_INSTANCE: 'second-copy' }, { logger: testLogger });
      try {
        for (const app of [intake, other]) {
          const retried = await post(withKey, { 'idempotency-key': `restart-${withKey.detectedAt}` }, app);
          expect(retried.statusCode).toBe(202);
          expect(retried.json().incidentId).toBe(first.json().incidentId);
          expect((await post(withoutKey, {}, app)).json().incidentId).toBe(firstWithout.json().incidentId);
        }
      } finally {
        await other.close();
      }
      expect(reportedEvents(first.json().incidentId)).toHaveLength(1);
    });

    it('rejects a malformed Idempotency-Key', async () => {
      const response = await post(sampleReport(), { 'idempotency-key': 'khóa có dấu' });
      expect(response.statusCode).toBe(400);
      expect(response.json().problems[0]).toMatchObject({ field: 'headers.idempotency-key' });
    });
  });
});
