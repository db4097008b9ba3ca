import { z } from 'zod';
import { classificationFactsShape, incidentCategorySchema } from './classification';
import { isoDateTime, text, tlpSchema } from './common';
import { asciiDomain, ipVersion } from './hosts';

// The official reports of Circular 20/2017 as submitters send them: the initial report
// (Biểu mẫu 03), the follow-up reports the law names (QĐ 05 art. 11) and the end-of-response
// report (Biểu mẫu 04). Each group is its own schema, so that a form field has one home.

/** Clocks of submitters' machines drift; a time a little ahead of ours is not "in the future". */
export const clockSkewMs = 5 * 60 * 1000;

/** A rule zod has no code for: the code every 400 names for it (see validationError). */
const rule = (name: string, message: string) => ({ message, params: { rule: name } });

/** A time the submitter says something happened: ISO 8601 with offset, and not in the future. */
export const pastDateTime = isoDateTime.refine((value) => {
  const at = Date.parse(value);
  return Number.isNaN(at) || at <= Date.now() + clockSkewMs;
}, rule('not_in_future', 'must not be in the future'));

/**
 * A Vietnamese phone number: mobile (0 + 9 digits starting 3, 5, 7, 8 or 9) or fixed line (02x…,
 * 11 digits), written with 0, 84 or +84 in front; spaces, dots, dashes and brackets are allowed.
 */
export const vietnamesePhonePattern = /^(?:\+?84|0)(?:[35789]\d{8}|2\d{9})$/;
export const vietnamesePhone = z
  .string()
  .trim()
  .refine((value) => vietnamesePhonePattern.test(value.replace(/[\s.()-]/g, '')), rule('vietnamese_phone', 'must be a Vietnamese phone number, e.g. 0912 345 678 or +84 24 3943 6684'))
  .describe('Vietnamese phone number (0…, 84… or +84…)');

export const emailAddress = z.email('must be an email address').max(254).describe('Email address');

const hostnamePattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** A domain name; internationalised names (tên miền tiếng Việt) are accepted and checked in their ASCII form. */
export const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => hostnamePattern.test(asciiDomain(value.replace(/\.$/, ''))), rule('domain_name', 'must be a domain name, e.g. congthongtin.hanoi.gov.vn'))
  .describe('Domain name');

export const ipAddress = z
  .string()
  .trim()
  .refine((value) => ipVersion(value) !== 0, rule('ip_address', 'must be an IPv4 or IPv6 address'))
  .describe('IPv4 or IPv6 address');

/** Đơn vị báo cáo: the reporting organisation. */
export const reportingOrganisationSchema = z.object({
  name: text(300).describe('Tên đơn vị báo cáo (reporting organisation)'),
  address: text(500).describe('Địa chỉ'),
  phone: vietnamesePhone,
  email: emailAddress,
});

/** Người liên hệ: the contact person. */
export const contactPersonSchema = z.object({
  name: text(200).describe('Họ tên'),
  position: text(200).describe('Chức vụ'),
  phone: vietnamesePhone,
  email: emailAddress,
});

/** Hệ thống bị sự cố: the affected information system. */
export const affectedSystemSchema = z.object({
  operator: text(300).describe('Đơn vị vận hành hệ thống (operator)'),
  owner: text(300).optional().describe('Cơ quan chủ quản (owning agency)'),
  name: text(300).optional().describe('Tên hệ thống'),
  protectionLevel: z.number().int().min(1).max(5).optional().describe('Cấp độ an toàn hệ thống thông tin, 1–5 (Decree 85/2016)'),
  securityProvider: text(300).optional().describe('Đơn vị cung cấp dịch vụ bảo đảm an toàn thông tin'),
  connectivityProvider: text(300).optional().describe('Đơn vị cung cấp dịch vụ kết nối (ISP)'),
});

export const detectionMethods = ['monitoring', 'log_review', 'notified', 'other'] as const;

/** Cách thức phát hiện: how the incident was detected. */
export const detectionSchema = z
  .object({
    methods: z.array(z.enum(detectionMethods)).min(1, 'name at least one way').describe('monitoring: IDS / giám sát; log_review: kiểm tra nhật ký; notified: được thông báo; other: khác'),
    notifiedBy: text(300).optional().describe('Who notified the organisation (when methods has notified)'),
    other: text(500).optional().describe('How, when methods has other'),
  })
  .superRefine((value, ctx) => {
    if (value.methods.includes('notified') && !value.notifiedBy) {
      ctx.addIssue({ code: 'custom', path: ['notifiedBy'], message: 'say who notified you', params: { rule: 'required_with_notified' } });
    }
    if (value.methods.includes('other') && !value.other) {
      ctx.addIssue({ code: 'custom', path: ['other'], message: 'say how it was detected', params: { rule: 'required_with_other' } });
    }
  });

export const notifiedParties = ['network_members', 'isp', 'national_coordinator', 'other'] as const;

/** Đã thông báo cho: who was already told. An empty list is an answer: nobody yet. */
export const alreadyNotifiedSchema = z.object({
  parties: z.array(z.enum(notifiedParties)).describe('network_members: thành viên mạng lưới; isp: nhà cung cấp dịch vụ; national_coordinator: cơ quan điều phối quốc gia'),
  details: text(1000).optional().describe('Which ones'),
});

/** Thông tin kỹ thuật: technical detail of the affected system. */
export const technicalDetailSchema = z.object({
  operatingSystems: z.array(text(200)).max(50).optional().describe('Hệ điều hành'),
  services: z.array(z.enum(['web', 'mail', 'database', 'other'])).optional().describe('Dịch vụ trên hệ thống'),
  otherServices: text(500).optional(),
  securityMeasures: z.array(z.enum(['antivirus', 'firewall', 'ids', 'other'])).optional().describe('Biện pháp bảo đảm an toàn đã triển khai'),
  otherSecurityMeasures: text(500).optional(),
  publicIpAddresses: z.array(ipAddress).max(256).optional().describe('Địa chỉ IP công khai'),
  domainNames: z.array(domainName).max(256).optional().describe('Tên miền'),
  purpose: text(1000).optional().describe('Mục đích sử dụng của hệ thống'),
});

/**
 * The details of Biểu mẫu 03 beyond what every incident has (title, description, detection time,
 * TLP, province): carried as one group on the incident.reported event.
 */
export const initialReportDetailsSchema = z.object({
  reportingOrganisation: reportingOrganisationSchema,
  contactPerson: contactPersonSchema,
  affectedSystem: affectedSystemSchema,
  alreadyHandled: z.boolean().describe('Tình trạng: đã xử lý (true) hay chưa (false)'),
  detection: detectionSchema,
  alreadyNotified: alreadyNotifiedSchema,
  technicalDetail: technicalDetailSchema.optional(),
  confidentialityRequested: z.boolean().default(false).describe('Đề nghị giữ bí mật thông tin'),
  supportRequested: text(5000).optional().describe('Kiến nghị, đề xuất hỗ trợ'),
  reportTime: pastDateTime.describe('Thời gian báo cáo, as written on the form'),
});
export type InitialReportDetails = z.infer<typeof initialReportDetailsSchema>;

// The form asks the protection level under the affected system; the other facts classification
// needs (category, impacts, whether the owner copes) sit beside the form's fields.
const { protectionLevel: _askedUnderAffectedSystem, ...classificationQuestions } = classificationFactsShape;

/**
 * What a submitter sends: the whole Biểu mẫu 03 (POST /api/v1/reports). Strict at the top, so a
 * misspelt or misplaced field is a 400 naming it rather than a fact silently dropped.
 */
export const reportSubmissionSchema = z.strictObject({
  ...initialReportDetailsSchema.shape,
  province: text(100).describe('Current or former (before 1/7/2025) province or city, by name or two-digit code'),
  title: text(300).describe('Short title of the incident'),
  description: text(20_000).describe('Mô tả sự cố: what happened'),
  detectedAt: pastDateTime.describe('Ngày giờ phát hiện (ISO 8601 with offset)'),
  tlp: tlpSchema.default('AMBER').describe('Traffic Light Protocol 2.0 marking'),
  ...classificationQuestions,
});
export type ReportSubmission = z.infer<typeof reportSubmissionSchema>;

// ── follow-up reports ─────────────────────────────────────────────────────────────────────────

export const followUpKinds = {
  situation_update: 'Báo cáo cập nhật tình hình',
  support_request: 'Đề nghị hỗ trợ',
  direction_request: 'Đề nghị chỉ đạo',
  final_report: 'Báo cáo kết thúc ứng phó (Biểu mẫu 04)',
} as const;
export type FollowUpKind = keyof typeof followUpKinds;

const reporter = {
  reportTime: pastDateTime.describe('Thời gian báo cáo'),
  contactPerson: contactPersonSchema.optional().describe('Who to call back, when it is not the contact of the initial report'),
};

export const situationUpdateSchema = z.object({
  kind: z.literal('situation_update'),
  ...reporter,
  situation: text(20_000).describe('Tình hình hiện tại'),
  actionsTaken: text(20_000).optional().describe('Các biện pháp đã thực hiện'),
  nextSteps: text(5000).optional().describe('Kế hoạch tiếp theo'),
});

export const supportRequestSchema = z.object({
  kind: z.literal('support_request'),
  ...reporter,
  supportNeeded: text(5000).describe('Nội dung đề nghị hỗ trợ'),
  urgency: z.enum(['normal', 'urgent']).default('normal'),
});

export const directionRequestSchema = z.object({
  kind: z.literal('direction_request'),
  ...reporter,
  question: text(5000).describe('Vấn đề cần xin ý kiến chỉ đạo'),
  options: z.array(text(1000)).max(10).optional().describe('Phương án đề xuất'),
});

/** Biểu mẫu 04: the end-of-response report; the coordinator closes an incident only after it. */
export const finalReportSchema = z.object({
  kind: z.literal('final_report'),
  ...reporter,
  responseEndedAt: pastDateTime.describe('Thời điểm kết thúc ứng phó'),
  whatHappened: text(20_000).describe('Diễn biến sự cố'),
  whatWasDone: text(20_000).describe('Các biện pháp đã triển khai'),
  damage: text(10_000).describe('Thiệt hại'),
  recommendations: text(10_000).optional().describe('Kiến nghị, bài học kinh nghiệm'),
  category: incidentCategorySchema.optional().describe('The category as understood after the response'),
  /** Biểu mẫu 05 counts incidents by who handled them; absent, an enterprise's part decides (domestic help) or not (in-house) */
  handledWith: z.enum(['in_house', 'domestic_help', 'foreign_help']).optional().describe('Tự xử lý / có hỗ trợ trong nước / có hỗ trợ nước ngoài'),
});

/** POST /api/v1/reports/:id/follow-ups: one of the report types the law names. */
export const followUpSubmissionSchema = z.discriminatedUnion('kind', [situationUpdateSchema, supportRequestSchema, directionRequestSchema, finalReportSchema]);
export type FollowUpSubmission = z.infer<typeof followUpSubmissionSchema>;

// ── attachments ───────────────────────────────────────────────────────────────────────────────

export const attachmentKinds = ['log', 'malware_sample', 'other'] as const;

/** What an event carries about an attachment: a reference to content stored outside Kafka. */
export const attachmentRefSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex sha256'),
  size: z.number().int().nonnegative(),
  filename: z.string().min(1).max(255),
  mediaType: z.string().min(1).max(200).describe('The type the uploader declared; downloads are always application/octet-stream'),
  kind: z.enum(attachmentKinds),
  /** set for every malware sample: whoever downloads it is warned, and nothing opens it */
  malware: z.boolean(),
  description: z.string().max(2000).optional(),
  tlp: tlpSchema,
});
export type AttachmentRef = z.infer<typeof attachmentRefSchema>;

export const attachmentUploadQuerySchema = z.object({
  kind: z.enum(attachmentKinds).default('other'),
  filename: text(255).refine((name) => !/[\\/\u0000-\u001f]/.test(name), rule('plain_filename', 'a file name without path or control characters')),
  description: text(2000).optional(),
  tlp: tlpSchema.optional().describe('Defaults to the incident’s marking'),
});
