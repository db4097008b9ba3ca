import { z } from 'zod';
import { tlpSchema } from './common';

/**
 * Incident categories used in Vietnamese reports (DOMAIN.md), each with the ENISA Reference
 * Security Incident Taxonomy (RSIT v1.3) class it maps to. The codes are the ones member
 * enterprises list in the directory as the categories they handle.
 */
export const incidentCategories = {
  dos: { label: 'Từ chối dịch vụ', rsit: 'availability' },
  phishing: { label: 'Tấn công giả mạo', rsit: 'fraud' },
  malware: { label: 'Mã độc', rsit: 'malicious-code' },
  intrusion: { label: 'Truy cập trái phép, chiếm quyền', rsit: 'intrusions' },
  defacement: { label: 'Thay đổi giao diện', rsit: 'information-content-security' },
  ransomware: { label: 'Mã hóa dữ liệu', rsit: 'malicious-code' },
  data_destruction: { label: 'Phá hoại dữ liệu', rsit: 'availability' },
  data_theft: { label: 'Nghe trộm, lấy cắp dữ liệu', rsit: 'information-content-security' },
  combined: { label: 'Tấn công tổng hợp', rsit: 'other' },
  other: { label: 'Khác', rsit: 'other' },
} as const;
export type IncidentCategory = keyof typeof incidentCategories;
export const incidentCategorySchema = z.enum(Object.keys(incidentCategories) as [IncidentCategory, ...IncidentCategory[]]);

export const rsitClasses = ['availability', 'fraud', 'malicious-code', 'intrusions', 'information-content-security', 'information-gathering', 'other'] as const;
export const rsitClassSchema = z.enum(rsitClasses);

/** The five impacts of Decision 05/2017 art. 9 that can make an incident severe. */
export const severeImpacts = {
  service_interruption: 'Gián đoạn dịch vụ',
  state_secret_disclosure: 'Lộ bí mật nhà nước',
  integrity_loss: 'Mất toàn vẹn dữ liệu không khôi phục được',
  loss_of_control: 'Mất quyền kiểm soát hệ thống',
  spread: 'Lan rộng, gây sự cố dây chuyền',
} as const;
export type SevereImpact = keyof typeof severeImpacts;
export const severeImpactSchema = z.enum(Object.keys(severeImpacts) as [SevereImpact, ...SevereImpact[]]);

/**
 * What classification needs to know about an incident, as the reporter tells it. Every field is
 * optional (a 2 a.m. report may not know them yet); spread into the report submission and the
 * incident.reported payload so both carry the same facts under the same names.
 */
export const classificationFactsShape = {
  category: incidentCategorySchema.optional().describe('Incident category (code of the Vietnamese list)'),
  protectionLevel: z.number().int().min(1).max(5).optional().describe('Protection level of the affected system (Decree 85/2016, 1–5)'),
  onCriticalList: z.boolean().optional().describe('The affected system is on the national list of critical information systems'),
  impacts: z.array(severeImpactSchema).max(5).optional().describe('Which of the five named impacts (Decision 05/2017 art. 9) the incident causes'),
  ownerCanHandleAlone: z.boolean().optional().describe('The system owner can handle the incident without outside help'),
  spreading: z.boolean().optional().describe('The incident is spreading to other systems'),
} as const;
export const classificationFactsSchema = z.object(classificationFactsShape);
export type ClassificationFacts = z.infer<typeof classificationFactsSchema>;

export const severitySchema = z.enum(['severe', 'normal']);
export type Severity = z.infer<typeof severitySchema>;
export const prioritySchema = z.enum(['P1', 'P2', 'P3', 'P4']);
export type Priority = z.infer<typeof prioritySchema>;

/** Dispatch's classification of an incident, with the rule behind each part. */
export const classificationSchema = z.object({
  severity: severitySchema,
  priority: prioritySchema,
  category: incidentCategorySchema,
  rsitClass: rsitClassSchema,
  tlp: tlpSchema,
  reasons: z.array(z.string().min(1)).min(1),
});
export type Classification = z.infer<typeof classificationSchema>;

/** The classification facts of a report submission, to carry over onto incident.reported unchanged. */
export function classificationFactsOf(submission: ClassificationFacts): ClassificationFacts {
  const facts: Record<string, unknown> = {};
  for (const key of Object.keys(classificationFactsShape) as (keyof ClassificationFacts)[]) {
    if (submission[key] !== undefined) facts[key] = submission[key];
  }
  return facts as ClassificationFacts;
}
