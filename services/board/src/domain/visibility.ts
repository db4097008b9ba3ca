import type { Actor, IncidentView } from '@ucsc/shared';

/**
 * Whether someone may see an incident. The seam the identity and access issue fills in with
 * scopes and TLP rules; every read, list and feed message of the board goes through it.
 */
export function canSee(_actor: Actor, _incident: IncidentView): boolean {
  return true;
}
