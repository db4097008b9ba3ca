import { ulid } from 'ulid';
import { z } from 'zod';

/** ULID: 26 Crockford base-32 characters; sortable by time. Used for every message and incident id. */
export const ulidSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');

// ulid's own generator asks the OS for one random byte per character (16 calls per id); ids are
// made several times per request, so the bytes come from a pool refilled 4 KB at a time. Made on
// first use, from Web Crypto (Node's and a browser's alike): the web app imports these contracts too.
const poolSize = 4096;
let randomPool: Uint8Array<ArrayBuffer> | undefined;
let randomOffset = poolSize;
function pooledRandom(): number {
  if (!randomPool || randomOffset >= poolSize) {
    randomPool ??= new Uint8Array(poolSize);
    globalThis.crypto.getRandomValues(randomPool);
    randomOffset = 0;
  }
  return randomPool[randomOffset++]! / 256;
}

/** A new ULID (cryptographically random part). */
export function newId(): string {
  return ulid(undefined, pooledRandom);
}

export const isoDateTime = z.iso.datetime({ offset: true });

/** Traffic Light Protocol 2.0 markings, from least to most restricted. */
export const tlpLevels = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export const tlpSchema = z.enum(tlpLevels);
export type Tlp = z.infer<typeof tlpSchema>;

/** The stricter of two markings: TLP only ever goes up, and what carries both is seen as the stricter. */
export function stricterTlp(a: Tlp, b: Tlp): Tlp {
  return tlpLevels.indexOf(a) >= tlpLevels.indexOf(b) ? a : b;
}

/** A bounded, non-blank line of text (Vietnamese text is NFC-normalised before it gets here). */
export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

/** What people may be in the network; which commands each may issue is in shared/src/access. */
export const roles = [
  'submitter',
  'province_coordinator',
  'liaison_officer',
  'liaison_leader',
  'national_coordinator',
  'enterprise_responder',
  'auditor',
  'admin',
] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/**
 * Who did something, how the system knows it, and on whose behalf: recorded on every event and
 * command. The scope fields say what the actor was entitled to at that moment.
 */
export const actorSchema = z.object({
  kind: z.enum(['user', 'api_token', 'service', 'system']),
  id: z.string().min(1),
  name: z.string().optional(),
  organisationId: z.string().optional(),
  roles: z.array(roleSchema).optional(),
  /** provinces the actor works for (its organisation's, or those a liaison follows) */
  provinceCodes: z.array(z.string()).optional(),
  /** directory ids the actor answers for as an assignee (a liaison's roster ids, its enterprise, its hub) */
  assigneeIds: z.array(z.string()).optional(),
  authenticatedBy: z.enum(['password', 'password+totp', 'api_token', 'service', 'none']),
  address: z.string().optional(),
});
export type Actor = z.infer<typeof actorSchema>;

/** The province an incident belongs to: the current unit, and the name it was filed under. */
export const provinceRefSchema = z.object({
  code: z.string().regex(/^\d{2}$/, 'two-digit unit code'),
  name: z.string().min(1),
  filedAs: z.string().min(1),
  formerCode: z.string().regex(/^\d{2}$/).optional(),
});
export type ProvinceRef = z.infer<typeof provinceRefSchema>;

export const assigneeKinds = ['province_hub', 'liaison', 'enterprise', 'national_coordinator', 'standing_body'] as const;

/** Someone an incident is assigned to, with the names as they were at assignment time. */
export const assigneeSchema = z.object({
  kind: z.enum(assigneeKinds),
  id: z.string().min(1),
  name: z.string().min(1),
  organisationId: z.string().min(1),
  organisationName: z.string().min(1),
  role: z.enum(['hub', 'leader', 'officer', 'responder', 'coordinator', 'standing_body']),
});
export type Assignee = z.infer<typeof assigneeSchema>;
