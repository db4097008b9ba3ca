import fc from 'fast-check';
import { canSee, type Actor, type FeedScope, type IncidentView } from '@ucsc/shared';
import { feedScopeCovers } from '@ucsc/board';
import { SubscriptionIndex } from '../src/feed-index';

type ListScope = Exclude<FeedScope, { kind: 'incident' }>;
interface Group {
  actor: Actor;
  scope: ListScope;
}

const national: Actor = { kind: 'user', id: 'u-national', roles: ['national_coordinator'], authenticatedBy: 'password+totp' } as Actor;
const province = (code: string): Actor => ({ kind: 'user', id: `u-${code}`, roles: ['province_coordinator'], provinceCodes: [code], assigneeIds: [`org-hub-${code}`], organisationId: `org-hub-${code}`, authenticatedBy: 'password' }) as Actor;
const enterprise = (id: string): Actor => ({ kind: 'user', id: `u-${id}`, roles: ['enterprise_responder'], assigneeIds: [id], organisationId: id, authenticatedBy: 'password' }) as Actor;
const incident = (id: string, code: string, assignees: { id: string; status?: string }[] = [], tlp = 'AMBER') =>
  ({ id, province: { code }, assignees, tlp, state: 'routed', reportedBy: { organisationId: 'org-reporter' } }) as unknown as IncidentView;

describe('the feed’s subscription index (services/board/src/feed-index.ts)', () => {
  it('a change is offered to the whole country’s groups, its province’s, its assignees’ inboxes, and to the groups that hold it; not to the others', () => {
    const index = new SubscriptionIndex<Group, string>();
    const country = { actor: national, scope: { kind: 'country' } as const };
    const queue = { actor: national, scope: { kind: 'queue' } as const };
    const hanoi = { actor: province('01'), scope: { kind: 'province', code: '01' } as const };
    const hcm = { actor: province('79'), scope: { kind: 'province', code: '79' } as const };
    const inbox = { actor: enterprise('ent-a'), scope: { kind: 'assignments' } as const };
    const otherInbox = { actor: enterprise('ent-b'), scope: { kind: 'assignments' } as const };
    for (const g of [country, queue, hanoi, hcm, inbox, otherInbox]) index.addGroup(g);

    expect(index.groupsFor(incident('X', '01'))).toEqual(new Set([country, queue, hanoi]));
    expect(index.groupsFor(incident('X', '79', [{ id: 'ent-a' }]))).toEqual(new Set([country, queue, hcm, inbox]));
    // Hà Nội holds X; X moves to 79: Hà Nội is still asked, to remove it
    index.held(hanoi, 'X');
    expect(index.groupsFor(incident('X', '79'))).toEqual(new Set([country, queue, hcm, hanoi]));
    index.released(hanoi, 'X');
    expect(index.groupsFor(incident('X', '79'))).toEqual(new Set([country, queue, hcm]));

    index.addIncidentSub('X', 'sub-1');
    index.addIncidentSub('X', 'sub-2');
    expect([...index.incidentSubs('X')]).toEqual(['sub-1', 'sub-2']);
    expect([...index.incidentSubs('Y')]).toEqual([]);
    index.removeIncidentSub('X', 'sub-1');
    index.removeIncidentSub('X', 'sub-2');

    // groups that go let go of everything they held
    index.held(inbox, 'X');
    for (const g of [country, queue, hanoi, hcm, inbox, otherInbox]) index.removeGroup(g, g === inbox ? ['X'] : []);
    expect(index.sizes).toEqual({ groups: 0, provinces: 0, assignees: 0, holders: 0, incidents: 0 });
  });

  it('never leaves out a group that may see the change in its scope, or that holds the incident (random groups and changes, against canSee and the scope rule)', () => {
    const codes = ['01', '08', '79'];
    const enterprises = ['ent-a', 'ent-b', 'ent-c'];
    const groupArb = fc.oneof(
      fc.constantFrom<Group>({ actor: national, scope: { kind: 'country' } }, { actor: national, scope: { kind: 'queue' } }),
      fc.tuple(fc.constantFrom(...codes), fc.constantFrom(...codes), fc.boolean()).map(([own, scope, byProvince]): Group => ({ actor: province(own), scope: byProvince ? { kind: 'province', code: scope } : { kind: 'country' } })),
      fc.constantFrom(...enterprises).map((id): Group => ({ actor: enterprise(id), scope: { kind: 'assignments' } })),
    );
    const changeArb = fc.record({
      id: fc.constantFrom('X', 'Y', 'Z'),
      code: fc.constantFrom(...codes),
      tlp: fc.constantFrom('AMBER', 'RED'),
      assignees: fc.uniqueArray(fc.record({ id: fc.constantFrom(...enterprises, 'org-hub-01', 'org-hub-79'), status: fc.constantFrom('assigned', 'offered', 'accepted', 'declined', 'timed_out', 'removed') }), { selector: (a) => a.id, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(groupArb, { minLength: 1, maxLength: 8, selector: (g) => JSON.stringify(g) }), fc.array(changeArb, { minLength: 1, maxLength: 30 }), (groups, changes) => {
        const index = new SubscriptionIndex<Group, string>();
        const members = new Map(groups.map((g) => [g, new Set<string>()]));
        for (const g of groups) index.addGroup(g);
        for (const c of changes) {
          const view = incident(c.id, c.code, c.assignees, c.tlp);
          const offered = index.groupsFor(view);
          for (const g of groups) {
            const wants = canSee(g.actor, view) && feedScopeCovers(g.actor, g.scope, view);
            const held = members.get(g)!.has(c.id);
            if (wants || held) expect(offered.has(g)).toBe(true);
            // what the feed does with the answer: it keeps the index told what each group holds
            if (wants) {
              members.get(g)!.add(c.id);
              index.held(g, c.id);
            } else if (held) {
              members.get(g)!.delete(c.id);
              index.released(g, c.id);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
