import type { DirectoryEntity } from '@ucsc/shared';
import { checkReferences, entryId, entrySchemas, type DirectoryState, type Entry } from './directory';

/**
 * The roster as CSV: one row per entry, one column per field; nested fields as dotted columns
 * (contact.phone), lists joined with ";", empty cells for nothing. Former units are written
 * "code|name|shortName". The JSON form is the entries themselves.
 */
type Kind = 'text' | 'optionalText' | 'nullableText' | 'list' | 'bool' | 'optionalBool' | 'int' | 'optionalInt' | 'coverage' | 'formerUnits';
const columns: Record<DirectoryEntity, [string, Kind][]> = {
  units: [['code', 'text'], ['name', 'text'], ['shortName', 'text'], ['kind', 'text'], ['region', 'text'], ['formerUnits', 'formerUnits']],
  organisations: [
    ['id', 'text'], ['name', 'text'], ['shortName', 'text'], ['type', 'text'], ['membership', 'nullableText'], ['provinceCode', 'nullableText'],
    ['contact.address', 'optionalText'], ['contact.phone', 'text'], ['contact.email', 'text'],
    ['focalPoint.name', 'text'], ['focalPoint.phone', 'text'], ['focalPoint.email', 'text'],
  ],
  liaisons: [
    ['id', 'text'], ['provinceCode', 'text'], ['departmentId', 'text'], ['role', 'text'], ['substituteFor', 'nullableText'], ['onLeave', 'optionalBool'],
    ['name', 'text'], ['title', 'text'], ['phone', 'text'], ['email', 'text'],
  ],
  enterprises: [
    ['id', 'text'], ['name', 'text'], ['shortName', 'text'], ['membership', 'text'], ['kind', 'text'], ['capabilities', 'list'], ['categories', 'list'],
    ['coverage', 'coverage'], ['capacity', 'int'], ['acceptsTlpRed', 'bool'], ['acceptanceWindowMinutes', 'optionalInt'],
    ['contact.address', 'optionalText'], ['contact.phone', 'text'], ['contact.email', 'text'],
    ['focalPoint.name', 'text'], ['focalPoint.phone', 'text'], ['focalPoint.email', 'text'],
  ],
};

export function csvHeader(entity: DirectoryEntity): string[] {
  return columns[entity].map(([name]) => name);
}

function getPath(record: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), record);
}

function setPath(record: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = record;
  for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
  target[keys[keys.length - 1]!] = value;
}

function formatCell(value: unknown, kind: Kind): string {
  if (value === undefined || value === null) return '';
  switch (kind) {
    case 'list':
      return (value as string[]).join(';');
    case 'coverage':
      return value === 'nationwide' ? 'nationwide' : (value as string[]).join(';');
    case 'formerUnits':
      return (value as { code: string; name: string; shortName: string }[]).map((f) => `${f.code}|${f.name}|${f.shortName}`).join(';');
    default:
      return String(value);
  }
}

/** Turns a cell into the value the schema checks; a cell it cannot read is passed on for the schema to reject. */
function parseCell(cell: string, kind: Kind): unknown {
  const value = cell.trim();
  const list = () => value.split(';').map((s) => s.trim()).filter(Boolean);
  switch (kind) {
    case 'text':
      return value;
    case 'optionalText':
      return value === '' ? undefined : value;
    case 'nullableText':
      return value === '' ? null : value;
    case 'list':
      return list();
    case 'coverage':
      return value === 'nationwide' ? 'nationwide' : list();
    case 'bool':
    case 'optionalBool':
      if (value === '' && kind === 'optionalBool') return undefined;
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'int':
    case 'optionalInt':
      if (value === '' && kind === 'optionalInt') return undefined;
      return /^-?\d+$/.test(value) ? Number(value) : value;
    case 'formerUnits':
      return list().map((entry) => {
        const [code, name, shortName] = entry.split('|').map((s) => s.trim());
        return { code, name, shortName };
      });
  }
}

export function toCsv(entity: DirectoryEntity, entries: readonly unknown[]): string {
  const lines = [csvHeader(entity).map(quote).join(',')];
  for (const entry of entries) lines.push(columns[entity].map(([path, kind]) => quote(formatCell(getPath(entry, path), kind))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) || /^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** RFC 4180: quoted cells may hold commas, quotes ("") and line breaks; a BOM is ignored. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else quoted = false;
      } else {
        if (c === '\n') line += 1;
        cell += c;
      }
    } else if (c === '"') {
      if (cell !== '') throw new CsvError(`line ${line}: a quote in the middle of an unquoted cell`, line);
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      line += 1;
    } else cell += c;
  }
  if (quoted) throw new CsvError(`line ${line}: a quoted cell is never closed`, line);
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
}

export interface RowProblem {
  /** 1-based number of the entry in the file (the CSV header is not a row) */
  row: number;
  field: string;
  rule: string;
  message: string;
}

export type ImportResult<E extends DirectoryEntity> = { ok: true; entries: Entry<E>[] } | { ok: false; problems: RowProblem[] };

/** Reads a CSV roster into raw entries (not yet checked), or says which header is wrong. */
export function csvToRecords(entity: DirectoryEntity, text: string): { ok: true; records: unknown[] } | { ok: false; problems: RowProblem[] } {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (error) {
    return { ok: false, problems: [{ row: 0, field: '(file)', rule: 'csv_syntax', message: (error as Error).message }] };
  }
  const [header, ...data] = rows;
  const expected = csvHeader(entity);
  const given = (header ?? []).map((h) => h.trim());
  // a column of an optional field may be left out of the file altogether
  const optional = new Set(columns[entity].filter(([, kind]) => kind.startsWith('optional')).map(([name]) => name));
  const missing = expected.filter((h) => !given.includes(h) && !optional.has(h));
  const unknown = given.filter((h) => !expected.includes(h));
  if (!header || missing.length || unknown.length) {
    const message = [missing.length ? `missing ${missing.join(', ')}` : '', unknown.length ? `unknown ${unknown.join(', ')}` : ''].filter(Boolean).join('; ');
    return { ok: false, problems: [{ row: 0, field: '(header)', rule: 'csv_header', message: `header must be ${expected.join(',')}: ${message || 'empty file'}` }] };
  }
  const kinds = new Map(columns[entity]);
  const records = data.map((cells) => {
    const record: Record<string, unknown> = {};
    given.forEach((name, i) => {
      const value = parseCell(cells[i] ?? '', kinds.get(name)!);
      if (value !== undefined) setPath(record, name, value);
    });
    return record;
  });
  return { ok: true, records };
}

/**
 * Checks a whole roster before anything is stored: every row against the schema, against the
 * directory as it would be with all the rows in, and for ids given twice. All rows or none.
 */
export function validateRoster<E extends DirectoryEntity>(entity: E, records: readonly unknown[], directory: DirectoryState): ImportResult<E> {
  const problems: RowProblem[] = [];
  const entries: Entry<E>[] = [];
  const seen = new Map<string, number>();
  const schema = entrySchemas[entity];
  records.forEach((record, index) => {
    const parsed = schema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ row: index + 1, field: issue.path.join('.') || '(row)', rule: issue.code, message: issue.message });
      }
      return;
    }
    const entry = parsed.data as Entry<E>;
    const id = entryId(entity, entry);
    const first = seen.get(id);
    if (first !== undefined) problems.push({ row: index + 1, field: entity === 'units' ? 'code' : 'id', rule: 'unique', message: `${id} is also on row ${first}` });
    else seen.set(id, index + 1);
    entries.push(entry);
  });
  if (records.length === 0) problems.push({ row: 0, field: '(file)', rule: 'not_empty', message: 'the roster has no rows' });
  if (problems.length) return { ok: false, problems };
  // references are checked against the directory as it will be, so rows may point at each other
  const after: DirectoryState = { ...directory, [entity]: new Map(directory[entity] as Map<string, unknown>) } as DirectoryState;
  const target = after[entity] as Map<string, unknown>;
  for (const entry of entries) target.set(entryId(entity, entry), entry);
  entries.forEach((entry, index) => {
    for (const p of checkReferences(entity, entry, after)) problems.push({ row: index + 1, ...p });
  });
  return problems.length ? { ok: false, problems } : { ok: true, entries };
}

