import type { FollowedDirectory } from '@ucsc/shared';
import type { Addressbook, Person } from './domain/notifications';

/**
 * The people of the directory the notifier can address, as the directory topic has them now (a
 * FollowedDirectory, so a changed email or a new liaison counts from the next event): liaisons by
 * their own email, enterprises and organisations by their 24/7 focal point (Decision 05/2017),
 * each province's hub by province, the ministry's leadership by its standing body and national
 * coordinator.
 */
export function addressbookOf(directory: FollowedDirectory): Addressbook {
  const { liaisons, enterprises, organisations } = directory.state;
  let hubs = new Map<string, Person>();
  let hubsAt = -1;
  const organisation = (id: string): Person | undefined => {
    const o = organisations.get(id);
    return o && { id: o.id, name: o.name, email: o.focalPoint.email, organisationId: o.id, ...(o.provinceCode ? { provinceCode: o.provinceCode } : {}) };
  };
  return {
    person(id) {
      const l = liaisons.get(id);
      if (l) return { id: l.id, name: l.name, email: l.email, organisationId: l.departmentId, provinceCode: l.provinceCode, role: l.role };
      const e = enterprises.get(id);
      if (e) return { id: e.id, name: e.name, email: e.focalPoint.email, organisationId: e.id };
      return organisation(id);
    },
    ministry() {
      return [...organisations.values()].filter((o) => o.type === 'standing_body' || o.type === 'national_coordinator').map((o) => organisation(o.id)!);
    },
    hubOf(code) {
      if (hubsAt !== directory.changes) {
        hubs = new Map();
        for (const o of organisations.values()) if (o.type === 'province_hub' && o.provinceCode) hubs.set(o.provinceCode, organisation(o.id)!);
        hubsAt = directory.changes;
      }
      return hubs.get(code);
    },
  };
}
