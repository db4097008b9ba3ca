import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { attachmentUploadQuerySchema, attachmentVisible, HttpError, identify, normalizeText, parseOr400 } from '@ucsc/shared';
import type { AttachmentStore } from '../attachments';
import type { Submissions } from '../submissions';
import { incidentParams, sendStored, submissionContext, visibleIncident } from './reports';

export interface AttachmentRoutesOptions {
  submissions: Submissions;
  store: AttachmentStore;
  limitBytes: number;
}

const downloadParams = incidentParams.extend({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex sha256') });

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
export async function attachmentRoutes(app: FastifyInstance, options: AttachmentRoutesOptions): Promise<void> {
  const { submissions, store } = options;
  // this plugin's own parsers: the body is the file, whatever it is
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.limitBytes }, (_request, body, done) => done(null, body));

  app.post('/api/v1/reports/:id/attachments', { bodyLimit: options.limitBytes, config: { recordedByEvent: true } }, async (request, reply) => {
    const { id } = parseOr400(incidentParams, request.params, 'params');
    const query = parseOr400(attachmentUploadQuerySchema, normalizeText(request.query ?? {}), 'query');
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
          ...(query.description ? { description: query.description } : {}),
          tlp: query.tlp ?? incident.tlp,
        },
      },
      ctx,
    );
    return sendStored(reply, stored);
  });

  app.get('/api/v1/reports/:id/attachments/:sha256', async (request, reply) => {
    const { id, sha256 } = parseOr400(downloadParams, request.params, 'params');
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
    return reply.send(content.stream);
  });
}
