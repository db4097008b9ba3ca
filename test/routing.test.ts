import { loadDirectoryFiles, makeEnvelope, topicName, type RenderedIncidentView as IncidentView } from '@ucsc/shared';
import { bearer, collectIncidentEvents, sampleReport, sessionToken, testKafka, waitFor } from './support';
import { postJson, startSystem, type TestSystem } from './support/system';

// the national coordinator may answer for any enterprise and override routing
let auth: Record<string, string> = {};
const post = (url: string, body: unknown) => postJson(url, body, auth);

const coordinator = { kind: 'user', id: 'coordinator-1', name: 'Điều phối viên', authenticatedBy: 'none' } as const;

async function incident(system: TestSystem, id: string): Promise<IncidentView | undefined> {
  const response = await fetch(`${system.boardUrl}/api/v1/incidents/${id}`, { headers: auth });
  return response.ok ? ((await response.json()) as IncidentView) : undefined;
}

const offeredTo = (view: IncidentView | undefined) => view?.assignees.filter((a) => a.kind === 'enterprise' && a.status === 'offered').map((a) => a.id) ?? [];

describe('classification and routing through Kafka, with enterprises answering on the board', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem('routing', { ACCEPTANCE_WINDOW_SECONDS: '3600' });
    auth = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
  });
  afterAll(async () => {
    await system?.close();
  });

  async function report(extra: Record<string, unknown>) {
    const posted = await post(`${system.intakeUrl}/api/v1/reports`, sampleReport(extra));
    expect(posted.status).toBe(202);
    return posted.json.incidentId as string;
  }

  it('classifies a severe incident with reasons, assigns the coordinator and standing body, and offers it to two enterprises', async () => {
    const id = await report({ category: 'malware', affectedSystem: { operator: 'Trung tâm CNTT', protectionLevel: 4 }, impacts: ['service_interruption'], ownerCanHandleAlone: false, tlp: 'AMBER' });
    const view = await waitFor('two offers', async () => {
      const v = await incident(system, id);
      return offeredTo(v).length === 2 && v;
    });
    expect(view.classification).toMatchObject({ severity: 'severe', priority: 'P1', category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER' });
    expect(view.assignees.map((a) => a.kind)).toEqual(expect.arrayContaining(['province_hub', 'liaison', 'national_coordinator', 'standing_body']));
    const types = view.timeline.map((t) => t.type);
    expect(types).toEqual(expect.arrayContaining(['incident.classified', 'incident.assigned', 'incident.assignment_offered']));
    const offer = view.timeline.find((t) => t.type === 'incident.assignment_offered');
    expect(offer?.details?.some((d) => d.startsWith('✓'))).toBe(true);
  });

  it('a decline on the board goes to the next enterprise that fits, never back; accepting ends the offer', async () => {
    const id = await report({ category: 'malware', province: 'Quảng Nam' });
    const first = await waitFor('an offer', async () => offeredTo(await incident(system, id))[0]);
    const declined = await post(`${system.boardUrl}/api/v1/incidents/${id}/assignments/${first}/decline`, { reason: 'Đang quá tải' });
    expect(declined.status).toBe(200);
    const second = await waitFor('the next offer', async () => offeredTo(await incident(system, id)).find((e) => e !== first));
    const view = await incident(system, id);
    expect(view?.assignees.find((a) => a.id === first)).toMatchObject({ status: 'declined', declineReason: 'Đang quá tải' });
    expect(view?.province).toMatchObject({ code: '48', filedAs: 'Quảng Nam' });

    expect((await post(`${system.boardUrl}/api/v1/incidents/${id}/assignments/${second}/accept`, {})).status).toBe(200);
    await waitFor('accepted', async () => (await incident(system, id))?.assignees.find((a) => a.id === second)?.status === 'accepted');
    // an answer to an offer that is no longer open is refused at once
    const again = await post(`${system.boardUrl}/api/v1/incidents/${id}/assignments/${first}/decline`, { reason: 'lần nữa' });
    expect(again.status).toBe(409);
  });

  it('the facts classification needs are optional on a report, and checked when given', async () => {
    const bad = await post(
      `${system.intakeUrl}/api/v1/reports`,
      sampleReport({ affectedSystem: { operator: 'Trung tâm CNTT', protectionLevel: 6 }, category: 'hacking', impacts: ['boredom'], severity: 'severe' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.json.problems.map((p: { field: string; rule: string }) => `${p.field} ${p.rule}`).sort()).toEqual([
      'body.affectedSystem.protectionLevel too_big',
      'body.category invalid_value',
      'body.impacts.0 invalid_value',
      'body.severity unknown_field',
    ]);
    // none of them given: a normal incident of category "other"
    const id = await report({ category: undefined, affectedSystem: { operator: 'Trung tâm CNTT' } });
    const view = await waitFor('classified', async () => (await incident(system, id))?.classification);
    expect(view).toMatchObject({ severity: 'normal', category: 'other', priority: 'P4' });
  });

  it('a decline without a reason is refused, naming the field', async () => {
    const id = await report({ category: 'malware' });
    const first = await waitFor('an offer', async () => offeredTo(await incident(system, id))[0]);
    const response = await post(`${system.boardUrl}/api/v1/incidents/${id}/assignments/${first}/decline`, {});
    expect(response.status).toBe(400);
    expect(response.json.problems[0]).toMatchObject({ field: 'body.reason' });
  });

  it('when nobody fits (TLP:RED defacement), the coordinator is told at once and the board shows it', async () => {
    const id = await report({ category: 'defacement', tlp: 'RED' });
    const view = await waitFor('no fit', async () => (await incident(system, id))?.needsCoordinator && incident(system, id));
    expect(view?.assignees.some((a) => a.kind === 'national_coordinator')).toBe(true);
    expect(view?.timeline.some((t) => t.type === 'incident.routing_no_fit')).toBe(true);
    expect(view?.needsCoordinator?.reasons.join(' ')).toMatch(/do not accept TLP:RED/);
  });

  it('after the only TLP:RED enterprise declines, the coordinator is told', async () => {
    const id = await report({ category: 'phishing', tlp: 'RED' });
    const first = await waitFor('an offer', async () => offeredTo(await incident(system, id))[0]);
    expect(first).toBe('ent-nh-binhminh');
    await post(`${system.boardUrl}/api/v1/incidents/${id}/assignments/${first}/decline`, { reason: 'Không đủ người' });
    const view = await waitFor('no fit after decline', async () => {
      const v = await incident(system, id);
      return v?.timeline.some((t) => t.type === 'incident.routing_no_fit') && v;
    });
    expect(view.needsCoordinator).toBeDefined();
  });

  it('a coordinator override is recorded with who and why, and frees the removed enterprise', async () => {
    const id = await report({ category: 'dos', province: 'TP Hồ Chí Minh' });
    const first = await waitFor('an offer', async () => offeredTo(await incident(system, id))[0]);
    const commands = await collectIncidentEvents(system.names.prefix);
    try {
      const response = await post(`${system.boardUrl}/api/v1/incidents/${id}/routing/override`, {
        add: [{ kind: 'enterprise', id: 'ent-vt-thienma' }],
        remove: [first],
        reason: 'Cục chỉ đạo giao cho Thiên Mã',
      });
      expect(response.status).toBe(200);
      const event = await waitFor('the override event', () =>
        commands.events.find((e) => e.type === 'incident.routing_overridden' && e.payload.incidentId === id),
      );
      expect(event.actor).toMatchObject({ kind: 'user', id: expect.stringMatching(/^usr-/), roles: ['national_coordinator'] });
      const view = await waitFor('the board shows it', async () => {
        const v = await incident(system, id);
        return v?.assignees.find((a) => a.id === 'ent-vt-thienma') && v;
      });
      expect(view.assignees.find((a) => a.id === first)?.status).toBe('removed');
      expect(view.timeline.at(-1)?.details).toEqual(['Lý do: Cục chỉ đạo giao cho Thiên Mã']);

      const bad = await post(`${system.boardUrl}/api/v1/incidents/${id}/routing/override`, { add: [{ kind: 'enterprise', id: 'ent-none' }], reason: 'thử' });
      expect([bad.status, bad.json.message]).toEqual([409, 'no enterprise ent-none in the directory']);
      const rejected = await waitFor('the refusal', () => commands.events.find((e) => e.type === 'incident.command_rejected' && e.payload.incidentId === id));
      expect(rejected.type === 'incident.command_rejected' && rejected.payload.reason).toBe('no enterprise ent-none in the directory');
    } finally {
      await commands.stop();
    }
  });

  it('the same report delivered twice is routed once, and the load is counted once', async () => {
    const kafka = testKafka();
    const producer = kafka.producer();
    await producer.connect();
    const collector = await collectIncidentEvents(system.names.prefix);
    try {
      const payload = {
        incidentId: '01KAAAAAAAAAAAAAAAAAAAAAAA',
        province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' },
        reportingOrganisation: { name: 'Sở Y tế' },
        title: 'Mã độc',
        description: 'Gửi hai lần',
        detectedAt: new Date().toISOString(),
        reportedAt: new Date().toISOString(),
        tlp: 'AMBER' as const,
        category: 'ransomware' as const,
      };
      const envelope = makeEnvelope('incident.reported', payload, { producedBy: 'test', actor: coordinator });
      const record = { key: payload.incidentId, value: JSON.stringify(envelope) };
      const before = (await system.dispatch.inject({ url: '/api/v1/routing/load', headers: auth })).json().openAssignments as Record<string, number>;
      await producer.send({ topic: topicName(system.names.prefix, 'incidentEvents'), messages: [record] });
      await producer.send({ topic: topicName(system.names.prefix, 'incidentEvents'), messages: [record] });
      // a later event proves dispatch has read past both copies
      const id = await report({ category: 'malware' });
      await waitFor('the later report routed', () => collector.events.find((e) => e.type === 'incident.assignment_offered' && e.payload.incidentId === id));
      const ofDuplicate = collector.events.filter((e) => e.payload.incidentId === payload.incidentId);
      expect(ofDuplicate.map((e) => e.type).sort()).toEqual(['incident.assigned', 'incident.assignment_offered', 'incident.classified', 'incident.reported', 'incident.reported']);
      const offer = ofDuplicate.find((e) => e.type === 'incident.assignment_offered');
      const chosen = offer?.type === 'incident.assignment_offered' ? offer.payload.assignee.id : '';
      const after = (await system.dispatch.inject({ url: '/api/v1/routing/load', headers: auth })).json().openAssignments as Record<string, number>;
      expect((after[chosen] ?? 0) - (before[chosen] ?? 0)).toBe(1);
    } finally {
      await collector.stop();
      await producer.disconnect();
    }
  });
});

describe('an enterprise that does not answer within its acceptance window', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem('timeout', { ACCEPTANCE_WINDOW_SECONDS: '1', TIMEOUT_SWEEP_MS: '200' });
    auth = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
  });
  afterAll(async () => {
    await system?.close();
  });

  it('loses the offer to the next enterprise that fits', async () => {
    const posted = await post(`${system.intakeUrl}/api/v1/reports`, sampleReport({ category: 'dos', province: 'Hà Nội' }));
    const id = posted.json.incidentId as string;
    const view = await waitFor('a timeout and the next offer', async () => {
      const v = await incident(system, id);
      return v?.assignees.some((a) => a.status === 'timed_out') && v;
    });
    const timedOut = view.assignees.find((a) => a.status === 'timed_out')!;
    const next = await waitFor('the next offer', async () => {
      const v = await incident(system, id);
      return v?.timeline.filter((t) => t.type === 'incident.assignment_offered').length! >= 2 && v;
    });
    const offers = next.timeline.filter((t) => t.type === 'incident.assignment_offered');
    expect(offers[1]?.details?.[0]).toMatch(/did not answer within its acceptance window/);
    expect(next.assignees.filter((a) => a.kind === 'enterprise').map((a) => a.id)).not.toEqual([timedOut.id]);
  });
});

describe('a directory change that leaves a province with nobody to act', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem('nobody');
    auth = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
  });
  afterAll(async () => {
    await system?.close();
  });

  it('flags the province’s reports for a coordinator, and the partition goes on routing the next reports', async () => {
    const admin = bearer(await sessionToken(system.names.redisPrefix, 'quantri'));
    const change = async (method: string, path: string, body?: unknown) => {
      const response = await system.dispatch.inject({ method: method as 'POST', url: `/api/v1/directory/${path}`, headers: admin, ...(body ? { payload: body } : {}) });
      expect(response.statusCode).toBe(200);
    };
    // Hà Nội loses its hub, every liaison goes on leave (substitutes too), and the country its national coordinator
    const data = loadDirectoryFiles();
    await change('DELETE', 'organisations/org-hub-01');
    for (const liaison of data.liaisons.filter((l) => l.provinceCode === '01')) await change('POST', `liaisons/${liaison.id}/leave`, { reason: 'nghỉ phép' });
    await change('DELETE', 'organisations/org-national-coordinator');

    const orphan = await post(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province: 'Hà Nội', category: 'malware' }));
    const next = await post(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province: 'Hà Nội', category: 'dos' }));
    const elsewhere = await post(`${system.intakeUrl}/api/v1/reports`, sampleReport({ province: 'Quảng Nam', category: 'malware' }));
    expect([orphan.status, next.status, elsewhere.status]).toEqual([202, 202, 202]);

    for (const id of [orphan.json.incidentId, next.json.incidentId] as string[]) {
      const view = await waitFor('flagged for a coordinator', async () => (await incident(system, id))?.needsCoordinator && incident(system, id));
      expect(view?.needsCoordinator?.reasons.join(' ')).toMatch(/nobody can be assigned/);
      expect(view?.assignees.some((a) => a.kind === 'province_hub' || a.kind === 'liaison')).toBe(false);
    }
    const routed = await waitFor('the other province routed', async () => {
      const v = await incident(system, elsewhere.json.incidentId);
      return v?.assignees.some((a) => a.kind === 'province_hub') && v;
    });
    expect(routed.province.code).toBe('48');
    // nothing went to the dead-letter topic: the decisions fit their contracts
    const dispatchMetrics = (await system.dispatch.inject({ url: '/metrics' })).body;
    expect(dispatchMetrics).not.toMatch(/dead_letter[a-z_]*\{[^}]*\} [1-9]/);
  });
});
