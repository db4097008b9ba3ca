import WebSocket from 'ws';
import { readIncident } from '@ucsc/shared';
import { bearer, sampleReport, sessionToken, testRedis, waitFor } from './support';
import { connectFeed, postJson, startSystem, type TestSystem } from './support/system';

describe('a report travels from intake to a coordinator’s live board, through Kafka', () => {
  let system: TestSystem;
  let coordinator: string; // a national coordinator watching the whole country
  let submitter: string; // a Tuyên Quang submitter
  let liaisonLeader: string; // Hà Nội's security liaison leader
  beforeAll(async () => {
    system = await startSystem('e2e');
    coordinator = await sessionToken(system.names.redisPrefix, 'dieuphoi');
    submitter = await sessionToken(system.names.redisPrefix, 'tuyenquang.baocao');
    liaisonLeader = await sessionToken(system.names.redisPrefix, 'lanhdao.hanoi');
  });
  afterAll(async () => {
    await system?.close();
  });

  it('the board pushes the assignment to the province’s liaisons, then the acknowledgement', async () => {
    const feed = await connectFeed(system.boardUrl, coordinator);
    try {
      await waitFor('the snapshot', () => feed.frames.find((f) => f.type === 'snapshot'));

      const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province: 'Hà Giang' }), bearer(submitter));
      expect(posted.status).toBe(202);
      const incidentId: string = posted.json.incidentId;
      expect(incidentId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(posted.json.province).toEqual({ code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Hà Giang', formerCode: '02' });

      // the incident, open on screen: its full record on subscribe and after every change
      feed.subscribe('open', { kind: 'incident', id: incidentId });
      const assigned = await waitFor('the assignment on the feed', () => feed.records(incidentId).find((f) => f.incident.assignees.length > 0));
      const incident = assigned.incident;
      expect(incident.state).toBe('routed');
      expect(incident.province.filedAs).toBe('Hà Giang');
      const liaisons = incident.assignees.filter((a: any) => a.kind === 'liaison');
      expect(liaisons.map((l: any) => `${l.organisationId}/${l.role}`).sort()).toEqual([
        'org-dept-digital/leader',
        'org-dept-digital/officer',
        'org-dept-security/leader',
        'org-dept-security/officer',
      ]);
      expect(liaisons.every((l: any) => l.id.startsWith('lia-08-'))).toBe(true);

      // the same state is what the board answers over HTTP
      const fetched = await fetch(`${system.boardUrl}/api/v1/incidents/${incidentId}`, { headers: bearer(coordinator) }).then((r) => r.json());
      expect(fetched).toMatchObject({ id: incidentId, state: 'routed', title: sampleReport().title });

      // the national coordinator acknowledges for a liaison: a command through Kafka to the tracker, and back on the feed
      const leader = liaisons.find((l: any) => l.role === 'leader');
      const ack = await postJson(`${system.boardUrl}/api/v1/incidents/${incidentId}/acknowledge`, { assigneeId: leader.id }, bearer(coordinator));
      expect(ack.status).toBe(200);
      const acknowledged = await waitFor('the acknowledgement on the feed', () => feed.records(incidentId).find((f) => f.eventType === 'incident.acknowledged'));
      expect(acknowledged.incident).toMatchObject({ state: 'acknowledged', portalStatus: 'dang_xu_ly' });
      expect(acknowledged.incident.assignees.find((a: any) => a.id === leader.id).acknowledgedAt).toBeDefined();
      expect(acknowledged.incident.timeline.at(-1).actor).toMatchObject({ kind: 'user', name: 'Điều phối viên quốc gia (demo)' });
      // the list subscription had it too, as a compact item
      expect(feed.items(incidentId).at(-1)).toMatchObject({ state: 'acknowledged', acknowledged: 1 });

      // the submitter, at intake, sees the same progress in the portal's terms
      const status = await fetch(`${system.intakeUrl}/api/v1/reports/${incidentId}`, { headers: bearer(submitter) }).then((r) => r.json() as Promise<any>);
      expect(status).toMatchObject({ incidentId, status: 'dang_xu_ly', statusLabel: 'Đang xử lý', state: 'acknowledged' });
      expect(status.handledBy.find((h: any) => h.name === leader.name).acknowledgedAt).toBeDefined();
      const seen = status.timeline.map((t: any) => t.type);
      expect(seen.filter((t: string) => ['incident.reported', 'incident.assigned', 'incident.acknowledged'].includes(t))).toEqual(['incident.reported', 'incident.assigned', 'incident.acknowledged']);
    } finally {
      feed.close();
    }
  });

  it('a new board client gets the incidents that exist in its first message', async () => {
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'Lộ lọt dữ liệu', province: 'Tuyên Quang' }), bearer(submitter));
    const redis = testRedis();
    try {
      await waitFor('the projection', () => readIncident(redis, system.names.redisPrefix, posted.json.incidentId));
    } finally {
      redis.disconnect();
    }
    const feed = await connectFeed(system.boardUrl, coordinator);
    try {
      const snapshot = await waitFor('the snapshot', () => feed.frames.find((f) => f.type === 'snapshot'));
      expect(snapshot.items.map((i: any) => i.id)).toContain(posted.json.incidentId);
      expect(snapshot.counts.total).toBeGreaterThanOrEqual(snapshot.items.length);
    } finally {
      feed.close();
    }
  });

  it('a list screen gets compact items, the latest of each incident per frame, only what its user may see', async () => {
    const national = await connectFeed(system.boardUrl, coordinator);
    const hanoi = await connectFeed(system.boardUrl, liaisonLeader);
    try {
      await waitFor('both snapshots', () => national.frames.some((f) => f.type === 'snapshot') && hanoi.frames.some((f) => f.type === 'snapshot'));
      const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province: 'Hà Giang' }), bearer(submitter));
      const incidentId: string = posted.json.incidentId;
      const assigned = await waitFor('the assigned incident as a list item', () => national.items(incidentId).find((i) => i.state === 'routed'));
      expect(assigned).toMatchObject({ id: incidentId, province: { code: '08', name: 'Tỉnh Tuyên Quang' }, tlp: 'AMBER', needsCoordinator: expect.any(Boolean) });
      expect(assigned.assignees).toBeGreaterThanOrEqual(5); // the hub and four liaisons
      expect('description' in assigned).toBe(false);
      // a list item is a small part of the whole record (which a list screen is never sent)
      const whole = await fetch(`${system.boardUrl}/api/v1/incidents/${incidentId}`, { headers: bearer(coordinator) }).then((r) => r.text());
      expect(JSON.stringify(assigned).length).toBeLessThan(700);
      expect(JSON.stringify(assigned).length * 4).toBeLessThan(whole.length);
      // one entry per incident in a frame: several events in one flush interval become one item
      for (const frame of national.frames.filter((f) => f.type === 'delta')) {
        const ids = frame.upserts.map((i: any) => i.id);
        expect(new Set(ids).size).toBe(ids.length);
      }
      // Hà Nội's liaison leader follows Hà Nội, not Tuyên Quang
      expect(hanoi.items(incidentId)).toEqual([]);
    } finally {
      national.close();
      hanoi.close();
    }
  });

  it('refuses a feed request it does not know with a 400, before the upgrade', async () => {
    // what to receive is said in subscribe frames: the URL takes no query
    const socket = new WebSocket(`${system.boardUrl.replace(/^http/, 'ws')}/api/v2/feed?view=everything`, { headers: bearer(coordinator) });
    const refused = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      socket.once('open', () => reject(new Error('the feed accepted an unknown view')));
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(body) }));
      });
    });
    socket.on('error', () => undefined); // the refused handshake, expected
    socket.terminate();
    expect(refused.status).toBe(400);
    expect(refused.body.problems[0]).toMatchObject({ field: 'query.view' });
  });

  it('answers 404 for an incident that does not exist, and 400 for an id that is not one', async () => {
    expect((await fetch(`${system.boardUrl}/api/v1/incidents/01J00000000000000000000000`, { headers: bearer(coordinator) })).status).toBe(404);
    const bad = await fetch(`${system.boardUrl}/api/v1/incidents/nope`, { headers: bearer(coordinator) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).problems[0]).toMatchObject({ field: 'params.id' });
  });

  it('each service says it is live and ready (its Kafka and Redis answer) and exposes metrics', async () => {
    for (const app of [system.intake, system.dispatch, system.tracker, system.board]) {
      expect((await app.inject({ url: '/live' })).statusCode).toBe(200);
      const ready = await app.inject({ url: '/ready' });
      expect(ready.statusCode).toBe(200);
      expect(Object.values(ready.json().checks).every((s) => s === 'ok')).toBe(true);
      // every consumer of the service is reported: running, its lag, its progress
      for (const consumer of ready.json().consumers ?? []) expect(consumer).toMatchObject({ state: 'running', healthy: true, lag: expect.any(Number) });
      const metrics = await app.inject({ url: '/metrics' });
      expect(metrics.body).toMatch(/http_request_duration_seconds/);
      if (app !== system.intake) expect(metrics.body).toMatch(/ucsc_consumer_healthy\{group="[^"]+"[^}]*\} 1/);
    }
  });
});
