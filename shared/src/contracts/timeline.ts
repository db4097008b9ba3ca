import { z } from 'zod';
import { actorSchema, isoDateTime, ulidSchema } from './common';
import { categoryLabels, formatVietnamTime, severityLabels, type Language } from './labels';
import type { IncidentCategory } from './classification';
import { followUpKinds, type FollowUpKind } from './report';

/**
 * The timeline stores each event's facts (names, counts, codes, the event's own free text), not
 * words: the words are rendered when the timeline is read, in the reader's language, from this one
 * catalogue. So changing a label needs a deploy, never a rebuild of the projection.
 */

/** A line under an entry: the event's own text (a note, a situation, routing's reasons), a reason, a candidate, or whom a rung reached. */
export const timelineDetailSchema = z.union([
  z.string(),
  z.object({ reason: z.string() }),
  z.object({ candidate: z.object({ name: z.string(), chosen: z.boolean(), openAssignments: z.number(), capacity: z.number(), why: z.string() }) }),
  z.object({ recipients: z.array(z.string()) }),
]);
export type TimelineDetail = z.infer<typeof timelineDetailSchema>;

/** The facts each type of entry is rendered from. */
export interface TimelineFacts {
  'incident.reported': { organisation: string };
  'incident.assigned': { count: number };
  'incident.acknowledged': { who: string };
  'incident.follow_up_reported': { kind: FollowUpKind };
  'incident.attachment_added': { kind: 'malware' | 'log' | 'file'; filename: string };
  'incident.classified': { severity: 'severe' | 'normal'; priority: string; category: IncidentCategory; rsitClass: string; tlp: string };
  'incident.assignment_offered': { who: string; expiresAt: string };
  'incident.assignment_accepted': { who: string };
  'incident.assignment_declined': { who: string; reason: string };
  'incident.assignment_timed_out': { who: string };
  'incident.routing_no_fit': { found: number; wanted: number };
  'incident.routing_overridden': { added: string[]; removed: string[] };
  'incident.triaged': { severity: 'severe' | 'normal'; priority: string; category: IncidentCategory };
  'incident.assignee_added': { who: string; offerExpiresAt?: string };
  'incident.assignee_removed': { who: string };
  'incident.progress_posted': { who?: string; onSite: boolean };
  'incident.support_requested': { urgent: boolean };
  'incident.contained': Record<string, never>;
  'incident.resolved': Record<string, never>;
  'incident.closed': Record<string, never>;
  'incident.rejected': Record<string, never>;
  'incident.merged': { into: string };
  'incident.unmerged': { from: string };
  'incident.merge_received': { from: string; reporters: number };
  'incident.merge_undone': { from: string };
  'incident.reopened': Record<string, never>;
  'incident.commented': Record<string, never>;
  'incident.tlp_changed': { from: string; to: string };
  'incident.severity_changed': { severity: 'severe' | 'normal'; priority?: string };
  'incident.coordination_order_issued': { addressees: string[] };
  'incident.coordination_order_answered': { who: string };
  /** who: the account; for: the assignee it acted for */
  'incident.meeting_joined': { who: string; for: string };
  'incident.on_site_team_sent': { team: string; people: string[] };
  'incident.on_site_arrived': { team: string };
  'incident.on_site_left': { team: string };
  'incident.deadline_reminded': { kind: string; dueAt: string };
  'incident.deadline_breached': { kind: string; dueAt: string; late: boolean };
  'incident.escalation_rung_reached': { reaches: RungTarget; late: boolean };
  'incident.notification_sent': { channel: Channel; recipient: string; grouped?: number };
  'incident.notification_failed': { channel: Channel; recipient: string; attempt: number; dead: boolean };
  'incident.ministry_escalated': Record<string, never>;
}
export type TimelineType = keyof TimelineFacts;
type RungTarget = 'liaison_officer' | 'liaison_leader' | 'on_site' | 'ministry_leadership';
type Channel = 'email' | 'webhook' | 'inapp';

/** How an entry is stored in the projection: who, when, from which event, and the facts to render. */
export const timelineEntrySchema = z.object({
  eventId: ulidSchema,
  type: z.string(),
  at: isoDateTime,
  actor: actorSchema.pick({ kind: true, id: true, name: true }),
  facts: z.record(z.string(), z.unknown()),
  /** the lines under the entry (the rule and the candidates behind a routing decision, a reason, a note): coordinators only */
  details: z.array(timelineDetailSchema).optional(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

/**
 * An entry as a reader is shown it: its words in the reader's language (`summary`, and the lines
 * under it as text), beside the facts they came from. Rendering it again from its facts gives the
 * same summary, so a client may re-render it in another language.
 */
export const renderedTimelineEntrySchema = timelineEntrySchema.extend({
  summary: z.string(),
  details: z.array(z.string()).optional(),
});
export type RenderedTimelineEntry = z.infer<typeof renderedTimelineEntrySchema>;

type Words = { [T in TimelineType]: (facts: TimelineFacts[T]) => string };

export const followUpKindLabels: Record<Language, Record<FollowUpKind, string>> = {
  vi: followUpKinds,
  en: {
    situation_update: 'Situation update',
    support_request: 'Request for support',
    direction_request: 'Request for direction',
    final_report: 'End-of-response report (Form 04)',
  },
};

export const deadlineKindLabels: Record<Language, Record<string, string>> = {
  vi: {
    notify: 'thông báo sự cố (5 ngày từ khi phát hiện)',
    acknowledge: 'xác nhận tiếp nhận',
    accept: 'nhận phân công',
    first_progress: 'báo cáo tình hình lần đầu',
    on_site: 'có mặt tại hiện trường',
    contain: 'ngăn chặn sự cố',
    resolve: 'kết thúc ứng phó',
    progress: 'cập nhật tình hình định kỳ',
    final_report: 'báo cáo kết thúc ứng phó (Biểu mẫu 04, 5 ngày)',
    coordination_answer: 'trả lời lệnh điều phối',
  },
  en: {
    notify: 'notify the incident (5 days from detection)',
    acknowledge: 'acknowledge receipt',
    accept: 'accept the assignment',
    first_progress: 'first situation update',
    on_site: 'be on site',
    contain: 'contain the incident',
    resolve: 'end the response',
    progress: 'periodic situation update',
    final_report: 'end-of-response report (Form 04, 5 days)',
    coordination_answer: 'answer the coordination order',
  },
};

export const rungLabels: Record<Language, Record<RungTarget, string>> = {
  vi: {
    liaison_officer: 'nhắc cán bộ đầu mối',
    liaison_leader: 'lãnh đạo đầu mối họp trực tuyến ngay',
    on_site: 'cử người hỗ trợ tại hiện trường',
    ministry_leadership: 'báo cáo lãnh đạo Bộ',
  },
  en: {
    liaison_officer: 'the liaison officer is reminded',
    liaison_leader: 'the liaison leader meets online at once',
    on_site: 'on-site support is sent',
    ministry_leadership: 'the ministry’s leadership is told',
  },
};

const channelLabels: Record<Language, Record<Channel, string>> = {
  vi: { email: 'thư điện tử', webhook: 'webhook', inapp: 'trong ứng dụng' },
  en: { email: 'email', webhook: 'webhook', inapp: 'in the app' },
};

const attachmentKindLabels: Record<Language, Record<TimelineFacts['incident.attachment_added']['kind'], string>> = {
  vi: { malware: 'mẫu mã độc', log: 'nhật ký', file: 'tệp' },
  en: { malware: 'malware sample', log: 'log', file: 'file' },
};

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const sev = (lang: Language, s: 'severe' | 'normal') => lower(severityLabels[lang][s]);
const deadline = (lang: Language, kind: string) => deadlineKindLabels[lang][kind] ?? kind;

const vi: Words = {
  'incident.reported': (f) => `Tiếp nhận báo cáo từ ${f.organisation}`,
  'incident.assigned': (f) => `Phân công ${f.count} đầu mối xử lý`,
  'incident.acknowledged': (f) => `${f.who} đã xác nhận tiếp nhận`,
  'incident.follow_up_reported': (f) => followUpKindLabels.vi[f.kind],
  'incident.attachment_added': (f) => `Đính kèm ${attachmentKindLabels.vi[f.kind]}: ${f.filename}`,
  'incident.classified': (f) => `Phân loại: sự cố ${sev('vi', f.severity)}, ưu tiên ${f.priority}, ${categoryLabels.vi[f.category]} (RSIT: ${f.rsitClass}), TLP:${f.tlp}`,
  'incident.assignment_offered': (f) => `Đề nghị ${f.who} tiếp nhận (hạn ${formatVietnamTime(f.expiresAt, 'vi')})`,
  'incident.assignment_accepted': (f) => `${f.who} nhận xử lý sự cố`,
  'incident.assignment_declined': (f) => `${f.who} từ chối: ${f.reason}`,
  'incident.assignment_timed_out': (f) => `${f.who} không trả lời trong thời hạn`,
  'incident.routing_no_fit': (f) =>
    `${f.found < f.wanted ? `Không tìm được doanh nghiệp phù hợp (${f.found}/${f.wanted})` : 'Tỉnh không có đầu mối nào để phân công'}: báo ngay cơ quan điều phối`,
  'incident.routing_overridden': (f) => `Điều phối viên thay đổi phân công: thêm ${f.added.join(', ') || 'không'}; bỏ ${f.removed.join(', ') || 'không'}`,
  'incident.triaged': (f) => `Xác minh, phân loại: sự cố ${sev('vi', f.severity)}, ưu tiên ${f.priority}, ${categoryLabels.vi[f.category]}`,
  'incident.assignee_added': (f) => `Phân công ${f.who}${f.offerExpiresAt ? ` (hạn nhận ${formatVietnamTime(f.offerExpiresAt, 'vi')})` : ''}`,
  'incident.assignee_removed': (f) => `Thôi phân công ${f.who}`,
  'incident.progress_posted': (f) => `Cập nhật tình hình${f.who ? ` từ ${f.who}` : ''}${f.onSite ? ' (tại hiện trường)' : ''}`,
  'incident.support_requested': (f) => `Đề nghị hỗ trợ${f.urgent ? ' (khẩn)' : ''}`,
  'incident.contained': () => 'Đã khoanh vùng, ngăn chặn sự cố',
  'incident.resolved': () => 'Kết thúc ứng phó',
  'incident.closed': () => 'Đóng sự cố',
  'incident.rejected': () => 'Không phải sự cố',
  'incident.merged': (f) => `Gộp vào sự cố ${f.into}`,
  'incident.unmerged': (f) => `Tách khỏi sự cố ${f.from}`,
  'incident.merge_received': (f) => `Gộp sự cố ${f.from} vào đây (${f.reporters} đơn vị báo cáo)`,
  'incident.merge_undone': (f) => `Tách sự cố ${f.from} ra`,
  'incident.reopened': () => 'Mở lại sự cố',
  'incident.commented': () => 'Ý kiến',
  'incident.tlp_changed': (f) => `Đổi TLP:${f.from} thành TLP:${f.to}`,
  'incident.severity_changed': (f) => `Đổi mức độ: sự cố ${sev('vi', f.severity)}${f.priority ? `, ưu tiên ${f.priority}` : ''}`,
  'incident.coordination_order_issued': (f) => `Lệnh điều phối (Biểu mẫu 06) gửi ${f.addressees.join(', ')}`,
  'incident.coordination_order_answered': (f) => `${f.who} trả lời lệnh điều phối`,
  'incident.meeting_joined': (f) => `${f.who} (${f.for}) tham gia họp trực tuyến`,
  'incident.on_site_team_sent': (f) => `Cử ${f.team} hỗ trợ tại hiện trường: ${f.people.join(', ')}`,
  'incident.on_site_arrived': (f) => `${f.team} đã có mặt tại hiện trường`,
  'incident.on_site_left': (f) => `${f.team} rời hiện trường`,
  'incident.deadline_reminded': (f) => `Nhắc hạn: ${deadline('vi', f.kind)} (hạn ${formatVietnamTime(f.dueAt, 'vi')})`,
  'incident.deadline_breached': (f) => `Quá hạn: ${deadline('vi', f.kind)} (hạn ${formatVietnamTime(f.dueAt, 'vi')})${f.late ? ' — ghi nhận muộn' : ''}`,
  'incident.escalation_rung_reached': (f) => `Báo cáo vượt cấp: ${rungLabels.vi[f.reaches]}${f.late ? ' (muộn)' : ''}`,
  'incident.notification_sent': (f) => `Đã gửi thông báo (${channelLabels.vi[f.channel]}) tới ${f.recipient}${f.grouped ? `, gộp ${f.grouped} sự cố` : ''}`,
  'incident.notification_failed': (f) =>
    `${f.dead ? 'Không gửi được thông báo, đã dừng' : `Gửi thông báo lỗi (lần ${f.attempt}), sẽ thử lại`} (${channelLabels.vi[f.channel]}) tới ${f.recipient}`,
  'incident.ministry_escalated': () => 'Giám đốc Sở báo cáo thẳng lãnh đạo Bộ',
};

const en: Words = {
  'incident.reported': (f) => `Report received from ${f.organisation}`,
  'incident.assigned': (f) => `${f.count} ${f.count === 1 ? 'unit' : 'units'} assigned`,
  'incident.acknowledged': (f) => `${f.who} acknowledged receipt`,
  'incident.follow_up_reported': (f) => followUpKindLabels.en[f.kind],
  'incident.attachment_added': (f) => `Attached ${attachmentKindLabels.en[f.kind]}: ${f.filename}`,
  'incident.classified': (f) => `Classified: ${sev('en', f.severity)} incident, priority ${f.priority}, ${categoryLabels.en[f.category]} (RSIT: ${f.rsitClass}), TLP:${f.tlp}`,
  'incident.assignment_offered': (f) => `Offered to ${f.who} (answer by ${formatVietnamTime(f.expiresAt, 'en')})`,
  'incident.assignment_accepted': (f) => `${f.who} took the incident`,
  'incident.assignment_declined': (f) => `${f.who} declined: ${f.reason}`,
  'incident.assignment_timed_out': (f) => `${f.who} did not answer in time`,
  'incident.routing_no_fit': (f) =>
    `${f.found < f.wanted ? `No fitting enterprise found (${f.found}/${f.wanted})` : 'The province has nobody of its own to assign'}: the coordinator is told at once`,
  'incident.routing_overridden': (f) => `A coordinator changed the assignment: added ${f.added.join(', ') || 'nobody'}; removed ${f.removed.join(', ') || 'nobody'}`,
  'incident.triaged': (f) => `Verified and classified: ${sev('en', f.severity)} incident, priority ${f.priority}, ${categoryLabels.en[f.category]}`,
  'incident.assignee_added': (f) => `Assigned ${f.who}${f.offerExpiresAt ? ` (accept by ${formatVietnamTime(f.offerExpiresAt, 'en')})` : ''}`,
  'incident.assignee_removed': (f) => `${f.who} unassigned`,
  'incident.progress_posted': (f) => `Situation update${f.who ? ` from ${f.who}` : ''}${f.onSite ? ' (on site)' : ''}`,
  'incident.support_requested': (f) => `Support requested${f.urgent ? ' (urgent)' : ''}`,
  'incident.contained': () => 'Contained',
  'incident.resolved': () => 'Response ended',
  'incident.closed': () => 'Closed',
  'incident.rejected': () => 'Not an incident',
  'incident.merged': (f) => `Merged into incident ${f.into}`,
  'incident.unmerged': (f) => `Taken out of incident ${f.from}`,
  'incident.merge_received': (f) => `Incident ${f.from} merged into this one (${f.reporters} reporting ${f.reporters === 1 ? 'organisation' : 'organisations'})`,
  'incident.merge_undone': (f) => `Incident ${f.from} taken out again`,
  'incident.reopened': () => 'Reopened',
  'incident.commented': () => 'Comment',
  'incident.tlp_changed': (f) => `TLP:${f.from} changed to TLP:${f.to}`,
  'incident.severity_changed': (f) => `Severity changed: ${sev('en', f.severity)} incident${f.priority ? `, priority ${f.priority}` : ''}`,
  'incident.coordination_order_issued': (f) => `Coordination order (Form 06) sent to ${f.addressees.join(', ')}`,
  'incident.coordination_order_answered': (f) => `${f.who} answered the coordination order`,
  'incident.meeting_joined': (f) => `${f.who} (${f.for}) joined the online meeting`,
  'incident.on_site_team_sent': (f) => `${f.team} sent on site: ${f.people.join(', ')}`,
  'incident.on_site_arrived': (f) => `${f.team} arrived on site`,
  'incident.on_site_left': (f) => `${f.team} left the site`,
  'incident.deadline_reminded': (f) => `Reminder: ${deadline('en', f.kind)} (due ${formatVietnamTime(f.dueAt, 'en')})`,
  'incident.deadline_breached': (f) => `Overdue: ${deadline('en', f.kind)} (due ${formatVietnamTime(f.dueAt, 'en')})${f.late ? ' — recorded late' : ''}`,
  'incident.escalation_rung_reached': (f) => `Escalation: ${rungLabels.en[f.reaches]}${f.late ? ' (late)' : ''}`,
  'incident.notification_sent': (f) => `Notice sent (${channelLabels.en[f.channel]}) to ${f.recipient}${f.grouped ? `, grouping ${f.grouped} incidents` : ''}`,
  'incident.notification_failed': (f) =>
    `${f.dead ? 'Notice could not be sent, given up' : `Notice failed (attempt ${f.attempt}), will retry`} (${channelLabels.en[f.channel]}) to ${f.recipient}`,
  'incident.ministry_escalated': () => 'The province’s director escalated to the ministry’s leadership',
};

/** The words of every type of entry, per language: the one catalogue of the timeline. */
export const timelineWords: Record<Language, Words> = { vi, en };

const detailWords: Record<Language, { reason: string; nobody: string }> = {
  vi: { reason: 'Lý do', nobody: 'chưa có người nhận trong danh bạ' },
  en: { reason: 'Reason', nobody: 'nobody in the directory yet' },
};

export function renderTimelineDetail(detail: TimelineDetail, lang: Language): string {
  if (typeof detail === 'string') return detail;
  if ('reason' in detail) return `${detailWords[lang].reason}: ${detail.reason}`;
  if ('recipients' in detail) return detail.recipients.join(', ') || detailWords[lang].nobody;
  const c = detail.candidate;
  return `${c.chosen ? '✓' : '·'} ${c.name} (${c.openAssignments}/${c.capacity}): ${c.why}`;
}

/**
 * One entry in a language; a type this catalogue does not know (written by a newer tracker) shows
 * its type, and an entry of a view projected before the timeline kept facts shows the words it
 * stored (until `npm run rebuild`).
 */
export function renderTimelineEntry(entry: TimelineEntry, lang: Language): RenderedTimelineEntry {
  const { details, ...rest } = entry;
  const words = (timelineWords[lang] as Record<string, ((facts: unknown) => string) | undefined>)[entry.type];
  const stored = (entry as { summary?: unknown }).summary;
  return {
    ...rest,
    summary: entry.facts === undefined ? (typeof stored === 'string' ? stored : entry.type) : words ? words(entry.facts) : entry.type,
    ...(details?.length ? { details: details.map((d) => renderTimelineDetail(d, lang)) } : {}),
  };
}

export function renderTimeline(entries: readonly TimelineEntry[], lang: Language): RenderedTimelineEntry[] {
  return entries.map((e) => renderTimelineEntry(e, lang));
}

/** `?lang=` of the routes that answer words (a timeline, labels): vi or en; without it, Accept-Language, else vi. */
export const languageQuerySchema = z.strictObject({
  lang: z.enum(['vi', 'en']).optional().describe('The language of the words in the answer (vi, en); without it, the Accept-Language header decides, else vi'),
});

/** The language of a request: `lang` when given, else the first of ours in Accept-Language, else Vietnamese. */
export function languageOf(lang: string | undefined, acceptLanguage?: string): Language {
  if (lang === 'vi' || lang === 'en') return lang;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase().slice(0, 2);
    if (tag === 'vi' || tag === 'en') return tag;
  }
  return 'vi';
}
