import { indexKeys, readIncident, type IncidentView } from '@ucsc/shared';
import { bearer, sampleReport, sessionToken, testRedis, waitFor } from './support';
import { postJson, startSystem, type TestSystem } from './support/system';

// Issue 12: the board suggests likely duplicates of an incident, scoped to what the caller may see,
// and the coordinator merges one in a single action.
describe('duplicate suggestions on the board, on the real Kafka and Redis', () => {
  let system: TestSystem;
  let coordinator: Record<string, string>;
  let submitter: Record<string, string>;
  let gateway: Record<string, string>;
  const redis = testRedis();
  beforeAll(async () => {
    system = await startSystem('duplicates');
    coordinator = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
    submitter = bearer(await sessionToken(system.names.redisPrefix, 'hanoi.baocao'));
    gateway = bearer(await sessionToken(system.names.redisPrefix, 'tiepnhan.demo'));
  });
  afterAll(async () => {
    await system?.close();
    redis.disconnect();
  });

  const view = async (id: string) => (await readIncident(redis, system.names.redisPrefix, id)) as IncidentView | undefined;
  async function report(body: Record<string, unknown>, headers: Record<string, string>): Promise<string> {
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, body, headers);
    expect(posted.status).toBe(202);
    const id: string = posted.json.incidentId;
    await waitFor('projected', async () => (await view(id)) !== undefined);
    return id;
  }
  const duplicates = async (id: string, headers: Record<string, string>, query = '') => {
    const response = await fetch(`${system.boardUrl}/api/v1/incidents/${id}/duplicates${query}`, { headers });
    return { status: response.status, json: (await response.json()) as any };
  };
  const ids = (answer: { json: any }) => answer.json.suggestions.map((s: { incidentId: string }) => s.incidentId).sort();

  it('a report sent first with an Idempotency-Key and again without one is two incidents, suggested as duplicates and merged in one action', async () => {
    const body = sampleReport({ technicalDetail: { publicIpAddresses: ['198.51.100.7'], domainNames: ['khobac.hanoi.gov.vn'] } });
    const first = await report(body, { ...submitter, 'idempotency-key': `dup-${Date.now()}` });
    const again = await report(body, submitter);
    expect(again).not.toBe(first);

    const suggested = await duplicates(again, coordinator);
    expect(suggested.status).toBe(200);
    const one = suggested.json.suggestions.find((s: { incidentId: string }) => s.incidentId === first);
    expect(one.reasons.map((r: { kind: string }) => r.kind).sort()).toEqual(['same_organisation_and_system', 'shared_domain', 'shared_ip']);
    expect(one.reasons).toContainEqual({ kind: 'shared_ip', ips: ['198.51.100.7'] });

    const merged = await postJson(`${system.boardUrl}/api/v1/incidents/${again}/merge`, { intoIncidentId: first, reason: 'Gửi lại cùng một báo cáo' }, coordinator);
    expect([merged.status, merged.json.outcome, merged.json.state]).toEqual([200, 'applied', 'merged']);
    // merged away, it is no longer suggested for the one it went into
    expect(ids(await duplicates(first, coordinator))).not.toContain(again);
  });

  it('suggests another organisation’s report sharing an IP only to those who may see it, and only within the window', async () => {
    const ip = '192.0.2.55';
    // a system of its own: the first test's reports are the same organisation's and system
    const own = await report(sampleReport({ affectedSystem: { operator: 'Phòng Ngân sách', name: 'Hệ thống thu ngân sách' }, technicalDetail: { publicIpAddresses: [ip] } }), submitter);
    const other = await report(
      sampleReport({ reportingOrganisation: { ...sampleReport().reportingOrganisation, name: 'Sở Xây dựng Hà Nội' }, affectedSystem: { operator: 'Sở Xây dựng', name: 'Cổng dịch vụ công' }, technicalDetail: { publicIpAddresses: [ip] } }),
      gateway,
    );
    const longAgo = await report(sampleReport({ detectedAt: new Date(Date.now() - 10 * 24 * 3_600_000).toISOString(), affectedSystem: { operator: 'Khác', name: 'Hệ thống khác' }, technicalDetail: { publicIpAddresses: [ip] } }), submitter);

    const forCoordinator = await duplicates(own, coordinator);
    expect(forCoordinator.json.windowHours).toBe(72);
    expect(ids(forCoordinator)).toEqual([other]);
    expect(forCoordinator.json.suggestions[0].reasons).toEqual([{ kind: 'shared_ip', ips: [ip] }]);
    // a wider window finds the one detected ten days earlier
    expect(ids(await duplicates(own, coordinator, '?windowHours=720'))).toEqual([longAgo, other].sort());
    // the submitter does not see the other organisation's report, so it is not named to it
    expect(ids(await duplicates(own, submitter, '?windowHours=720'))).toEqual([longAgo]);
    // nor does the other see this one: 404, as for an unknown incident
    expect((await duplicates(own, gateway)).status).toBe(404);
    const bad = await duplicates(own, coordinator, '?windowHours=-3');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toMatch(/windowHours/);
  });

  it('the tracker’s index of shared traits follows a merge, an un-merge and a rejection, so the suggestions do too', async () => {
    const ip = '203.0.113.77';
    const traitSet = indexKeys(system.names.redisPrefix).duplicates(`ip:${ip}`);
    const members = async () => (await redis.zrange(traitSet, 0, -1)).sort();
    const a = await report(sampleReport({ affectedSystem: { operator: 'Phòng A', name: 'Hệ thống A' }, technicalDetail: { publicIpAddresses: [ip] } }), submitter);
    const b = await report(sampleReport({ affectedSystem: { operator: 'Phòng B', name: 'Hệ thống B' }, technicalDetail: { publicIpAddresses: [ip] } }), submitter);
    expect(await members()).toEqual([a, b].sort());
    expect(ids(await duplicates(a, coordinator))).toEqual([b]);
    const state = async (id: string) => (await view(id))?.state;

    expect((await postJson(`${system.boardUrl}/api/v1/incidents/${b}/merge`, { intoIncidentId: a, reason: 'Cùng một vụ' }, coordinator)).status).toBe(200);
    // written with the view, in the same call: when the view says merged, the index has let it go
    await waitFor('merged', async () => (await state(b)) === 'merged' || undefined);
    expect(await members()).toEqual([a]);
    expect(ids(await duplicates(a, coordinator))).toEqual([]);

    expect((await postJson(`${system.boardUrl}/api/v1/incidents/${b}/unmerge`, { reason: 'Hai vụ khác nhau' }, coordinator)).status).toBe(200);
    await waitFor('un-merged', async () => (await state(b)) !== 'merged' || undefined);
    expect(await members()).toEqual([a, b].sort());
    expect(ids(await duplicates(a, coordinator))).toEqual([b]);

    expect((await postJson(`${system.boardUrl}/api/v1/incidents/${b}/reject`, { reason: 'Quét thử' }, coordinator)).status).toBe(200);
    await waitFor('rejected', async () => (await state(b)) === 'rejected' || undefined);
    expect(await members()).toEqual([a]);
  });
});
