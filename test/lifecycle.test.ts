import { makeEnvelope, newId, Publisher, readIncident, renderTimelineEntry, type IncidentView } from '@ucsc/shared';
import { bearer, collectIncidentEvents, sampleReport, sessionToken, testKafka, testLogger, testRedis, waitFor } from './support';
import { postJson, startSystem, type TestSystem } from './support/system';

// Issue 12: every lifecycle command is an HTTP call on the board and a message on the command
// topic; the tracker decides it against the incident's own order and the caller hears at once.
describe('the lifecycle, command by command, on the real Kafka and Redis', () => {
  let system: TestSystem;
  let coordinator: Record<string, string>;
  let submitter: Record<string, string>;
  let events: Awaited<ReturnType<typeof collectIncidentEvents>>;
  const redis = testRedis();
  beforeAll(async () => {
    system = await startSystem('lifecycle');
    coordinator = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
    submitter = bearer(await sessionToken(system.names.redisPrefix, 'hanoi.baocao'));
    events = await collectIncidentEvents(system.names.prefix);
  });
  afterAll(async () => {
    await events?.stop();
    await system?.close();
    redis.disconnect();
  });

  const board = (path: string, body: unknown, headers: Record<string, string> = coordinator) => postJson(`${system.boardUrl}/api/v1/incidents/${path}`, body, headers);
  const view = async (id: string) => (await readIncident(redis, system.names.redisPrefix, id)) as IncidentView;
  const finalReport = () => ({ kind: 'final_report', reportTime: new Date().toISOString(), responseEndedAt: new Date(Date.now() - 1000).toISOString(), whatHappened: 'Trang chủ bị thay đổi', whatWasDone: 'Khôi phục từ bản sao lưu', damage: 'Không đáng kể' });

  /** A new Hà Nội report, routed by dispatch, acknowledged by its security liaison leader (for whom the coordinator acts). */
  async function acknowledgedIncident(overrides: Record<string, unknown> = {}): Promise<{ id: string; leaderId: string }> {
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(overrides), submitter);
    expect(posted.status).toBe(202);
    const id: string = posted.json.incidentId;
    const routed = await waitFor('routed', async () => ((await view(id))?.state === 'routed' ? view(id) : undefined));
    const leaderId = routed.assignees.find((a) => a.kind === 'liaison' && a.role === 'leader' && a.organisationId === 'org-dept-security')!.id;
    const ack = await board(`${id}/acknowledge`, { assigneeId: leaderId });
    expect([ack.status, ack.json.outcome, ack.json.state]).toEqual([200, 'applied', 'acknowledged']);
    return { id, leaderId };
  }

  it('takes an incident from report to closed; close is refused (409, naming the state and what it allows) until Biểu mẫu 04 is in; the portal says Chờ → Đang xử lý → Kết thúc', async () => {
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), submitter);
    const id: string = posted.json.incidentId;
    const portal = async () => (await fetch(`${system.intakeUrl}/api/v1/reports/${id}`, { headers: submitter }).then((r) => r.json() as Promise<any>)).status;
    await waitFor('routed', async () => (await view(id))?.state === 'routed');
    expect(await portal()).toBe('cho');
    const leaderId = (await view(id)).assignees.find((a) => a.kind === 'liaison' && a.role === 'leader')!.id;

    const steps: [string, unknown, string][] = [
      [`${id}/acknowledge`, { assigneeId: leaderId }, 'acknowledged'],
      [`${id}/triage`, { severity: 'normal', priority: 'P2', category: 'defacement', note: 'Đã xác minh với đơn vị' }, 'triaged'],
      [`${id}/progress`, { situation: 'Đang cô lập máy chủ web', onSite: true }, 'responding'],
      [`${id}/contain`, { note: 'Đã chặn IP tấn công' }, 'contained'],
      [`${id}/resolve`, { responseEndedAt: new Date(Date.now() - 5000).toISOString() }, 'resolved'],
    ];
    for (const [path, body, state] of steps) {
      const answered = await board(path, body);
      expect([path, answered.status, answered.json.outcome, answered.json.state]).toEqual([path, 200, 'applied', state]);
      // applied means the read model already shows it
      expect((await view(id)).state).toBe(state);
    }
    expect(await portal()).toBe('dang_xu_ly');

    const early = await board(`${id}/close`, { note: 'đóng' });
    expect(early.status).toBe(409);
    expect(early.json).toMatchObject({ error: 'not_allowed_in_state', state: 'resolved' });
    expect(early.json.allowed).toContain('incident.submit_final_report');
    expect(early.json.allowed).not.toContain('incident.close');
    expect(early.json.message).toMatch(/resolved/);

    expect((await board(`${id}/final-report`, { report: finalReport() })).json).toMatchObject({ outcome: 'applied', state: 'report_received' });
    expect((await board(`${id}/close`, { note: 'Hoàn tất' })).json).toMatchObject({ outcome: 'applied', state: 'closed' });
    expect(await portal()).toBe('ket_thuc');
  });

  it('refuses with 403 what the actor may not do (a submitter triaging), decided by the tracker', async () => {
    const { id } = await acknowledgedIncident();
    const refused = await board(`${id}/triage`, { severity: 'normal', priority: 'P4', category: 'defacement' }, submitter);
    expect(refused.status).toBe(403);
    expect(refused.json.error).toBe('forbidden');
    expect((await view(id)).state).toBe('acknowledged');
  });

  it('applies the same command id once: the retry gets the first outcome, and the log has one event for it', async () => {
    const { id } = await acknowledgedIncident();
    const commandId = newId();
    const headers = { ...coordinator, 'command-id': commandId };
    const first = await board(`${id}/comments`, { text: 'Một ý kiến' }, headers);
    const again = await board(`${id}/comments`, { text: 'Một ý kiến' }, headers);
    expect([first.status, first.json.outcome, first.json.duplicate]).toEqual([200, 'applied', undefined]);
    expect([again.status, again.json.outcome, again.json.duplicate]).toEqual([200, 'applied', true]);
    // sent straight to Kafka again (past the board's stored answer), the tracker still applies it once
    const publisher = new Publisher(testKafka(), system.names.prefix, testLogger);
    const actor = { kind: 'user' as const, id: 'acc-dieuphoi', roles: ['national_coordinator' as const], authenticatedBy: 'password' as const };
    await publisher.publish('incidentCommands', [makeEnvelope('incident.comment', { incidentId: id, text: 'Một ý kiến' }, { producedBy: 'test', actor, id: commandId })]);
    await publisher.close();
    const marker = await board(`${id}/comments`, { text: 'sau cùng' });
    expect(marker.json.outcome).toBe('applied');
    await waitFor('the marker on the log', () => events.events.some((e) => e.causationId === marker.json.commandId));
    expect(events.events.filter((e) => e.causationId === commandId && e.type === 'incident.commented')).toHaveLength(1);
    expect((await view(id)).timeline.filter((t) => t.type === 'incident.commented')).toHaveLength(2);
  });

  it('two commands racing on one incident: exactly one is applied, the other refused against the state the first left', async () => {
    const { id } = await acknowledgedIncident();
    // two people triage at once, differently: the second finds the incident triaged already
    const answers = await Promise.all(['P2', 'P3'].map((priority) => board(`${id}/triage`, { severity: 'normal', priority, category: 'defacement' })));
    const applied = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 409);
    expect([applied.length, refused.length]).toEqual([1, 1]);
    expect(refused[0]!.json.state).toBe('triaged');
    const winner = answers.indexOf(applied[0]!) === 0 ? 'P2' : 'P3';
    expect((await view(id)).classification?.priority).toBe(winner);
    expect((await view(id)).timeline.filter((t) => t.type === 'incident.triaged')).toHaveLength(1);
  });

  it('a command racing the routing event it depends on is decided after that event (not against a projection behind it)', async () => {
    const { id } = await acknowledgedIncident();
    const publisher = new Publisher(testKafka(), system.names.prefix, testLogger);
    const dispatch = { kind: 'service', id: 'dispatch', authenticatedBy: 'service' } as const;
    const enterprise = { kind: 'enterprise', id: 'ent-bm-saokhue', name: 'Sao Khuê Security', organisationId: 'ent-bm-saokhue', organisationName: 'Sao Khuê Security', role: 'responder' } as const;
    // the projector is kept busy with many events before the offer: a command handler reading the
    // projection as it is would not see the offer yet, and refuse the acceptance
    const filler = Array.from({ length: 400 }, () =>
      makeEnvelope('incident.command_rejected', { incidentId: id, commandId: newId(), commandType: 'incident.comment', reason: 'filler' }, { producedBy: 'test', actor: dispatch }),
    );
    const offeredAt = new Date().toISOString();
    const offer = makeEnvelope(
      'incident.assignment_offered',
      { incidentId: id, assignee: enterprise, offeredAt, offerExpiresAt: new Date(Date.now() + 3_600_000).toISOString(), rule: 'initial', reasons: ['test'], candidates: [], excluded: { category: 0, coverage: 0, tlp: 0, capacity: 0, alreadyAsked: 0 } },
      { producedBy: 'dispatch', actor: dispatch },
    );
    await publisher.publish('incidentEvents', [...filler, offer]);
    const responder = { kind: 'user' as const, id: 'acc-saokhue', roles: ['enterprise_responder' as const], assigneeIds: ['ent-bm-saokhue'], organisationId: 'ent-bm-saokhue', authenticatedBy: 'password' as const };
    const accept = makeEnvelope('incident.accept_assignment', { incidentId: id, assigneeId: enterprise.id }, { producedBy: 'test', actor: responder });
    await publisher.publish('incidentCommands', [accept]);
    await publisher.close();
    const outcome = await waitFor('the tracker’s decision', () => events.events.find((e) => e.causationId === accept.id || (e.type === 'incident.command_rejected' && e.payload.commandId === accept.id)));
    expect(outcome.type).toBe('incident.assignment_accepted');
    await waitFor('accepted in the projection', async () => (await view(id)).assignees.find((a) => a.id === enterprise.id)?.status === 'accepted');
  });

  it('the province’s director escalates to the ministry’s leadership in one action, with a reason; once', async () => {
    const { id } = await acknowledgedIncident();
    const director = bearer(await sessionToken(system.names.redisPrefix, 'hanoi.dieuphoi'));
    const escalated = await board(`${id}/escalate-to-ministry`, { reason: 'Hai Cục chưa cử người sau 4 giờ' }, director);
    expect(escalated.json).toMatchObject({ outcome: 'applied', state: 'acknowledged' });
    const shown = await view(id);
    expect(shown.clocks?.ministry).toMatchObject({ reason: 'Hai Cục chưa cử người sau 4 giờ' });
    expect(renderTimelineEntry(shown.timeline.at(-1)!, 'vi').summary).toBe('Giám đốc Sở báo cáo thẳng lãnh đạo Bộ');
    expect((await board(`${id}/escalate-to-ministry`, { reason: 'lần nữa' }, director)).status).toBe(409);
    // a submitter may not
    expect((await board(`${id}/escalate-to-ministry`, { reason: 'thử' }, submitter)).status).toBe(403);
  });

  it('merges a duplicate report into another (every reporter kept), and undoes it (the incident back where it was)', async () => {
    const a = await acknowledgedIncident();
    const b = await acknowledgedIncident({ reportingOrganisation: { ...sampleReport().reportingOrganisation, name: 'Sở Y tế Hà Nội' } });
    const self = await board(`${b.id}/merge`, { intoIncidentId: b.id, reason: 'trùng' });
    expect(self.status).toBe(422);
    const merged = await board(`${b.id}/merge`, { intoIncidentId: a.id, reason: 'Cùng một cuộc tấn công' });
    expect(merged.json).toMatchObject({ outcome: 'applied', state: 'merged' });
    await waitFor('the reporters moved', async () => (await view(a.id)).reporters?.some((r) => r.incidentId === b.id));
    expect((await view(a.id)).reporters!.map((r) => r.organisationName).sort()).toEqual(['Sở Tài chính Hà Nội', 'Sở Y tế Hà Nội']);
    // merged away, it takes no lifecycle command but un-merge
    const triage = await board(`${b.id}/triage`, { severity: 'normal', priority: 'P4', category: 'defacement' });
    expect([triage.status, triage.json.state, triage.json.allowed]).toEqual([409, 'merged', ['incident.unmerge']]);

    const unmerged = await board(`${b.id}/unmerge`, { reason: 'Khác hệ thống' });
    expect(unmerged.json).toMatchObject({ outcome: 'applied', state: 'acknowledged' });
    await waitFor('the reporters left', async () => !(await view(a.id)).reporters?.some((r) => r.incidentId === b.id));
    expect((await view(b.id)).mergedInto).toBeUndefined();
  });

  it('a reporter of another organisation whose report is merged in sees the surviving incident and its merge on the timeline; un-merged, it no longer does', async () => {
    const gateway = bearer(await sessionToken(system.names.redisPrefix, 'tiepnhan.demo'));
    const a = await acknowledgedIncident();
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ reportingOrganisation: { ...sampleReport().reportingOrganisation, name: 'Cổng tiếp nhận mẫu' } }), gateway);
    expect(posted.status).toBe(202);
    const b: string = posted.json.incidentId;
    await waitFor('routed', async () => (await view(b))?.state === 'routed');
    const read = (id: string) => fetch(`${system.boardUrl}/api/v1/incidents/${id}`, { headers: gateway });
    expect((await read(a.id)).status).toBe(404);

    expect((await board(`${b}/merge`, { intoIncidentId: a.id, reason: 'Cùng một cuộc tấn công' })).json).toMatchObject({ outcome: 'applied', state: 'merged' });
    await waitFor('the reporters moved', async () => (await view(a.id)).reporters?.some((r) => r.incidentId === b));
    const seen = await read(a.id);
    expect(seen.status).toBe(200);
    const shown = (await seen.json()) as IncidentView;
    expect(shown.timeline.map((t) => t.type)).toContain('incident.merge_received');
    const listed = (await fetch(`${system.boardUrl}/api/v1/incidents`, { headers: gateway }).then((r) => r.json())) as { incidents: IncidentView[] };
    expect(listed.incidents.map((i) => i.id)).toEqual(expect.arrayContaining([a.id, b]));

    expect((await board(`${b}/unmerge`, { reason: 'Khác hệ thống' })).json).toMatchObject({ outcome: 'applied' });
    await waitFor('the reporters left', async () => !(await view(a.id)).reporters?.some((r) => r.incidentId === b));
    expect((await read(a.id)).status).toBe(404);
    expect((await read(b)).status).toBe(200);
  });
});
