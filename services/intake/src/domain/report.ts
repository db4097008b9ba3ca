import { classificationFactsOf, HttpError, type ProvinceRef, type ProvinceResolver, type ReportSubmission, type Payload } from '@ucsc/shared';

/** Clocks of submitters' machines drift; a detection time a little ahead of ours is not "in the future". */
export const clockSkewMs = 5 * 60 * 1000;

/** Turns a validated submission into the incident.reported payload, or says which field is wrong. */
export function toReportedPayload(
  submission: ReportSubmission,
  resolver: ProvinceResolver,
  incidentId: string,
  now: Date,
): Payload<'incident.reported'> {
  const problems = [];
  const province: ProvinceRef | undefined = resolver.resolve(submission.province);
  if (!province) {
    problems.push({ field: 'body.province', rule: 'known_province', message: `"${submission.province}" is not a current or former province or city` });
  }
  if (Date.parse(submission.detectedAt) > now.getTime() + clockSkewMs) {
    problems.push({ field: 'body.detectedAt', rule: 'not_in_future', message: 'detection time is in the future' });
  }
  if (problems.length || !province) throw new HttpError(400, 'validation_failed', `${problems.length} field(s) are invalid`, problems);
  return {
    incidentId,
    province,
    reportingOrganisation: { name: submission.reportingOrganisation.name },
    title: submission.title,
    description: submission.description,
    detectedAt: new Date(submission.detectedAt).toISOString(),
    reportedAt: now.toISOString(),
    tlp: submission.tlp,
    ...classificationFactsOf(submission),
  };
}
