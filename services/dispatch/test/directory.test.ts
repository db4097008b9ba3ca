import type { FastifyInstance, InjectOptions } from 'fastify';
import { ulid } from 'ulid';
import { loadConfig, loadDirectoryFiles } from '@ucsc/shared';
import { buildApp, dispatchConfigSchema, seedDirectory, toCsv } from '@ucsc/dispatch';
import { bearer, collectMessages, createTopics, sessionToken, testKafka, testLogger, uniqueNames, waitFor, type TestNames } from '../../../test/support';
import { startIdentityOwner } from '../../../test/support/system';

const demo = loadDirectoryFiles();


describe('the directory: event-sourced on Kafka, managed through the admin API', () => {
  let names: TestNames;
  let owner: Awaited<ReturnType<typeof startIdentityOwner>> | undefined;
  let dispatch: FastifyInstance;
  const build = () => buildApp(loadConfig(dispatchConfigSchema, { ...names.env, SERVICE_INSTANCE: ulid() }), { logger: testLogger });

  let admin: Record<string, string>;
  /** the admin API needs an admin; every request here is one */
  const asAdmin = (app: FastifyInstance, options: InjectOptions) => app.inject({ ...options, headers: { ...admin, ...(options.headers ?? {}) } });

  beforeAll(async () => {
    names = uniqueNames('directory');
    await createTopics(names.prefix);
    owner = await startIdentityOwner(names);
    expect(await seedDirectory({ kafka: testKafka(), prefix: names.prefix, data: demo, logger: testLogger })).toBeGreaterThan(100);
    dispatch = await build();
    admin = bearer(await sessionToken(names.redisPrefix, 'quantri'));
  });
  afterAll(async () => {
    await dispatch?.close();
    await owner?.close();
  });

  it('seeds an empty topic once; seeding again changes nothing', async () => {
    expect(await seedDirectory({ kafka: testKafka(), prefix: names.prefix, data: demo, logger: testLogger })).toBe(0);
    const body = (await asAdmin(dispatch, { url: '/api/v1/directory' })).json();
    expect(body.units).toHaveLength(34);
    expect(body.enterprises).toHaveLength(demo.enterprises.length);
  });

  it('a change is an event with who made it and why, and a dispatch started later rebuilds the same directory from the events', async () => {
    const enterprise = { ...demo.enterprises[0]!, id: 'ent-new-firm', name: 'Công ty Mới', capacity: 7 };
    const put = await asAdmin(dispatch, { method: 'PUT', url: '/api/v1/directory/enterprises/ent-new-firm?reason=gia%20nh%E1%BA%ADp%20m%E1%BA%A1ng%20l%C6%B0%E1%BB%9Bi', payload: enterprise });
    expect(put.statusCode).toBe(200);
    expect((await asAdmin(dispatch, { url: '/api/v1/directory/enterprises/ent-new-firm' })).json()).toMatchObject({ capacity: 7 });
    const leave = await asAdmin(dispatch, { method: 'POST', url: '/api/v1/directory/liaisons/lia-01-sec-officer/leave', payload: { reason: 'nghỉ phép' } });
    expect(leave.statusCode).toBe(200);
    const removed = await asAdmin(dispatch, { method: 'DELETE', url: '/api/v1/directory/enterprises/ent-vt-kimquy' });
    expect(removed.statusCode).toBe(200);

    const log = await collectMessages(names.prefix, 'directoryEvents');
    try {
      const put = await waitFor('the put event', () => log.events.find((e) => e.type === 'directory.enterprise_put' && e.payload.enterprise.id === 'ent-new-firm'));
      expect(put.actor).toMatchObject({ kind: 'user', id: expect.stringMatching(/^usr-/), roles: ['admin'] });
      expect(put.type === 'directory.enterprise_put' && put.payload.reason).toBe('gia nhập mạng lưới');
      await waitFor('the removal', () => log.events.find((e) => e.type === 'directory.enterprise_removed'));
    } finally {
      await log.stop();
    }

    const later = await build();
    try {
      const rebuilt = (await asAdmin(later, { url: '/api/v1/directory' })).json();
      expect(rebuilt).toEqual((await asAdmin(dispatch, { url: '/api/v1/directory' })).json());
      expect(rebuilt.enterprises.some((e: { id: string }) => e.id === 'ent-vt-kimquy')).toBe(false);
      expect(rebuilt.liaisons.find((l: { id: string }) => l.id === 'lia-01-sec-officer').onLeave).toBe(true);
    } finally {
      await later.close();
    }
  });

  it('refuses an entry that breaks a rule, naming the field and the rule', async () => {
    const liaison = { ...demo.liaisons[0]!, id: 'lia-bad', provinceCode: '99' };
    const response = await asAdmin(dispatch, { method: 'PUT', url: '/api/v1/directory/liaisons/lia-bad', payload: liaison });
    expect(response.statusCode).toBe(400);
    expect(response.json().problems).toEqual([{ field: 'body.provinceCode', rule: 'known_unit', message: 'no province or city with code 99' }]);
    const mismatch = await asAdmin(dispatch, { method: 'PUT', url: '/api/v1/directory/liaisons/other', payload: demo.liaisons[0] });
    expect(mismatch.json().problems[0]).toMatchObject({ field: 'body.id', rule: 'matches_url' });
    const inUse = await asAdmin(dispatch, { method: 'DELETE', url: '/api/v1/directory/organisations/org-dept-security' });
    expect(inUse.statusCode).toBe(409);
  });

  it('a CSV roster with one bad row is rejected whole, naming the row and the reason; fixed, it is imported in one go', async () => {
    const rows = [
      { ...demo.enterprises[1]!, id: 'ent-import-1', name: 'Công ty Nhập Một' },
      { ...demo.enterprises[2]!, id: 'ent-import-2', name: 'Công ty Nhập Hai', capacity: 0 },
      { ...demo.enterprises[3]!, id: 'ent-import-3', name: 'Công ty Nhập Ba' },
    ];
    const bad = await asAdmin(dispatch, { method: 'POST', url: '/api/v1/directory/enterprises/import', headers: { 'content-type': 'text/csv' }, payload: toCsv('enterprises', rows) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'roster_rejected', problems: [{ row: 2, field: 'capacity', rule: 'too_small' }] });
    expect((await asAdmin(dispatch, { url: '/api/v1/directory/enterprises/ent-import-1' })).statusCode).toBe(404);

    rows[1]!.capacity = 4;
    const good = await asAdmin(dispatch, { method: 'POST', url: '/api/v1/directory/enterprises/import?reason=danh%20s%C3%A1ch%202026', headers: { 'content-type': 'text/csv' }, payload: toCsv('enterprises', rows) });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ imported: 3, entity: 'enterprises' });
    const exported = await asAdmin(dispatch, { url: '/api/v1/directory/enterprises?format=csv' });
    expect(exported.headers['content-type']).toMatch(/text\/csv/);
    expect(exported.body).toContain('ent-import-2');
  });

  it('a JSON roster is checked the same way', async () => {
    const response = await asAdmin(dispatch, { method: 'POST', url: '/api/v1/directory/liaisons/import', payload: { liaisons: [{ ...demo.liaisons[0]!, id: 'lia-json', email: 'nope' }] } });
    expect(response.statusCode).toBe(400);
    expect(response.json().problems).toEqual([{ row: 1, field: 'email', rule: 'invalid_format', message: 'row 1: must be an email address' }]);
  });
});
