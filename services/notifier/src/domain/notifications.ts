import { vietnamOffsetMs, type Envelope, type NotificationKind, type Tlp } from '@ucsc/shared';

/** What the notifier keeps of an incident, from the events it reads: enough to address and word a notice. */
export interface IncidentFacts {
  incidentId: string;
  title: string;
  provinceCode: string;
  tlp: Tlp;
  severe: boolean;
  assigneeIds: string[];
  reporterEmails: string[];
}

export type Channel = 'email' | 'webhook' | 'inapp';

export interface Recipient {
  id: string;
  name: string;
  email?: string;
  organisationId?: string;
}

export interface Person extends Recipient {
  provinceCode?: string;
  role?: string;
}

/** Who the notifier can address: the directory's people (liaisons, the province's hub, enterprises' focal points). */
export interface Addressbook {
  person(id: string): Person | undefined;
  /** the province's hub (its Sở / provincial police focal point) */
  hubOf(provinceCode: string): Person | undefined;
  /** the ministry's leadership, reached through the standing body and the national coordinator (as the ladder's last rung is) */
  ministry(): Person[];
}

export interface Notice {
  eventId: string;
  eventType: string;
  incidentId: string;
  /** what the notice is about, as a key of the templates */
  kind: NotificationKind;
  dueAt?: string;
  /** the law makes it urgent (a severe incident, the escalation ladder): quiet hours do not hold it */
  urgent: boolean;
  recipients: Recipient[];
}

/** The one identity of a delivery: the same event to the same recipient on the same channel is one delivery. */
export function deliveryId(eventId: string, recipientId: string, channel: Channel): string {
  return `${eventId}.${recipientId}.${channel}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Who must hear of an event, and how urgently: the assignees of an assignment, the assignee a
 * deadline is about (or all of them), the liaisons on the rung reached, the province's hub on a
 * breach and on a closure, the reporters of an incident merged into another; an on-site team's
 * enterprise when it is sent and the province's hub when it is sent, arrives and leaves (the hub
 * receives it); the ministry's leadership when the province's director reports to it directly.
 * Joining an escalation's online meeting is not a notice: the others in it see it there and on
 * the board.
 */
export function noticeOf(event: Envelope, facts: IncidentFacts, book: Addressbook): Notice | undefined {
  const base = { eventId: event.id, eventType: event.type, incidentId: facts.incidentId };
  const people = (ids: string[]) => ids.map((id) => book.person(id)).filter((p): p is Person => p !== undefined);
  const hub = book.hubOf(facts.provinceCode);
  const withHub = (list: Recipient[]) => (hub && !list.some((r) => r.id === hub.id) ? [...list, hub] : list);
  switch (event.type) {
    case 'incident.assigned':
      return { ...base, kind: 'assigned', urgent: facts.severe, recipients: people(event.payload.assignees.map((a) => a.id)) };
    case 'incident.assignee_added':
      return {
        ...base,
        kind: event.payload.offerExpiresAt ? 'offered' : 'assigned',
        urgent: facts.severe,
        recipients: people([event.payload.assignee.id]),
        ...(event.payload.offerExpiresAt ? { dueAt: event.payload.offerExpiresAt } : {}),
      };
    case 'incident.deadline_reminded':
      return { ...base, kind: 'reminder', urgent: facts.severe, dueAt: event.payload.dueAt, recipients: people(event.payload.assigneeId ? [event.payload.assigneeId] : facts.assigneeIds) };
    case 'incident.deadline_breached':
      return { ...base, kind: 'breach', urgent: true, dueAt: event.payload.dueAt, recipients: withHub(people(event.payload.assigneeId ? [event.payload.assigneeId] : facts.assigneeIds)) };
    case 'incident.escalation_rung_reached':
      return { ...base, kind: 'rung', urgent: true, dueAt: event.payload.dueAt, recipients: people(event.payload.recipients.map((r) => r.id)) };
    case 'incident.coordination_order_issued':
      return { ...base, kind: 'order', urgent: facts.severe, recipients: people(facts.assigneeIds) };
    case 'incident.on_site_team_sent':
      return { ...base, kind: 'on_site_sent', urgent: facts.severe, recipients: withHub(people([event.payload.teamAssigneeId])) };
    case 'incident.on_site_arrived':
      return { ...base, kind: 'on_site_arrived', urgent: false, recipients: withHub([]) };
    case 'incident.on_site_left':
      return { ...base, kind: 'on_site_left', urgent: false, recipients: withHub([]) };
    case 'incident.ministry_escalated':
      return { ...base, kind: 'ministry', urgent: true, recipients: book.ministry() };
    case 'incident.closed':
      return { ...base, kind: 'closed', urgent: false, recipients: withHub(people(facts.assigneeIds)) };
    case 'incident.merge_received':
      return {
        ...base,
        kind: 'merged',
        urgent: false,
        // a reporter is reached as the account that reported (in the app, and by email when the directory knows it)
        recipients: event.payload.reporters.flatMap((r) => (r.actorId ? [book.person(r.actorId) ?? { id: r.actorId, name: r.organisationName }] : [])),
      };
    default:
      return undefined;
  }
}

/** The types applyFacts and noticeOf act on: the consumer passes every other type by unparsed. */
export const readTypes = [
  'incident.reported',
  'incident.classified',
  'incident.severity_changed',
  'incident.tlp_changed',
  'incident.assigned',
  'incident.assignee_added',
  'incident.assignee_removed',
  'incident.deadline_reminded',
  'incident.deadline_breached',
  'incident.escalation_rung_reached',
  'incident.coordination_order_issued',
  'incident.on_site_team_sent',
  'incident.on_site_arrived',
  'incident.on_site_left',
  'incident.ministry_escalated',
  'incident.closed',
  'incident.merge_received',
] as const satisfies readonly Envelope['type'][];

/** The facts after an event: what later notices of the same incident need. */
export function applyFacts(facts: IncidentFacts | undefined, event: Envelope): IncidentFacts | undefined {
  if (event.type === 'incident.reported') {
    const p = event.payload;
    return { incidentId: p.incidentId, title: p.title, provinceCode: p.province.code, tlp: p.tlp, severe: false, assigneeIds: [], reporterEmails: [] };
  }
  if (!facts) return undefined;
  switch (event.type) {
    case 'incident.classified':
      return { ...facts, severe: event.payload.severity === 'severe' };
    case 'incident.severity_changed':
      return { ...facts, severe: event.payload.to === 'severe' };
    case 'incident.tlp_changed':
      return { ...facts, tlp: event.payload.to };
    case 'incident.assigned':
      return { ...facts, assigneeIds: [...new Set([...facts.assigneeIds, ...event.payload.assignees.map((a) => a.id)])] };
    case 'incident.assignee_added':
      return { ...facts, assigneeIds: [...new Set([...facts.assigneeIds, event.payload.assignee.id])] };
    case 'incident.assignee_removed':
      return { ...facts, assigneeIds: facts.assigneeIds.filter((id) => id !== event.payload.assigneeId) };
    default:
      return facts;
  }
}

/** Quiet hours as minutes of the day in Vietnam's time, [start, end), possibly across midnight. */
export interface QuietHours {
  start: string; // "22:00"
  end: string; // "07:00"
}

/** When a notice held by quiet hours may go: now if outside them or urgent, else at their end. */
export function releaseAt(now: Date, quiet: QuietHours | undefined, urgent: boolean): Date {
  if (!quiet || urgent) return now;
  const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  const local = new Date(now.getTime() + vietnamOffsetMs);
  const nowMin = local.getUTCHours() * 60 + local.getUTCMinutes();
  const inside = start <= end ? nowMin >= start && nowMin < end : nowMin >= start || nowMin < end;
  if (!inside) return now;
  const wait = (end - nowMin + 24 * 60) % (24 * 60);
  const at = new Date(now.getTime() + wait * 60_000);
  at.setUTCSeconds(0, 0);
  return at;
}
