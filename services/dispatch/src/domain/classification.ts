import {
  incidentCategories,
  severeImpacts,
  type Classification,
  type ClassificationFacts,
  type IncidentCategory,
  type Priority,
  type Tlp,
  stricterTlp,
} from '@ucsc/shared';

/** Categories that destroy or lock data: urgent at any protection level. */
const destructiveCategories: ReadonlySet<IncidentCategory> = new Set(['ransomware', 'data_destruction', 'combined']);
/** Categories that usually mean an attacker is inside or code is running: ahead of the rest. */
const activeCategories: ReadonlySet<IncidentCategory> = new Set(['malware', 'intrusion', 'data_theft', 'dos']);

/**
 * Classifies an incident from what the report says, recording the rule behind each part.
 *
 * Severity follows Decision 05/2017 art. 9: severe only when all three hold — the system is at
 * protection level 4–5 or on the critical list; it suffers one of the five named impacts; and the
 * owner cannot handle it alone. A fact the report does not give cannot make it severe.
 *
 * Priority orders the work: P1 severe, or spreading on a level 4–5 / critical system; P2
 * spreading, level 4–5 / critical, or a destructive category; P3 level 3 or an active category;
 * P4 the rest.
 */
export function classify(report: ClassificationFacts & { tlp: Tlp }, currentTlp?: Tlp): Classification {
  const reasons: string[] = [];
  const level = report.protectionLevel;
  const highSystem = (level !== undefined && level >= 4) || report.onCriticalList === true;
  const impacts = report.impacts ?? [];
  const cannotHandleAlone = report.ownerCanHandleAlone === false;

  const systemWhy =
    level !== undefined && level >= 4
      ? `system at protection level ${level}`
      : report.onCriticalList
        ? 'system on the national critical list'
        : level !== undefined
          ? `system at protection level ${level}, not on the critical list`
          : 'protection level and critical-list status not given';
  const impactWhy = impacts.length ? `impact: ${impacts.map((i) => severeImpacts[i]).join(', ')}` : 'none of the five named impacts reported';
  const ownerWhy =
    report.ownerCanHandleAlone === undefined
      ? 'whether the owner can handle it alone not given'
      : cannotHandleAlone
        ? 'owner cannot handle it alone'
        : 'owner can handle it alone';
  const severe = highSystem && impacts.length > 0 && cannotHandleAlone;
  reasons.push(
    severe
      ? `severe (Decision 05/2017 art. 9: all three conditions hold): ${systemWhy}; ${impactWhy}; ${ownerWhy}`
      : `normal (Decision 05/2017 art. 9 needs all three conditions for severe): ${[
          highSystem ? undefined : systemWhy,
          impacts.length ? undefined : impactWhy,
          cannotHandleAlone ? undefined : ownerWhy,
        ]
          .filter(Boolean)
          .join('; ')}`,
  );

  const category: IncidentCategory = report.category ?? 'other';
  const rsitClass = incidentCategories[category].rsit;
  reasons.push(
    report.category
      ? `category ${incidentCategories[category].label} → ENISA RSIT ${rsitClass}`
      : `category not given: treated as ${incidentCategories.other.label} → ENISA RSIT ${rsitClass}`,
  );

  const spreading = report.spreading === true || impacts.includes('spread');
  const [priority, priorityWhy] = prioritise(severe, highSystem, spreading, level, category);
  reasons.push(`priority ${priority}: ${priorityWhy}`);

  const tlp = currentTlp ? stricterTlp(currentTlp, report.tlp) : report.tlp;
  reasons.push(
    currentTlp && tlp !== report.tlp
      ? `TLP:${tlp} kept: the report asks for TLP:${report.tlp}, and the system never lowers a marking`
      : `TLP:${tlp} as marked by the reporter (the system never lowers it)`,
  );
  return { severity: severe ? 'severe' : 'normal', priority, category, rsitClass, tlp, reasons };
}

function prioritise(
  severe: boolean,
  highSystem: boolean,
  spreading: boolean,
  level: number | undefined,
  category: IncidentCategory,
): [Priority, string] {
  if (severe) return ['P1', 'severe incident'];
  if (spreading && highSystem) return ['P1', 'spreading on a level 4–5 or critical system'];
  if (spreading) return ['P2', 'spreading to other systems'];
  if (highSystem) return ['P2', 'level 4–5 or critical system'];
  if (destructiveCategories.has(category)) return ['P2', `${incidentCategories[category].label} destroys or locks data`];
  if (level === 3) return ['P3', 'system at protection level 3'];
  if (activeCategories.has(category)) return ['P3', `${incidentCategories[category].label} means an active attacker or running code`];
  return ['P4', 'normal incident on a lower-level system, not spreading'];
}
