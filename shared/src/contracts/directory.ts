import { z } from 'zod';
import { incidentCategorySchema } from './classification';

/**
 * The directory of the network, as records. These are what the admin API accepts, what the roster
 * import checks row by row, and what the directory events carry: the directory is data, never code.
 */
const line = (max = 300) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const unitCode = z.string().regex(/^\d{2}$/, 'two-digit unit code');
const email = z.email('must be an email address');
const phone = z.string().trim().regex(/^\+?[0-9][0-9 .()-]{5,24}$/, 'must be a phone number');

const contactSchema = z.object({ address: line(500).optional(), phone, email });
const personSchema = z.object({ name: line(), phone, email });

export const unitSchema = z.object({
  code: unitCode,
  name: line(),
  shortName: line(),
  kind: z.enum(['city', 'province']),
  region: z.enum(['north', 'central', 'south']),
  formerUnits: z.array(z.object({ code: unitCode, name: line(), shortName: line() })).min(1, 'at least the unit itself'),
});
export type Unit = z.infer<typeof unitSchema>;

export const organisationTypes = ['standing_body', 'national_coordinator', 'ministry_department', 'province_hub', 'enterprise', 'agency'] as const;
export const organisationSchema = z.object({
  id: line(100),
  name: line(),
  shortName: line(),
  type: z.enum(organisationTypes),
  membership: z.enum(['mandatory', 'voluntary']).nullable(),
  provinceCode: unitCode.nullable(),
  contact: contactSchema,
  /** the 24/7 focal point every member keeps (Decision 05/2017) */
  focalPoint: personSchema,
});
export type Organisation = z.infer<typeof organisationSchema>;

export const liaisonSchema = z.object({
  id: line(100),
  provinceCode: unitCode,
  departmentId: line(100),
  role: z.enum(['leader', 'officer']),
  /** the liaison this one stands in for while that one is on leave */
  substituteFor: line(100).nullable(),
  /** on leave: routing sends the liaison's substitute instead */
  onLeave: z.boolean().optional(),
  name: line(),
  title: line(),
  phone,
  email,
});
export type Liaison = z.infer<typeof liaisonSchema>;

export const enterpriseSchema = z.object({
  id: line(100),
  name: line(),
  shortName: line(),
  membership: z.enum(['mandatory', 'voluntary']),
  kind: line(50),
  capabilities: z.array(line(50)),
  /** the incident categories it handles: what routing matches on */
  categories: z.array(incidentCategorySchema).min(1, 'at least one category'),
  coverage: z.union([z.literal('nationwide'), z.array(unitCode).min(1, 'at least one province, or "nationwide"')]),
  /** how many open assignments it takes at once */
  capacity: z.number().int().positive(),
  acceptsTlpRed: z.boolean(),
  /** how long it has to accept an offer; without it, dispatch's policy (ACCEPTANCE_WINDOW_SECONDS) */
  acceptanceWindowMinutes: z.number().int().positive().max(7 * 24 * 60).optional(),
  contact: contactSchema,
  focalPoint: personSchema,
});
export type Enterprise = z.infer<typeof enterpriseSchema>;

const change = {
  /** several events of one import or seed share it, so the audit shows them as one change */
  changeSetId: z.string().min(1).optional(),
  /** how many events the change set has: a reader applies a change set whole before acting on it */
  changeSetSize: z.number().int().positive().optional(),
  reason: z.string().max(2000).optional(),
};

export const directoryUnitPutSchema = z.object({ unit: unitSchema, ...change });
export const directoryOrganisationPutSchema = z.object({ organisation: organisationSchema, ...change });
export const directoryLiaisonPutSchema = z.object({ liaison: liaisonSchema, ...change });
export const directoryEnterprisePutSchema = z.object({ enterprise: enterpriseSchema, ...change });
export const directoryEntryRemovedSchema = z.object({ id: z.string().min(1), ...change });

/** The four kinds of directory entry, as the admin API, the import and the export name them. */
export const directoryEntities = ['units', 'organisations', 'liaisons', 'enterprises'] as const;
export type DirectoryEntity = (typeof directoryEntities)[number];

/** Each kind's entry schema: what dispatch's API, the roster import and the admin page's form check. */
export const entrySchemas = {
  units: unitSchema,
  organisations: organisationSchema,
  liaisons: liaisonSchema,
  enterprises: enterpriseSchema,
} as const satisfies Record<DirectoryEntity, z.ZodType>;

export type Entry<E extends DirectoryEntity> = z.infer<(typeof entrySchemas)[E]>;

/** A unit is named by its code, every other entry by its id. */
export function entryId<E extends DirectoryEntity>(entity: E, entry: Entry<E>): string {
  return entity === 'units' ? (entry as Unit).code : (entry as { id: string }).id;
}
