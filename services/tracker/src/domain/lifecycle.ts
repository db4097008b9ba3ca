import { assignmentAllows, followUpKinds, portalStatusOf, reportedView, timelineEntry, type Envelope, type IncidentView, type LifecycleState, type Payload, type TopicMessageType } from '@ucsc/shared';

export type IncidentEvent = Envelope<TopicMessageType<'incidentEvents'>>;
export type IncidentCommand = Envelope<TopicMessageType<'incidentCommands'>>;
type IncidentEventType = TopicMessageType<'incidentEvents'>;
/** Wraps a payload in an envelope that carries the command's actor and correlation. */
export type Emit = <T extends IncidentEventType>(type: T, payload: Payload<T>) => Envelope<T>;

type Assigned = IncidentView['assignees'][number];

function withState(
  view: IncidentView,
  state: LifecycleState,
  event: IncidentEvent,
  version: number,
  summary: string,
  details?: string[],
): IncidentView {
  return {
    ...view,
    state,
    portalStatus: portalStatusOf[state],
    version,
    updatedAt: event.occurredAt,
    timeline: [...view.timeline, timelineEntry(event, summary, details)],
  };
}

/** Adds assignees, or replaces those already listed under the same id (a re-offer after a removal). */
function upsertAssignees(list: Assigned[], added: Assigned[]): Assigned[] {
  const ids = new Set(added.map((a) => a.id));
  return [...list.filter((a) => !ids.has(a.id)), ...added];
}

function updateAssignee(view: IncidentView, id: string, change: Partial<Assigned>): Assigned[] {
  return view.assignees.map((a) => (a.id === id ? { ...a, ...change } : a));
}

const severityLabel = { severe: 'nghiêm trọng', normal: 'thông thường' } as const;

/**
 * The projection of one event onto an incident's current state. Pure: the same events in the same
 * order always give the same view, which is what makes rebuilding from Kafka possible.
 * Returns undefined for an event about an incident that was never reported.
 */
export function applyEvent(view: IncidentView | undefined, event: IncidentEvent, version: number): IncidentView | undefined {
  if (event.type === 'incident.reported') return view ? { ...view, version } : reportedView(event, version);
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
      // an acknowledgement arriving after the end-of-response report does not reopen the response
      const state = view.state === 'response_ended' ? view.state : 'acknowledged';
      return withState({ ...view, assignees }, state, event, version, `${who} đã xác nhận tiếp nhận`);
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
    case 'incident.classified': {
      const { incidentId: _id, ...classification } = event.payload;
      const summary = `Phân loại: sự cố ${severityLabel[classification.severity]}, ưu tiên ${classification.priority}, ${classification.category} (${classification.rsitClass}), TLP:${classification.tlp}`;
      return withState({ ...view, classification }, view.state, event, version, summary, classification.reasons);
    }
    case 'incident.assignment_offered': {
      const p = event.payload;
      const offered: Assigned = { ...p.assignee, status: 'offered', offerExpiresAt: p.offerExpiresAt };
      const details = [...p.reasons, ...p.candidates.map((c) => `${c.chosen ? '✓' : '·'} ${c.name} (${c.openAssignments}/${c.capacity}): ${c.why}`)];
      const state = view.state === 'reported' ? 'assigned' : view.state;
      const next = { ...view, assignees: upsertAssignees(view.assignees, [offered]) };
      return withState(next, state, event, version, `Đề nghị ${p.assignee.name} tiếp nhận (hạn ${p.offerExpiresAt})`, details);
    }
    case 'incident.assignment_accepted': {
      const who = view.assignees.find((a) => a.id === event.payload.assigneeId);
      if (!who || who.status !== 'offered') return { ...view, version };
      const assignees = updateAssignee(view, who.id, { status: 'accepted', answeredAt: event.occurredAt });
      const { needsCoordinator: _cleared, ...rest } = view;
      return withState({ ...rest, assignees }, view.state, event, version, `${who.name} nhận xử lý sự cố`);
    }
    case 'incident.assignment_declined': {
      const who = view.assignees.find((a) => a.id === event.payload.assigneeId);
      if (!who || who.status !== 'offered') return { ...view, version };
      const assignees = updateAssignee(view, who.id, { status: 'declined', answeredAt: event.occurredAt, declineReason: event.payload.reason });
      return withState({ ...view, assignees }, view.state, event, version, `${who.name} từ chối: ${event.payload.reason}`);
    }
    case 'incident.assignment_timed_out': {
      const who = view.assignees.find((a) => a.id === event.payload.assigneeId);
      if (!who || who.status !== 'offered') return { ...view, version };
      const assignees = updateAssignee(view, who.id, { status: 'timed_out', answeredAt: event.occurredAt });
      return withState({ ...view, assignees }, view.state, event, version, `${who.name} không trả lời trong thời hạn`);
    }
    case 'incident.routing_no_fit': {
      const p = event.payload;
      const needsCoordinator = { since: event.occurredAt, reasons: p.reasons };
      const notified = p.notified && !view.assignees.some((a) => a.id === p.notified?.id) ? [p.notified] : [];
      const next = { ...view, needsCoordinator, assignees: upsertAssignees(view.assignees, notified) };
      // found as many as wanted: the enterprises fit, but the province has nobody of its own to act
      const what = p.found < p.wanted ? `Không tìm được doanh nghiệp phù hợp (${p.found}/${p.wanted})` : 'Tỉnh không có đầu mối nào để phân công';
      return withState(next, view.state === 'reported' ? 'assigned' : view.state, event, version, `${what}: báo ngay cơ quan điều phối`, p.reasons);
    }
    case 'incident.routing_overridden': {
      const p = event.payload;
      const removed = new Set(p.removed.map((r) => r.id));
      const kept = view.assignees.map((a) => (removed.has(a.id) ? { ...a, status: 'removed' as const } : a));
      const added: Assigned[] = p.added.map((a) => ({ ...a, status: a.kind === 'enterprise' ? ('accepted' as const) : ('assigned' as const) }));
      const { needsCoordinator: _cleared, ...rest } = view;
      const next = { ...rest, assignees: upsertAssignees(kept, added) };
      const summary = `Điều phối viên thay đổi phân công: thêm ${p.added.map((a) => a.name).join(', ') || 'không'}; bỏ ${p.removed.map((r) => r.name).join(', ') || 'không'}`;
      return withState(p.added.length ? next : { ...view, assignees: kept }, view.state === 'reported' ? 'assigned' : view.state, event, version, summary, [`Lý do: ${p.reason}`]);
    }
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
      if (!assignmentAllows('acknowledge', assignee.status)) return { accepted: false, reason: `${assignee.name} does not hold this assignment (${assignee.status})` };
      if (assignee.acknowledgedAt) return { accepted: false, reason: `${assignee.name} already acknowledged` };
      const { incidentId, assigneeId, note } = command.payload;
      return { accepted: true, events: [emit('incident.acknowledged', { incidentId, assigneeId, ...(note ? { note } : {}) })] };
    }
    case 'incident.accept_assignment':
    case 'incident.decline_assignment': {
      const assignee = view.assignees.find((a) => a.id === command.payload.assigneeId);
      if (!assignee) return { accepted: false, reason: `${command.payload.assigneeId} is not assigned to this incident` };
      if (!assignmentAllows('respond', assignee.status)) {
        return { accepted: false, reason: `${assignee.name} has no open offer to answer (${assignee.status ?? 'assigned'})` };
      }
      if (command.type === 'incident.accept_assignment') {
        const { incidentId, assigneeId, note } = command.payload;
        return { accepted: true, events: [emit('incident.assignment_accepted', { incidentId, assigneeId, ...(note ? { note } : {}) })] };
      }
      const { incidentId, assigneeId, reason } = command.payload;
      return { accepted: true, events: [emit('incident.assignment_declined', { incidentId, assigneeId, reason })] };
    }
  }
}
