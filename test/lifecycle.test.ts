import { makeEnvelope, newId, Publisher, readIncident, renderTimelineEntry, type IncidentView } from '@ucsc/shared';
import { bearer, collectIncidentEvents, publishLeaderRung, sampleReport, sessionToken, testKafka, testLogger, testRedis, waitFor } from './support';
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
      [`${id}/progress`, { situation: 'Đang cô lập máy chủ web' }, 'responding'],
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

  /** The sweeps' breach of first progress and its rungs up to the liaison leader's, projected. */
  async function climbToLeader(id: string, leaderId: string): Promise<void> {
    await publishLeaderRung(system.names.prefix, id, { id: leaderId, name: 'Lãnh đạo' });
    await waitFor('the leader’s rung reached', async () => (await view(id)).clocks?.climbs[0]?.reached.length === 2);
  }

  const read = async (id: string, headers: Record<string, string>) => (await fetch(`${system.boardUrl}/api/v1/incidents/${id}?lang=vi`, { headers }).then((r) => r.json())) as any;

  it('the engaged liaison leader’s online meeting records who joined (account, assignee) and when, each once; a submitter does not see it', async () => {
    const { id, leaderId } = await acknowledgedIncident();
    await climbToLeader(id, leaderId);
    const leader = bearer(await sessionToken(system.names.redisPrefix, 'lanhdao.hanoi'));
    const bad = await board(`${id}/meetings/join`, { deadlineKey: 'first_progress', rung: 'một', assigneeId: leaderId }, leader);
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual([expect.objectContaining({ field: 'body.rung' })]);
    const officerRung = await board(`${id}/meetings/join`, { deadlineKey: 'first_progress', rung: 0, assigneeId: leaderId }, leader);
    expect([officerRung.status, officerRung.json.error]).toEqual([409, 'no_meeting']);

    const before = new Date().toISOString();
    const joined = await board(`${id}/meetings/join`, { deadlineKey: 'first_progress', rung: 1, assigneeId: leaderId }, leader);
    const after = new Date().toISOString();
    expect(joined.json).toMatchObject({ outcome: 'applied', state: 'acknowledged' });
    const again = await board(`${id}/meetings/join`, { deadlineKey: 'first_progress', rung: 1, assigneeId: leaderId }, leader);
    expect([again.status, again.json.error, again.json.state]).toEqual([409, 'already_joined', 'acknowledged']);
    // the national coordinator joins too, for the province's hub
    const hubId = (await view(id)).assignees.find((a) => a.kind === 'province_hub')!.id;
    expect((await board(`${id}/meetings/join`, { deadlineKey: 'first_progress', rung: 1, assigneeId: hubId })).json).toMatchObject({ outcome: 'applied' });

    const reached = (await view(id)).clocks!.climbs[0]!.reached[1]!;
    expect(reached.joined?.map((j) => [j.assigneeId, j.actorName])).toEqual([
      [leaderId, 'Lãnh đạo đầu mối ATTT Hà Nội (demo)'],
      [hubId, 'Điều phối viên quốc gia (demo)'],
    ]);
    expect(reached.joined![0]!.at >= before && reached.joined![0]!.at <= after).toBe(true);
    // joining is not progress: the climb goes on (the next rung is for a meeting that did not solve it)
    expect((await view(id)).clocks!.climbs[0]!.stopped).toBeUndefined();

    const shown = await read(id, coordinator);
    expect(shown.timeline.filter((t: any) => t.type === 'incident.meeting_joined').map((t: any) => t.summary)).toEqual([
      `Lãnh đạo đầu mối ATTT Hà Nội (demo) (${(await view(id)).assignees.find((a) => a.id === leaderId)!.name}) tham gia họp trực tuyến`,
      expect.stringContaining('Điều phối viên quốc gia (demo)'),
    ]);
    const bySubmitter = await read(id, submitter);
    expect(bySubmitter.clocks.climbs[0].reached[1].joined).toBeUndefined();
    expect(bySubmitter.timeline.map((t: any) => t.type)).not.toContain('incident.meeting_joined');
    // a submitter may not join
    expect((await board(`${id}/meetings/join`, { deadlineKey: 'first_progress', rung: 1, assigneeId: leaderId }, submitter)).status).toBe(403);
  });

  it('on-site support: a coordinator sends a team, its arrival meets the on-site deadline, it leaves only once resolved (409 before)', async () => {
    const { id } = await acknowledgedIncident();
    expect((await board(`${id}/triage`, { severity: 'severe', priority: 'P1', category: 'defacement' })).json).toMatchObject({ state: 'triaged' });
    const hubId = (await view(id)).assignees.find((a) => a.kind === 'province_hub')!.id;
    const director = bearer(await sessionToken(system.names.redisPrefix, 'hanoi.dieuphoi'));
    const tooMany = await board(`${id}/on-site-teams`, { teamAssigneeId: hubId, people: [] }, director);
    expect([tooMany.status, tooMany.json.problems?.[0]?.field]).toEqual([400, 'body.people']);
    // typed with combining marks (NFD): stored as NFC
    const sent = await board(`${id}/on-site-teams`, { teamAssigneeId: hubId, people: ['Nguyễn Văn An'.normalize('NFD'), 'Trần Thị Bình'] }, director);
    expect(sent.json).toMatchObject({ outcome: 'applied', state: 'triaged' });
    const teamId: string = sent.json.commandId;
    expect((await view(id)).onSiteTeams).toEqual([
      expect.objectContaining({ teamId, assigneeId: hubId, people: ['Nguyễn Văn An'.normalize('NFC'), 'Trần Thị Bình'], sentBy: expect.objectContaining({ name: 'Sở KH&CN Hà Nội — điều phối (demo)' }) }),
    ]);
    const onSiteDeadline = async () => ((await fetch(`${system.boardUrl}/api/v1/incidents/${id}/deadlines`, { headers: coordinator }).then((r) => r.json())) as any).deadlines.find((d: any) => d.kind === 'on_site');
    expect((await onSiteDeadline()).status).toBe('pending');
    // "on site" is the arrival only: an update no longer says it
    const flagged = await board(`${id}/progress`, { situation: 'Đã đến nơi', onSite: true });
    expect([flagged.status, flagged.json.problems?.[0]?.field]).toEqual([400, 'body.onSite']);

    // the team's own people (the province's hub) record their arrival; someone else may not
    const officer = bearer(await sessionToken(system.names.redisPrefix, 'lienlac.hanoi'));
    expect((await board(`${id}/on-site-teams/${teamId}/arrival`, {}, officer)).status).toBe(403);
    const arrived = await board(`${id}/on-site-teams/${teamId}/arrival`, {}, director);
    expect(arrived.json).toMatchObject({ outcome: 'applied' });
    const arrivedAt = (await view(id)).onSiteTeams![0]!.arrivedAt!;
    expect((await view(id)).milestones?.onSite).toBe(arrivedAt);
    expect(await onSiteDeadline()).toMatchObject({ status: 'met', metAt: arrivedAt });

    const early = await board(`${id}/on-site-teams/${teamId}/departure`, {}, director);
    expect([early.status, early.json.error, early.json.state]).toEqual([409, 'not_allowed_in_state', 'triaged']);
    expect(early.json.allowed).not.toContain('incident.leave_on_site');
    expect(early.json.message).toMatch(/leave_on_site is not allowed while the incident is triaged/);
    expect((await board(`${id}/resolve`, { responseEndedAt: new Date(Date.now() - 1000).toISOString() })).json).toMatchObject({ state: 'resolved' });
    expect((await board(`${id}/on-site-teams/${teamId}/departure`, {}, director)).json).toMatchObject({ outcome: 'applied', state: 'resolved' });
    expect((await view(id)).onSiteTeams![0]!.leftAt).toBeDefined();

    const words = (await read(id, coordinator)).timeline.filter((t: any) => t.type.startsWith('incident.on_site')).map((t: any) => t.summary);
    const hub = (await view(id)).assignees.find((a) => a.id === hubId)!.name;
    expect(words).toEqual([`Cử ${hub} hỗ trợ tại hiện trường: Nguyễn Văn An, Trần Thị Bình`, `${hub} đã có mặt tại hiện trường`, `${hub} rời hiện trường`]);
    // the submitter sees the team that came, when it arrived and left, not who sent it
    const bySubmitter = await read(id, submitter);
    expect(bySubmitter.onSiteTeams).toEqual([{ teamId, assigneeId: hubId, name: hub, people: ['Nguyễn Văn An', 'Trần Thị Bình'], sentAt: expect.any(String), arrivedAt, leftAt: expect.any(String) }]);
    expect(bySubmitter.timeline.filter((t: any) => t.type.startsWith('incident.on_site')).map((t: any) => t.summary)).toEqual(words);
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
