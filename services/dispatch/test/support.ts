import { ulid } from 'ulid';
import { loadDirectoryFiles, ProvinceResolver, type ClassificationFacts, type Enterprise, type Payload, type Tlp } from '@ucsc/shared';
import type { RoutingPolicy } from '@ucsc/dispatch';
import { testReport } from '../../../test/support/incidents';

/** The demo directory, as dispatch's tests route over it. */
export const demo = loadDirectoryFiles();
const provinces = new ProvinceResolver(demo.units);

export const testPolicy: RoutingPolicy = { enterprisesPerIncident: 1, enterprisesPerSevereIncident: 2, acceptanceWindowMs: 60_000 };

/** A member enterprise for malware in Hà Nội, with room for five, unless `overrides` says otherwise. */
export function testEnterprise(id: string, overrides: Partial<Enterprise> = {}): Enterprise {
  return {
    id,
    name: `Công ty ${id}`,
    shortName: id,
    membership: 'voluntary',
    kind: 'security_firm',
    capabilities: ['malware_analysis'],
    categories: ['malware'],
    coverage: ['01'],
    capacity: 5,
    acceptsTlpRed: false,
    contact: { phone: '024 1234 5678', email: `${id}@example.vn` },
    focalPoint: { name: 'Người trực', phone: '0912 345 678', email: `trucban@${id}.example.vn` },
    ...overrides,
  };
}

/** A new report filed in `province` (a name or a code, as a submitter writes it), with these facts. */
export function reportIn(province: string, facts: ClassificationFacts = {}, tlp: Tlp = 'AMBER'): Payload<'incident.reported'> {
  const ref = provinces.resolve(province);
  if (!ref) throw new Error(`unknown ${province}`);
  return testReport(ulid(), { province: ref, title: 't', description: 'd', tlp, ...facts });
}
