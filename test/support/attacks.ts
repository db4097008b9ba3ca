// Generated attacks: fast-check arbitraries of hostile input, derived from the zod schemas a route
// declares (through their JSON Schema, as the OpenAPI document sees them). A plausible value
// follows the schema roughly (so that one wrong field among right ones gets past the others and
// reaches the handler); a hostile one breaks it: wrong types, missing and unknown fields, huge and
// deeply nested values, decomposed (NFD) Vietnamese, lone surrogates, control characters.
import fc from 'fast-check';
import { z } from 'zod';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** The JSON Schema of a declared zod schema (the input side: what a client sends), or undefined for none. */
export function jsonSchemaOf(schema: unknown): JsonSchema | undefined {
  if (!schema || typeof schema !== 'object' || !('_zod' in schema)) return undefined;
  return z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

export const nfdVietnamese = ['Đắk Lắk', 'Tấn công mã hóa dữ liệu', 'Sở Thông tin và Truyền thông Hà Giang', 'Nguyễn Thị Hoa', 'Hà Nội'].map((s) => s.normalize('NFD'));

/** Strings that have broken text handling somewhere: decomposed Vietnamese, lone surrogates, NUL, bidi overrides, emoji, lookalikes. */
export const hostileStrings: readonly string[] = [
  ...nfdVietnamese,
  '\ud800',
  'a\udfffb',
  '\u0000',
  'x\u0000y',
  '\u202etxt.exe',
  '\ufeff',
  '\u200b',
  '💥'.repeat(50),
  'ＡＤＭＩＮ',
  '',
  ' ',
  '\r\n\r\nX-Injected: 1',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  '${7*7}{{7*7}}',
  "'; DROP TABLE incidents; --",
  '<script>alert(1)</script>',
  '%00%FF%E0%A4%A',
  '2026-02-30T25:61:00Z',
  '9999-12-31T23:59:59.999Z',
  '-1',
  '1e309',
  'NaN',
  'true',
  'null',
];

const vietnameseWords = ['Sở', 'Tài chính', 'Hà Nội', 'Tuyên Quang', 'máy chủ', 'thư điện tử', 'giả mạo', 'Đà Nẵng', 'cổng', 'thông tin', 'x', 'a1'];

/** {"a":{"a":…}} and [[…]]: under the parser's depth limit (so they reach validation) and over it. */
const nested = (depth: number, kind: 'object' | 'array'): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
};

/** An object that JSON.stringify writes with an own "__proto__" key, as an attacker's JSON would have it. */
const withProtoKey = (value: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...value };
  Object.defineProperty(out, '__proto__', { value: { isAdmin: true, roles: ['admin'] }, enumerable: true, configurable: true, writable: true });
  return out;
};

const resolve = (schema: JsonSchema, root: JsonSchema): JsonSchema => {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace(/^#\/(\$defs|definitions)\//, '');
  return root.$defs?.[name] ?? {};
};

const typeOf = (schema: JsonSchema): string | undefined => {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? schema.type[0];
  return schema.type;
};

/** A value that roughly follows the schema (no cross-field rules, phone numbers and such may fail). */
export function plausible(schema: JsonSchema, root: JsonSchema = schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, root);
  if (depth > 8) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => plausible(a, root, depth + 1)));
  if (s.allOf?.length) return plausible({ ...s, allOf: undefined, ...s.allOf[0] }, root, depth + 1);
  switch (typeOf(s)) {
    case 'string': {
      if (s.format === 'email') return fc.constantFrom('hoa.nt@sotaichinh.hanoi.gov.vn', 'a@b.vn');
      if (s.format === 'date-time') return fc.integer({ min: 60_000, max: 30 * 86_400_000 }).map((ago) => new Date(Date.now() - ago).toISOString());
      if (s.format === 'uri') return fc.constant('https://example.gov.vn/x');
      if (s.pattern) {
        try {
          return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= (s.maxLength ?? 200) && v.length >= (s.minLength ?? 0));
        } catch {
          // a pattern fast-check cannot read: fall through to words
        }
      }
      const min = s.minLength ?? 0;
      const max = Math.max(min, Math.min(s.maxLength ?? 60, min + 60));
      return fc.array(fc.constantFrom(...vietnameseWords), { minLength: 1, maxLength: 4 }).map((words) => {
        const text = words.join(' ');
        return text.length < min ? text.padEnd(min, 'x') : text.slice(0, max);
      });
    }
    case 'integer':
      return fc.integer({ min: s.minimum ?? (s.exclusiveMinimum ?? -1) + 1, max: s.maximum ?? Math.min((s.exclusiveMaximum ?? 1_000_001) - 1, 1_000_000) });
    case 'number':
      return fc.double({ min: s.minimum ?? 0, max: s.maximum ?? 1_000_000, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = s.minItems ?? 0;
      return fc.array(plausible(s.items ?? {}, root, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 3, min + 2)) });
    }
    case 'object': {
      const properties = s.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(properties)) model[key] = plausible(value, root, depth + 1);
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in properties) });
    }
    default:
      return fc.oneof(fc.constant('x'), fc.integer(), fc.constant(null), fc.constant({}));
  }
}

/** A value that breaks the schema: another type, a size past its limits, text that breaks text handling, nesting, prototype keys. */
export function hostile(schema: JsonSchema, root: JsonSchema = schema): fc.Arbitrary<unknown> {
  const s = resolve(schema, root);
  const type = typeOf(s);
  const wrongTypes = fc.constantFrom<unknown>(0, -1, 1e308, -0, 2 ** 53 + 1, 0.5, true, false, null, [], {}, 'x', '', [null], { '': '' });
  const texts = fc.oneof(
    fc.constantFrom(...hostileStrings),
    fc.constantFrom(...nfdVietnamese).map((t) => t.repeat(Math.ceil(((s.maxLength ?? 100) + 1) / t.length))),
    fc.integer({ min: 1, max: 3 }).map((n) => 'x'.repeat([(s.maxLength ?? 100) + 1, 70_000, 900_000][n - 1]!)),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const shapes = fc.oneof(
    fc.constantFrom(nested(20, 'object'), nested(20, 'array'), nested(31, 'object'), nested(40, 'array')),
    fc.integer({ min: 1000, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
    fc.constant(withProtoKey({})),
    fc.constant({ constructor: { prototype: { isAdmin: true } } }),
  );
  const variants: fc.Arbitrary<unknown>[] = [wrongTypes, texts, shapes];
  if (s.enum) {
    const options = s.enum.filter((e): e is string => typeof e === 'string');
    if (options.length) variants.push(fc.constantFrom(...options).chain((o) => fc.constantFrom(o.toUpperCase(), ` ${o}`, `${o}\u0000`, `${o}\u200b`, o.normalize('NFD') + '\u0301', `${o},${o}`)));
  }
  if (type === 'integer' || type === 'number') variants.push(fc.constantFrom<unknown>((s.maximum ?? 0) + 1, (s.minimum ?? 0) - 1, '1', '1e999', 1.5, Number.MAX_SAFE_INTEGER * 10));
  if (type === 'string' && s.format === 'date-time') variants.push(fc.constantFrom('2999-01-01T00:00:00Z', '1900-01-01T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01', '2026-01-01T00:00:00+99:00', '20260101T000000Z'));
  return fc.oneof(...variants);
}

/**
 * An attack on a value of this schema: the whole value hostile, or (for an object or array) a
 * plausible one with one part attacked, a required field missing, an unknown field added.
 */
export function attack(schema: JsonSchema, root: JsonSchema = schema, depth = 0, base?: unknown): fc.Arbitrary<unknown> {
  const s = resolve(schema, root);
  const start = base !== undefined ? fc.constant(base) : plausible(s, root, depth);
  const variants: fc.Arbitrary<unknown>[] = [hostile(s, root), start];
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length && depth < 6) variants.push(fc.oneof(...alternatives.map((a) => attack(a, root, depth + 1))));
  if (typeOf(s) === 'object' && depth < 6) {
    const properties = s.properties ?? {};
    const keys = Object.keys(properties);
    if (keys.length) {
      variants.push(
        fc.tuple(start, fc.constantFrom(...keys)).chain(([value, key]) => {
          const current = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
          return attack(properties[key]!, root, depth + 1, current).map((v) => ({ ...(value as object), [key]: v }));
        }),
      );
    }
    const required = (s.required ?? []).filter((k) => k in properties);
    if (required.length) {
      variants.push(
        fc.tuple(start, fc.constantFrom(...required)).map(([value, key]) => {
          const { [key]: _dropped, ...rest } = value as Record<string, unknown>;
          return rest;
        }),
      );
    }
    variants.push(
      fc.tuple(start, fc.constantFrom('unknownField', 'isAdmin', 'roles', 'tlp', 'id', 'actor', 'province', ...nfdVietnamese), hostile({})).map(([value, key, v]) => ({ ...(value as object), [key]: v })),
      start.map((value) => withProtoKey(value as Record<string, unknown>)),
    );
  }
  if (typeOf(s) === 'array' && depth < 6) {
    variants.push(fc.tuple(start, attack(s.items ?? {}, root, depth + 1)).map(([value, item]) => [...(Array.isArray(value) ? value : []), item]));
  }
  return fc.oneof(...variants);
}

/** encodeURIComponent, but a lone surrogate (which it refuses) becomes the bytes a careless client would send for it. */
export function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

/** Writes a query string from a generated value, as a client might: repeated keys for arrays, brackets for objects. */
export function toQueryString(value: unknown): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value === undefined ? '' : `=${encode(String(value))}`;
  const pairs: string[] = [];
  const add = (key: string, v: unknown, depth: number): void => {
    if (v === undefined) return;
    if (Array.isArray(v)) for (const item of v.slice(0, 50)) add(key, item, depth + 1);
    else if (v && typeof v === 'object' && depth < 5) for (const [k, inner] of Object.entries(v)) add(`${key}[${k}]`, inner, depth + 1);
    else pairs.push(`${encode(key)}=${encode(typeof v === 'object' ? JSON.stringify(v) : String(v))}`);
  };
  for (const [k, v] of Object.entries(value)) add(k, v, 0);
  return pairs.join('&');
}

/** Raw query and path fragments no encoder writes: broken percent-encoding, invalid UTF-8, overlong encodings. */
export const rawUrlJunk = ['%', '%E0%A4%A', '%FF%FE', '%C0%AF', '%00', '%ED%A0%80', '..%2F..%2Fetc%2Fpasswd', '%3Cscript%3E', '%25', '+%2B+'];

/** Invalid UTF-8 in the body: bytes spliced into the JSON text inside a string (where a parser must decode them) or between tokens. */
export function spliceInvalidUtf8(json: string, where: number, bytes: readonly number[]): Buffer {
  const text = Buffer.from(json, 'utf8');
  const quote = text.indexOf(0x22, Math.min(where, Math.max(0, text.length - 1)));
  const at = quote >= 0 ? quote + 1 : Math.min(where, text.length);
  return Buffer.concat([text.subarray(0, at), Buffer.from(bytes), text.subarray(at)]);
}

export const invalidUtf8Sequences: readonly (readonly number[])[] = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0x80]];
