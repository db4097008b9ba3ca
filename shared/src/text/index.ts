/**
 * Unicode-normalises every string in a JSON-like value to NFC, so that Vietnamese typed with
 * combining accents (NFD, as some keyboards and macOS produce) equals the precomposed form.
 */
export function normalizeText<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map((v) => normalizeText(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k.normalize('NFC')] = normalizeText(v);
    return out as T;
  }
  return value;
}

/** Folds a Vietnamese name for lookup: NFC, lower case, no accents, đ→d, single spaces, no punctuation. */
export function foldName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Deeper than any form or command of ours: a body nested past this is refused before it is parsed. */
export const maxJsonDepth = 32;

/** Whether a JSON text nests deeper than `limit`, told without parsing it (brackets outside strings), so nothing recursive ever sees it. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}
