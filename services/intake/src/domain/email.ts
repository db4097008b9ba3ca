import { foldName, jsonDepthExceeds, maxJsonDepth, type FieldProblem } from '@ucsc/shared';

/**
 * Biểu mẫu 03 as the network sends it today: an email whose subject starts with [TBSC], whose
 * body has one "Label: value" line per field of the form (a value may go on over the next lines),
 * or which carries the report as a JSON part. Labels are matched without accents or case, so
 * "Thoi gian phat hien" from a phone without a Vietnamese keyboard reads the same.
 */

export const subjectPrefix = '[TBSC]';

type Convert = (value: string) => unknown;

const list: Convert = (v) =>
  v
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
const yesNo: Convert = (v) => {
  const f = foldName(v);
  if (/^(co|yes|true|x|da xu ly|da)\b/.test(f)) return true;
  if (/^(khong|no|false|chua)\b/.test(f)) return false;
  return v;
};
const integer: Convert = (v) => (/^\s*\d+\s*$/.test(v) ? Number(v) : v);

/** "23/11/2026 02:10" (Vietnam time unless an offset is given), or ISO 8601. */
export function vietnameseDateTime(value: string): string {
  const v = value.trim();
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ ,T]+(?:lúc\s*)?(\d{1,2})[:hg](\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(v);
  if (!m) {
    const hm = /^(\d{1,2})[:hg](\d{2})(?::(\d{2}))?\s+(?:ngày\s+)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/i.exec(v);
    if (!hm) return v;
    return iso(hm[6]!, hm[5]!, hm[4]!, hm[1]!, hm[2]!, hm[3], undefined);
  }
  return iso(m[3]!, m[2]!, m[1]!, m[4] ?? '0', m[5] ?? '00', m[6], m[7]);
}

function iso(year: string, month: string, day: string, hour: string, minute: string, second: string | undefined, offset: string | undefined): string {
  const p = (s: string) => s.padStart(2, '0');
  const zone = offset ? (offset.toUpperCase() === 'Z' ? 'Z' : offset.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : '+07:00';
  return `${year}-${p(month)}-${p(day)}T${p(hour)}:${p(minute)}:${p(second ?? '00')}${zone}`;
}

const choices =
  (table: Record<string, string>): Convert =>
  (v) =>
    (list(v) as string[]).map((item) => {
      const f = foldName(item);
      return Object.entries(table).find(([label]) => f.startsWith(label))?.[1] ?? item;
    });

const detectionMethods = choices({
  'he thong giam sat': 'monitoring',
  'giam sat': 'monitoring',
  ids: 'monitoring',
  monitoring: 'monitoring',
  'kiem tra nhat ky': 'log_review',
  'nhat ky': 'log_review',
  log: 'log_review',
  'duoc thong bao': 'notified',
  'thong bao': 'notified',
  notified: 'notified',
  khac: 'other',
  other: 'other',
});
const notifiedParties: Convert = (v) => {
  if (/^(khong|chua|none|no)\b/.test(foldName(v))) return [];
  return choices({
    'thanh vien mang luoi': 'network_members',
    'mang luoi': 'network_members',
    'nha cung cap': 'isp',
    isp: 'isp',
    'co quan dieu phoi': 'national_coordinator',
    vncert: 'national_coordinator',
    'cuc an toan thong tin': 'national_coordinator',
    khac: 'other',
  })(v);
};
const services = choices({ web: 'web', 'thu dien tu': 'mail', mail: 'mail', email: 'mail', 'co so du lieu': 'database', database: 'database', khac: 'other' });
const measures = choices({ 'phong chong ma doc': 'antivirus', 'diet virus': 'antivirus', antivirus: 'antivirus', 'tuong lua': 'firewall', firewall: 'firewall', ids: 'ids', 'phat hien xam nhap': 'ids', khac: 'other' });
// the five impacts of Decision 05/2017 art. 9, as a reporter would write them
const impacts = choices({
  'gian doan': 'service_interruption',
  'lo bi mat': 'state_secret_disclosure',
  'lo lot bi mat': 'state_secret_disclosure',
  'mat toan ven': 'integrity_loss',
  'mat quyen kiem soat': 'loss_of_control',
  'mat kiem soat': 'loss_of_control',
  'lan rong': 'spread',
  'lay lan': 'spread',
  'day chuyen': 'spread',
});
const categories: Convert = (v) => {
  const f = foldName(v);
  const table: Record<string, string> = {
    'tu choi dich vu': 'dos',
    'gia mao': 'phishing',
    'ma hoa du lieu': 'ransomware',
    'ma doc': 'malware',
    'truy cap trai phep': 'intrusion',
    'chiem quyen': 'intrusion',
    'thay doi giao dien': 'defacement',
    'pha hoai du lieu': 'data_destruction',
    'nghe trom': 'data_theft',
    'lay cap du lieu': 'data_theft',
    'tong hop': 'combined',
    khac: 'other',
  };
  return Object.entries(table).find(([label]) => f.includes(label))?.[1] ?? v.trim();
};

/** One line of the form: the labels it may have, where its value goes, and how it is read. */
interface FormField {
  labels: string[];
  path: string;
  label: string;
  convert?: Convert;
}

/** The fields of Biểu mẫu 03, in the order of the form. The first label is the one shown in a rejection. */
export const formFields: FormField[] = [
  { labels: ['Tỉnh/Thành phố', 'Tỉnh thành phố', 'Tỉnh', 'Thành phố', 'Province'], path: 'province', label: 'Tỉnh/Thành phố' },
  { labels: ['Tên đơn vị báo cáo', 'Đơn vị báo cáo', 'Tên đơn vị', 'Reporting organisation'], path: 'reportingOrganisation.name', label: 'Tên đơn vị báo cáo' },
  { labels: ['Địa chỉ đơn vị', 'Địa chỉ'], path: 'reportingOrganisation.address', label: 'Địa chỉ đơn vị' },
  { labels: ['Điện thoại đơn vị', 'Điện thoại'], path: 'reportingOrganisation.phone', label: 'Điện thoại đơn vị' },
  { labels: ['Email đơn vị', 'Thư điện tử đơn vị'], path: 'reportingOrganisation.email', label: 'Email đơn vị' },
  { labels: ['Người liên hệ', 'Họ tên người liên hệ', 'Họ và tên'], path: 'contactPerson.name', label: 'Người liên hệ' },
  { labels: ['Chức vụ'], path: 'contactPerson.position', label: 'Chức vụ' },
  { labels: ['Điện thoại người liên hệ', 'Điện thoại di động'], path: 'contactPerson.phone', label: 'Điện thoại người liên hệ' },
  { labels: ['Email người liên hệ'], path: 'contactPerson.email', label: 'Email người liên hệ' },
  { labels: ['Đơn vị vận hành hệ thống', 'Đơn vị vận hành'], path: 'affectedSystem.operator', label: 'Đơn vị vận hành hệ thống' },
  { labels: ['Cơ quan chủ quản'], path: 'affectedSystem.owner', label: 'Cơ quan chủ quản' },
  { labels: ['Tên hệ thống'], path: 'affectedSystem.name', label: 'Tên hệ thống' },
  { labels: ['Cấp độ hệ thống', 'Cấp độ an toàn', 'Cấp độ'], path: 'affectedSystem.protectionLevel', label: 'Cấp độ hệ thống', convert: integer },
  { labels: ['Đơn vị cung cấp dịch vụ an toàn thông tin', 'Đơn vị bảo đảm an toàn thông tin'], path: 'affectedSystem.securityProvider', label: 'Đơn vị cung cấp dịch vụ an toàn thông tin' },
  { labels: ['Đơn vị cung cấp dịch vụ kết nối', 'Nhà cung cấp dịch vụ kết nối', 'ISP'], path: 'affectedSystem.connectivityProvider', label: 'Đơn vị cung cấp dịch vụ kết nối' },
  { labels: ['Mô tả sự cố', 'Mô tả'], path: 'description', label: 'Mô tả sự cố' },
  { labels: ['Thời gian phát hiện', 'Ngày giờ phát hiện'], path: 'detectedAt', label: 'Thời gian phát hiện', convert: vietnameseDateTime },
  { labels: ['Tình trạng', 'Tình trạng xử lý', 'Đã xử lý'], path: 'alreadyHandled', label: 'Tình trạng (đã xử lý / chưa xử lý)', convert: yesNo },
  { labels: ['Cách thức phát hiện', 'Phát hiện qua'], path: 'detection.methods', label: 'Cách thức phát hiện', convert: detectionMethods },
  { labels: ['Được thông báo bởi', 'Người thông báo'], path: 'detection.notifiedBy', label: 'Được thông báo bởi' },
  { labels: ['Cách thức khác'], path: 'detection.other', label: 'Cách thức khác' },
  { labels: ['Đã thông báo cho', 'Đã thông báo'], path: 'alreadyNotified.parties', label: 'Đã thông báo cho', convert: notifiedParties },
  { labels: ['Hệ điều hành'], path: 'technicalDetail.operatingSystems', label: 'Hệ điều hành', convert: list },
  { labels: ['Dịch vụ'], path: 'technicalDetail.services', label: 'Dịch vụ', convert: services },
  { labels: ['Biện pháp an toàn', 'Biện pháp bảo đảm an toàn'], path: 'technicalDetail.securityMeasures', label: 'Biện pháp an toàn', convert: measures },
  { labels: ['Địa chỉ IP', 'IP'], path: 'technicalDetail.publicIpAddresses', label: 'Địa chỉ IP', convert: list },
  { labels: ['Tên miền'], path: 'technicalDetail.domainNames', label: 'Tên miền', convert: list },
  { labels: ['Mục đích sử dụng', 'Mục đích'], path: 'technicalDetail.purpose', label: 'Mục đích sử dụng' },
  { labels: ['Đề nghị giữ bí mật', 'Bảo mật thông tin'], path: 'confidentialityRequested', label: 'Đề nghị giữ bí mật', convert: yesNo },
  { labels: ['Kiến nghị', 'Đề nghị hỗ trợ', 'Đề xuất'], path: 'supportRequested', label: 'Kiến nghị, đề nghị hỗ trợ' },
  { labels: ['Thời gian báo cáo', 'Ngày báo cáo'], path: 'reportTime', label: 'Thời gian báo cáo', convert: vietnameseDateTime },
  { labels: ['Phân loại', 'Loại sự cố'], path: 'category', label: 'Phân loại sự cố', convert: categories },
  // what classification needs beyond the form (Decision 05/2017 art. 9); all optional, as in the API
  { labels: ['Thuộc danh mục hệ thống quan trọng', 'Hệ thống quan trọng quốc gia'], path: 'onCriticalList', label: 'Thuộc danh mục hệ thống quan trọng', convert: yesNo },
  { labels: ['Ảnh hưởng', 'Hậu quả'], path: 'impacts', label: 'Ảnh hưởng', convert: impacts },
  { labels: ['Đơn vị tự xử lý được', 'Tự xử lý được'], path: 'ownerCanHandleAlone', label: 'Đơn vị tự xử lý được', convert: yesNo },
  { labels: ['Đang lây lan', 'Lây lan'], path: 'spreading', label: 'Đang lây lan', convert: yesNo },
  { labels: ['TLP', 'Phân loại TLP'], path: 'tlp', label: 'TLP', convert: (v) => v.trim().toUpperCase().replace(/^TLP:/, '') },
];

const byLabel = new Map<string, FormField>(formFields.flatMap((f) => f.labels.map((l) => [foldName(l), f] as const)));
const labelOfPath = new Map(formFields.map((f) => [f.path, f.label] as const));

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]!] = value;
}

/** Reads "Label: value" lines; lines that start with no known label continue the previous value. */
export function readFormText(body: string): Record<string, unknown> {
  const values = new Map<FormField, string[]>();
  let current: FormField | undefined;
  for (const line of body.replace(/\r\n/g, '\n').split('\n')) {
    const m = /^\s*(?:[-*•]\s*|\d+[.)]\s*)?([^:：]{1,80})[:：]\s*(.*)$/.exec(line);
    const field = m ? byLabel.get(foldName(m[1]!)) : undefined;
    if (field && m) {
      current = field;
      values.set(field, [m[2]!]);
    } else if (current && line.trim() && !/^\s*--\s*$/.test(line)) {
      values.get(current)!.push(line.trim());
    } else if (/^\s*--\s*$/.test(line)) {
      current = undefined; // the signature starts
    }
  }
  const report: Record<string, unknown> = {};
  for (const [field, lines] of values) {
    const text = lines.join('\n').trim();
    if (!text) continue;
    setPath(report, field.path, field.convert ? field.convert(text) : text);
  }
  return report;
}

export interface ParsedEmail {
  subject: string | undefined;
  fromAddress: string | undefined;
  date: Date | undefined;
  text: string | undefined;
  /** a JSON part carrying the report itself */
  json: string | undefined;
}

/** The report an email carries, or what makes it unusable before the form is even read. */
export function emailToReport(email: ParsedEmail): { report: Record<string, unknown> } | { problems: FieldProblem[] } {
  const subject = (email.subject ?? '').trim();
  if (!subject.toUpperCase().startsWith(subjectPrefix)) {
    return {
      problems: [{ field: 'email.subject', rule: 'tbsc_prefix', message: `the subject must start with ${subjectPrefix} (got "${subject.slice(0, 100)}")` }],
    };
  }
  let report: Record<string, unknown>;
  if (email.json) {
    // the same limits as a JSON body: nested too deep, or not an object, is not a report
    if (jsonDepthExceeds(email.json, maxJsonDepth)) {
      return { problems: [{ field: 'email.json', rule: 'too_deeply_nested', message: `the JSON part nests deeper than ${maxJsonDepth} levels` }] };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(email.json);
    } catch (error) {
      return { problems: [{ field: 'email.json', rule: 'invalid_json', message: `the JSON part is not JSON: ${(error as Error).message}` }] };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { problems: [{ field: 'email.json', rule: 'json_object', message: 'the JSON part must be one object: the report' }] };
    }
    report = parsed as Record<string, unknown>;
  } else {
    report = readFormText(email.text ?? '');
  }
  // a group left out entirely is reported field by field, as the form lists them
  for (const group of ['reportingOrganisation', 'contactPerson', 'affectedSystem', 'detection', 'alreadyNotified']) report[group] ??= {};
  const title = subject.slice(subjectPrefix.length).trim();
  if (title && report.title === undefined) report.title = title;
  // the sender's address stands in for the organisation's email when the form leaves it out
  if (email.fromAddress) {
    const org = (report.reportingOrganisation ??= {}) as Record<string, unknown>;
    if (typeof org === 'object' && org.email === undefined) org.email = email.fromAddress;
  }
  if (report.reportTime === undefined && email.date) report.reportTime = email.date.toISOString();
  return { report };
}

/** A rejection a person can act on: the label on the form, then what is wrong. */
export function describeForEmail(problems: FieldProblem[]): FieldProblem[] {
  return problems.map((p) => {
    const path = p.field.replace(/^body\./, '');
    const label = labelOfPath.get(path) ?? labelOfPath.get(path.replace(/\.\d+$/, '')) ?? (path === 'title' ? 'Tiêu đề (sau [TBSC])' : undefined);
    const missing = p.rule === 'invalid_type' && /received undefined/.test(p.message);
    const message = missing ? 'thiếu (missing)' : p.message;
    return label ? { ...p, message: `${label}: ${message}` } : { ...p, message };
  });
}
