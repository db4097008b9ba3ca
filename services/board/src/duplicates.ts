import { domainsOf, ipsOf, organisationOf, settledStates, systemOf, type IncidentView } from '@ucsc/shared';

/** Why one incident is likely the same attack as another: each reason names what they share. */
export type DuplicateReason =
  | { kind: 'same_organisation_and_system'; organisation: string; system: string }
  | { kind: 'shared_ip'; ips: string[] }
  | { kind: 'shared_domain'; domains: string[] };

export interface DuplicateSuggestion {
  incident: IncidentView;
  reasons: DuplicateReason[];
}

/**
 * The likely duplicates of an incident among others: the same reporting organisation and affected
 * system, or a public IP or domain in common, detected within `windowMs` of it. Ones already
 * merged or rejected, and the incident itself, are left out; the closest in time come first.
 * `others` are the candidates the tracker's index names (shared/src/projections/indexes.ts).
 */
export function likelyDuplicates(of: IncidentView, others: readonly IncidentView[], windowMs: number): DuplicateSuggestion[] {
  const at = Date.parse(of.detectedAt);
  const [org, system, ips, domains] = [organisationOf(of), systemOf(of), ipsOf(of), domainsOf(of)];
  const out: DuplicateSuggestion[] = [];
  for (const other of others) {
    if (other.id === of.id || settledStates.includes(other.state) || Math.abs(Date.parse(other.detectedAt) - at) > windowMs) continue;
    const reasons: DuplicateReason[] = [];
    if (system && organisationOf(other) === org && systemOf(other) === system) {
      reasons.push({ kind: 'same_organisation_and_system', organisation: other.reportingOrganisation.name, system: other.report?.affectedSystem.name ?? other.report!.affectedSystem.operator });
    }
    const sharedIps = [...ipsOf(other)].filter((ip) => ips.has(ip));
    if (sharedIps.length) reasons.push({ kind: 'shared_ip', ips: sharedIps });
    const sharedDomains = [...domainsOf(other)].filter((d) => domains.has(d));
    if (sharedDomains.length) reasons.push({ kind: 'shared_domain', domains: sharedDomains });
    if (reasons.length) out.push({ incident: other, reasons });
  }
  return out.sort((a, b) => Math.abs(Date.parse(a.incident.detectedAt) - at) - Math.abs(Date.parse(b.incident.detectedAt) - at));
}
