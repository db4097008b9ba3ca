import { createHash } from 'node:crypto';
import {
  classificationFactsOf,
  fieldProblems,
  foldName,
  normalizeText,
  reportSubmissionSchema,
  type FieldProblem,
  type Payload,
  type ProvinceRef,
  type ProvinceResolver,
  type ReportSubmission,
} from '@ucsc/shared';

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/**
 * Reads a submitted Biểu mẫu 03: NFC text, the schema's rules, and the rules that need the
 * directory (a known province). Every problem comes back at once, the schema's and ours together.
 */
export function checkReport(body: unknown, provinces: ProvinceResolver): Checked<{ submission: ReportSubmission; province: ProvinceRef }> {
  const input = normalizeText(body ?? {});
  const parsed = reportSubmissionSchema.safeParse(input);
  const problems = parsed.success ? [] : fieldProblems(parsed.error);
  const provinceName = (input as { province?: unknown }).province;
  const province = typeof provinceName === 'string' && provinceName.trim() ? provinces.resolve(provinceName) : undefined;
  if (typeof provinceName === 'string' && provinceName.trim() && !province) {
    problems.push({ field: 'body.province', rule: 'known_province', message: `"${provinceName}" is not a current or former province or city` });
  }
  if (!parsed.success || !province || problems.length) return { ok: false, problems };
  return { ok: true, value: { submission: parsed.data, province } };
}

/** The incident.reported payload of a checked submission. */
export function toReportedPayload(
  submission: ReportSubmission,
  province: ProvinceRef,
  incidentId: string,
  reportedAt: string,
): Payload<'incident.reported'> {
  // the classification questions travel beside the form (as dispatch reads them), the rest of the form as `report`
  const { province: _filedAs, title, description, detectedAt, tlp, category, onCriticalList, impacts, ownerCanHandleAlone, spreading, ...details } = submission;
  const asked = { category, onCriticalList, impacts, ownerCanHandleAlone, spreading, protectionLevel: details.affectedSystem.protectionLevel };
  return {
    incidentId,
    province,
    reportingOrganisation: { name: details.reportingOrganisation.name },
    title,
    description,
    detectedAt: new Date(detectedAt).toISOString(),
    reportedAt,
    tlp,
    ...classificationFactsOf(asked),
    report: { ...details, reportTime: new Date(details.reportTime).toISOString() },
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The hash of what was submitted, as parsed: zod builds its output in the schema's key order, so
 * the same content hashes the same whatever order the client wrote it in. A key reused with other
 * content is a client error, not a retry.
 */
export function contentHash(parsed: unknown): string {
  return sha256(JSON.stringify(parsed));
}

/**
 * Without an Idempotency-Key, the same report sent twice is recognised by who reports (the
 * organisation), about what (the affected system) and when it was detected (the same instant,
 * whatever the time zone it was written in): a submitter who retries, or re-sends the same report by
 * email, files one incident. Names are folded so that accents and case do not tell two copies apart.
 */
export function reportFingerprint(submission: ReportSubmission): string {
  const system = submission.affectedSystem.name ?? submission.affectedSystem.operator;
  const detected = Date.parse(submission.detectedAt);
  return sha256([foldName(submission.reportingOrganisation.name), foldName(system), String(detected)].join('\n'));
}
