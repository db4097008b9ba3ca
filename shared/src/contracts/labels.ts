import type { Role } from './common';
import type { AssignmentStatus, LifecycleState, PortalStatus } from './lifecycle';
import type { IncidentCategory } from './classification';
import { incidentCategories } from './classification';

/**
 * The words people read for each code, in Vietnamese (the default) and English: the one
 * catalogue the services' answers and the web app both use (nothing is copied into the page).
 */
export type Language = 'vi' | 'en';
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
