// A real SMTP server on a TCP port that parses what it receives, and a real HTTP receiver that
// verifies Standard Webhooks signatures with the same library: what the notifier's tests read back.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { makeEnvelope, type Actor, type Payload } from '@ucsc/shared';
import { freePort } from '../../../test/support/system';

export const secret = 'whsec_' + Buffer.from('notifier-test-secret-0123456789ab').toString('base64');
export const actor: Actor = { kind: 'service', id: 'tracker', roles: [], authenticatedBy: 'none' } as unknown as Actor;
export const ctx = { producedBy: 'test', actor };

export interface Received {
  id: string;
  status: number;
  verified: boolean;
  body: { type: string; data: { incidentId: string; kind: string; title?: string } };
}

export class Receiver {
  readonly received: Received[] = [];
  /** what to answer next, in order; 204 when the list is empty */
  answers: number[] = [];
  private server!: Server;
  url = '';
  async start(): Promise<void> {
    const port = await freePort();
    this.server = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      req.on('end', () => {
        let verified = false;
        try {
          new Webhook(secret).verify(raw, req.headers as Record<string, string>);
          verified = true;
        } catch {
          verified = false;
        }
        const status = this.answers.shift() ?? 204;
        this.received.push({ id: String(req.headers['webhook-id']), status, verified, body: JSON.parse(raw) as Received['body'] });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export class Catcher {
  readonly mails: ParsedMail[] = [];
  /** runs on each message received, before it is answered: a test may act then (kill the sender) */
  beforeAnswer: (mail: ParsedMail) => Promise<void> = async () => undefined;
  private server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    onData: (stream, _session, callback) => {
      simpleParser(stream)
        .then(async (mail) => {
          this.mails.push(mail);
          await this.beforeAnswer(mail);
          callback();
        })
        .catch(callback);
    },
  });
  port = 0;
  async start(): Promise<void> {
    const port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
  }
  to(address: string): ParsedMail[] {
    return this.mails.filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.text.includes(address)));
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The report that opens an incident for the notifier (its title, province and TLP). */
export function reported(incidentId: string, tlp: Payload<'incident.reported'>['tlp'], title = 'Mã độc mã hóa máy chủ hồ sơ') {
  return makeEnvelope(
    'incident.reported',
    {
      incidentId,
      province: { code: '08', name: 'Tỉnh Tuyên Quang', filedAs: 'Tuyên Quang' },
      reportingOrganisation: { name: 'Sở Y tế' },
      title,
      description: 'Máy chủ nhiễm mã độc',
      detectedAt: '2026-11-20T02:10:00.000Z',
      reportedAt: '2026-11-20T03:00:00.000Z',
      tlp,
    },
    ctx,
  );
}
