import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ulid } from 'ulid';
import { IdentityStore, loadConfig, type Envelope } from '@ucsc/shared';
import { buildApp, intakeConfigSchema } from '@ucsc/intake';
import { buildApp as buildTracker, trackerConfigSchema } from '@ucsc/tracker';
import { bearer, collectIncidentEvents, createTopics, sampleReport, sessionToken, testLogger, testRedis, uniqueNames, waitFor } from '../../../test/support';
import { startIdentityOwner } from '../../../test/support/system';

const fixtures = join(__dirname, 'fixtures');
const root = join(__dirname, '..', '..', '..');

/**
 * Everything after the initial report, on the real Kafka and Redis with the tracker projecting:
 * status for the submitter, follow-up reports, attachments, reports by email, the API description.
 * A Hà Nội submitter files; a Tuyên Quang submitter and a Hà Nội liaison (who sees the province's
 * incidents, but not TLP:RED ones it is not assigned) are the people who may not see some of it.
 */
describe('intake after the initial report', () => {
  const names = uniqueNames('reports');
  let owner: Awaited<ReturnType<typeof startIdentityOwner>> | undefined;
  let intake: FastifyInstance;
  let tracker: FastifyInstance;
  let collector: Awaited<ReturnType<typeof collectIncidentEvents>>;
  let attachmentDir: string;
  let url: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    attachmentDir = await mkdtemp(join(tmpdir(), 'ucsc-attachments-'));
    await createTopics(names.prefix);
    owner = await startIdentityOwner(names);
    const config = loadConfig(intakeConfigSchema, { ...names.env, ATTACHMENT_DIR: attachmentDir, ATTACHMENT_LIMIT_BYTES: '65536' });
    intake = await buildApp(config, { logger: testLogger });
    tracker = await buildTracker(loadConfig(trackerConfigSchema, names.env), { logger: testLogger });
    collector = await collectIncidentEvents(names.prefix);
    url = await intake.listen({ host: '127.0.0.1', port: 0 });
    for (const user of ['hanoi.baocao', 'tuyenquang.baocao', 'lienlac.hanoi', 'kiemtoan']) tokens[user] = await sessionToken(names.redisPrefix, user);
    // the mail gateway of Quảng Nam's network (the province of the email fixtures) files with its organisation's token
    const redis = testRedis();
    try {
      const store = new IdentityStore(redis, names.redisPrefix);
      tokens.gateway = (await store.createToken({ name: 'cổng thư Quảng Nam', organisationId: 'org-hub-48', provinceCodes: ['48'], scopes: ['reports:write', 'reports:read'], expiresInDays: 1, createdBy: 'test' })).secret;
    } finally {
      redis.disconnect();
    }
  });
  afterAll(async () => {
    await collector?.stop();
    await owner?.close();
    await Promise.all([intake?.close(), tracker?.close()]);
    await rm(attachmentDir, { recursive: true, force: true });
  });

  /** a request as the Hà Nội submitter, unless `as` names another demo account */
  const request = (method: 'GET' | 'POST', path: string, payload?: unknown, headers: Record<string, string> = {}, as = 'hanoi.baocao') =>
    intake.inject({
      method,
      url: path,
      headers: { ...(as ? bearer(tokens[as]!) : {}), ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(payload === undefined ? {} : { payload: Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });
  const report = async (overrides: Record<string, unknown> = {}) => {
    const response = await request('POST', '/api/v1/reports', sampleReport(overrides));
    expect(response.statusCode).toBe(202);
    return response.json().incidentId as string;
  };
  const status = (id: string, as?: string) => request('GET', `/api/v1/reports/${id}`, undefined, {}, as);
  const upload = (id: string, content: Buffer | string, query: string, contentType = 'application/octet-stream') =>
    request('POST', `/api/v1/reports/${id}/attachments?${query}`, content, { 'content-type': contentType });

  describe('status for the submitter', () => {
    it('is readable the moment the report is accepted: Chờ, received, nobody handling yet', async () => {
      const id = await report();
      const response = await status(id);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ incidentId: id, status: 'cho', statusLabel: 'Chờ', state: 'reported', handledBy: [] });
      expect(response.json().timeline.map((t: { type: string }) => t.type)).toEqual(['incident.reported']);
    });

    it('is the same 404 for an incident that does not exist and for one the caller may not see', async () => {
      const hanoi = await report();
      const secret = await report({ tlp: 'RED' });
      const otherProvince = await status(hanoi, 'tuyenquang.baocao');
      const redToLiaison = await status(secret, 'lienlac.hanoi');
      const missing = await status(ulid());
      expect(otherProvince.statusCode).toBe(404);
      expect(redToLiaison.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      // nothing tells the two apart but the id echoed back
      expect(otherProvince.json()).toEqual({ ...missing.json(), message: `report ${hanoi} not found` });
      expect((await status(hanoi, 'lienlac.hanoi')).statusCode).toBe(200);
      expect((await status(secret)).statusCode).toBe(200);
      expect((await status(hanoi, '')).statusCode).toBe(401);
      expect((await status('not-an-id')).statusCode).toBe(400);
    });

    it('takes reports and follow-ups only from those the policy lets submit', async () => {
      const id = await report();
      expect((await request('POST', '/api/v1/reports', sampleReport(), {}, 'kiemtoan')).statusCode).toBe(403);
      expect((await request('POST', '/api/v1/reports', sampleReport(), {}, '')).statusCode).toBe(401);
      const followUp = { kind: 'situation_update', reportTime: new Date().toISOString(), situation: 'Ổn định' };
      expect((await request('POST', `/api/v1/reports/${id}/follow-ups`, followUp, {}, 'lienlac.hanoi')).statusCode).toBe(403);
      expect((await request('POST', `/api/v1/reports/${id}/follow-ups`, followUp, {}, 'tuyenquang.baocao')).statusCode).toBe(404);
    });
  });

  describe('follow-up reports', () => {
    it('records each kind the law names as an event on the incident, once per retry, and the end-of-response report moves the state', async () => {
      const id = await report();
      const now = new Date().toISOString();
      const followUps = [
        { kind: 'situation_update', reportTime: now, situation: 'Đã cô lập máy chủ, đang khôi phục từ bản sao lưu.' },
        { kind: 'support_request', reportTime: now, supportNeeded: 'Cần chuyên gia phân tích mã độc.', urgency: 'urgent' },
        { kind: 'direction_request', reportTime: now, question: 'Có nên tạm dừng cổng dịch vụ công?', options: ['Tạm dừng 24 giờ', 'Giữ hoạt động'] },
        { kind: 'final_report', reportTime: now, responseEndedAt: now, whatHappened: 'Mã độc mã hóa dữ liệu.', whatWasDone: 'Khôi phục từ sao lưu, vá lỗ hổng.', damage: 'Gián đoạn 6 giờ.' },
      ];
      const ids: string[] = [];
      for (const followUp of followUps) {
        const response = await request('POST', `/api/v1/reports/${id}/follow-ups`, followUp);
        expect(response.statusCode).toBe(202);
        ids.push(response.json().followUpId);
        const retried = await request('POST', `/api/v1/reports/${id}/follow-ups`, followUp);
        expect(retried.json().followUpId).toBe(response.json().followUpId);
      }
      const events = await waitFor('four follow-up events', () => {
        const found = collector.events.filter((e) => e.type === 'incident.follow_up_reported' && e.payload.incidentId === id);
        return found.length >= 4 && found;
      });
      expect(events).toHaveLength(4);
      expect(events.map((e) => (e as Envelope<'incident.follow_up_reported'>).payload.report.kind)).toEqual(followUps.map((f) => f.kind));
      const view = await waitFor('the tracker to project the end of response', async () => {
        const body = (await status(id)).json();
        return body.state === 'report_received' && body;
      });
      expect(view).toMatchObject({ status: 'dang_xu_ly', statusLabel: 'Đang xử lý' });
      expect(view.followUps.map((f: { followUpId: string }) => f.followUpId)).toEqual(ids);
      expect(view.timeline.map((t: { type: string }) => t.type)).toEqual(['incident.reported', ...Array(4).fill('incident.follow_up_reported')]);
    });

    it('answers 404 for an unknown incident and names every invalid field of a follow-up', async () => {
      const unknown = await request('POST', `/api/v1/reports/${ulid()}/follow-ups`, { kind: 'situation_update', reportTime: new Date().toISOString(), situation: 'Ổn định' });
      expect(unknown.statusCode).toBe(404);
      const id = await report();
      const invalid = await request('POST', `/api/v1/reports/${id}/follow-ups`, { kind: 'final_report', reportTime: new Date(Date.now() + 86_400_000).toISOString() });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().problems.map((p: { field: string }) => p.field).sort()).toEqual(
        ['body.damage', 'body.reportTime', 'body.responseEndedAt', 'body.whatHappened', 'body.whatWasDone'].sort(),
      );
      const unknownKind = await request('POST', `/api/v1/reports/${id}/follow-ups`, { kind: 'gossip' });
      expect(unknownKind.statusCode).toBe(400);
    });
  });

  describe('attachments', () => {
    it('stores content by sha256 outside Kafka, puts only the reference on the event, and serves it only as a download', async () => {
      const id = await report();
      const log = Buffer.from('2026-11-22T02:09:58+07:00 sshd: Accepted password for admin from 185.220.101.7\n');
      const sha256 = createHash('sha256').update(log).digest('hex');
      const uploaded = await upload(id, log, 'kind=log&filename=nhật ký sshd.log', 'text/plain');
      expect(uploaded.statusCode).toBe(202);
      expect(uploaded.json()).toMatchObject({ sha256, size: log.length, kind: 'log', malware: false, tlp: 'AMBER' });
      const event = (await waitFor('the attachment event', () => collector.events.find((e) => e.type === 'incident.attachment_added' && e.payload.incidentId === id))) as Envelope<'incident.attachment_added'>;
      expect(event.payload.attachment.sha256).toBe(sha256);
      expect(JSON.stringify(event)).not.toContain('sshd: Accepted');
      expect(readFileSync(join(attachmentDir, sha256.slice(0, 2), sha256))).toEqual(log);

      const download = await waitFor('the download', async () => {
        const response = await request('GET', `/api/v1/reports/${id}/attachments/${sha256}`);
        return response.statusCode === 200 && response;
      });
      expect(download.rawPayload).toEqual(log);
      expect(download.headers['content-type']).toBe('application/octet-stream');
      expect(download.headers['content-disposition']).toBe(`attachment; filename="nhat ky sshd.log"; filename*=UTF-8''${encodeURIComponent('nhật ký sshd.log')}`);
      expect(download.headers['x-content-type-options']).toBe('nosniff');
      expect(download.headers['x-malware-sample']).toBeUndefined();
      const listed = (await status(id)).json().attachments;
      expect(listed).toEqual([expect.objectContaining({ sha256, filename: 'nhật ký sshd.log', download: `/api/v1/reports/${id}/attachments/${sha256}` })]);
    });

    it('takes a description in a header, kept out of the URL (and so out of request logs), and refuses one in the query', async () => {
      const id = await report();
      const description = 'Nhật ký đăng nhập của máy chủ bị xâm nhập';
      const described = await request('POST', `/api/v1/reports/${id}/attachments?kind=log&filename=auth.log`, Buffer.from('log'), {
        'content-type': 'text/plain',
        'x-attachment-description': encodeURIComponent(description.normalize('NFD')),
      });
      expect(described.statusCode).toBe(202);
      expect(described.json().description).toBe(description);
      const inQuery = await upload(id, Buffer.from('log'), `kind=log&filename=auth.log&description=${encodeURIComponent(description)}`, 'text/plain');
      expect(inQuery.statusCode).toBe(400);
      expect(inQuery.json().problems).toEqual([expect.objectContaining({ field: 'query.description', rule: 'unknown_field' })]);
      const badEncoding = await request('POST', `/api/v1/reports/${id}/attachments?kind=log&filename=auth.log`, Buffer.from('log'), { 'content-type': 'text/plain', 'x-attachment-description': '%E0%A4%A' });
      expect(badEncoding.statusCode).toBe(400);
      expect(badEncoding.json().problems).toEqual([expect.objectContaining({ field: 'headers.x-attachment-description', rule: 'percent_encoded' })]);
    });

    it('flags a malware sample, and an HTML file is still a download, never rendered', async () => {
      const id = await report();
      const sample = Buffer.from('<html><script>alert(1)</script></html>');
      const uploaded = await upload(id, sample, 'kind=malware_sample&filename=dropper.html', 'text/html');
      expect(uploaded.json()).toMatchObject({ malware: true, mediaType: 'text/html' });
      const download = await waitFor('the download', async () => {
        const response = await request('GET', `/api/v1/reports/${id}/attachments/${uploaded.json().sha256}`);
        return response.statusCode === 200 && response;
      });
      expect(download.headers['content-type']).toBe('application/octet-stream');
      expect(download.headers['content-disposition']).toMatch(/^attachment;/);
      expect(download.headers['x-malware-sample']).toBe('true');
      expect(download.headers['content-security-policy']).toContain('sandbox');
    });

    it('refuses an attachment past the size limit with 413, and one for an unknown incident with 404', async () => {
      const id = await report();
      const tooLarge = await upload(id, Buffer.alloc(65_537, 1), 'kind=other&filename=dump.bin');
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.json().error).toBe('body_too_large');
      expect((await upload(ulid(), Buffer.from('x'), 'filename=a.txt')).statusCode).toBe(404);
      expect((await upload(id, Buffer.from('x'), 'filename=../../etc/passwd')).statusCode).toBe(400);
    });

    it('is not downloadable by someone who may not see it: its own TLP:RED, or another incident’s', async () => {
      const id = await report();
      const other = await report();
      const secret = Buffer.from('khóa bí mật của máy chủ');
      const uploaded = await upload(id, secret, 'kind=other&filename=key.pem&tlp=RED');
      expect(uploaded.statusCode).toBe(202);
      const sha256 = uploaded.json().sha256 as string;
      await waitFor('the attachment to be projected', async () => (await status(id)).json().attachments.length === 1);
      // the liaison sees the AMBER incident, but not its TLP:RED attachment
      expect((await status(id, 'lienlac.hanoi')).statusCode).toBe(200);
      const denied = await request('GET', `/api/v1/reports/${id}/attachments/${sha256}`, undefined, {}, 'lienlac.hanoi');
      expect(denied.statusCode).toBe(404);
      expect(denied.rawPayload.includes(secret)).toBe(false);
      // another province's submitter sees neither
      expect((await request('GET', `/api/v1/reports/${id}/attachments/${sha256}`, undefined, {}, 'tuyenquang.baocao')).statusCode).toBe(404);
      // the reporting organisation downloads it, but only from the incident it belongs to
      expect((await request('GET', `/api/v1/reports/${id}/attachments/${sha256}`)).statusCode).toBe(200);
      expect((await request('GET', `/api/v1/reports/${other}/attachments/${sha256}`)).statusCode).toBe(404);
    });
  });

  describe('reports by email', () => {
    const eml = readFileSync(join(fixtures, 'bieu-mau-03.eml'));
    const postEmail = (raw: Buffer | string, contentType = 'message/rfc822', as = 'gateway') => request('POST', '/api/v1/reports/email', raw, { 'content-type': contentType }, as);

    it('turns a [TBSC] email into the same report, with its files as attachments; the same email again is the same incident', async () => {
      const response = await postEmail(eml);
      expect(response.statusCode).toBe(202);
      const { incidentId, attachments } = response.json();
      expect(attachments.map((a: { filename: string }) => a.filename)).toEqual(['auth.log', 'malware-sample.bin']);
      const reported = (await waitFor('the report', () => collector.events.find((e) => e.type === 'incident.reported' && e.payload.incidentId === incidentId))) as Envelope<'incident.reported'>;
      expect(reported.payload).toMatchObject({
        title: 'Mã độc mã hóa dữ liệu máy chủ văn bản',
        province: { code: '48', filedAs: 'Quảng Nam' },
        detectedAt: '2026-11-21T19:10:00.000Z',
        description: 'Máy chủ quản lý văn bản bị mã hóa dữ liệu, xuất hiện tệp đòi tiền chuộc.\nCác tệp .docx bị đổi đuôi thành .locked.',
      });
      expect(reported.payload.report).toMatchObject({
        contactPerson: { name: 'Trần Văn Bình', phone: '0905 123 456' },
        affectedSystem: { protectionLevel: 3 },
        alreadyHandled: false,
        detection: { methods: ['monitoring', 'log_review'] },
        alreadyNotified: { parties: ['national_coordinator'] },
        technicalDetail: { services: ['web', 'database'], securityMeasures: ['firewall', 'antivirus'], publicIpAddresses: ['203.113.1.5', '2001:ee0::5'] },
        confidentialityRequested: true,
      });
      expect(reported.payload).toMatchObject({ category: 'ransomware', protectionLevel: 3 });
      const added = await waitFor('both attachments', () => {
        const found = collector.events.filter((e) => e.type === 'incident.attachment_added' && e.payload.incidentId === incidentId) as Envelope<'incident.attachment_added'>[];
        return found.length === 2 && found;
      });
      expect(added.map((e) => [e.payload.attachment.filename, e.payload.attachment.kind, e.payload.attachment.malware])).toEqual([
        ['auth.log', 'log', false],
        ['malware-sample.bin', 'malware_sample', true],
      ]);
      expect((await postEmail(eml)).json().incidentId).toBe(incidentId);
    });

    it('an email is filed within its sender’s provinces, as a JSON report is: Hà Nội’s submitter cannot file Quảng Nam’s', async () => {
      const refused = await postEmail(eml, 'message/rfc822', 'hanoi.baocao');
      expect([refused.statusCode, refused.json().error]).toEqual([403, 'province_outside_scope']);
    });

    it('rejects an incomplete email with a list of what is missing, by the labels of the form', async () => {
      const response = await postEmail(readFileSync(join(fixtures, 'incomplete.eml')));
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body.error).toBe('email_rejected');
      const messages = body.problems.map((p: { message: string }) => p.message);
      for (const label of ['Người liên hệ: thiếu', 'Chức vụ: thiếu', 'Điện thoại đơn vị: thiếu', 'Đơn vị vận hành hệ thống: thiếu', 'Cách thức phát hiện: thiếu', 'Đã thông báo cho: thiếu', 'Tình trạng (đã xử lý / chưa xử lý): thiếu']) {
        expect(messages).toContainEqual(expect.stringContaining(label));
      }
    });

    it('rejects an email without the [TBSC] subject prefix, and another content type with 415', async () => {
      const plain = eml.toString('latin1').replace(/^Subject: .*$/m, 'Subject: Hello');
      const response = await postEmail(Buffer.from(plain, 'latin1'));
      expect(response.statusCode).toBe(400);
      expect(response.json().problems).toEqual([expect.objectContaining({ field: 'email.subject', rule: 'tbsc_prefix' })]);
      expect((await postEmail(eml, 'text/plain')).statusCode).toBe(415);
    });

    it('submits email files from the command line, saying what is missing', async () => {
      // asynchronously: the intake answering it runs in this very process
      const run = (file: string) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          const cli = join(root, 'services', 'intake', 'dist', 'bin', 'submit-email.js');
          execFile('node', [cli, join(fixtures, file), '--url', url], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, UCSC_TOKEN: tokens.gateway } }, (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          );
        });
      const accepted = await run('bieu-mau-03.eml');
      expect(accepted.stdout).toMatch(/accepted as incident [0-9A-Z]{26}/);
      expect(accepted.code).toBe(0);
      const rejected = await run('incomplete.eml');
      expect(rejected.code).toBe(1);
      expect(rejected.stderr).toContain('Người liên hệ: thiếu');
    });
  });

  describe('API description', () => {
    it('is an OpenAPI document generated from the schemas the routes declare and validate with, and a page to read it', async () => {
      const doc = (await request('GET', '/api/v1/openapi.json', undefined, {}, '')).json();
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/api/v1/reports', '/api/v1/reports/{id}', '/api/v1/reports/{id}/follow-ups', '/api/v1/reports/{id}/attachments', '/api/v1/reports/email']),
      );
      const submission = doc.components.schemas.ReportSubmission;
      expect(submission.required).toEqual(expect.arrayContaining(['province', 'reportingOrganisation', 'contactPerson', 'affectedSystem', 'detectedAt', 'reportTime']));
      expect(submission.properties.affectedSystem.properties.protectionLevel).toMatchObject({ type: 'integer', minimum: 1, maximum: 5 });
      expect(submission.properties.category.enum).toContain('ransomware');
      // every operation needs a credential, and says what happens without one
      expect(doc.security).toEqual([{ bearer: [] }]);
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(Object.keys(doc.paths['/api/v1/reports'].post.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '503']));
      // each route's declaration is what validates it: the document shows the rule the route applies
      expect(doc.paths['/api/v1/reports/{id}/attachments'].post.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(
        expect.arrayContaining(['path:id', 'query:filename', 'query:kind', 'header:idempotency-key']),
      );
      // the page (Swagger UI) is served by intake itself and loads nothing from elsewhere
      const page = await request('GET', '/api/docs/', undefined, {}, '');
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toMatch(/default-src 'self'.*script-src 'self' ?;/);
      expect(page.headers['content-security-policy']).not.toMatch(/https:|swagger\.io|upgrade-insecure-requests|script-src[^;]*unsafe/);
      expect(page.body).not.toMatch(/(src|href)="https?:/);
      const initializer = await request('GET', '/api/docs/static/swagger-initializer.js', undefined, {}, '');
      expect(initializer.body).toContain('/api/v1/openapi.json');
    });
  });
});
