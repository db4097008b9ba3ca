import type { Language } from './catalogue';

/** A date as people in Vietnam read it (the page's time zone, whatever the browser's). */
export { formatVietnamTime } from './catalogue';

/** Time left until `iso` (negative: overdue), in hours and minutes. */
export function timeLeft(iso: string, now: number, lang: Language): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  const abs = Math.abs(minutes);
  const text = abs >= 60 ? `${Math.floor(abs / 60)} ${lang === 'vi' ? 'giờ' : 'h'} ${abs % 60} ${lang === 'vi' ? 'phút' : 'min'}` : `${abs} ${lang === 'vi' ? 'phút' : 'min'}`;
  if (minutes < 0) return lang === 'vi' ? `quá hạn ${text}` : `${text} overdue`;
  return lang === 'vi' ? `còn ${text}` : `${text} left`;
}

/** The page's own words (the catalogue's labels are in shared/). */
export const words = {
  vi: {
    appTitle: 'Điều phối ứng cứu sự cố an toàn thông tin mạng',
    signIn: 'Đăng nhập', username: 'Tên đăng nhập', password: 'Mật khẩu', totp: 'Mã xác thực (TOTP)', signOut: 'Đăng xuất',
    signInFailed: 'Tên đăng nhập hoặc mật khẩu không đúng',
    board: 'Bảng quốc gia', province: 'Tỉnh/thành', inbox: 'Hộp việc doanh nghiệp', submit: 'Báo cáo sự cố', admin: 'Quản trị',
    queue: 'Hàng đợi sự cố', units: '34 đơn vị hành chính', all: 'Tất cả', category: 'Loại', severity: 'Mức độ', state: 'Trạng thái', assignee: 'Đơn vị xử lý', tlp: 'TLP',
    filters: 'Bộ lọc', overdue: 'Quá hạn', escalated: 'Đã leo thang', open: 'đang mở', severe: 'nghiêm trọng', total: 'tổng',
    live: 'Trực tuyến', connecting: 'Đang kết nối…', reconnecting: 'Mất kết nối, đang kết nối lại…',
    empty: 'Không có sự cố nào.', back: 'Quay lại', report: 'Báo cáo ban đầu (Biểu mẫu 03)', classification: 'Phân loại', why: 'Lý do phân công',
    assignees: 'Đơn vị được giao', timeline: 'Diễn biến', attachments: 'Tệp đính kèm', actions: 'Thao tác', deadlines: 'Thời hạn', rung: 'Bậc leo thang',
    reason: 'Lý do', situation: 'Tình hình', send: 'Gửi', done: 'Đã gửi', refused: 'Bị từ chối', offers: 'Đề nghị nhận xử lý', inProgress: 'Đang xử lý', finished: 'Đã xong',
    accept: 'Nhận xử lý', decline: 'Từ chối', postProgress: 'Cập nhật tình hình', answerBy: 'Hạn trả lời', nextDeadline: 'Hạn tiếp theo', newPassword: 'Mật khẩu mới (ít nhất 12 ký tự)', members: 'Thành viên mạng lưới', liaisons: 'Cán bộ đầu mối',
    required: 'Trường này là bắt buộc', language: 'English', accounts: 'Tài khoản', tokens: 'Mã truy cập API', directory: 'Danh bạ',
    title: 'Tiêu đề', description: 'Mô tả', detectedAt: 'Thời điểm phát hiện', saveDraft: 'Lưu nháp', draftSaved: 'Đã lưu nháp', myReports: 'Báo cáo của tôi', whatHappened: 'Diễn biến sự cố', whatWasDone: 'Các biện pháp đã triển khai', damage: 'Thiệt hại', reporter: 'Đơn vị báo cáo', loadMore: 'Xem thêm', closed: 'Phiên đã kết thúc, vui lòng đăng nhập lại', notVisible: 'Không tìm thấy sự cố, hoặc bạn không có quyền xem.',
    incident: 'Sự cố', fixErrors: 'Vui lòng sửa các trường được đánh dấu', tryAgain: 'Chưa gửi được (mạng hoặc hệ thống bận); bản nháp vẫn được giữ, vui lòng gửi lại', reportSent: 'Đã gửi báo cáo, mã sự cố:', attachmentsFailed: 'Chưa gửi được tệp',
    alreadyHandled: 'Sự cố đã được xử lý', detection: 'Cách thức phát hiện', alreadyNotified: 'Đã thông báo cho', name: 'Tên', address: 'Địa chỉ', email: 'Thư điện tử', contact: 'Người liên hệ', position: 'Chức vụ',
    affectedSystem: 'Hệ thống bị sự cố', operator: 'Đơn vị vận hành hệ thống', systemName: 'Tên hệ thống', supportRequested: 'Kiến nghị, đề xuất hỗ trợ',
    monitoring: 'Giám sát (IDS, SOC)', log_review: 'Kiểm tra nhật ký', network_members: 'Thành viên mạng lưới', isp: 'Nhà cung cấp dịch vụ', national_coordinator: 'Cơ quan điều phối quốc gia',
    followUp: 'Báo cáo bổ sung', followUpKind: 'Loại báo cáo', situation_update: 'Cập nhật tình hình', support_request: 'Đề nghị hỗ trợ', direction_request: 'Đề nghị chỉ đạo', final_report: 'Báo cáo kết thúc ứng phó (Biểu mẫu 04)',
    supportNeeded: 'Nội dung đề nghị hỗ trợ', question: 'Vấn đề cần xin ý kiến chỉ đạo', responseEndedAt: 'Thời điểm kết thúc ứng phó', portalStatus: 'Tình trạng', priority: 'Mức ưu tiên', note: 'Ghi chú', mergeInto: 'Gộp vào sự cố (mã)', addressees: 'Gửi tới', instructions: 'Nội dung chỉ đạo', likelyDuplicates: 'Có thể trùng với', orders: 'Lệnh điều phối (Biểu mẫu 06)', answered: 'đã trả lời', notAnswered: 'chưa trả lời', climbs: 'Các bậc đã leo thang', uploadFile: 'Gửi tệp đính kèm',
    meeting: 'Họp trực tuyến', joinedMeeting: 'đã tham gia', noneJoined: 'chưa ai tham gia', onBehalfOf: 'thay mặt', onSiteTeams: 'Hỗ trợ tại hiện trường', team: 'Đơn vị cử người', people: 'Người đi (mỗi dòng một người)', sentBy: 'cử bởi', arrived: 'có mặt', left: 'rời đi', notArrived: 'chưa có mặt',
    provinceCodes: 'Mã tỉnh/thành (cách nhau bởi dấu phẩy)', assigneeIds: 'Mã đơn vị xử lý', disabled: 'Khoá tài khoản', save: 'Lưu', newAccount: 'Tạo tài khoản', organisation: 'Mã tổ chức', secretOnce: 'Mã bí mật (chỉ hiện một lần)', revoked: 'đã thu hồi', expires: 'hết hạn', rotate: 'Cấp lại', revoke: 'Thu hồi', expiresInDays: 'Hiệu lực (ngày)', issueToken: 'Cấp mã truy cập', entity: 'Loại danh bạ', rosterFile: 'Tệp danh sách (CSV hoặc JSON)', importRoster: 'Nhập danh sách', importedCount: 'Đã nhập', directoryEntries: 'Các mục trong danh bạ', edit: 'Sửa', remove: 'Xoá', focalPoint: 'Đầu mối 24/7', leader: 'lãnh đạo', officer: 'cán bộ', onLeave: 'Đang nghỉ', reports: 'Báo cáo tổng hợp', period: 'Kỳ báo cáo', year: 'Năm', annual: 'Cả năm', firstHalf: '6 tháng đầu năm', secondHalf: '6 tháng cuối năm', country: 'Toàn quốc',
    bieuMau05: 'Biểu mẫu 05: tổng hợp sự cố', incidents: 'sự cố', exportCsv: 'Tải về CSV', inHouse: 'Tự xử lý', domesticHelp: 'Có hỗ trợ trong nước', foreignHelp: 'Có hỗ trợ nước ngoài',
    leagueTable: 'Bảng xếp hạng thời gian xử lý', unit: 'Đơn vị', measure: 'Chỉ số', median: 'Trung vị',
    measure_acknowledge: 'Xác nhận tiếp nhận', measure_accept: 'Nhận xử lý', measure_contain: 'Ngăn chặn', measure_resolve: 'Kết thúc ứng phó', phone: 'Điện thoại',
    newEntry: 'Thêm mục mới', confirmRemove: 'Xoá mục này khỏi danh bạ?', confirm: 'Xác nhận xoá', cancel: 'Huỷ', addRow: 'Thêm dòng', removeRow: 'Bỏ dòng này', none: '— không có —', choose: '— chọn —',
  },
  en: {
    appTitle: 'Cybersecurity incident response coordination',
    signIn: 'Sign in', username: 'Username', password: 'Password', totp: 'Authenticator code (TOTP)', signOut: 'Sign out',
    signInFailed: 'Wrong username or password',
    board: 'National board', province: 'Province', inbox: 'Enterprise inbox', submit: 'Report an incident', admin: 'Administration',
    queue: 'Incident queue', units: 'The 34 units', all: 'All', category: 'Category', severity: 'Severity', state: 'State', assignee: 'Assignee', tlp: 'TLP',
    filters: 'Filters', overdue: 'Overdue', escalated: 'Escalated', open: 'open', severe: 'severe', total: 'total',
    live: 'Live', connecting: 'Connecting…', reconnecting: 'Disconnected, reconnecting…',
    empty: 'No incidents.', back: 'Back', report: 'Initial report (Form 03)', classification: 'Classification', why: 'Why it was routed',
    assignees: 'Assignees', timeline: 'Timeline', attachments: 'Attachments', actions: 'Actions', deadlines: 'Deadlines', rung: 'Escalation rung',
    reason: 'Reason', situation: 'Situation', send: 'Send', done: 'Sent', refused: 'Refused', offers: 'Offers', inProgress: 'In progress', finished: 'Done',
    accept: 'Accept', decline: 'Decline', postProgress: 'Post an update', answerBy: 'Answer by', nextDeadline: 'Next deadline', newPassword: 'New password (at least 12 characters)', members: 'Network members', liaisons: 'Liaison officers',
    required: 'This field is required', language: 'Tiếng Việt', accounts: 'Accounts', tokens: 'API tokens', directory: 'Directory',
    title: 'Title', description: 'Description', detectedAt: 'Detected at', saveDraft: 'Save draft', draftSaved: 'Draft saved', myReports: 'My reports', whatHappened: 'What happened', whatWasDone: 'What was done', damage: 'Damage', reporter: 'Reporting organisation', loadMore: 'Show more', closed: 'Session ended, please sign in again', notVisible: 'No such incident, or you may not see it.',
    incident: 'Incident', fixErrors: 'Please correct the marked fields', tryAgain: 'Not sent (network or system busy); the draft is kept, please send again', reportSent: 'Report sent, incident id:', attachmentsFailed: 'Files not sent',
    alreadyHandled: 'The incident has been handled', detection: 'How it was detected', alreadyNotified: 'Already notified', name: 'Name', address: 'Address', email: 'Email', contact: 'Contact person', position: 'Position',
    affectedSystem: 'Affected system', operator: 'Operator of the system', systemName: 'System name', supportRequested: 'Requests for support',
    monitoring: 'Monitoring (IDS, SOC)', log_review: 'Log review', network_members: 'Network members', isp: 'Service provider', national_coordinator: 'National coordinator',
    followUp: 'Follow-up report', followUpKind: 'Kind of report', situation_update: 'Situation update', support_request: 'Request for support', direction_request: 'Request for direction', final_report: 'End-of-response report (Form 04)',
    supportNeeded: 'Support needed', question: 'Question for direction', responseEndedAt: 'Response ended at', portalStatus: 'Status', priority: 'Priority', note: 'Note', mergeInto: 'Merge into incident (id)', addressees: 'To', instructions: 'Instructions', likelyDuplicates: 'Likely duplicates', orders: 'Coordination orders (Form 06)', answered: 'answered', notAnswered: 'not answered', climbs: 'Escalation rungs reached', uploadFile: 'Attach a file',
    meeting: 'Online meeting', joinedMeeting: 'joined', noneJoined: 'nobody has joined', onBehalfOf: 'for', onSiteTeams: 'On-site support', team: 'Team of', people: 'People going (one per line)', sentBy: 'sent by', arrived: 'arrived', left: 'left', notArrived: 'not arrived yet',
    provinceCodes: 'Province codes (comma-separated)', assigneeIds: 'Assignee ids', disabled: 'Disabled', save: 'Save', newAccount: 'New account', organisation: 'Organisation id', secretOnce: 'Secret (shown once)', revoked: 'revoked', expires: 'expires', rotate: 'Rotate', revoke: 'Revoke', expiresInDays: 'Valid for (days)', issueToken: 'Issue a token', entity: 'Directory part', rosterFile: 'Roster file (CSV or JSON)', importRoster: 'Import the roster', importedCount: 'Imported', directoryEntries: 'Directory entries', edit: 'Edit', remove: 'Remove', focalPoint: '24/7 focal point', leader: 'leader', officer: 'officer', onLeave: 'On leave', reports: 'Reports', period: 'Period', year: 'Year', annual: 'Whole year', firstHalf: 'First half', secondHalf: 'Second half', country: 'Whole country',
    bieuMau05: 'Form 05: incident summary', incidents: 'incidents', exportCsv: 'Download CSV', inHouse: 'In-house', domesticHelp: 'Domestic help', foreignHelp: 'Foreign help',
    leagueTable: 'League table of response times', unit: 'Unit', measure: 'Measure', median: 'Median',
    measure_acknowledge: 'Acknowledge', measure_accept: 'Accept', measure_contain: 'Contain', measure_resolve: 'Resolve', phone: 'Phone',
    newEntry: 'New entry', confirmRemove: 'Remove this entry from the directory?', confirm: 'Remove it', cancel: 'Cancel', addRow: 'Add a row', removeRow: 'Remove this row', none: '— none —', choose: '— choose —',
  },
} as const;
export type Words = Record<keyof (typeof words)['vi'], string>;

/** The clocks' deadlines (shared/src/clocks.ts deadlineKinds) and their states, in both languages. */
export const deadlineWords = {
  vi: {
    notify: 'Thông báo sự cố (5 ngày từ khi phát hiện)', acknowledge: 'Xác nhận tiếp nhận', accept: 'Trả lời đề nghị nhận xử lý', first_progress: 'Báo cáo tình hình đầu tiên',
    on_site: 'Có mặt tại hiện trường', contain: 'Ngăn chặn sự cố', resolve: 'Kết thúc ứng phó', progress: 'Cập nhật tình hình định kỳ',
    final_report: 'Báo cáo kết thúc ứng phó (Biểu mẫu 04)', coordination_answer: 'Trả lời lệnh điều phối (Biểu mẫu 06)',
    met: 'đã đáp ứng', met_late: 'đáp ứng muộn', legal: 'theo quy định', policy: 'theo chính sách',
  },
  en: {
    notify: 'Notify the incident (5 days from detection)', acknowledge: 'Acknowledge', accept: 'Answer the offer', first_progress: 'First progress report',
    on_site: 'On site', contain: 'Contain', resolve: 'End the response', progress: 'Periodic progress update',
    final_report: 'End-of-response report (Form 04)', coordination_answer: 'Answer the coordination order (Form 06)',
    met: 'met', met_late: 'met late', legal: 'legal', policy: 'policy',
  },
} as const;
