import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@ucsc/shared';
import { buildApp, intakeConfigSchema } from '@ucsc/intake';
import { bearer, collectIncidentEvents, createTopics, sampleReport, sessionToken, testLogger, uniqueNames, waitFor } from '../../../test/support';

describe('POST /api/v1/reports', () => {
  const names = uniqueNames('intake');
  let intake: FastifyInstance;
  let collector: Awaited<ReturnType<typeof collectIncidentEvents>>;
  let token: string;

  beforeAll(async () => {
    await createTopics(names.prefix);
    intake = await buildApp(loadConfig(intakeConfigSchema, { ...names.env, BODY_LIMIT_BYTES: '4096' }), { logger: testLogger });
    collector = await collectIncidentEvents(names.prefix);
    token = await sessionToken(names.redisPrefix, 'hanoi.baocao');
  });
  afterAll(async () => {
    await collector?.stop();
    await intake?.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    intake.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...bearer(token), ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

  it('accepts a report with 202 and the incident id, once Kafka has it', async () => {
    const response = await post(sampleReport());
    expect(response.statusCode).toBe(202);
    const { incidentId, status } = response.json();
    expect(status).toBe('cho');
    const event = await waitFor('the event in Kafka', () => collector.events.find((e) => e.payload.incidentId === incidentId));
    expect(event).toMatchObject({ type: 'incident.reported', producedBy: 'intake', payload: { title: sampleReport().title, tlp: 'AMBER' } });
    expect(event.actor).toMatchObject({ kind: 'user', organisationId: 'org-hub-01', roles: ['submitter'], authenticatedBy: 'password' });
  });

  it('names every missing required field at once', async () => {
    const response = await post({});
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toBe('validation_failed');
    expect(body.problems.map((p: { field: string }) => p.field).sort()).toEqual(
      ['body.description', 'body.detectedAt', 'body.province', 'body.reportingOrganisation', 'body.title'].sort(),
    );
    for (const problem of body.problems) expect(problem.rule).toBeTruthy();
  });

  it.each([
    ['a detection time that is not a date', { detectedAt: 'hôm qua' }, 'body.detectedAt', 'invalid_format'],
    ['a detection time in the future', { detectedAt: new Date(Date.now() + 86_400_000).toISOString() }, 'body.detectedAt', 'not_in_future'],
    ['an unknown province', { province: 'Atlantis' }, 'body.province', 'known_province'],
    ['an unknown TLP marking', { tlp: 'PURPLE' }, 'body.tlp', 'invalid_value'],
    ['a blank title', { title: '   ' }, 'body.title', 'too_small'],
    ['an organisation without a name', { reportingOrganisation: {} }, 'body.reportingOrganisation.name', 'invalid_type'],
  ])('rejects %s, naming the field and the rule', async (_what, change, field, rule) => {
    const response = await post(sampleReport(change));
    expect(response.statusCode).toBe(400);
    expect(response.json().problems).toEqual([expect.objectContaining({ field, rule })]);
  });

  it('answers 400 for a body that is not JSON, 415 for another content type, 413 past the size limit', async () => {
    expect((await post('{"province": ')).statusCode).toBe(400);
    const wrongType = await post('province=Hà Nội', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().error).toBe('unsupported_media_type');
    const tooLarge = await post(sampleReport({ description: 'x'.repeat(5000) }));
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error).toBe('body_too_large');
  });

  it('stores Vietnamese typed with combining accents (NFD) exactly as the precomposed text (NFC)', async () => {
    const title = 'Tấn công mã hóa dữ liệu ở Đắk Lắk';
    const response = await post(sampleReport({ title: title.normalize('NFD'), province: 'Đắk Lắk'.normalize('NFD') }));
    expect(response.statusCode).toBe(202);
    const { incidentId } = response.json();
    const event = await waitFor('the event', () => collector.events.find((e) => e.payload.incidentId === incidentId));
    if (event.type !== 'incident.reported') throw new Error('wrong type');
    expect(event.payload.title).toBe(title);
    expect(event.payload.title).toBe(title.normalize('NFC'));
    expect(event.payload.province.code).toBe('66');
  });

  it('accepts a former province name, maps it to its current unit and keeps the name it was filed under', async () => {
    const response = await post(sampleReport({ province: 'Bình Dương' }));
    expect(response.statusCode).toBe(202);
    expect(response.json().province).toEqual({ code: '79', name: 'Thành phố Hồ Chí Minh', filedAs: 'Bình Dương', formerCode: '74' });
  });
});
