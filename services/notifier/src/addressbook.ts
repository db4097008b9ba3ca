import { loadDirectoryFiles, type DirectoryData } from '@ucsc/shared';
import type { Addressbook, Person } from './domain/notifications';

/**
 * The people of the directory the notifier can address: liaisons by their own email, enterprises
 * and organisations by their 24/7 focal point (Decision 05/2017), each province's hub by province.
 */
export function addressbookOf(directory: DirectoryData = loadDirectoryFiles()): Addressbook {
  const people = new Map<string, Person>();
  const hubs = new Map<string, Person>();
  for (const l of directory.liaisons) people.set(l.id, { id: l.id, name: l.name, email: l.email, organisationId: l.departmentId, provinceCode: l.provinceCode, role: l.role });
  for (const e of directory.enterprises) people.set(e.id, { id: e.id, name: e.name, email: e.focalPoint.email, organisationId: e.id });
  for (const o of directory.organisations) {
    const person: Person = { id: o.id, name: o.name, email: o.focalPoint.email, organisationId: o.id, ...(o.provinceCode ? { provinceCode: o.provinceCode } : {}) };
    people.set(o.id, person);
    if (o.type === 'province_hub' && o.provinceCode) hubs.set(o.provinceCode, person);
  }
  return { person: (id) => people.get(id), hubOf: (code) => hubs.get(code) };
}
