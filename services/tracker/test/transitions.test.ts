import { ulid } from 'ulid';
import { deadlinesOf, lifecycleStates, makeEnvelope, roles, type Actor, type IncidentView, type LifecycleState, type Role } from '@ucsc/shared';
import { allowedCommands, transitions, type CommandType } from '@ucsc/shared';
import { applyEvent, decide, defaultLadder, type Emit, type IncidentCommand, type IncidentEvent } from '@ucsc/tracker';

const incidentId = ulid();
const otherId = ulid();
const orderId = ulid();
const at = '2026-11-20T03:00:00.000Z';
/** a team sent on site that has not arrived, and one that arrived */
const teamSent = ulid();
const teamThere = ulid();
const sent = { assigneeId: 'ent-working', name: 'ent-working', people: ['Nguyễn Văn A'], sentAt: at, sentBy: { id: 'u-coordinator' } };
const coordinator: Actor = { kind: 'user', id: 'u-coordinator', roles: ['national_coordinator'], authenticatedBy: 'password+totp' };

const person = (kind: 'liaison' | 'enterprise' | 'province_hub', id: string, role: 'officer' | 'leader' | 'responder' | 'hub') => ({
  kind,
  id,
  name: id,
  organisationId: kind === 'liaison' ? 'org-dept-security' : id,
  organisationName: id,
  role,
});

/** An incident in any state, with someone for every command to act on. */
function incidentIn(state: LifecycleState, change: Partial<IncidentView> = {}): IncidentView {
  return {
    id: incidentId,
    version: 10,
    state,
    portalStatus: 'cho',
    province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' },
    reportingOrganisation: { name: 'Sở Y tế' },
    reportedBy: { actorId: 'u-reporter', organisationId: 'org-agency-a' },
    title: 't',
    description: 'd',
    tlp: 'AMBER',
    detectedAt: '2026-11-20T01:00:00.000Z',
    reportedAt: '2026-11-20T02:00:00.000Z',
    assignees: [
      { ...person('province_hub', 'org-hub-01', 'hub'), status: 'assigned' },
      { ...person('liaison', 'lia-01-sec-officer', 'officer'), status: 'assigned' },
      { ...person('liaison', 'lia-01-sec-leader', 'leader'), status: 'assigned', acknowledgedAt: '2026-11-20T02:05:00.000Z' },
      { ...person('enterprise', 'ent-offered', 'responder'), status: 'offered', offerExpiresAt: '2026-11-20T04:00:00.000Z' },
      { ...person('enterprise', 'ent-working', 'responder'), status: 'accepted' },
    ],
    routingReasons: [],
    classification: { severity: 'normal', priority: 'P2', category: 'malware', rsitClass: 'malicious-code', tlp: 'AMBER', reasons: ['r'] },
    coordinationOrders: [{ orderId, issuedAt: at, addressees: [{ id: 'ent-working', name: 'ent-working' }], answers: [] }],
    // the acknowledgement's climb reached the liaison leader's rung (its online meeting)
    clocks: {
      fired: ['breach:acknowledge'],
      breaches: [{ deadlineKey: 'acknowledge', kind: 'acknowledge', dueAt: at, firedAt: at, late: false }],
      climbs: [
        {
          incidentId,
          deadlineKey: 'acknowledge',
          ladder: defaultLadder,
          startedAt: at,
          reached: [
            { rung: 0, at, late: false },
            { rung: 1, at, late: false },
          ],
        },
      ],
    },
    onSiteTeams: [
      { ...sent, teamId: teamSent },
      { ...sent, teamId: teamThere, arrivedAt: at },
    ],
    ...(state === 'merged' ? { mergedInto: { incidentId: otherId, stateBefore: 'responding' as const } } : {}),
    timeline: [],
    updatedAt: at,
    ...change,
  };
}

/** A valid payload for every command, which passes every rule but the state's. */
const payloads: { [C in CommandType]: Omit<Extract<IncidentCommand, { type: C }>['payload'], 'incidentId'> } = {
  'incident.acknowledge': { assigneeId: 'lia-01-sec-officer' },
  'incident.triage': { severity: 'severe', priority: 'P1', category: 'ransomware' },
  'incident.assign': { assignee: person('enterprise', 'ent-new', 'responder'), reason: 'có năng lực' },
  'incident.unassign': { assigneeId: 'lia-01-sec-officer', reason: 'thay người' },
  'incident.accept_assignment': { assigneeId: 'ent-offered' },
  'incident.decline_assignment': { assigneeId: 'ent-offered', reason: 'quá tải' },
  'incident.post_progress': { situation: 'Đã cô lập máy chủ' },
  'incident.request_support': { supportNeeded: 'Phân tích mẫu', urgency: 'urgent' },
  'incident.contain': {},
  'incident.resolve': { responseEndedAt: '2026-11-20T02:30:00.000Z' },
  'incident.submit_final_report': {
    report: { kind: 'final_report', reportTime: at, responseEndedAt: at, whatHappened: 'a', whatWasDone: 'b', damage: 'c' },
  },
  'incident.close': {},
  'incident.reject': { reason: 'Không phải sự cố' },
  'incident.merge': { intoIncidentId: otherId, reason: 'Cùng một cuộc tấn công' },
  'incident.unmerge': { reason: 'Gộp nhầm' },
  'incident.reopen': { reason: 'Tái nhiễm' },
  'incident.comment': { text: 'Đã gọi điện' },
  'incident.change_tlp': { tlp: 'RED' },
  'incident.change_severity': { severity: 'severe', reason: 'Lan rộng' },
  'incident.issue_coordination_order': { addressees: [{ id: 'ent-working', name: 'ent-working' }], instructions: 'Chặn IP' },
  'incident.answer_coordination_order': { orderId, addresseeId: 'ent-working', answer: 'Đã chặn' },
  'incident.escalate_to_ministry': { reason: 'Các Cục chậm xử lý' },
  'incident.join_meeting': { deadlineKey: 'acknowledge', rung: 1, assigneeId: 'ent-working' },
  'incident.send_on_site_team': { teamAssigneeId: 'org-hub-01', people: ['Trần Thị B', 'Lê Văn C'] },
  'incident.arrive_on_site': { teamId: teamSent },
  'incident.leave_on_site': { teamId: teamThere },
};

const commandTypes = Object.keys(payloads) as CommandType[];
const command = (type: CommandType, actor: Actor = coordinator): IncidentCommand =>
  ({ ...makeEnvelope(type, { incidentId, ...payloads[type] } as never, { producedBy: 'test', actor }), occurredAt: at }) as IncidentCommand;
const emitFor =
  (c: IncidentCommand): Emit =>
  (type, payload) => ({
    // the tracker's events happen at the command's time here, so that the milestones are known
    ...makeEnvelope(type, payload, { producedBy: 'tracker', actor: c.actor, correlationId: c.correlationId, causationId: c.id }),
    occurredAt: c.occurredAt,
  });
const target = incidentIn('responding', { id: otherId });
const context = { incident: (id: string) => (id === otherId ? target : undefined) };

/** Decides a command and applies what it emits on this incident. */
function run(view: IncidentView, c: IncidentCommand) {
  const decision = decide(view, c, emitFor(c), context);
  const after = decision.accepted
    ? decision.events.filter((e) => e.payload.incidentId === view.id).reduce<IncidentView | undefined>((v, e, i) => applyEvent(v, e as IncidentEvent, view.version + 1 + i), view)
    : undefined;
  return { decision, after };
}

// ── the expected table, written out independently of the code: a change to the rules must change it too ──
// '=' stays in the same state; 'back' returns to the state before the merge; absent: refused (409)
type Expected = Partial<Record<LifecycleState, LifecycleState | '=' | 'back'>>;
const same = (...states: LifecycleState[]): Expected => Object.fromEntries(states.map((s) => [s, '=']));
const expected: Record<CommandType, Expected> = {
  'incident.acknowledge': { reported: 'acknowledged', routed: 'acknowledged', reopened: 'acknowledged', ...same('acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'resolved', 'report_received') },
  'incident.triage': { acknowledged: 'triaged', reopened: 'triaged' },
  'incident.assign': { triaged: 'assigned', reopened: 'assigned', ...same('routed', 'acknowledged', 'assigned', 'responding', 'contained') },
  'incident.unassign': same('routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'),
  'incident.accept_assignment': { triaged: 'assigned', ...same('reported', 'routed', 'acknowledged', 'assigned', 'responding', 'contained', 'reopened') },
  'incident.decline_assignment': same('reported', 'routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'),
  'incident.post_progress': { acknowledged: 'responding', triaged: 'responding', assigned: 'responding', reopened: 'responding', ...same('responding', 'contained') },
  'incident.request_support': same('acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'),
  'incident.contain': { triaged: 'contained', assigned: 'contained', responding: 'contained' },
  'incident.resolve': { triaged: 'resolved', assigned: 'resolved', responding: 'resolved', contained: 'resolved' },
  'incident.submit_final_report': { resolved: 'report_received' },
  'incident.close': { report_received: 'closed' },
  'incident.reject': { reported: 'rejected', routed: 'rejected', acknowledged: 'rejected', triaged: 'rejected', reopened: 'rejected' },
  'incident.merge': { reported: 'merged', routed: 'merged', acknowledged: 'merged', triaged: 'merged', assigned: 'merged', responding: 'merged', contained: 'merged', reopened: 'merged' },
  'incident.unmerge': { merged: 'back' },
  'incident.reopen': { resolved: 'reopened', report_received: 'reopened', closed: 'reopened', rejected: 'reopened' },
  'incident.comment': same(...lifecycleStates.filter((s) => s !== 'merged')),
  'incident.change_tlp': same(...lifecycleStates.filter((s) => s !== 'merged')),
  'incident.change_severity': same('reported', 'routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened', 'resolved', 'report_received'),
  'incident.issue_coordination_order': same('reported', 'routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'),
  'incident.answer_coordination_order': same('reported', 'routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened', 'resolved'),
  'incident.escalate_to_ministry': same('reported', 'routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'),
  'incident.join_meeting': same('reported', 'routed', 'acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'),
  'incident.send_on_site_team': same('acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'),
  'incident.arrive_on_site': same('acknowledged', 'triaged', 'assigned', 'responding', 'contained', 'reopened'),
  'incident.leave_on_site': same('resolved', 'report_received', 'closed'),
};

const coordinators: Role[] = ['province_coordinator', 'national_coordinator'];
const responders: Role[] = ['province_coordinator', 'liaison_officer', 'liaison_leader', 'national_coordinator', 'enterprise_responder'];
const expectedRoles: Record<CommandType, Role[]> = {
  'incident.acknowledge': responders,
  'incident.triage': ['province_coordinator', 'liaison_officer', 'liaison_leader', 'national_coordinator'],
  'incident.assign': coordinators,
  'incident.unassign': coordinators,
  'incident.accept_assignment': ['enterprise_responder', 'national_coordinator'],
  'incident.decline_assignment': ['enterprise_responder', 'national_coordinator'],
  'incident.post_progress': responders,
  'incident.request_support': responders,
  'incident.contain': responders,
  'incident.resolve': responders,
  'incident.submit_final_report': ['submitter', 'province_coordinator', 'enterprise_responder', 'national_coordinator'],
  'incident.close': ['national_coordinator'],
  'incident.reject': coordinators,
  'incident.merge': ['national_coordinator'],
  'incident.unmerge': ['national_coordinator'],
  'incident.reopen': coordinators,
  'incident.comment': ['submitter', ...responders],
  'incident.change_tlp': ['submitter', ...responders],
  'incident.change_severity': coordinators,
  'incident.issue_coordination_order': ['national_coordinator'],
  'incident.answer_coordination_order': responders,
  'incident.escalate_to_ministry': coordinators,
  'incident.join_meeting': responders,
  'incident.send_on_site_team': coordinators,
  'incident.arrive_on_site': responders,
  'incident.leave_on_site': responders,
};

describe('the transition table, state by command', () => {
  it('covers every command on the command topic', () => {
    expect(Object.keys(transitions).sort()).toEqual([...commandTypes].sort());
    expect(Object.keys(expected).sort()).toEqual([...commandTypes].sort());
  });

  const edges = lifecycleStates.flatMap((state) => commandTypes.map((type) => [state, type, expected[type][state] ?? 'refused'] as const));
  it.each(edges)('%s + %s → %s', (state, type, outcome) => {
    const view = incidentIn(state);
    const c = command(type);
    const { decision, after } = run(view, c);
    if (outcome === 'refused') {
      expect(decision).toMatchObject({ accepted: false, status: 409, state, allowed: allowedCommands(state) });
      if (!decision.accepted) expect(decision.reason).toContain(`while the incident is ${state}`);
      expect(allowedCommands(state)).not.toContain(type);
      return;
    }
    expect(decision).toMatchObject({ accepted: true });
    if (!decision.accepted) return;
    expect(decision.events.map((e) => e.type)).toEqual(transitions[type].events);
    expect(decision.events.every((e) => e.causationId === c.id)).toBe(true);
    const end = outcome === '=' ? state : outcome === 'back' ? 'responding' : outcome;
    expect(after?.state).toBe(end);
    expect(after?.timeline).toHaveLength(view.timeline.length + 1);
    // the same command again (a retry) is not applied twice
    expect(run(after!, c).decision).toEqual({ accepted: true, events: [], duplicate: true });
  });
});

describe('who may issue each command', () => {
  // an actor of the role who sees the incident and answers for every assignee the commands name
  const actorWith = (role: Role): Actor => ({
    kind: 'user',
    id: `u-${role}`,
    roles: [role],
    organisationId: 'org-agency-a',
    provinceCodes: ['01'],
    assigneeIds: ['lia-01-sec-officer', 'ent-offered', 'ent-working'],
    authenticatedBy: 'password',
  });
  const stateFor = (type: CommandType): LifecycleState => lifecycleStates.find((s) => expected[type][s] !== undefined)!;
  const edges = commandTypes.flatMap((type) => roles.map((role) => [type, role, expectedRoles[type].includes(role)] as const));
  it.each(edges)('%s by %s: %s', (type, role, allowed) => {
    const { decision } = run(incidentIn(stateFor(type)), command(type, actorWith(role)));
    if (allowed) expect(decision).toMatchObject({ accepted: true });
    else expect(decision).toMatchObject({ accepted: false, status: 403 });
  });

  it('a service acting for the system may; a person without roles may not', () => {
    const service: Actor = { kind: 'service', id: 'tracker', authenticatedBy: 'service' };
    expect(run(incidentIn('routed'), command('incident.acknowledge', service)).decision.accepted).toBe(true);
    expect(run(incidentIn('routed'), command('incident.acknowledge', { kind: 'user', id: 'x', authenticatedBy: 'password' })).decision).toMatchObject({ status: 403 });
  });

  it('a liaison acknowledges only for itself, and only an incident of its province', () => {
    const officer: Actor = { kind: 'user', id: 'u-o', roles: ['liaison_officer'], provinceCodes: ['01'], assigneeIds: ['lia-01-sec-officer'], authenticatedBy: 'password' };
    expect(run(incidentIn('routed'), command('incident.acknowledge', officer)).decision.accepted).toBe(true);
    const forLeader = { ...command('incident.acknowledge', officer), payload: { incidentId, assigneeId: 'lia-01-sec-leader' } } as IncidentCommand;
    expect(decide(incidentIn('routed', { assignees: incidentIn('routed').assignees.map((a) => ({ ...a, acknowledgedAt: undefined })) }), forLeader, emitFor(forLeader))).toMatchObject({ status: 403 });
    const elsewhere = incidentIn('routed', { province: { code: '08', name: 'Tuyên Quang', filedAs: 'Hà Giang' }, assignees: [] });
    expect(run(elsewhere, command('incident.acknowledge', officer)).decision).toMatchObject({ status: 403, reason: expect.stringMatching(/may not see/) });
  });

  it('an enterprise sees and acts on an incident only while it is assigned', () => {
    const firm: Actor = { kind: 'user', id: 'u-f', roles: ['enterprise_responder'], organisationId: 'ent-x', assigneeIds: ['ent-x'], authenticatedBy: 'password' };
    expect(run(incidentIn('responding'), command('incident.post_progress', firm)).decision).toMatchObject({ status: 403 });
  });
});

describe('the rules inside a state', () => {
  it('closing is refused until the end-of-response report is in, then allowed', () => {
    for (const state of ['responding', 'contained', 'resolved'] as const) {
      const { decision } = run(incidentIn(state), command('incident.close'));
      expect(decision).toMatchObject({ accepted: false, status: 409, state });
    }
    const resolved = run(incidentIn('responding'), command('incident.resolve')).after!;
    const reported = run(resolved, command('incident.submit_final_report')).after!;
    expect(reported).toMatchObject({ state: 'report_received', milestones: { reportReceived: at } });
    expect(run(reported, command('incident.close')).after).toMatchObject({ state: 'closed', portalStatus: 'ket_thuc' });
  });

  it('the submitter’s own Biểu mẫu 04 through intake is recorded from any open state, never reopens a closed one', () => {
    const followUp = (id: string) =>
      ({ ...makeEnvelope('incident.follow_up_reported', { incidentId, followUpId: id, receivedAt: at, report: payloads['incident.submit_final_report'].report }, { producedBy: 'intake', actor: coordinator }), occurredAt: at }) as IncidentEvent;
    expect(applyEvent(incidentIn('responding'), followUp(ulid()), 11)).toMatchObject({ state: 'report_received', milestones: { responseEnded: at, reportReceived: at } });
    expect(applyEvent(incidentIn('closed'), followUp(ulid()), 11)?.state).toBe('closed');
  });

  it('merge moves the reporters to the other incident; un-merge takes them back and returns to the state before', () => {
    const source = incidentIn('responding');
    const merge = command('incident.merge');
    const decision = decide(source, merge, emitFor(merge), context);
    if (!decision.accepted) throw new Error(decision.reason);
    const [merged, received] = decision.events as [IncidentEvent, IncidentEvent];
    expect(received).toMatchObject({ type: 'incident.merge_received', payload: { incidentId: otherId, fromIncidentId: incidentId } });
    const absorbed = applyEvent(target, received, 20)!;
    expect(absorbed.reporters?.map((r) => [r.incidentId, r.organisationName])).toEqual([
      [otherId, 'Sở Y tế'],
      [incidentId, 'Sở Y tế'],
    ]);
    const mergedAway = applyEvent(source, merged, 11)!;
    expect(mergedAway).toMatchObject({ state: 'merged', mergedInto: { incidentId: otherId, stateBefore: 'responding' } });

    const unmerge = command('incident.unmerge');
    const undo = decide(mergedAway, unmerge, emitFor(unmerge), context);
    if (!undo.accepted) throw new Error(undo.reason);
    const [unmerged, undone] = undo.events as [IncidentEvent, IncidentEvent];
    const back = applyEvent(mergedAway, unmerged, 12);
    expect(back?.state).toBe('responding');
    expect(back?.mergedInto).toBeUndefined();
    expect(applyEvent(absorbed, undone, 21)?.reporters?.map((r) => r.incidentId)).toEqual([otherId]);
  });

  it('merge refuses itself, an unknown incident and a finished one', () => {
    const into = (id: string) => ({ ...command('incident.merge'), payload: { incidentId, intoIncidentId: id, reason: 'x' } }) as IncidentCommand;
    expect(decide(incidentIn('routed'), into(incidentId), emitFor(into(incidentId)), context)).toMatchObject({ status: 422 });
    expect(decide(incidentIn('routed'), into(ulid()), emitFor(into(otherId)), context)).toMatchObject({ status: 409 });
    const closed = { incident: () => incidentIn('closed', { id: otherId }) };
    expect(decide(incidentIn('routed'), into(otherId), emitFor(into(otherId)), closed)).toMatchObject({ status: 409, reason: expect.stringMatching(/closed/) });
  });

  it('TLP goes up for anyone who may change it, down only for a coordinator', () => {
    const liaison: Actor = { kind: 'user', id: 'u-l', roles: ['liaison_leader'], provinceCodes: ['01'], authenticatedBy: 'password' };
    const to = (tlp: 'GREEN' | 'RED', actor: Actor) => ({ ...command('incident.change_tlp', actor), payload: { incidentId, tlp } }) as IncidentCommand;
    expect(run(incidentIn('responding'), to('RED', liaison)).after).toMatchObject({ tlp: 'RED' });
    expect(run(incidentIn('responding'), to('GREEN', liaison)).decision).toMatchObject({ status: 403 });
    expect(run(incidentIn('responding'), to('GREEN', coordinator)).after).toMatchObject({ tlp: 'GREEN', classification: { tlp: 'GREEN' } });
  });

  it('a severity change needs a change; the classification follows it', () => {
    expect(run(incidentIn('responding'), command('incident.change_severity')).after?.classification).toMatchObject({ severity: 'severe' });
    const same = { ...command('incident.change_severity'), payload: { incidentId, severity: 'normal', reason: 'x' } } as IncidentCommand;
    expect(decide(incidentIn('responding'), same, emitFor(same))).toMatchObject({ status: 409 });
  });

  it('each assignee’s part: offered → accepted → working → done, and an answer only to an open offer', () => {
    let view = incidentIn('triaged');
    view = run(view, command('incident.accept_assignment')).after!;
    expect(view).toMatchObject({ state: 'assigned' });
    expect(view.assignees.find((a) => a.id === 'ent-offered')).toMatchObject({ status: 'accepted' });
    expect(run(view, command('incident.accept_assignment')).decision).toMatchObject({ status: 409, reason: expect.stringMatching(/no open offer/) });
    const progress = { ...command('incident.post_progress'), payload: { incidentId, assigneeId: 'ent-offered', situation: 'Đang xử lý' } } as IncidentCommand;
    view = run(view, progress).after!;
    expect(view.assignees.find((a) => a.id === 'ent-offered')).toMatchObject({ status: 'working' });
    expect(view.milestones).toMatchObject({ firstProgress: at });
    view = run(view, command('incident.resolve')).after!;
    expect(view.assignees.filter((a) => a.kind === 'enterprise').map((a) => a.status)).toEqual(['done', 'done']);
  });

  it('an enterprise with an open offer must accept before it posts progress', () => {
    const progress = { ...command('incident.post_progress'), payload: { incidentId, assigneeId: 'ent-offered', situation: 'x' } } as IncidentCommand;
    expect(decide(incidentIn('assigned'), progress, emitFor(progress))).toMatchObject({ status: 409, reason: expect.stringMatching(/accept/) });
  });

  it('an assignment by a coordinator offers an enterprise the incident within the policy’s window', () => {
    const assign = command('incident.assign');
    const view = run(incidentIn('triaged'), assign).after!;
    // normal P2: 2 hours to accept
    expect(view.assignees.find((a) => a.id === 'ent-new')).toMatchObject({ status: 'offered', offerExpiresAt: '2026-11-20T05:00:00.000Z' });
    expect(run(view, assign).decision).toMatchObject({ accepted: true, duplicate: true });
    const again = command('incident.assign');
    expect(decide(view, again, emitFor(again))).toMatchObject({ status: 409, reason: expect.stringMatching(/already assigned/) });
  });

  it('a reopened incident takes acknowledgements again, and its response clocks restart', () => {
    const reopened = run(incidentIn('closed', { milestones: { acknowledged: '2026-11-20T02:05:00.000Z', resolved: at, closed: at } }), command('incident.reopen')).after!;
    expect(reopened).toMatchObject({ state: 'reopened', portalStatus: 'dang_xu_ly', milestones: { acknowledged: '2026-11-20T02:05:00.000Z', reopened: at } });
    expect(reopened.milestones?.resolved).toBeUndefined();
    const leader = { ...command('incident.acknowledge'), payload: { incidentId, assigneeId: 'lia-01-sec-leader' } } as IncidentCommand;
    expect(run(reopened, leader).after?.state).toBe('acknowledged');
  });

  it('a coordination order is answered once by each addressee it names', () => {
    const answered = run(incidentIn('responding'), command('incident.answer_coordination_order')).after!;
    expect(answered.coordinationOrders?.[0]?.answers.map((a) => a.addresseeId)).toEqual(['ent-working']);
    const again = command('incident.answer_coordination_order');
    expect(decide(answered, again, emitFor(again))).toMatchObject({ status: 409, reason: expect.stringMatching(/already answered/) });
    const issue = command('incident.issue_coordination_order');
    expect(run(incidentIn('responding'), issue).after?.coordinationOrders?.map((o) => o.orderId)).toEqual([orderId, issue.id]);
  });

  it('an online meeting records each account that joins once, with the assignee it acts for and the tracker’s time', () => {
    const leader: Actor = { kind: 'user', id: 'u-leader', name: 'Lãnh đạo', roles: ['liaison_leader'], provinceCodes: ['01'], assigneeIds: ['lia-01-sec-leader'], authenticatedBy: 'password' };
    const join = { ...command('incident.join_meeting', leader), payload: { incidentId, deadlineKey: 'acknowledge', rung: 1, assigneeId: 'lia-01-sec-leader' } } as IncidentCommand;
    const joined = run(incidentIn('routed'), join).after!;
    expect(joined.clocks?.climbs[0]?.reached[1]?.joined).toEqual([
      { actorId: 'u-leader', actorName: 'Lãnh đạo', assigneeId: 'lia-01-sec-leader', assigneeName: 'lia-01-sec-leader', at, eventId: joined.timeline.at(-1)!.eventId },
    ]);
    expect(joined.timeline.at(-1)).toMatchObject({ type: 'incident.meeting_joined', facts: { who: 'Lãnh đạo', for: 'lia-01-sec-leader' } });
    // joining is not the acknowledgement or progress that stops the climb
    expect(joined.clocks?.climbs[0]?.stopped).toBeUndefined();
    const twice = { ...join, id: ulid() } as IncidentCommand;
    expect(decide(joined, twice, emitFor(twice))).toMatchObject({ status: 409, code: 'already_joined' });
    // and an event joining again (two copies racing) is recorded once
    const [event] = (decide(incidentIn('routed'), twice, emitFor(twice)) as { events: IncidentEvent[] }).events;
    expect(applyEvent(joined, event!, 12)?.clocks?.climbs[0]?.reached[1]?.joined).toHaveLength(1);
    // only a liaison leader's rung reached has a meeting; only for an assignee one answers for
    const officerRung = { ...join, id: ulid(), payload: { ...join.payload, rung: 0 } } as IncidentCommand;
    expect(decide(incidentIn('routed'), officerRung, emitFor(officerRung))).toMatchObject({ status: 409, code: 'no_meeting' });
    const forOther = { ...join, id: ulid(), payload: { ...join.payload, assigneeId: 'lia-01-sec-officer' } } as IncidentCommand;
    expect(decide(incidentIn('routed'), forOther, emitFor(forOther))).toMatchObject({ status: 403 });
  });

  it('on-site support: a team is sent, its arrival meets the on-site deadline, it leaves only once resolved', () => {
    const firm: Actor = { kind: 'user', id: 'u-firm', roles: ['enterprise_responder'], organisationId: 'ent-working', assigneeIds: ['ent-working'], authenticatedBy: 'password' };
    const send = { ...command('incident.send_on_site_team'), payload: { incidentId, teamAssigneeId: 'ent-working', people: ['Nguyễn Văn A'] } } as IncidentCommand;
    const view = incidentIn('responding', { onSiteTeams: [], milestones: {} });
    let after = run(view, send).after!;
    expect(after.onSiteTeams).toEqual([{ teamId: send.id, assigneeId: 'ent-working', name: 'ent-working', people: ['Nguyễn Văn A'], sentAt: at, sentBy: { id: 'u-coordinator' } }]);
    const again = { ...send, id: ulid() } as IncidentCommand;
    expect(decide(after, again, emitFor(again))).toMatchObject({ status: 409, code: 'team_already_sent' });
    const notAssigned = { ...send, id: ulid(), payload: { ...send.payload, teamAssigneeId: 'ent-nobody' } } as IncidentCommand;
    expect(decide(after, notAssigned, emitFor(notAssigned))).toMatchObject({ status: 409, reason: expect.stringMatching(/not assigned/) });

    const step = (type: 'incident.arrive_on_site' | 'incident.leave_on_site', actor: Actor = firm) => ({ ...command(type, actor), payload: { incidentId, teamId: send.id } }) as IncidentCommand;
    const other: Actor = { ...firm, id: 'u-other', organisationId: 'ent-offered', assigneeIds: ['ent-offered'] };
    expect(decide(after, step('incident.arrive_on_site', other), emitFor(step('incident.arrive_on_site', other)))).toMatchObject({ status: 403 });
    const early = step('incident.leave_on_site');
    expect(decide(after, early, emitFor(early))).toMatchObject({ status: 409, state: 'responding', allowed: allowedCommands('responding') });
    after = run(after, step('incident.arrive_on_site')).after!;
    expect(after.onSiteTeams?.[0]?.arrivedAt).toBe(at);
    expect(after.milestones?.onSite).toBe(at);
    // a severe P1 must be on site within 4 hours: the arrival meets it
    const severe = { ...after, classification: { ...after.classification!, severity: 'severe' as const, priority: 'P1' as const } };
    const onSite = (v: IncidentView) => deadlinesOf(v, { clock: () => new Date('2026-11-20T09:00:00.000Z') }).find((d) => d.kind === 'on_site');
    expect(onSite(severe)).toMatchObject({ status: 'met', metAt: at });
    expect(onSite({ ...severe, milestones: view.milestones! })).toMatchObject({ status: 'breached' });
    // an update posted while the team is there says so (derived from the arrival)
    expect(run(after, command('incident.post_progress')).after?.timeline.at(-1)?.facts).toMatchObject({ onSite: true });
    expect(run(view, command('incident.post_progress')).after?.timeline.at(-1)?.facts).toMatchObject({ onSite: false });
    const twice = step('incident.arrive_on_site');
    expect(decide(after, twice, emitFor(twice))).toMatchObject({ status: 409, code: 'already_arrived' });

    const stillThere = step('incident.leave_on_site');
    expect(decide(after, stillThere, emitFor(stillThere))).toMatchObject({ status: 409, reason: expect.stringMatching(/while the incident is responding/) });
    after = run(after, command('incident.resolve')).after!;
    after = run(after, step('incident.leave_on_site')).after!;
    expect(after.onSiteTeams?.[0]).toMatchObject({ arrivedAt: at, leftAt: at });
    expect(after.timeline.slice(-4).map((t) => t.type)).toEqual(['incident.on_site_team_sent', 'incident.on_site_arrived', 'incident.resolved', 'incident.on_site_left']);
  });

  it('an event the table does not allow from the state (a stale one) never moves the incident backwards', () => {
    const contained = makeEnvelope('incident.contained', { incidentId }, { producedBy: 'tracker', actor: coordinator }) as IncidentEvent;
    expect(applyEvent(incidentIn('closed'), contained, 11)?.state).toBe('closed');
    const triaged = makeEnvelope('incident.triaged', { incidentId, severity: 'normal', priority: 'P3', category: 'malware' }, { producedBy: 'tracker', actor: coordinator }) as IncidentEvent;
    expect(applyEvent(incidentIn('responding'), triaged, 11)?.state).toBe('responding');
  });
});
