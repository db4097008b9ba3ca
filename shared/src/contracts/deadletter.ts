import { z } from 'zod';

/** What the dead-letter topic holds: the original record, where it came from, and why it failed. */
export const deadLetterSchema = z.object({
  origin: z.object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    key: z.string().nullable(),
    consumerGroup: z.string(),
  }),
  error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.string()).optional() }),
  failedAt: z.string(),
  /** the original value, base64, exactly as it was on the topic */
  value: z.string().nullable(),
  /**
   * when the letter does not carry the original: its size and hash instead of its bytes, and why
   * (a record marked RED or AMBER+STRICT; none: too large to carry). The original stays at its origin offset.
   */
  valueOmitted: z.object({ bytes: z.number().int(), sha256: z.string(), marking: z.enum(['RED', 'AMBER+STRICT']).optional() }).optional(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/** The markings whose audience is named (TLP 2.0): whoever reads dead letters is not in it. */
export type WithheldMarking = 'RED' | 'AMBER+STRICT';

const markingOf = (value: string): WithheldMarking | undefined => {
  const level = value.toUpperCase().replace(/^TLP:/, '').trim();
  return level === 'RED' || level === 'AMBER+STRICT' ? level : undefined;
};

/**
 * Whether a record no consumer could read carries a marking that keeps its bytes out of the
 * dead-letter topic, and which (RED wins): any `tlp` anywhere in its JSON (an attachment may be
 * marked stricter than its incident); for bytes that are not JSON (cut short, garbled), the words
 * RED or AMBER+STRICT anywhere in them, since their fields cannot be read. A record too deep or
 * too big to walk is withheld as RED: what cannot be checked is not copied.
 */
export function withheldMarking(value: Buffer): WithheldMarking | undefined {
  const text = value.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return /\bRED\b/i.test(text) ? 'RED' : /AMBER\+STRICT/i.test(text) ? 'AMBER+STRICT' : undefined;
  }
  let found: WithheldMarking | undefined;
  const stack: unknown[] = [json];
  for (let visited = 0; stack.length; visited++) {
    if (visited > 200_000) return 'RED';
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    for (const [key, inner] of Object.entries(node)) {
      if (key.toLowerCase() === 'tlp' && typeof inner === 'string') {
        const marking = markingOf(inner);
        if (marking === 'RED') return 'RED';
        found ??= marking;
      } else if (inner && typeof inner === 'object') stack.push(inner);
    }
  }
  return found;
}
