import { isIP } from 'node:net';
import type { Transporter } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import type { Redis } from '@ucsc/shared';

/** One admin-registered webhook endpoint of an organisation; the first secret signs, all are valid for rotation. */
export interface WebhookEndpoint {
  id: string;
  organisationId: string;
  url: string;
  secrets: string[];
}

export type Outcome = 'sent' | 'already_sent' | 'disabled' | 'dead';

const privateRanges = [/^10\./, /^127\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^169\.254\./, /^::1$/, /^f[cd]/i, /^fe80:/i];

/** An address of this network's own private ranges, refused unless configuration allows them. */
export function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  return isIP(h) !== 0 && privateRanges.some((r) => r.test(h));
}

/**
 * Once and not lost: a delivery records its intent (its id, NX) before it is sent and "sent" after.
 * A notifier killed between the two finds the intent on redelivery and sends again under the same
 * id (the webhook-id, the Message-ID), which is what receivers deduplicate by; a delivery recorded
 * "sent" is never sent again, by this copy or another.
 */
export class DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  key(id: string): string {
    return `${this.prefix}notifier:delivery:${id}`;
  }

  async state(id: string): Promise<string | null> {
    return this.redis.get(this.key(id));
  }

  async intend(id: string): Promise<'new' | 'intended' | 'sent' | 'dead'> {
    const set = await this.redis.set(this.key(id), 'intended', 'EX', this.ttlSeconds, 'NX');
    if (set === 'OK') return 'new';
    return ((await this.redis.get(this.key(id))) ?? 'intended') as 'intended' | 'sent' | 'dead';
  }

  async mark(id: string, state: 'sent' | 'dead'): Promise<void> {
    await this.redis.set(this.key(id), state, 'EX', this.ttlSeconds);
  }

  /** failures so far of a delivery: the retry schedule's position */
  async failed(id: string): Promise<number> {
    const key = `${this.key(id)}:failures`;
    const n = await this.redis.incr(key);
    await this.redis.expire(key, this.ttlSeconds);
    return n;
  }

  async resetFailures(id: string): Promise<void> {
    await this.redis.del(`${this.key(id)}:failures`);
  }

  async disabled(endpointId: string): Promise<boolean> {
    return (await this.redis.sismember(`${this.prefix}notifier:disabled-endpoints`, endpointId)) === 1;
  }

  async disable(endpointId: string): Promise<void> {
    await this.redis.sadd(`${this.prefix}notifier:disabled-endpoints`, endpointId);
  }
}

export class WebhookGone extends Error {}

export async function sendEmail(transport: Transporter, from: string, to: string, id: string, message: { subject: string; text: string }): Promise<void> {
  await transport.sendMail({ from, to, subject: message.subject, text: message.text, messageId: `<${id}@notifier.ucsc>` });
}

/** Posts a Standard Webhooks message; 410 means the endpoint is gone; any other non-2xx is a failure to retry. */
export async function sendWebhook(endpoint: WebhookEndpoint, id: string, body: object, now: Date, timeoutMs: number): Promise<void> {
  const payload = JSON.stringify(body);
  const signature = endpoint.secrets.map((secret) => new Webhook(secret).sign(id, now, payload).split(' ')).flat().join(' ');
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signature,
  };
  const response = await fetch(endpoint.url, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (response.status === 410) throw new WebhookGone(`${endpoint.url} answered 410`);
  if (response.status < 200 || response.status >= 300) throw new Error(`${endpoint.url} answered ${response.status}`);
}
