import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { attachmentVisible, commonProblems, HttpError, identify, problemSchema } from '@ucsc/shared';
import type { AttachmentStore } from '../attachments';
import type { Submissions } from '../submissions';
import { sendStored, submissionContext, visibleIncident } from './reports';
import { attachmentAcceptedSchema, attachmentHeaders, attachmentUploadQuery, downloadParams, incidentParams, submissionResponses } from './schemas';

export interface AttachmentRoutesOptions {
  submissions: Submissions;
  store: AttachmentStore;
  limitBytes: number;
}

const file = { content: { 'application/octet-stream': { schema: z.string().describe('the file, as bytes') } } };

/** RFC 6266 / 5987: an ASCII fallback and the UTF-8 name, so Vietnamese file names survive. */
function contentDisposition(filename: string): string {
  const ascii = filename.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * Evidence on an incident. Uploads take the raw bytes of one file (any content type: a malware
 * sample is declared as what it is, not trusted as what it claims); downloads are always a
 * download, never rendered, and only for those who may see the incident and the attachment.
 */
export async function attachmentRoutes(fastify: FastifyInstance, options: AttachmentRoutesOptions): Promise<void> {
  const { submissions, store } = options;
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // this plugin's own parsers: the body is the file, whatever it is
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.limitBytes }, (_request, body, done) => done(null, body));

  app.post(
    '/api/v1/reports/:id/attachments',
    {
      bodyLimit: options.limitBytes,
      config: { recordedByEvent: true },
      schema: {
        summary: 'Attach evidence: a log, a malware sample or another file',
        description:
          'The body is the file, of any content type, up to ATTACHMENT_LIMIT_BYTES. Stored by sha256 outside Kafka; the event carries the reference. Malware samples are flagged.',
        params: incidentParams,
        querystring: attachmentUploadQuery,
        headers: attachmentHeaders,
        response: submissionResponses(attachmentAcceptedSchema),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const query = request.query;
      const content = request.body;
      if (!Buffer.isBuffer(content) || content.length === 0) {
        throw new HttpError(400, 'validation_failed', 'the body must be the file', [{ field: 'body', rule: 'not_empty', message: 'send the file as the request body' }]);
      }
      const ctx = submissionContext(request, 'report.follow_up');
      const incident = await visibleIncident(request, submissions, id);
      const mediaType = (request.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim().slice(0, 200) || 'application/octet-stream';
      const stored = await submissions.addAttachment(
        incident,
        {
          content,
          meta: {
            filename: query.filename,
            mediaType,
            kind: query.kind,
            malware: query.kind === 'malware_sample',
            ...(request.headers['x-attachment-description'] ? { description: request.headers['x-attachment-description'] } : {}),
            tlp: query.tlp ?? incident.tlp,
          },
        },
        ctx,
      );
      return sendStored(reply, stored);
    },
  );

  app.get(
    '/api/v1/reports/:id/attachments/:sha256',
    {
      schema: {
        summary: 'Download an attachment',
        description:
          'Always application/octet-stream with Content-Disposition: attachment and X-Content-Type-Options: nosniff; X-Malware-Sample: true on malware samples. 404 for those who may not see the incident or the attachment.',
        params: downloadParams,
        response: { ...commonProblems, 200: { description: 'The file', ...file }, 400: problemSchema, 404: problemSchema.describe('Not found, or not yours'), 503: problemSchema },
      },
    },
    async (request, reply) => {
      const { id, sha256 } = request.params;
      const incident = await visibleIncident(request, submissions, id);
      const attachment = (incident.attachments ?? []).find((a) => a.sha256 === sha256);
      // the attachment's own marking may be stricter than the incident's: seen only by who may see both
      if (!attachment || !attachmentVisible(identify(request), incident, attachment)) {
        throw new HttpError(404, 'not_found', `attachment ${sha256} not found`);
      }
      const content = await store.open(sha256);
      if (!content) {
        request.log.error({ sha256, incidentId: id }, 'attachment referenced by an event has no content in ATTACHMENT_DIR');
        throw new HttpError(503, 'content_unavailable', 'the attachment content is not reachable right now', [], { 'retry-after': '30' });
      }
      void reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', contentDisposition(attachment.filename))
        .header('content-length', String(content.size))
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .header('x-attachment-sha256', sha256)
        .header('x-attachment-kind', attachment.kind);
      if (attachment.malware) void reply.header('x-malware-sample', 'true');
      // a stream is sent as it is: the declared schema only describes it
      return reply.send(content.stream as unknown as string);
    },
  );
}
