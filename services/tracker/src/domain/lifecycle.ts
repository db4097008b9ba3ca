import { followUpKinds, type Envelope, type IncidentView, type LifecycleState, type Payload, type PortalStatus, type TopicMessageType } from '@ucsc/shared';

export type IncidentEvent = Envelope<TopicMessageType<'incidentEvents'>>;
export type IncidentCommand = Envelope<TopicMessageType<'incidentCommands'>>;
type IncidentEventType = TopicMessageType<'incidentEvents'>;
/** Wraps a payload in an envelope that carries the command's actor and correlation. */
export type Emit = <T extends IncidentEventType>(type: T, payload: Payload<T>) => Envelope<T>;

/** The official portal shows three statuses; the finer lifecycle maps onto them. */
export const portalStatusOf: Record<LifecycleState, PortalStatus> = {
  reported: 'cho',
  assigned: 'cho',
  acknowledged: 'dang_xu_ly',
  // finished for the responders, but the coordinator still has to close it
  response_ended: 'dang_xu_ly',
};

function timelineEntry(event: IncidentEvent, summary: string): IncidentView['timeline'][number] {
  const { kind, id, name } = event.actor;
  return { eventId: event.id, type: event.type, at: event.occurredAt, actor: { kind, id, ...(name ? { name } : {}) }, summary };
}

function withState(view: IncidentView, state: LifecycleState, event: IncidentEvent, version: number, summary: string): IncidentView {
  return {
    ...view,
    state,
    portalStatus: portalStatusOf[state],
    version,
    updatedAt: event.occurredAt,
    timeline: [...view.timeline, timelineEntry(event, summary)],
  };
}

/**
 * The projection of one event onto an incident's current state. Pure: the same events in the same
 * order always give the same view, which is what makes rebuilding from Kafka possible.
 * Returns undefined for an event about an incident that was never reported.
 */
export function applyEvent(view: IncidentView | undefined, event: IncidentEvent, version: number): IncidentView | undefined {
  if (event.type === 'incident.reported') {
    if (view) return { ...view, version };
    const p = event.payload;
    const created: IncidentView = {
      id: p.incidentId,
      version,
      state: 'reported',
      portalStatus: portalStatusOf.reported,
      province: p.province,
      reportingOrganisation: p.reportingOrganisation,
      title: p.title,
      description: p.description,
      tlp: p.tlp,
      detectedAt: p.detectedAt,
      reportedAt: p.reportedAt,
      assignees: [],
      routingReasons: [],
      timeline: [],
      ...(p.report ? { report: p.report } : {}),
      followUps: [],
      attachments: [],
      updatedAt: event.occurredAt,
    };
    return withState(created, 'reported', event, version, `Tiếp nhận báo cáo từ ${p.reportingOrganisation.name}`);
  }
  if (!view) return undefined;
  switch (event.type) {
    case 'incident.assigned': {
      // a re-routing keeps the acknowledgements of those still assigned
      const acknowledged = new Map(view.assignees.map((a) => [a.id, a.acknowledgedAt]));
      const assignees = event.payload.assignees.map((a) => {
        const at = acknowledged.get(a.id);
        return at ? { ...a, acknowledgedAt: at } : a;
      });
      const next = { ...view, assignees, routingReasons: event.payload.reasons };
      const state = view.state === 'reported' ? 'assigned' : view.state;
      return withState(next, state, event, version, `Phân công ${event.payload.assignees.length} đầu mối xử lý`);
    }
    case 'incident.acknowledged': {
      const assignees = view.assignees.map((a) => (a.id === event.payload.assigneeId ? { ...a, acknowledgedAt: event.occurredAt } : a));
      const who = view.assignees.find((a) => a.id === event.payload.assigneeId)?.name ?? event.payload.assigneeId;
      return withState({ ...view, assignees }, 'acknowledged', event, version, `${who} đã xác nhận tiếp nhận`);
    }
    case 'incident.follow_up_reported': {
      const { followUpId, receivedAt, report } = event.payload;
      const followUps = view.followUps ?? [];
      if (followUps.some((f) => f.followUpId === followUpId)) return { ...view, version };
      const next = { ...view, followUps: [...followUps, { followUpId, eventId: event.id, receivedAt, report }] };
      const state = report.kind === 'final_report' ? 'response_ended' : view.state;
      return withState(next, state, event, version, followUpKinds[report.kind]);
    }
    case 'incident.attachment_added': {
      const { attachment } = event.payload;
      const attachments = view.attachments ?? [];
      if (attachments.some((a) => a.sha256 === attachment.sha256)) return { ...view, version };
      const label = attachment.malware ? 'mẫu mã độc' : attachment.kind === 'log' ? 'nhật ký' : 'tệp';
      const next = { ...view, attachments: [...attachments, { ...attachment, eventId: event.id, addedAt: event.occurredAt }] };
      return withState(next, view.state, event, version, `Đính kèm ${label}: ${attachment.filename}`);
    }
    case 'incident.command_rejected':
      return { ...view, version };
  }
}

export type Decision = { accepted: true; events: IncidentEvent[] } | { accepted: false; reason: string };

/** Which events a command leads to, given the incident as it is now; or why it is refused. */
export function decide(
  view: IncidentView | undefined,
  command: IncidentCommand,
  emit: Emit,
): Decision {
  if (!view) return { accepted: false, reason: 'unknown incident' };
  switch (command.type) {
    case 'incident.acknowledge': {
      const assignee = view.assignees.find((a) => a.id === command.payload.assigneeId);
      if (!assignee) return { accepted: false, reason: `${command.payload.assigneeId} is not assigned to this incident` };
      if (assignee.acknowledgedAt) return { accepted: false, reason: `${assignee.name} already acknowledged` };
      const { incidentId, assigneeId, note } = command.payload;
      return { accepted: true, events: [emit('incident.acknowledged', { incidentId, assigneeId, ...(note ? { note } : {}) })] };
    }
  }
}
