import { fieldProblems, followUpSubmissionSchema, reportSubmissionSchema, type FieldProblem, type FollowUpKind, type Language } from './catalogue';

/**
 * The Biểu mẫu 03 form: what it holds while it is filled (and saved as a draft), the submission it
 * makes, and its checks. The checks are the contract's own (shared/src/contracts/report.ts, the
 * schema intake validates with): the page only words each rule in the user's language, so what
 * the page accepts is what intake accepts, and intake's 400 is shown the same way.
 */
export interface ReportDraft {
  province?: string;
  title?: string;
  description?: string;
  detectedAt?: string;
  tlp?: string;
  category?: string;
  organisationName?: string;
  organisationAddress?: string;
  organisationPhone?: string;
  organisationEmail?: string;
  contactName?: string;
  contactPosition?: string;
  contactPhone?: string;
  contactEmail?: string;
  systemOperator?: string;
  systemName?: string;
  alreadyHandled?: boolean;
  detection?: string[];
  notified?: string[];
  supportRequested?: string;
  /** made once per draft, at the first attempt to send: a retry of the same report files it once */
  idempotencyKey?: string;
}

/** Where each draft field goes in the submission (the field path intake's 400 names). */
export const draftPaths: Record<Exclude<keyof ReportDraft, 'idempotencyKey'>, string> = {
  province: 'province',
  title: 'title',
  description: 'description',
  detectedAt: 'detectedAt',
  tlp: 'tlp',
  category: 'category',
  organisationName: 'reportingOrganisation.name',
  organisationAddress: 'reportingOrganisation.address',
  organisationPhone: 'reportingOrganisation.phone',
  organisationEmail: 'reportingOrganisation.email',
  contactName: 'contactPerson.name',
  contactPosition: 'contactPerson.position',
  contactPhone: 'contactPerson.phone',
  contactEmail: 'contactPerson.email',
  systemOperator: 'affectedSystem.operator',
  systemName: 'affectedSystem.name',
  alreadyHandled: 'alreadyHandled',
  detection: 'detection.methods',
  notified: 'alreadyNotified.parties',
  supportRequested: 'supportRequested',
};

/** A datetime-local value (the user's wall clock, read as Vietnam time) as ISO 8601 with offset. */
export function vietnamTime(local: string | undefined): string | undefined {
  if (!local) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local) ? `${local}:00+07:00` : local;
}

const optional = (value: string | undefined) => (value?.trim() ? value : undefined);

/** The submission the draft makes (POST /api/v1/reports on intake). */
export function toSubmission(draft: ReportDraft, now = new Date()): Record<string, unknown> {
  const systemName = optional(draft.systemName);
  const category = optional(draft.category);
  const support = optional(draft.supportRequested);
  return {
    province: draft.province ?? '',
    title: draft.title ?? '',
    description: draft.description ?? '',
    detectedAt: vietnamTime(draft.detectedAt) ?? '',
    tlp: draft.tlp || 'AMBER',
    ...(category ? { category } : {}),
    reportingOrganisation: { name: draft.organisationName ?? '', address: draft.organisationAddress ?? '', phone: draft.organisationPhone ?? '', email: draft.organisationEmail ?? '' },
    contactPerson: { name: draft.contactName ?? '', position: draft.contactPosition ?? '', phone: draft.contactPhone ?? '', email: draft.contactEmail ?? '' },
    affectedSystem: { operator: draft.systemOperator ?? '', ...(systemName ? { name: systemName } : {}) },
    alreadyHandled: Boolean(draft.alreadyHandled),
    detection: { methods: draft.detection ?? [] },
    alreadyNotified: { parties: draft.notified ?? [] },
    ...(support ? { supportRequested: support } : {}),
    reportTime: now.toISOString(),
  };
}

const messages: Record<Language, Record<string, string>> = {
  vi: {
    required: 'Vui lòng nhập trường này',
    choose: 'Vui lòng chọn ít nhất một mục',
    too_big: 'Nội dung quá dài',
    not_in_future: 'Thời điểm không được ở tương lai',
    vietnamese_phone: 'Số điện thoại không hợp lệ (ví dụ 0912 345 678 hoặc +84 24 3943 6684)',
    email: 'Địa chỉ email không hợp lệ',
    datetime: 'Thời điểm không hợp lệ',
    invalid_value: 'Giá trị không hợp lệ',
    province_unknown: 'Không có tỉnh/thành này',
    phone: 'Số điện thoại không hợp lệ',
    known_unit: 'Không có tỉnh/thành này',
    hub_has_province: 'Đầu mối cấp tỉnh phải có tỉnh/thành',
    known_department: 'Không phải bộ, ngành trong danh bạ',
    known_liaison: 'Không có cán bộ đầu mối này',
    same_post: 'Người thay thế phải cùng tỉnh/thành và bộ, ngành',
    not_self: 'Không thể tự thay thế cho mình',
    matches_url: 'Mã không khớp với mục đang sửa',
    other: 'Giá trị không hợp lệ',
  },
  en: {
    required: 'Please fill in this field',
    choose: 'Please choose at least one',
    too_big: 'This is too long',
    not_in_future: 'The time cannot be in the future',
    vietnamese_phone: 'Not a Vietnamese phone number (e.g. 0912 345 678 or +84 24 3943 6684)',
    email: 'Not an email address',
    datetime: 'Not a valid time',
    invalid_value: 'Not a valid choice',
    province_unknown: 'No such province or city',
    phone: 'Not a phone number',
    known_unit: 'No such province or city',
    hub_has_province: 'A province hub names its province',
    known_department: 'Not a ministry department of the directory',
    known_liaison: 'No such liaison',
    same_post: 'A substitute is of the same province and department',
    not_self: 'A liaison cannot stand in for itself',
    matches_url: 'Not the id of the entry being edited',
    other: 'Not a valid value',
  },
};

/** A problem (the contract's rule, as intake's 400 names it too) in the user's language. */
export function wordProblem(problem: Pick<FieldProblem, 'field' | 'rule'>, lang: Language): string {
  const m = messages[lang];
  const field = problem.field.replace(/^body\./, '');
  switch (problem.rule) {
    case 'invalid_type':
      return m.required!;
    case 'too_small':
      return /methods$|categories$/.test(field) ? m.choose! : m.required!;
    case 'invalid_format':
      return /email$/i.test(field) ? m.email! : /phone$/i.test(field) ? m.phone! : /At$|Time$/.test(field) ? m.datetime! : m.other!;
    default:
      return m[problem.rule] ?? m.other!;
  }
}

/** The form's problems before it is sent, keyed by field path (as the inputs are named), in the page's language. */
export function validateReport(draft: ReportDraft, lang: Language, now = new Date()): Record<string, string> {
  const parsed = reportSubmissionSchema.safeParse(toSubmission(draft, now));
  return parsed.success ? {} : problemsByField(fieldProblems(parsed.error, 'body'), lang);
}

/** Problems (from the page's check or intake's 400) by field path, the first one each. */
export function problemsByField(problems: readonly Pick<FieldProblem, 'field' | 'rule'>[], lang: Language): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of problems) {
    const field = p.field.replace(/^body\./, '');
    errors[field] ??= wordProblem(p, lang);
  }
  return errors;
}

/** A follow-up report (situation update … Biểu mẫu 04) as intake takes it, with its problems in the page's language. */
export function followUp(kind: FollowUpKind, fields: Record<string, string>, lang: Language, now = new Date()): { body: Record<string, unknown>; errors: Record<string, string> } {
  const reportTime = now.toISOString();
  const body: Record<string, unknown> =
    kind === 'situation_update' ? { kind, reportTime, situation: fields.situation ?? '' }
    : kind === 'support_request' ? { kind, reportTime, supportNeeded: fields.supportNeeded ?? '' }
    : kind === 'direction_request' ? { kind, reportTime, question: fields.question ?? '' }
    : { kind, reportTime, responseEndedAt: vietnamTime(fields.responseEndedAt) ?? '', whatHappened: fields.whatHappened ?? '', whatWasDone: fields.whatWasDone ?? '', damage: fields.damage ?? '' };
  const parsed = followUpSubmissionSchema.safeParse(body);
  return { body, errors: parsed.success ? {} : problemsByField(fieldProblems(parsed.error, 'body'), lang) };
}
