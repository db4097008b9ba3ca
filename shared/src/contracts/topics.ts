import type { MessageType } from './messages';

export interface TopicSpec {
  /** appended to the deployment's TOPIC_PREFIX */
  suffix: string;
  partitions: number;
  /** what may travel on the topic; an empty list means raw records (the dead-letter topic) */
  messageTypes: readonly MessageType[];
  /** topic settings; min.insync.replicas belongs to the deployment (npm run topics sets it) */
  config: Record<string, string>;
}

const forever = { 'retention.ms': '-1', 'cleanup.policy': 'delete' };

/** The topic table: a producer can only send, and a consumer only receives, what it allows. */
export const topics = {
  /** The system of record: every incident fact, keyed by incident id, kept forever (audit trail). */
  incidentEvents: {
    suffix: 'incident.events',
    partitions: 6,
    messageTypes: [
      'incident.reported',
      'incident.follow_up_reported',
      'incident.attachment_added',
      'incident.assigned',
      'incident.acknowledged',
      'incident.command_rejected',
      'incident.classified',
      'incident.assignment_offered',
      'incident.assignment_accepted',
      'incident.assignment_declined',
      'incident.assignment_timed_out',
      'incident.routing_no_fit',
      'incident.routing_overridden',
      'incident.triaged',
      'incident.assignee_added',
      'incident.assignee_removed',
      'incident.progress_posted',
      'incident.support_requested',
      'incident.contained',
      'incident.resolved',
      'incident.closed',
      'incident.rejected',
      'incident.merged',
      'incident.merge_received',
      'incident.unmerged',
      'incident.merge_undone',
      'incident.reopened',
      'incident.commented',
      'incident.tlp_changed',
      'incident.severity_changed',
      'incident.coordination_order_issued',
      'incident.coordination_order_answered',
      'incident.meeting_joined',
      'incident.on_site_team_sent',
      'incident.on_site_arrived',
      'incident.on_site_left',
      'incident.deadline_reminded',
      'incident.deadline_breached',
      'incident.escalation_rung_reached',
      'incident.ministry_escalated',
      'incident.notification_sent',
      'incident.notification_failed',
    ],
    config: forever,
  },
  /** Commands for the tracker, keyed by incident id so each incident has one writer, in order. */
  incidentCommands: {
    suffix: 'incident.commands',
    partitions: 6,
    messageTypes: [
      'incident.acknowledge',
      'incident.accept_assignment',
      'incident.decline_assignment',
      'incident.triage',
      'incident.assign',
      'incident.unassign',
      'incident.post_progress',
      'incident.request_support',
      'incident.contain',
      'incident.resolve',
      'incident.submit_final_report',
      'incident.close',
      'incident.reject',
      'incident.merge',
      'incident.unmerge',
      'incident.reopen',
      'incident.comment',
      'incident.change_tlp',
      'incident.change_severity',
      'incident.issue_coordination_order',
      'incident.answer_coordination_order',
      'incident.escalate_to_ministry',
      'incident.join_meeting',
      'incident.send_on_site_team',
      'incident.arrive_on_site',
      'incident.leave_on_site',
    ],
    config: { 'retention.ms': String(30 * 24 * 3600 * 1000), 'cleanup.policy': 'delete' },
  },
  /** The audit trail: who did what, when, from where, keyed by actor. Append-only, kept forever. */
  auditEvents: {
    suffix: 'audit.events',
    partitions: 3,
    messageTypes: ['audit.recorded'],
    config: forever,
  },
  /** Routing commands for dispatch (it owns routing), keyed by incident id like the incident events. */
  routingCommands: {
    suffix: 'routing.commands',
    partitions: 6,
    messageTypes: ['incident.override_routing'],
    config: { 'retention.ms': String(30 * 24 * 3600 * 1000), 'cleanup.policy': 'delete' },
  },
  /**
   * Every change to the directory (who changed what, when), kept forever: the directory is rebuilt
   * from it. One partition, so every reader applies changes in the one order they were made.
   */
  directoryEvents: {
    suffix: 'directory.events',
    partitions: 1,
    messageTypes: [
      'directory.unit_put',
      'directory.organisation_put',
      'directory.organisation_removed',
      'directory.liaison_put',
      'directory.liaison_removed',
      'directory.enterprise_put',
      'directory.enterprise_removed',
    ],
    config: forever,
  },
  /**
   * Every change of an account or API token, each record whole, kept forever: the identity store
   * is rebuilt from it. One partition: one order. Its records hold password and secret hashes, so
   * in production only the board may read it (a Kafka ACL).
   */
  identityEvents: {
    suffix: 'identity.events',
    partitions: 1,
    messageTypes: ['identity.user_put', 'identity.token_put'],
    config: forever,
  },
  /** Messages no consumer could read, with their origin and the error; kept forever for inspection. */
  deadLetter: {
    suffix: 'deadletter',
    partitions: 1,
    messageTypes: [],
    config: forever,
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof topics;
export type TopicMessageType<K extends TopicKey> = (typeof topics)[K]['messageTypes'][number];

export function topicName(prefix: string, key: TopicKey): string {
  return `${prefix}.${topics[key].suffix}`;
}
