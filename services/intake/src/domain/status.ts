import { z } from 'zod';
import {
  assignmentStatusSchema,
  attachmentRefSchema,
  endedAssignmentStatuses,
  followUpKinds,
  followUpKindLabels,
  renderTimeline,
  isoDateTime,
  lifecycleStateSchema,
  portalStatusSchema,
  provinceRefSchema,
  ulidSchema,
  lifecycleStateLabels,
  portalStatusLabels,
  type IncidentSummary,
  type Language,
  type LifecycleState,
  type PortalStatus,
} from '@ucsc/shared';

/** What a submitter is shown about its report (GET /api/v1/reports/:id). */
export const reportStatusSchema = z.object({
  incidentId: ulidSchema,
  status: portalStatusSchema.describe('cho: Chờ; dang_xu_ly: Đang xử lý; ket_thuc: Kết thúc'),
  statusLabel: z.string(),
  state: lifecycleStateSchema.describe('The finer lifecycle state'),
  stateLabel: z.string(),
  title: z.string(),
  province: provinceRefSchema,
  tlp: z.string(),
  reportedAt: isoDateTime,
  updatedAt: isoDateTime,
  handledBy: z
    .array(z.object({ name: z.string(), organisationName: z.string(), role: z.string(), status: assignmentStatusSchema, acknowledgedAt: isoDateTime.optional() }))
    .describe('Who works on it now: those who declined, did not answer in time or were removed are not listed'),
  followUps: z.array(z.object({ followUpId: ulidSchema, kind: z.enum(Object.keys(followUpKinds) as [keyof typeof followUpKinds]), label: z.string(), receivedAt: isoDateTime })),
  attachments: z.array(attachmentRefSchema.pick({ sha256: true, size: true, filename: true, kind: true, malware: true }).extend({ download: z.string() })),
  timeline: z.array(z.object({ at: isoDateTime, type: z.string(), summary: z.string() })).describe('What happened, in the language asked for, rendered from each event when read'),
});
export type ReportStatus = z.infer<typeof reportStatusSchema>;

/**
 * An incident in the portal's shape: the portal status, the finer state, who handles it, and what
 * happened, in the caller's language. It formats what the caller's audience view
 * (shared/src/access/views) already chose.
 */
export function reportStatus(view: IncidentSummary, lang: Language = 'vi'): ReportStatus {
  return {
    incidentId: view.id,
    status: view.portalStatus,
    statusLabel: portalStatusLabels[lang][view.portalStatus],
    state: view.state,
    stateLabel: lifecycleStateLabels[lang][view.state],
    title: view.title,
    province: view.province,
    tlp: view.tlp,
    reportedAt: view.reportedAt,
    updatedAt: view.updatedAt,
    handledBy: view.assignees
      .filter((a) => !endedAssignmentStatuses.includes(a.status ?? 'assigned'))
      .map((a) => ({
        name: a.name,
        organisationName: a.organisationName,
        role: a.role,
        status: a.status ?? 'assigned',
        ...(a.acknowledgedAt ? { acknowledgedAt: a.acknowledgedAt } : {}),
      })),
    followUps: (view.followUps ?? []).map((f) => ({ followUpId: f.followUpId, kind: f.report.kind, label: followUpKindLabels[lang][f.report.kind], receivedAt: f.receivedAt })),
    attachments: (view.attachments ?? []).map((a) => ({
      sha256: a.sha256,
      size: a.size,
      filename: a.filename,
      kind: a.kind,
      malware: a.malware,
      download: `/api/v1/reports/${view.id}/attachments/${a.sha256}`,
    })),
    timeline: renderTimeline(view.timeline, lang).map((t) => ({ at: t.at, type: t.type, summary: t.summary })),
  };
}
