import type { Assignee, IncidentCategory, Payload, ProvinceRef, RoutingExclusions, Severity, Tlp, TopicMessageType } from '@ucsc/shared';
import { classify } from './classification';
import {
  describeExclusions,
  enterpriseAssignee,
  liaisonAssignee,
  nationalCoordinator,
  organisationAssignee,
  routeReport,
  selectEnterprises,
  type LoadView,
  type RoutingDirectory,
} from './routing';

/** How many enterprises an incident gets, and how long each has to accept: policy, from config. */
export interface RoutingPolicy {
  enterprisesPerIncident: number;
  enterprisesPerSevereIncident: number;
  acceptanceWindowMs: number;
}

export type OfferStatus = 'offered' | 'accepted' | 'declined' | 'timed_out' | 'removed' | 'done';

/** What dispatch remembers of one incident's routing, to re-route and to judge overrides. */
export interface IncidentRouting {
  incidentId: string;
  province: ProvinceRef;
  category: IncidentCategory;
  tlp: Tlp;
  severity: Severity;
  want: number;
  /** everyone assigned who is not offered (hub, liaisons, coordinator, added by a coordinator) */
  assignees: { id: string; name: string; kind: Assignee['kind'] }[];
  offers: { id: string; name: string; status: OfferStatus; offeredAt: string; expiresAt: string }[];
}

type EventType = TopicMessageType<'incidentEvents'>;
/** An event dispatch decided to emit; the consumer wraps it in an envelope. */
export type Draft = { [T in EventType]: { type: T; payload: Payload<T> } }[EventType];

/** Everything one decision changes: what to emit, and what to remember. */
export interface Effects {
  events: Draft[];
  state?: IncidentRouting;
  /** +1 when an enterprise takes an open assignment, −1 when it no longer holds one */
  loadDelta: Record<string, number>;
  offered: string[];
  deadlinesAdd: { member: string; at: number }[];
  deadlinesRemove: string[];
}

export const deadlineMember = (incidentId: string, enterpriseId: string) => `${incidentId} ${enterpriseId}`;

const noEffects = (): Effects => ({ events: [], loadDelta: {}, offered: [], deadlinesAdd: [], deadlinesRemove: [] });

const active = (status: OfferStatus) => status === 'offered' || status === 'accepted';

/** A new report: classify it, assign the people who always act, and offer it to enterprises. */
export function onReported(
  directory: RoutingDirectory,
  loads: LoadView,
  report: Payload<'incident.reported'>,
  now: Date,
  policy: RoutingPolicy,
): Effects {
  const effects = noEffects();
  const classification = classify(report);
  const base = routeReport(directory, report, classification);
  const { incidentId } = report;
  effects.events.push({ type: 'incident.classified', payload: { incidentId, ...classification } });
  // nobody to assign (no hub, no liaison available, no national coordinator): the incident is flagged below instead
  if (base.assignees.length) effects.events.push({ type: 'incident.assigned', payload: { incidentId, provinceCode: report.province.code, ...base } });
  const state: IncidentRouting = {
    incidentId,
    province: report.province,
    category: classification.category,
    tlp: classification.tlp,
    severity: classification.severity,
    want: classification.severity === 'severe' ? policy.enterprisesPerSevereIncident : policy.enterprisesPerIncident,
    assignees: base.assignees.map(({ id, name, kind }) => ({ id, name, kind })),
    offers: [],
  };
  effects.state = state;
  offerMore(directory, loads, state, 'initial', now, policy, effects);
  if (base.assignees.length === 0) {
    // a directory that leaves the province with nobody to act: flagged for a coordinator, never silence
    const nobody = [...base.reasons, 'nobody can be assigned: no province hub, no available liaison and no national coordinator; the incident is flagged for a coordinator'];
    const noFitted = effects.events.find((e) => e.type === 'incident.routing_no_fit');
    if (noFitted) noFitted.payload.reasons.unshift(...nobody);
    else {
      const excluded = { category: 0, coverage: 0, tlp: 0, capacity: 0, alreadyAsked: 0 };
      effects.events.push({ type: 'incident.routing_no_fit', payload: { incidentId, wanted: Math.max(state.want, 1), found: state.offers.length, rule: 'initial', reasons: nobody, excluded } });
    }
  }
  return effects;
}

/**
 * An offered enterprise declined or let the window pass: it no longer holds the assignment, and
 * the incident goes to the next one that fits, never back to one already asked.
 */
export function onOfferEnded(
  directory: RoutingDirectory,
  loads: LoadView,
  previous: IncidentRouting,
  enterpriseId: string,
  outcome: 'declined' | 'timed_out',
  now: Date,
  policy: RoutingPolicy,
): Effects {
  const effects = endOffer(previous, enterpriseId, outcome);
  if (effects.state) offerMore(directory, loads, effects.state, outcome === 'declined' ? 'after_decline' : 'after_timeout', now, policy, effects);
  return effects;
}

/** The offer's end alone, without re-routing (a rebuild replays the re-routing's own offers from the log). */
export function endOffer(previous: IncidentRouting, enterpriseId: string, outcome: 'declined' | 'timed_out'): Effects {
  const effects = noEffects();
  const offer = previous.offers.find((o) => o.id === enterpriseId);
  if (!offer || offer.status !== 'offered') return effects; // answered already, or a late duplicate
  effects.state = { ...previous, offers: previous.offers.map((o) => (o.id === enterpriseId ? { ...o, status: outcome } : o)) };
  effects.loadDelta[enterpriseId] = -1;
  effects.deadlinesRemove.push(deadlineMember(previous.incidentId, enterpriseId));
  return effects;
}

/**
 * How the tracker's lifecycle ends (or restarts) enterprises' parts, and what that does to their
 * load: `removed` (a coordinator took one off), `resolved` (every accepted part is done; an offer
 * still open lapses), `finished` (closed, rejected or merged away: every part still held ends),
 * `reopened` (the done parts are held again). No re-routing: these are decisions, not refusals.
 */
export function onPartsChanged(
  previous: IncidentRouting,
  change: { kind: 'removed'; enterpriseId: string } | { kind: 'resolved' | 'finished' | 'reopened' },
): Effects {
  const effects = noEffects();
  let changed = false;
  const offers = previous.offers.map((o) => {
    let status: OfferStatus | undefined;
    if (change.kind === 'removed') status = o.id === change.enterpriseId && active(o.status) ? 'removed' : undefined;
    else if (change.kind === 'resolved') status = o.status === 'accepted' ? 'done' : o.status === 'offered' ? 'removed' : undefined;
    else if (change.kind === 'finished') status = active(o.status) ? 'removed' : undefined;
    else status = o.status === 'done' ? 'accepted' : undefined;
    if (!status) return o;
    changed = true;
    effects.loadDelta[o.id] = (effects.loadDelta[o.id] ?? 0) + (status === 'accepted' ? 1 : -1);
    if (o.status === 'offered') effects.deadlinesRemove.push(deadlineMember(previous.incidentId, o.id));
    return { ...o, status };
  });
  if (changed) effects.state = { ...previous, offers };
  return effects;
}

/** A coordinator offered the incident to an enterprise through the tracker: it counts towards that one's load, and its window is watched. */
export function onOfferedByCoordinator(previous: IncidentRouting, enterprise: { id: string; name: string }, offeredAt: string, expiresAt: string): Effects {
  const effects = noEffects();
  if (previous.offers.some((o) => o.id === enterprise.id && active(o.status))) return effects;
  effects.state = { ...previous, offers: [...previous.offers.filter((o) => o.id !== enterprise.id), { id: enterprise.id, name: enterprise.name, status: 'offered', offeredAt, expiresAt }] };
  effects.loadDelta[enterprise.id] = 1;
  effects.offered.push(enterprise.id);
  effects.deadlinesAdd.push({ member: deadlineMember(previous.incidentId, enterprise.id), at: Date.parse(expiresAt) });
  return effects;
}

export function onAccepted(previous: IncidentRouting, enterpriseId: string): Effects {
  const effects = noEffects();
  const offer = previous.offers.find((o) => o.id === enterpriseId);
  if (!offer || offer.status !== 'offered') return effects;
  effects.state = { ...previous, offers: previous.offers.map((o) => (o.id === enterpriseId ? { ...o, status: 'accepted' } : o)) };
  effects.deadlinesRemove.push(deadlineMember(previous.incidentId, enterpriseId));
  return effects;
}

/** Offers the incident to as many more enterprises as it still needs, or tells the coordinator. */
function offerMore(
  directory: RoutingDirectory,
  loads: LoadView,
  state: IncidentRouting,
  rule: 'initial' | 'after_decline' | 'after_timeout',
  now: Date,
  policy: RoutingPolicy,
  effects: Effects,
): void {
  const holding = state.offers.filter((o) => active(o.status)).length;
  const want = state.want - holding;
  if (want <= 0) return;
  // enterprises already asked, and any a coordinator assigned: never asked (again)
  const exclude = new Set([...state.offers.map((o) => o.id), ...state.assignees.filter((a) => a.kind === 'enterprise').map((a) => a.id)]);
  const selection = selectEnterprises(directory, loads, {
    provinceCode: state.province.code,
    provinceName: state.province.name,
    category: state.category,
    tlp: state.tlp,
    want,
    exclude,
  });
  const offeredAt = now.toISOString();
  const ruleWhy = {
    initial: `${state.severity} incident: policy asks for ${state.want} enterprise(s)`,
    after_decline: 'an enterprise declined: the next one that fits is asked',
    after_timeout: 'an enterprise did not answer within its acceptance window: the next one that fits is asked',
  }[rule];
  for (const enterprise of selection.chosen) {
    // its own acceptance window when the directory gives one, else the policy's
    const windowMs = enterprise.acceptanceWindowMinutes ? enterprise.acceptanceWindowMinutes * 60_000 : policy.acceptanceWindowMs;
    const expiresAt = new Date(now.getTime() + windowMs).toISOString();
    state.offers.push({ id: enterprise.id, name: enterprise.name, status: 'offered', offeredAt, expiresAt });
    effects.loadDelta[enterprise.id] = (effects.loadDelta[enterprise.id] ?? 0) + 1;
    effects.offered.push(enterprise.id);
    effects.deadlinesAdd.push({ member: deadlineMember(state.incidentId, enterprise.id), at: Date.parse(expiresAt) });
    effects.events.push({
      type: 'incident.assignment_offered',
      payload: {
        incidentId: state.incidentId,
        assignee: enterpriseAssignee(enterprise),
        offeredAt,
        offerExpiresAt: expiresAt,
        rule,
        reasons: [ruleWhy, ...selection.reasons],
        candidates: selection.candidates,
        excluded: selection.excluded,
      },
    });
  }
  if (selection.chosen.length < want) effects.events.push(noFit(directory, state, rule, want, selection.chosen.length, selection.excluded, [ruleWhy, ...selection.reasons]));
}

function noFit(
  directory: RoutingDirectory,
  state: IncidentRouting,
  rule: 'initial' | 'after_decline' | 'after_timeout',
  wanted: number,
  found: number,
  excluded: RoutingExclusions,
  reasons: string[],
): Draft {
  const coordinator = nationalCoordinator(directory);
  return {
    type: 'incident.routing_no_fit',
    payload: {
      incidentId: state.incidentId,
      wanted,
      found,
      rule,
      reasons: [...reasons, `found ${found} of ${wanted}: ${describeExclusions(excluded)}; ${coordinator ? 'the national coordinator is told at once' : 'the directory has no national coordinator: the incident is flagged for one'}`],
      excluded,
      ...(coordinator ? { notified: organisationAssignee(coordinator, 'national_coordinator', 'coordinator') } : {}),
    },
  };
}

export type OverrideOutcome = { accepted: true; effects: Effects } | { accepted: false; reason: string };

/**
 * A coordinator adds or removes assignees, over any routing rule (capacity and fit included: a
 * coordination order must be answered). Removing an enterprise frees its assignment.
 */
export function onOverride(directory: RoutingDirectory, previous: IncidentRouting | undefined, command: Payload<'incident.override_routing'>, at: string): OverrideOutcome {
  if (!previous) return { accepted: false, reason: 'dispatch has not routed this incident' };
  const problems: string[] = [];
  const added: Assignee[] = [];
  for (const { kind, id } of command.add) {
    const known = previous.assignees.some((a) => a.id === id) || previous.offers.some((o) => o.id === id && active(o.status));
    if (known) {
      problems.push(`${id} is already assigned`);
      continue;
    }
    if (kind === 'enterprise') {
      const enterprise = directory.enterprises.get(id);
      if (enterprise) added.push(enterpriseAssignee(enterprise));
      else problems.push(`no enterprise ${id} in the directory`);
    } else if (kind === 'liaison') {
      const liaison = directory.liaisons.get(id);
      if (liaison) added.push(liaisonAssignee(directory, liaison));
      else problems.push(`no liaison ${id} in the directory`);
    } else {
      const org = directory.organisations.get(id);
      if (!org) problems.push(`no organisation ${id} in the directory`);
      else if (org.type === 'province_hub') added.push(organisationAssignee(org, 'province_hub', 'hub'));
      else if (org.type === 'national_coordinator') added.push(organisationAssignee(org, 'national_coordinator', 'coordinator'));
      else if (org.type === 'standing_body') added.push(organisationAssignee(org, 'standing_body', 'standing_body'));
      else problems.push(`organisation ${id} (${org.type}) cannot be assigned; assign one of its people or an enterprise`);
    }
  }
  const removed: { id: string; name: string }[] = [];
  for (const id of new Set(command.remove)) {
    const person = previous.assignees.find((a) => a.id === id);
    const offer = previous.offers.find((o) => o.id === id && active(o.status));
    if (person) removed.push({ id, name: person.name });
    else if (offer) removed.push({ id, name: offer.name });
    else problems.push(`${id} is not assigned to this incident`);
  }
  if (problems.length) return { accepted: false, reason: problems.join('; ') };
  if (added.length === 0 && removed.length === 0) return { accepted: false, reason: 'the override adds and removes nobody' };
  const effects = applyOverride(previous, { added, removed }, at);
  effects.events.push({ type: 'incident.routing_overridden', payload: { incidentId: previous.incidentId, added, removed, reason: command.reason } });
  return { accepted: true, effects };
}

/** An override as judged (or as the log records it, for a rebuild): who is added and removed, at what time. */
export function applyOverride(previous: IncidentRouting, change: { added: readonly Assignee[]; removed: readonly { id: string }[] }, at: string): Effects {
  const { added, removed } = change;
  const effects = noEffects();
  const removedIds = new Set(removed.map((r) => r.id));
  const offers = previous.offers.map((o) => {
    if (!removedIds.has(o.id) || !active(o.status)) return o;
    effects.loadDelta[o.id] = (effects.loadDelta[o.id] ?? 0) - 1;
    if (o.status === 'offered') effects.deadlinesRemove.push(deadlineMember(previous.incidentId, o.id));
    return { ...o, status: 'removed' as const };
  });
  const assignees = previous.assignees.filter((a) => !removedIds.has(a.id));
  for (const a of added) {
    if (a.kind === 'enterprise') {
      // a coordinator's order is accepted by definition: it holds an assignment, no window
      offers.push({ id: a.id, name: a.name, status: 'accepted', offeredAt: at, expiresAt: at });
      effects.loadDelta[a.id] = (effects.loadDelta[a.id] ?? 0) + 1;
    } else {
      assignees.push({ id: a.id, name: a.name, kind: a.kind });
    }
  }
  effects.state = { ...previous, assignees, offers };
  return effects;
}
