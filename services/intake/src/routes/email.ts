import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { HttpError, type FieldProblem, type ProvinceResolver } from '@ucsc/shared';
import { checkReport } from '../domain/report';
import { describeForEmail, emailToReport } from '../domain/email';
import { parseEmail } from '../email';
import type { Submissions } from '../submissions';
import { requireProvinceInScope, sendStored, submissionContext } from './reports';
import { reportAcceptedSchema, submissionHeaders, submissionResponses } from './schemas';

export interface EmailRoutesOptions {
  submissions: Submissions;
  provinces: ProvinceResolver;
  limitBytes: number;
}

function rejected(problems: FieldProblem[]): HttpError {
  return new HttpError(
    400,
    'email_rejected',
    `the email is not a complete Biểu mẫu 03 report: ${problems.length} problem(s); fix them and send it again`,
    describeForEmail(problems),
  );
}

/** A report sent as an email (raw RFC 5322 / MIME), turned into the same report as the JSON API takes. */
export async function emailRoutes(fastify: FastifyInstance, options: EmailRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('message/rfc822', { parseAs: 'buffer', bodyLimit: options.limitBytes }, (_request, body, done) => done(null, body));

  app.post(
    '/api/v1/reports/email',
    {
      bodyLimit: options.limitBytes,
      config: { recordedByEvent: true },
      schema: {
        summary: 'Submit a report as an email ([TBSC] subject, raw RFC 5322 message)',
        description:
          'The body is the whole message (message/rfc822). The form is read from "Label: value" lines of Biểu mẫu 03 or from a JSON part; the title from the subject after [TBSC]; attached files become attachments of the incident. A rejection (email_rejected) lists every missing or wrong field by its label on the form.',
        headers: submissionHeaders,
        response: submissionResponses(reportAcceptedSchema),
      },
    },
    async (request, reply) => {
      const raw = request.body as Buffer;
      const ctx = submissionContext(request, 'report.submit');
      const { email, attachments } = await parseEmail(raw).catch((error: unknown) => {
        throw rejected([{ field: 'email', rule: 'rfc5322', message: `not a readable email: ${(error as Error).message}` }]);
      });
      const read = emailToReport(email);
      if ('problems' in read) throw rejected(read.problems);
      const checked = checkReport(read.report, options.provinces);
      if (!checked.ok) throw rejected(checked.problems);
      const { submission, province } = checked.value;
      requireProvinceInScope(ctx, province);
      const marked = attachments.map((a) => ({ ...a, meta: { ...a.meta, tlp: submission.tlp } }));
      return sendStored(reply, await options.submissions.submitReport(submission, province, ctx, marked));
    },
  );
}
