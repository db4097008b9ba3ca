import { ulid } from 'ulid';
import type { DirectoryData, Enterprise } from '@ucsc/shared';
import {
  indexDirectory,
  onAccepted,
  onOfferEnded,
  onOfferedByCoordinator,
  onOverride,
  onPartsChanged,
  onReported,
  routeReport,
  selectEnterprises,
  type Effects,
  type IncidentRouting,
  type LoadView,
} from '@ucsc/dispatch';
import { demo, reportIn as report, testEnterprise as enterprise, testPolicy as policy } from './support';

const now = new Date('2026-11-20T03:00:00.000Z');

/** An in-memory load book that applies each decision's effects, as the Redis store does. */
class Loads implements LoadView {
  open = new Map<string, number>();
  last = new Map<string, number>();
  private seq = 0;
  openAssignments = (id: string) => this.open.get(id) ?? 0;
  forPool = (pool: readonly Enterprise[]) => ({ open: pool.map((e) => this.open.get(e.id) ?? 0), last: pool.map((e) => this.last.get(e.id) ?? 0) });
  apply(effects: Effects) {
    for (const [id, d] of Object.entries(effects.loadDelta)) this.open.set(id, (this.open.get(id) ?? 0) + d);
    this.seq += 1;
    for (const id of effects.offered) this.last.set(id, this.seq);
    return effects;
  }
}

const directoryWith = (enterprises: Enterprise[], data: DirectoryData = demo) => indexDirectory({ ...data, enterprises });
const offered = (effects: Effects) => effects.events.flatMap((e) => (e.type === 'incident.assignment_offered' ? [e.payload.assignee.id] : []));
const types = (effects: Effects) => effects.events.map((e) => e.type);

describe('the people who always act', () => {
  const directory = indexDirectory(demo);

  it('a severe incident also goes to the national coordinator and the standing body', () => {
    const decision = routeReport(directory, report('Hà Nội'), { severity: 'severe' });
    expect(decision.assignees.map((a) => a.kind)).toEqual(['province_hub', 'liaison', 'liaison', 'liaison', 'liaison', 'national_coordinator', 'standing_body']);
    expect(decision.reasons.join(' ')).toMatch(/severe incident/);
  });

  it('a normal incident does not go to the coordinator or the standing body', () => {
    const decision = routeReport(directory, report('Hà Nội'), { severity: 'normal' });
    expect(decision.assignees.some((a) => a.kind === 'national_coordinator' || a.kind === 'standing_body')).toBe(false);
  });

  it('a liaison on leave is replaced by their substitute, in their role', () => {
    const liaisons = demo.liaisons.map((l) => (l.id === 'lia-01-sec-officer' ? { ...l, onLeave: true } : l));
    const decision = routeReport(indexDirectory({ ...demo, liaisons }), report('Hà Nội'));
    const security = decision.assignees.filter((a) => a.organisationId === 'org-dept-security');
    expect(security.map((a) => [a.id, a.role])).toEqual([
      ['lia-01-sec-leader', 'leader'],
      ['lia-01-sec-officer-sub', 'officer'],
    ]);
    expect(decision.reasons.join(' ')).toMatch(/on leave: substitute .* stands in/);
  });

  it('a liaison on leave whose substitute is also away leaves the post empty, and says so', () => {
    const liaisons = demo.liaisons.map((l) => (l.id === 'lia-01-sec-officer' || l.id === 'lia-01-sec-officer-sub' ? { ...l, onLeave: true } : l));
    const decision = routeReport(indexDirectory({ ...demo, liaisons }), report('Hà Nội'));
    expect(decision.assignees.filter((a) => a.kind === 'liaison')).toHaveLength(3);
    expect(decision.reasons.join(' ')).toMatch(/no substitute is available/);
  });
});

describe('choosing enterprises', () => {
  it('only those that handle the category, cover the province and have capacity left fit', () => {
    const directory = directoryWith([
      enterprise('a-fits'),
      enterprise('b-wrong-category', { categories: ['dos'] }),
      enterprise('c-elsewhere', { coverage: ['79'] }),
      enterprise('d-full', { capacity: 1 }),
      enterprise('e-nationwide', { coverage: 'nationwide' }),
    ]);
    const loads = new Loads();
    loads.open.set('d-full', 1);
    loads.open.set('a-fits', 1);
    const selection = selectEnterprises(directory, loads, { provinceCode: '01', provinceName: 'Hà Nội', category: 'malware', tlp: 'AMBER', want: 5, exclude: new Set() });
    expect(selection.chosen.map((e) => e.id)).toEqual(['e-nationwide', 'a-fits']);
    expect(selection.excluded).toEqual({ category: 1, coverage: 1, tlp: 0, capacity: 1, alreadyAsked: 0 });
    expect(selection.candidates.find((c) => c.id === 'd-full')).toMatchObject({ chosen: false, why: 'at capacity (1/1)' });
  });

  it('TLP:RED goes only to enterprises that accept TLP:RED', () => {
    const directory = directoryWith([enterprise('a'), enterprise('b-red', { acceptsTlpRed: true }), enterprise('c')]);
    const effects = onReported(directory, new Loads(), report('Hà Nội', { category: 'malware' }, 'RED'), now, policy);
    expect(offered(effects)).toEqual(['b-red']);
    const offer = effects.events.find((e) => e.type === 'incident.assignment_offered');
    expect(offer?.type === 'incident.assignment_offered' && offer.payload.excluded.tlp).toBe(2);
  });

  it('TLP:RED with no enterprise that accepts it tells the coordinator', () => {
    const directory = directoryWith([enterprise('a'), enterprise('b')]);
    const effects = onReported(directory, new Loads(), report('Hà Nội', { category: 'malware' }, 'RED'), now, policy);
    expect(offered(effects)).toEqual([]);
    expect(types(effects)).toContain('incident.routing_no_fit');
  });

  it('a report filed under a former province is routed to the enterprises of the unit it became', () => {
    const directory = directoryWith([enterprise('hanoi', { coverage: ['01'] }), enterprise('tuyenquang', { coverage: ['08'] })]);
    const effects = onReported(directory, new Loads(), report('Hà Giang', { category: 'malware' }), now, policy);
    expect(offered(effects)).toEqual(['tuyenquang']);
    expect(effects.state?.province).toMatchObject({ code: '08', filedAs: 'Hà Giang', formerCode: '02' });
  });

  it('over many incidents, each enterprise gets its fair share: least loaded, then round-robin', () => {
    const ids = ['e1', 'e2', 'e3', 'e4', 'e5'];
    const directory = directoryWith(ids.map((id) => enterprise(id, { capacity: 1000 })));
    const loads = new Loads();
    const counts = new Map<string, number>();
    for (let i = 0; i < 500; i += 1) {
      for (const id of offered(loads.apply(onReported(directory, loads, report('Hà Nội', { category: 'malware' }), now, policy)))) {
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    expect(ids.map((id) => counts.get(id))).toEqual([100, 100, 100, 100, 100]);
  });

  it('with open assignments of different sizes, the least loaded (by share of capacity) goes first', () => {
    const directory = directoryWith([enterprise('big', { capacity: 10 }), enterprise('small', { capacity: 2 })]);
    const loads = new Loads();
    loads.open.set('big', 4); // 40 %
    loads.open.set('small', 1); // 50 %
    const effects = onReported(directory, loads, report('Hà Nội', { category: 'malware' }), now, policy);
    expect(offered(effects)).toEqual(['big']);
  });

  it('equally loaded enterprises take turns (round-robin), not the same one every time', () => {
    const directory = directoryWith([enterprise('a'), enterprise('b'), enterprise('c')]);
    const loads = new Loads();
    const order: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const effects = loads.apply(onReported(directory, loads, report('Hà Nội', { category: 'malware' }), now, policy));
      order.push(...offered(effects));
      // each incident is closed out at once, so loads stay equal and only round-robin decides
      for (const id of offered(effects)) loads.open.set(id, 0);
    }
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('a severe incident is offered to as many enterprises as the severe policy asks', () => {
    const directory = directoryWith([enterprise('a'), enterprise('b'), enterprise('c')]);
    const effects = onReported(directory, new Loads(), report('Hà Nội', { category: 'malware', protectionLevel: 5, impacts: ['loss_of_control'], ownerCanHandleAlone: false }), now, policy);
    expect(offered(effects)).toHaveLength(2);
    expect(types(effects).slice(0, 2)).toEqual(['incident.classified', 'incident.assigned']);
  });

  it('every offer records its rule, the candidates and why each was or was not chosen', () => {
    const directory = directoryWith([enterprise('a'), enterprise('b')]);
    const loads = new Loads();
    loads.open.set('a', 2);
    const effects = onReported(directory, loads, report('Hà Nội', { category: 'malware' }), now, policy);
    const offer = effects.events.find((e) => e.type === 'incident.assignment_offered');
    if (offer?.type !== 'incident.assignment_offered') throw new Error('no offer');
    expect(offer.payload).toMatchObject({ rule: 'initial', offerExpiresAt: '2026-11-20T03:01:00.000Z' });
    expect(offer.payload.candidates).toEqual([
      expect.objectContaining({ id: 'b', chosen: true }),
      expect.objectContaining({ id: 'a', chosen: false, why: 'fits, but more loaded than those chosen' }),
    ]);
    expect(offer.payload.reasons.join(' ')).toMatch(/policy asks for 1 enterprise/);
  });
});

describe('when nobody fits', () => {
  it('the coordinator is told at once, with the counts of who was ruled out and why', () => {
    const directory = directoryWith([enterprise('a', { categories: ['dos'] })]);
    const effects = onReported(directory, new Loads(), report('Hà Nội', { category: 'malware' }), now, policy);
    const noFit = effects.events.find((e) => e.type === 'incident.routing_no_fit');
    if (noFit?.type !== 'incident.routing_no_fit') throw new Error('no no-fit event');
    expect(noFit.payload).toMatchObject({ wanted: 1, found: 0, rule: 'initial', notified: { kind: 'national_coordinator', id: 'org-national-coordinator' } });
    expect(noFit.payload.excluded.category).toBe(1);
  });
});

describe('declines, timeouts and acceptance', () => {
  const directory = directoryWith([enterprise('a'), enterprise('b'), enterprise('c')]);

  function firstOffer() {
    const loads = new Loads();
    const effects = loads.apply(onReported(directory, loads, report('Hà Nội', { category: 'malware' }), now, policy));
    return { loads, state: effects.state as IncidentRouting, first: offered(effects)[0]! };
  }

  it('a decline frees the enterprise and offers the incident to the next one that fits', () => {
    const { loads, state, first } = firstOffer();
    expect(first).toBe('a');
    const effects = loads.apply(onOfferEnded(directory, loads, state, 'a', 'declined', now, policy));
    expect(offered(effects)).toEqual(['b']);
    expect(effects.loadDelta).toEqual({ a: -1, b: 1 });
    expect(effects.deadlinesRemove).toEqual([`${state.incidentId} a`]);
    const offer = effects.events[0];
    expect(offer?.type === 'incident.assignment_offered' && offer.payload.rule).toBe('after_decline');
  });

  it('never offers the incident again to an enterprise that declined it, even when it is the least loaded', () => {
    const { loads, state } = firstOffer();
    loads.open.set('b', 4);
    loads.open.set('c', 4);
    const afterA = loads.apply(onOfferEnded(directory, loads, state, 'a', 'declined', now, policy));
    expect(loads.openAssignments('a')).toBe(0);
    const second = offered(afterA)[0]!;
    const afterSecond = loads.apply(onOfferEnded(directory, loads, afterA.state!, second, 'declined', now, policy));
    const third = offered(afterSecond)[0]!;
    expect(new Set(['a', second, third]).size).toBe(3);
    const afterAll = onOfferEnded(directory, loads, afterSecond.state!, third, 'declined', now, policy);
    expect(offered(afterAll)).toEqual([]);
    expect(types(afterAll)).toEqual(['incident.routing_no_fit']);
  });

  it('an enterprise with its own acceptance window gets that window, the others the policy', () => {
    const own = directoryWith([enterprise('a', { acceptanceWindowMinutes: 15 }), enterprise('b')]);
    const loads = new Loads();
    const first = loads.apply(onReported(own, loads, report('Hà Nội', { category: 'malware' }), now, policy));
    expect(first.state?.offers[0]).toMatchObject({ id: 'a', expiresAt: '2026-11-20T03:15:00.000Z' });
    const second = onOfferEnded(own, loads, first.state!, 'a', 'declined', now, policy);
    expect(second.state?.offers[1]).toMatchObject({ id: 'b', expiresAt: '2026-11-20T03:01:00.000Z' });
  });

    it('a timeout re-routes like a decline, with its own rule', () => {
    const { loads, state } = firstOffer();
    const effects = onOfferEnded(directory, loads, state, 'a', 'timed_out', now, policy);
    expect(offered(effects)).toEqual(['b']);
    expect(effects.state?.offers.find((o) => o.id === 'a')?.status).toBe('timed_out');
    const offer = effects.events[0];
    expect(offer?.type === 'incident.assignment_offered' && offer.payload.rule).toBe('after_timeout');
  });

  it('a decline or timeout of an offer that was already answered changes nothing', () => {
    const { loads, state } = firstOffer();
    const accepted = onAccepted(state, 'a');
    expect(accepted.state?.offers[0]?.status).toBe('accepted');
    expect(accepted.deadlinesRemove).toEqual([`${state.incidentId} a`]);
    const late = onOfferEnded(directory, loads, accepted.state!, 'a', 'timed_out', now, policy);
    expect(late).toMatchObject({ events: [], loadDelta: {} });
    expect(late.state).toBeUndefined();
  });
});

describe('a coordinator overrides routing', () => {
  const directory = directoryWith([enterprise('a'), enterprise('b'), enterprise('z', { categories: ['dos'], coverage: ['79'] })]);
  const base = () => onReported(directory, new Loads(), report('Hà Nội', { category: 'malware' }), now, policy).state as IncidentRouting;

  it('adds any enterprise (fit or not) and removes an offered one, freeing it', () => {
    const outcome = onOverride(directory, base(), { incidentId: ulid(), add: [{ kind: 'enterprise', id: 'z' }], remove: ['a'], reason: 'chỉ đạo của Cục' }, '2026-11-20T01:00:00.000Z');
    if (!outcome.accepted) throw new Error(outcome.reason);
    expect(outcome.effects.loadDelta).toEqual({ a: -1, z: 1 });
    const event = outcome.effects.events[0];
    expect(event?.type === 'incident.routing_overridden' && event.payload).toMatchObject({ added: [{ id: 'z' }], removed: [{ id: 'a' }], reason: 'chỉ đạo của Cục' });
  });

  it('is refused, with the reason, for someone unknown or not assigned', () => {
    const outcome = onOverride(directory, base(), { incidentId: ulid(), add: [{ kind: 'enterprise', id: 'nobody' }], remove: ['lia-79-sec-leader'], reason: 'x' }, '2026-11-20T01:00:00.000Z');
    expect(outcome).toEqual({ accepted: false, reason: 'no enterprise nobody in the directory; lia-79-sec-leader is not assigned to this incident' });
  });

  it('is refused for an incident dispatch never routed', () => {
    expect(onOverride(directory, undefined, { incidentId: ulid(), add: [], remove: ['a'], reason: 'x' }, '2026-11-20T01:00:00.000Z')).toMatchObject({ accepted: false });
  });
});

describe('an enterprise’s load follows the lifecycle’s end of its part (issue 12)', () => {
  const base: IncidentRouting = {
    incidentId: ulid(),
    province: { code: '01', name: 'Thành phố Hà Nội', filedAs: 'Hà Nội' },
    category: 'malware',
    tlp: 'AMBER',
    severity: 'normal',
    want: 1,
    assignees: [],
    offers: [
      { id: 'working', name: 'W', status: 'accepted', offeredAt: now.toISOString(), expiresAt: now.toISOString() },
      { id: 'asked', name: 'A', status: 'offered', offeredAt: now.toISOString(), expiresAt: now.toISOString() },
      { id: 'gone', name: 'G', status: 'declined', offeredAt: now.toISOString(), expiresAt: now.toISOString() },
    ],
  };
  const statuses = (effects: Effects) => Object.fromEntries((effects.state ?? base).offers.map((o) => [o.id, o.status]));

  it('removed by a coordinator: that one is released (its open window no longer watched), the others untouched', () => {
    const effects = onPartsChanged(base, { kind: 'removed', enterpriseId: 'asked' });
    expect(statuses(effects)).toEqual({ working: 'accepted', asked: 'removed', gone: 'declined' });
    expect(effects.loadDelta).toEqual({ asked: -1 });
    expect(effects.deadlinesRemove).toHaveLength(1);
    expect(effects.events).toEqual([]);
  });

  it('resolved: the accepted part is done, an open offer lapses; both released, a declined one not twice', () => {
    const effects = onPartsChanged(base, { kind: 'resolved' });
    expect(statuses(effects)).toEqual({ working: 'done', asked: 'removed', gone: 'declined' });
    expect(effects.loadDelta).toEqual({ working: -1, asked: -1 });
  });

  it('closed, rejected or merged away: every part still held ends; reopened: the done parts are held again', () => {
    expect(onPartsChanged(base, { kind: 'finished' }).loadDelta).toEqual({ working: -1, asked: -1 });
    const resolved = onPartsChanged(base, { kind: 'resolved' }).state!;
    const reopened = onPartsChanged(resolved, { kind: 'reopened' });
    expect(statuses(reopened)).toEqual({ working: 'accepted', asked: 'removed', gone: 'declined' });
    expect(reopened.loadDelta).toEqual({ working: 1 });
    // nothing to change: no new state to record
    expect(onPartsChanged(reopened.state!, { kind: 'reopened' }).state).toBeUndefined();
  });

  it('an enterprise a coordinator offers the incident to counts once, with its window watched', () => {
    const effects = onOfferedByCoordinator(base, { id: 'new', name: 'N' }, now.toISOString(), new Date(now.getTime() + 60_000).toISOString());
    expect(effects.loadDelta).toEqual({ new: 1 });
    expect(effects.deadlinesAdd).toEqual([{ member: `${base.incidentId} new`, at: now.getTime() + 60_000 }]);
    expect(onOfferedByCoordinator(effects.state!, { id: 'new', name: 'N' }, now.toISOString(), now.toISOString()).loadDelta).toEqual({});
  });
});
