import type { Actor } from '../contracts/common';
import type { IncidentView } from '../projections/incidents';

/**
 * Whether someone may see an incident: the one place every read, list, export and feed message
 * asks. The seam the identity and access issue fills in with scopes and TLP rules.
 */
export function canSee(_actor: Actor, _incident: IncidentView): boolean {
  return true;
}
