import { stricterTlp, type Actor } from '../contracts/common';
import type { Language } from '../contracts/labels';
import { renderTimeline, type RenderedTimelineEntry } from '../contracts/timeline';
import { endedAssignmentStatuses, submitterTimelineTypes, type IncidentChange, type IncidentSummary, type IncidentView } from '../projections/incidents';
import { canSee, scopeOf, type VisibilityFacts } from './index';

/**
 * What each audience may see of an incident: one function per audience, used by every service
 * (the board's reads, intake's status), the live feed (full and summary) and the exports. Who is
 * in which audience for an incident is `scopeOf`; whether they see it at all is `canSee`.
 */

/** An incident as read: the projection's view, or intake's receipt of a report just stored (without the long texts). */
export type IncidentRecord = IncidentSummary & Partial<Pick<IncidentView, 'description' | 'report'>>;

export type Audience = 'coordinator' | 'responder' | 'submitter';

type Attachment = NonNullable<IncidentView['attachments']>[number];

/** An attachment may be marked stricter than its incident: it (name, description, timeline line) is seen only by who may see both. */
export function attachmentVisible(actor: Actor, incident: VisibilityFacts, attachment: Pick<Attachment, 'tlp'>): boolean {
  return canSee(actor, { ...incident, tlp: stricterTlp(incident.tlp, attachment.tlp) });
}

/** What an actor gets of one incident: its audience and the attachments kept from it. `key` names the result, so equal views are serialised once. */
export interface ViewPlan {
  audience: Audience;
  hiddenAttachments: readonly string[];
  key: string;
}

export function viewPlan(actor: Actor, incident: IncidentRecord): ViewPlan | undefined {
  const audience = scopeOf(actor, incident);
  if (!audience || !canSee(actor, incident)) return undefined;
  const hiddenAttachments = (incident.attachments ?? []).filter((a) => !attachmentVisible(actor, incident, a)).map((a) => a.eventId);
  return { audience, hiddenAttachments, key: `${audience}|${hiddenAttachments.join(',')}` };
}

/** Drops the attachments the plan hides, and their timeline lines. */
function withoutHidden<T extends IncidentRecord>(incident: T, hidden: readonly string[]): T {
  if (hidden.length === 0) return incident;
  return {
    ...incident,
    attachments: (incident.attachments ?? []).filter((a) => !hidden.includes(a.eventId)),
    timeline: incident.timeline.filter((t) => !hidden.includes(t.eventId)),
  };
}

/** National coordinators and auditors: the whole incident. */
export function coordinatorView(incident: IncidentRecord, hidden: readonly string[] = []): IncidentRecord {
  return withoutHidden(incident, hidden);
}

/**
 * Those who respond (liaisons, the province's coordinator, an assigned enterprise): the report
 * and everything needed to act on it, without routing's internals (why each candidate was or was
 * not chosen, other enterprises' loads and reasons for declining).
 */
export function responderView(incident: IncidentRecord, hidden: readonly string[] = []): IncidentRecord {
  const { needsCoordinator, ...rest } = withoutHidden(incident, hidden);
  return {
    ...rest,
    ...(needsCoordinator ? { needsCoordinator: { since: needsCoordinator.since, reasons: [] } } : {}),
    routingReasons: [],
    assignees: rest.assignees.map(({ declineReason: _reason, ...a }) => a),
    timeline: rest.timeline.map(({ details: _details, ...t }) => t),
  };
}

/**
 * The reporting organisation: its report as filed, the portal status, who handles it now, its
 * follow-ups and attachments, and the timeline entries a submitter is shown (submitterTimelineTypes).
 */
export function submitterView(incident: IncidentRecord, hidden: readonly string[] = []): IncidentRecord {
  const { needsCoordinator: _flag, classification: _classification, ...rest } = withoutHidden(incident, hidden);
  return {
    ...rest,
    // the network's own meetings are not the submitter's; the teams that come to it are, without who sent them or the note
    ...(rest.clocks ? { clocks: { ...rest.clocks, climbs: rest.clocks.climbs.map((c) => ({ ...c, reached: c.reached.map(({ joined: _joined, ...r }) => r) })) } } : {}),
    ...(rest.onSiteTeams ? { onSiteTeams: rest.onSiteTeams.map(({ sentBy: _by, note: _note, ...team }) => team) } : {}),
    routingReasons: [],
    assignees: rest.assignees
      .filter((a) => !endedAssignmentStatuses.includes(a.status ?? 'assigned'))
      .map(({ declineReason: _reason, offerExpiresAt: _expires, ...a }) => a),
    timeline: rest.timeline.filter((t) => submitterTimelineTypes.includes(t.type)).map(({ details: _details, ...t }) => t),
  };
}

const views: Record<Audience, (incident: IncidentRecord, hidden: readonly string[]) => IncidentRecord> = {
  coordinator: coordinatorView,
  responder: responderView,
  submitter: submitterView,
};

export function applyView<T extends IncidentRecord>(incident: T, plan: ViewPlan): T {
  return views[plan.audience](incident, plan.hiddenAttachments) as T;
}

/** The incident as this actor may see it, or undefined when it may not see it at all. */
export function viewFor<T extends IncidentRecord>(actor: Actor, incident: T): T | undefined {
  const plan = viewPlan(actor, incident);
  return plan ? applyView(incident, plan) : undefined;
}

/**
 * A view with its timeline's words rendered in a language (contracts/timeline), for answers that
 * people or machines read as they are. Rendered after the audience's view, so its words come only
 * from the facts that audience may see (the lines under entries are a coordinator's).
 */
export function withWords<T extends IncidentRecord>(view: T, lang: Language): Omit<T, 'timeline'> & { timeline: RenderedTimelineEntry[] } {
  return { ...view, timeline: renderTimeline(view.timeline, lang) };
}

/** Each incident as the actor may see it, dropping those it may not. */
export function viewsFor<T extends IncidentRecord>(actor: Actor, incidents: readonly T[]): T[] {
  return incidents.flatMap((i) => viewFor(actor, i) ?? []);
}

/** The type of a change as the audience may know it: an event it is not shown is just an update. */
export function visibleChangeType(change: Pick<IncidentChange, 'eventId' | 'type'>, plan: ViewPlan): string {
  if (plan.hiddenAttachments.includes(change.eventId)) return 'incident.updated';
  return plan.audience === 'submitter' && !submitterTimelineTypes.includes(change.type) ? 'incident.updated' : change.type;
}
