import { simpleParser } from 'mailparser';
import type { ParsedEmail } from './domain/email';
import type { NewAttachment } from './submissions';

const malwareHint = /(malware|ma[-_ ]?doc|mã[-_ ]?độc|sample|infected)/i;

/**
 * Parses an RFC 5322 message (MIME, any transfer encoding, Vietnamese headers) into what the
 * report mapping reads, and its attached files as attachments of the new incident. A JSON part
 * is the report itself, not an attachment.
 */
export async function parseEmail(raw: Buffer): Promise<{ email: ParsedEmail; attachments: NewAttachment[] }> {
  const mail = await simpleParser(raw, { skipHtmlToText: false, skipTextLinks: true, skipImageLinks: true });
  let json: string | undefined;
  const attachments: NewAttachment[] = [];
  for (const part of mail.attachments) {
    if (!json && (part.contentType === 'application/json' || /\.json$/i.test(part.filename ?? ''))) {
      json = part.content.toString('utf8');
      continue;
    }
    const filename = (part.filename ?? 'attachment.bin').replace(/[\\/\u0000-\u001f]/g, '_').slice(0, 255);
    const malware = malwareHint.test(filename);
    attachments.push({
      content: part.content,
      meta: {
        filename,
        mediaType: part.contentType || 'application/octet-stream',
        kind: malware ? 'malware_sample' : /\.(log|txt|evtx|pcap|csv)$/i.test(filename) ? 'log' : 'other',
        malware,
        tlp: 'AMBER',
      },
    });
  }
  const from = mail.from?.value[0]?.address;
  return {
    email: { subject: mail.subject, fromAddress: from, date: mail.date, text: mail.text, json },
    attachments,
  };
}
