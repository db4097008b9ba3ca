import type { Role } from './common';
import type { AssignmentStatus, LifecycleState, PortalStatus } from './lifecycle';
import type { IncidentCategory } from './classification';
import { incidentCategories } from './classification';
import type { TopicMessageType } from './topics';
import type { DirectoryEntity, Liaison, organisationTypes, Unit } from './directory';

type CommandType = TopicMessageType<'incidentCommands'>;

/**
 * The words people read for each code, in Vietnamese (the default) and English: the one
 * catalogue the services' answers and the web app both use (nothing is copied into the page).
 */
export type Language = 'vi' | 'en';

/** Vietnam has kept UTC+7 without daylight saving since 1975: the zone of every legal day, every sweep and every date shown. */
export const vietnamTimeZone = 'Asia/Ho_Chi_Minh';
/** Vietnam's offset from UTC (+7): the zone has had no daylight saving since 1975. */
export const vietnamOffsetMs = 7 * 3600_000;

const dateFormats = new Map<Language, Intl.DateTimeFormat>();
/** A date and time as people in Vietnam read it (its time zone, whatever the reader's machine), short. */
export function formatVietnamTime(iso: string | undefined, lang: Language): string {
  if (!iso) return '—';
  let format = dateFormats.get(lang);
  if (!format) dateFormats.set(lang, (format = new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: vietnamTimeZone, dateStyle: 'short', timeStyle: 'short' })));
  return format.format(new Date(iso));
}
export type Labels<K extends string> = Record<Language, Record<K, string>>;

export const portalStatusLabels: Labels<PortalStatus> = {
  vi: { cho: 'Chờ', dang_xu_ly: 'Đang xử lý', ket_thuc: 'Kết thúc' },
  en: { cho: 'Waiting', dang_xu_ly: 'In progress', ket_thuc: 'Finished' },
};

export const lifecycleStateLabels: Labels<LifecycleState> = {
  vi: {
    reported: 'Đã tiếp nhận báo cáo',
    routed: 'Đã phân công đầu mối xử lý',
    acknowledged: 'Đầu mối đã xác nhận, đang ứng cứu',
    triaged: 'Đã xác minh, phân loại sự cố',
    assigned: 'Đã có đơn vị nhận ứng cứu',
    responding: 'Đang ứng cứu',
    contained: 'Đã khoanh vùng, ngăn chặn sự cố',
    resolved: 'Đã kết thúc ứng phó, chờ báo cáo kết thúc (Biểu mẫu 04)',
    report_received: 'Đã có báo cáo kết thúc ứng phó, chờ đóng sự cố',
    closed: 'Đã đóng sự cố',
    rejected: 'Không phải sự cố',
    merged: 'Đã gộp vào một sự cố khác',
    reopened: 'Đã mở lại sự cố',
  },
  en: {
    reported: 'Reported',
    routed: 'Routed to the receiving units',
    acknowledged: 'Receipt acknowledged',
    triaged: 'Verified and classified',
    assigned: 'A responder has taken it',
    responding: 'Responding',
    contained: 'Contained',
    resolved: 'Response ended, end-of-response report (Form 04) due',
    report_received: 'End-of-response report in, to be closed',
    closed: 'Closed',
    rejected: 'Not an incident',
    merged: 'Merged into another incident',
    reopened: 'Reopened',
  },
};

export const assignmentStatusLabels: Labels<AssignmentStatus> = {
  vi: { assigned: 'Được giao', offered: 'Chờ nhận', accepted: 'Đã nhận', declined: 'Từ chối', timed_out: 'Quá hạn trả lời', removed: 'Đã rút', working: 'Đang xử lý', done: 'Hoàn thành' },
  en: { assigned: 'Assigned', offered: 'Offered', accepted: 'Accepted', declined: 'Declined', timed_out: 'No answer in time', removed: 'Removed', working: 'Working', done: 'Done' },
};

export const severityLabels: Labels<'severe' | 'normal'> = {
  vi: { severe: 'Nghiêm trọng', normal: 'Thông thường' },
  en: { severe: 'Severe', normal: 'Normal' },
};

export const roleLabels: Labels<Role> = {
  vi: {
    submitter: 'Đơn vị báo cáo',
    province_coordinator: 'Điều phối cấp tỉnh',
    liaison_officer: 'Cán bộ đầu mối',
    liaison_leader: 'Lãnh đạo đầu mối',
    national_coordinator: 'Điều phối quốc gia',
    enterprise_responder: 'Doanh nghiệp ứng cứu',
    auditor: 'Kiểm toán',
    admin: 'Quản trị',
  },
  en: {
    submitter: 'Submitter',
    province_coordinator: 'Province coordinator',
    liaison_officer: 'Liaison officer',
    liaison_leader: 'Liaison leader',
    national_coordinator: 'National coordinator',
    enterprise_responder: 'Enterprise responder',
    auditor: 'Auditor',
    admin: 'Administrator',
  },
};

const categoryEnglish: Record<IncidentCategory, string> = {
  dos: 'Denial of service',
  phishing: 'Phishing',
  malware: 'Malware',
  intrusion: 'Intrusion, account takeover',
  defacement: 'Defacement',
  ransomware: 'Ransomware',
  data_destruction: 'Data destruction',
  data_theft: 'Eavesdropping, data theft',
  combined: 'Combined attack',
  other: 'Other',
};

export const categoryLabels: Labels<IncidentCategory> = {
  vi: Object.fromEntries(Object.entries(incidentCategories).map(([code, { label }]) => [code, label])) as Record<IncidentCategory, string>,
  en: categoryEnglish,
};

/** Where each command is sent on the board: POST /api/v1/incidents/:id/<this> (the board's routes and the page both read it; override_routing is dispatch's, through the board). */
export const commandUrls: Record<CommandType | 'incident.override_routing', string> = {
  'incident.acknowledge': 'acknowledge',
  'incident.triage': 'triage',
  'incident.assign': 'assignments',
  'incident.unassign': 'assignments/:assigneeId/unassign',
  'incident.accept_assignment': 'assignments/:assigneeId/accept',
  'incident.decline_assignment': 'assignments/:assigneeId/decline',
  'incident.post_progress': 'progress',
  'incident.request_support': 'support-requests',
  'incident.contain': 'contain',
  'incident.resolve': 'resolve',
  'incident.submit_final_report': 'final-report',
  'incident.close': 'close',
  'incident.reject': 'reject',
  'incident.merge': 'merge',
  'incident.unmerge': 'unmerge',
  'incident.reopen': 'reopen',
  'incident.comment': 'comments',
  'incident.change_tlp': 'tlp',
  'incident.change_severity': 'severity',
  'incident.issue_coordination_order': 'coordination-orders',
  'incident.answer_coordination_order': 'coordination-orders/:orderId/answers',
  'incident.escalate_to_ministry': 'escalate-to-ministry',
  'incident.join_meeting': 'meetings/join',
  'incident.send_on_site_team': 'on-site-teams',
  'incident.arrive_on_site': 'on-site-teams/:teamId/arrival',
  'incident.leave_on_site': 'on-site-teams/:teamId/departure',
  'incident.override_routing': 'routing/override',
};

export const commandLabels: Labels<CommandType> = {
  vi: {
    'incident.acknowledge': 'Xác nhận đã nhận',
    'incident.triage': 'Xác minh, phân loại',
    'incident.assign': 'Giao xử lý',
    'incident.unassign': 'Rút giao',
    'incident.accept_assignment': 'Nhận xử lý',
    'incident.decline_assignment': 'Từ chối',
    'incident.post_progress': 'Cập nhật tình hình',
    'incident.request_support': 'Đề nghị hỗ trợ',
    'incident.contain': 'Đã ngăn chặn',
    'incident.resolve': 'Kết thúc ứng phó',
    'incident.submit_final_report': 'Gửi báo cáo kết thúc (Biểu mẫu 04)',
    'incident.close': 'Đóng sự cố',
    'incident.reject': 'Không phải sự cố',
    'incident.merge': 'Gộp sự cố',
    'incident.unmerge': 'Tách sự cố',
    'incident.reopen': 'Mở lại',
    'incident.comment': 'Bình luận',
    'incident.change_tlp': 'Đổi mức TLP',
    'incident.change_severity': 'Đổi mức độ',
    'incident.issue_coordination_order': 'Ra lệnh điều phối (Biểu mẫu 06)',
    'incident.answer_coordination_order': 'Trả lời lệnh điều phối',
    'incident.escalate_to_ministry': 'Báo cáo lãnh đạo Bộ',
    'incident.join_meeting': 'Tham gia họp trực tuyến',
    'incident.send_on_site_team': 'Cử người hỗ trợ tại hiện trường',
    'incident.arrive_on_site': 'Đã có mặt tại hiện trường',
    'incident.leave_on_site': 'Rời hiện trường',
  },
  en: {
    'incident.acknowledge': 'Acknowledge',
    'incident.triage': 'Verify and classify',
    'incident.assign': 'Assign',
    'incident.unassign': 'Unassign',
    'incident.accept_assignment': 'Accept',
    'incident.decline_assignment': 'Decline',
    'incident.post_progress': 'Post an update',
    'incident.request_support': 'Ask for support',
    'incident.contain': 'Contained',
    'incident.resolve': 'End the response',
    'incident.submit_final_report': 'Submit the end-of-response report (Form 04)',
    'incident.close': 'Close',
    'incident.reject': 'Not an incident',
    'incident.merge': 'Merge',
    'incident.unmerge': 'Unmerge',
    'incident.reopen': 'Reopen',
    'incident.comment': 'Comment',
    'incident.change_tlp': 'Change TLP',
    'incident.change_severity': 'Change severity',
    'incident.issue_coordination_order': 'Issue a coordination order (Form 06)',
    'incident.answer_coordination_order': 'Answer a coordination order',
    'incident.escalate_to_ministry': 'Escalate to the ministry',
    'incident.join_meeting': 'Join the online meeting',
    'incident.send_on_site_team': 'Send a team on site',
    'incident.arrive_on_site': 'Arrived on site',
    'incident.leave_on_site': 'Leave the site',
  },
};

/** The web app's page of an incident, after the board's address: the one link to act (emails, notifications). */
export const incidentPageHash = (incidentId: string): string => `#/incident/${incidentId}`;

/** What a notification is about (the notifier's email subjects and the web app's list both name it so). */
export type NotificationKind = 'assigned' | 'offered' | 'reminder' | 'breach' | 'rung' | 'order' | 'on_site_sent' | 'on_site_arrived' | 'on_site_left' | 'ministry' | 'closed' | 'merged';
export const notificationKindLabels: Record<Language, Record<NotificationKind, string>> = {
  vi: {
    assigned: 'Được giao xử lý sự cố',
    offered: 'Đề nghị nhận xử lý sự cố',
    reminder: 'Nhắc hạn xử lý sự cố',
    breach: 'Quá hạn xử lý sự cố',
    rung: 'Sự cố được báo lên cấp trên',
    order: 'Lệnh điều phối ứng cứu sự cố',
    on_site_sent: 'Cử đội hỗ trợ tại hiện trường',
    on_site_arrived: 'Đội hỗ trợ đã có mặt tại hiện trường',
    on_site_left: 'Đội hỗ trợ đã rời hiện trường',
    ministry: 'Sự cố được báo cáo thẳng lãnh đạo Bộ',
    closed: 'Sự cố đã kết thúc',
    merged: 'Báo cáo đã được gộp vào sự cố',
  },
  en: {
    assigned: 'Incident assigned to you',
    offered: 'Incident offered to you',
    reminder: 'Incident deadline reminder',
    breach: 'Incident deadline breached',
    rung: 'Incident escalated to you',
    order: 'Coordination order',
    on_site_sent: 'On-site team sent',
    on_site_arrived: 'On-site team arrived',
    on_site_left: 'On-site team left the site',
    ministry: 'Incident escalated to the ministry’s leadership',
    closed: 'Incident closed',
    merged: 'Your report was merged into an incident',
  },
};

/** The four parts of the directory (dispatch's admin API names them so). */
export const directoryEntityLabels: Labels<DirectoryEntity> = {
  vi: { units: 'Đơn vị hành chính', organisations: 'Tổ chức', liaisons: 'Cán bộ đầu mối', enterprises: 'Doanh nghiệp ứng cứu' },
  en: { units: 'Provinces and cities', organisations: 'Organisations', liaisons: 'Liaisons', enterprises: 'Response enterprises' },
};

/** The fields of a directory entry (shared/src/contracts/directory.ts), as the admin page's form names them. */
export type DirectoryField =
  | 'code' | 'id' | 'name' | 'shortName' | 'unitKind' | 'region' | 'formerUnits' | 'formerCode'
  | 'organisationType' | 'membership' | 'provinceCode' | 'address' | 'phone' | 'email' | 'contact' | 'focalPoint'
  | 'departmentId' | 'liaisonRole' | 'substituteFor' | 'onLeave' | 'title'
  | 'enterpriseKind' | 'capabilities' | 'categories' | 'coverage' | 'nationwide' | 'capacity' | 'acceptsTlpRed' | 'acceptanceWindowMinutes';
export const directoryFieldLabels: Labels<DirectoryField> = {
  vi: {
    code: 'Mã đơn vị', id: 'Mã', name: 'Tên', shortName: 'Tên viết tắt', unitKind: 'Loại đơn vị', region: 'Vùng', formerUnits: 'Các đơn vị trước sáp nhập', formerCode: 'Mã cũ',
    organisationType: 'Loại tổ chức', membership: 'Thành viên mạng lưới', provinceCode: 'Tỉnh/thành', address: 'Địa chỉ', phone: 'Điện thoại', email: 'Thư điện tử', contact: 'Liên hệ', focalPoint: 'Đầu mối 24/7',
    departmentId: 'Đơn vị chủ quản (bộ, ngành)', liaisonRole: 'Vai trò', substituteFor: 'Thay thế cho', onLeave: 'Đang nghỉ', title: 'Chức vụ',
    enterpriseKind: 'Loại hình', capabilities: 'Năng lực (mỗi dòng một mục)', categories: 'Loại sự cố xử lý', coverage: 'Phạm vi hoạt động', nationwide: 'Toàn quốc', capacity: 'Số sự cố nhận cùng lúc', acceptsTlpRed: 'Nhận sự cố TLP:RED', acceptanceWindowMinutes: 'Thời hạn nhận đề nghị (phút)',
  },
  en: {
    code: 'Unit code', id: 'Id', name: 'Name', shortName: 'Short name', unitKind: 'Kind of unit', region: 'Region', formerUnits: 'Units before the merger', formerCode: 'Former code',
    organisationType: 'Kind of organisation', membership: 'Network membership', provinceCode: 'Province or city', address: 'Address', phone: 'Phone', email: 'Email', contact: 'Contact', focalPoint: '24/7 focal point',
    departmentId: 'Ministry department', liaisonRole: 'Role', substituteFor: 'Stands in for', onLeave: 'On leave', title: 'Title',
    enterpriseKind: 'Kind', capabilities: 'Capabilities (one a line)', categories: 'Incident categories handled', coverage: 'Coverage', nationwide: 'Nationwide', capacity: 'Open assignments at once', acceptsTlpRed: 'Takes TLP:RED incidents', acceptanceWindowMinutes: 'Time to accept an offer (minutes)',
  },
};

/** The coded values of directory entries (unit kinds and regions, organisation types, membership, liaison roles). */
export type DirectoryValue = Unit['kind'] | Unit['region'] | (typeof organisationTypes)[number] | 'mandatory' | 'voluntary' | Liaison['role'];
export const directoryValueLabels: Labels<DirectoryValue> = {
  vi: {
    city: 'Thành phố trực thuộc trung ương', province: 'Tỉnh', north: 'Miền Bắc', central: 'Miền Trung', south: 'Miền Nam',
    standing_body: 'Cơ quan thường trực', national_coordinator: 'Cơ quan điều phối quốc gia', ministry_department: 'Bộ, ngành', province_hub: 'Đầu mối cấp tỉnh', enterprise: 'Doanh nghiệp', agency: 'Cơ quan, tổ chức',
    mandatory: 'Bắt buộc', voluntary: 'Tự nguyện', leader: 'Lãnh đạo', officer: 'Cán bộ',
  },
  en: {
    city: 'Centrally governed city', province: 'Province', north: 'North', central: 'Central', south: 'South',
    standing_body: 'Standing body', national_coordinator: 'National coordinator', ministry_department: 'Ministry or department', province_hub: 'Province hub', enterprise: 'Enterprise', agency: 'Agency',
    mandatory: 'Mandatory', voluntary: 'Voluntary', leader: 'Leader', officer: 'Officer',
  },
};
