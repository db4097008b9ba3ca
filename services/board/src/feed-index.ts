import type { Actor, FeedScope, IncidentView } from '@ucsc/shared';

type ListScope = Exclude<FeedScope, { kind: 'incident' }>;

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function remove<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

/**
 * Which subscriptions a change may concern, so that a change touches only those (not every group
 * and connection of the board). A group of the whole country or the queue may want any change; a
 * province's only its province's; an inbox (assignments) only an incident that names one of its
 * assignee ids; an incident subscription only its incident. And every group that holds the
 * incident now, whatever the change says, so that one leaving it (moved to another province,
 * assignee gone) is removed. The feed asks each candidate again (canSee, scope, filters): the index
 * only narrows, it never decides.
 */
export class SubscriptionIndex<G extends { actor: Actor; scope: ListScope }, S> {
  private readonly everyChange = new Set<G>();
  private readonly byProvince = new Map<string, Set<G>>();
  private readonly byAssignee = new Map<string, Set<G>>();
  /** incident id → the narrowed groups holding it (whole-country groups are asked anyway) */
  private readonly holders = new Map<string, Set<G>>();
  private readonly byIncident = new Map<string, Set<S>>();

  private narrowed(group: G): boolean {
    return group.scope.kind === 'province' || group.scope.kind === 'assignments';
  }

  addGroup(group: G): void {
    if (group.scope.kind === 'province') add(this.byProvince, group.scope.code, group);
    else if (group.scope.kind === 'assignments') for (const id of group.actor.assigneeIds ?? []) add(this.byAssignee, id, group);
    else this.everyChange.add(group);
  }

  /** `members`: what the group held, so that it is no longer found holding them. */
  removeGroup(group: G, members: Iterable<string>): void {
    if (group.scope.kind === 'province') remove(this.byProvince, group.scope.code, group);
    else if (group.scope.kind === 'assignments') for (const id of group.actor.assigneeIds ?? []) remove(this.byAssignee, id, group);
    else this.everyChange.delete(group);
    if (this.narrowed(group)) for (const id of members) remove(this.holders, id, group);
  }

  held(group: G, incidentId: string): void {
    if (this.narrowed(group)) add(this.holders, incidentId, group);
  }

  released(group: G, incidentId: string): void {
    if (this.narrowed(group)) remove(this.holders, incidentId, group);
  }

  /** The groups this incident's change may concern. */
  groupsFor(incident: Pick<IncidentView, 'id' | 'province' | 'assignees'>): Set<G> {
    const out = new Set(this.everyChange);
    for (const group of this.byProvince.get(incident.province.code) ?? []) out.add(group);
    for (const assignee of incident.assignees) for (const group of this.byAssignee.get(assignee.id) ?? []) out.add(group);
    for (const group of this.holders.get(incident.id) ?? []) out.add(group);
    return out;
  }

  addIncidentSub(incidentId: string, sub: S): void {
    add(this.byIncident, incidentId, sub);
  }

  removeIncidentSub(incidentId: string, sub: S): void {
    remove(this.byIncident, incidentId, sub);
  }

  incidentSubs(incidentId: string): Iterable<S> {
    return this.byIncident.get(incidentId) ?? [];
  }

  /** Sizes, for a test that the index lets go of what is gone. */
  get sizes(): { groups: number; provinces: number; assignees: number; holders: number; incidents: number } {
    return { groups: this.everyChange.size, provinces: this.byProvince.size, assignees: this.byAssignee.size, holders: this.holders.size, incidents: this.byIncident.size };
  }
}
