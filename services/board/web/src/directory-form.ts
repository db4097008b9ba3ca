import {
  entrySchemas,
  fieldProblems,
  incidentCategories,
  organisationTypes,
  type DirectoryEntity,
  type DirectoryField,
  type DirectoryValue,
  type Language,
} from './catalogue';
import { problemsByField } from './report-form';

/**
 * One field of a directory entry's form: where it is in the entry (a dotted path), which of the
 * catalogue's labels names it, and how it is entered. The choices of an enum are the schema's own.
 */
export type FormField = { path: string; label: DirectoryField } & (
  | { input: 'text' | 'email' | 'tel'; optional?: true; nullable?: true }
  | { input: 'number'; optional?: true }
  /** one of the schema's values (nullable: or none) */
  | { input: 'select'; options: readonly DirectoryValue[]; nullable?: true }
  /** another entry of the directory, by its id (the province, the department, the liaison stood in for) */
  | { input: 'reference'; entity: DirectoryEntity; nullable?: true }
  | { input: 'checkbox'; optional?: true }
  /** several of the incident categories */
  | { input: 'categories' }
  /** 'nationwide', or a list of provinces */
  | { input: 'coverage' }
  /** a list of words, one a line */
  | { input: 'lines' }
  /** a list of records, each of the given text fields */
  | { input: 'rows'; fields: readonly { key: string; label: DirectoryField }[] }
);

const { units, liaisons, enterprises } = entrySchemas;
const membership = enterprises.shape.membership.options;
const contact = (path: 'contact' | 'focalPoint'): FormField[] => [
  ...(path === 'contact' ? [{ path: 'contact.address', label: 'address', input: 'text', optional: true } as const] : [{ path: 'focalPoint.name', label: 'name', input: 'text' } as const]),
  { path: `${path}.phone`, label: 'phone', input: 'tel' },
  { path: `${path}.email`, label: 'email', input: 'email' },
];

/** The form of each kind of entry, field by field, in the order of the contract. */
export const formFields: Record<DirectoryEntity, readonly FormField[]> = {
  units: [
    { path: 'code', label: 'code', input: 'text' },
    { path: 'name', label: 'name', input: 'text' },
    { path: 'shortName', label: 'shortName', input: 'text' },
    { path: 'kind', label: 'unitKind', input: 'select', options: units.shape.kind.options },
    { path: 'region', label: 'region', input: 'select', options: units.shape.region.options },
    { path: 'formerUnits', label: 'formerUnits', input: 'rows', fields: [{ key: 'code', label: 'formerCode' }, { key: 'name', label: 'name' }, { key: 'shortName', label: 'shortName' }] },
  ],
  organisations: [
    { path: 'id', label: 'id', input: 'text' },
    { path: 'name', label: 'name', input: 'text' },
    { path: 'shortName', label: 'shortName', input: 'text' },
    { path: 'type', label: 'organisationType', input: 'select', options: organisationTypes },
    { path: 'membership', label: 'membership', input: 'select', options: membership, nullable: true },
    { path: 'provinceCode', label: 'provinceCode', input: 'reference', entity: 'units', nullable: true },
    ...contact('contact'),
    ...contact('focalPoint'),
  ],
  liaisons: [
    { path: 'id', label: 'id', input: 'text' },
    { path: 'provinceCode', label: 'provinceCode', input: 'reference', entity: 'units' },
    { path: 'departmentId', label: 'departmentId', input: 'reference', entity: 'organisations' },
    { path: 'role', label: 'liaisonRole', input: 'select', options: liaisons.shape.role.options },
    { path: 'substituteFor', label: 'substituteFor', input: 'reference', entity: 'liaisons', nullable: true },
    { path: 'onLeave', label: 'onLeave', input: 'checkbox', optional: true },
    { path: 'name', label: 'name', input: 'text' },
    { path: 'title', label: 'title', input: 'text' },
    { path: 'phone', label: 'phone', input: 'tel' },
    { path: 'email', label: 'email', input: 'email' },
  ],
  enterprises: [
    { path: 'id', label: 'id', input: 'text' },
    { path: 'name', label: 'name', input: 'text' },
    { path: 'shortName', label: 'shortName', input: 'text' },
    { path: 'membership', label: 'membership', input: 'select', options: membership },
    { path: 'kind', label: 'enterpriseKind', input: 'text' },
    { path: 'capabilities', label: 'capabilities', input: 'lines' },
    { path: 'categories', label: 'categories', input: 'categories' },
    { path: 'coverage', label: 'coverage', input: 'coverage' },
    { path: 'capacity', label: 'capacity', input: 'number' },
    { path: 'acceptsTlpRed', label: 'acceptsTlpRed', input: 'checkbox' },
    { path: 'acceptanceWindowMinutes', label: 'acceptanceWindowMinutes', input: 'number', optional: true },
    ...contact('contact'),
    ...contact('focalPoint'),
  ],
};

/** What the form holds for a field: text, a tick, ticked values, or rows of text. */
export type FormValue = string | boolean | string[] | Record<string, string>[];
export type FormValues = Record<string, FormValue>;

export const categoryCodes = Object.keys(incidentCategories) as (keyof typeof incidentCategories)[];

const read = (entry: unknown, path: string): unknown => path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], entry);
function write(entry: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let at = entry;
  for (const key of keys) at = (at[key] ??= {}) as Record<string, unknown>;
  at[last] = value;
}

/** An entry (or none: a new one) as its form shows it. */
export function toForm(entity: DirectoryEntity, entry?: unknown): FormValues {
  return Object.fromEntries(
    formFields[entity].map((field): [string, FormValue] => {
      const value = read(entry, field.path);
      switch (field.input) {
        case 'checkbox':
          return [field.path, value === true];
        case 'categories':
          return [field.path, Array.isArray(value) ? value.map(String) : []];
        case 'coverage':
          return [field.path, value === 'nationwide' ? ['nationwide'] : Array.isArray(value) ? value.map(String) : []];
        case 'lines':
          return [field.path, Array.isArray(value) ? value.join('\n') : ''];
        case 'rows':
          return [field.path, Array.isArray(value) ? value.map((row) => Object.fromEntries(field.fields.map(({ key }) => [key, String((row as Record<string, unknown>)[key] ?? '')]))) : []];
        default:
          return [field.path, value === undefined || value === null ? '' : String(value)];
      }
    }),
  );
}

/** The entry a form makes, as dispatch's API takes it (checked by validateEntry before it is sent). */
export function fromForm(entity: DirectoryEntity, values: FormValues): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const field of formFields[entity]) {
    const value = values[field.path];
    const text = typeof value === 'string' ? value.trim() : '';
    switch (field.input) {
      case 'checkbox':
        if (value === true || !field.optional) write(entry, field.path, value === true);
        break;
      case 'categories':
        write(entry, field.path, Array.isArray(value) ? value : []);
        break;
      case 'coverage': {
        const codes = (Array.isArray(value) ? value : []) as string[];
        write(entry, field.path, codes.includes('nationwide') ? 'nationwide' : codes);
        break;
      }
      case 'lines':
        write(entry, field.path, String(value ?? '').split('\n').map((s) => s.trim()).filter(Boolean));
        break;
      case 'rows':
        write(entry, field.path, (Array.isArray(value) ? value : []) as Record<string, string>[]);
        break;
      case 'number':
        if (text || !field.optional) write(entry, field.path, text ? Number(text) : undefined);
        break;
      default:
        if (text) write(entry, field.path, text);
        else if ('nullable' in field && field.nullable) write(entry, field.path, null);
        else if (!('optional' in field && field.optional)) write(entry, field.path, '');
    }
  }
  return entry;
}

/** The entry's problems as the contract finds them (the schema dispatch checks with), by field path, in the page's language. */
export function validateEntry(entity: DirectoryEntity, entry: unknown, lang: Language): Record<string, string> {
  const parsed = entrySchemas[entity].safeParse(entry);
  return parsed.success ? {} : problemsByField(fieldProblems(parsed.error, 'body'), lang);
}

/** The field a problem's path belongs to: `coverage.2` and `formerUnits.0.code` are shown under their list. */
export function problemOf(errors: Record<string, string>, path: string): string | undefined {
  return errors[path] ?? Object.entries(errors).find(([key]) => key.startsWith(`${path}.`))?.[1];
}
