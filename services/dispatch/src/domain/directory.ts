import { type DirectoryEntity, type Enterprise, type Entry, type Liaison, type DirectoryState, type Organisation } from '@ucsc/shared';

export { applyDirectoryEvent, directoryData, emptyDirectory, entryId, entrySchemas, type DirectoryEvent, type DirectoryState, type Entry } from '@ucsc/shared';

export interface EntryProblem {
  field: string;
  rule: string;
  message: string;
}

/**
 * What a valid entry must agree with in the rest of the directory: provinces that exist, a
 * department that is one, a substitute for a liaison of the same province and department.
 */
export function checkReferences<E extends DirectoryEntity>(entity: E, entry: Entry<E>, directory: DirectoryState): EntryProblem[] {
  const problems: EntryProblem[] = [];
  const unitExists = (code: string, field: string) => {
    if (!directory.units.has(code)) problems.push({ field, rule: 'known_unit', message: `no province or city with code ${code}` });
  };
  if (entity === 'organisations') {
    const org = entry as Organisation;
    if (org.provinceCode) unitExists(org.provinceCode, 'provinceCode');
    if (org.type === 'province_hub' && !org.provinceCode) {
      problems.push({ field: 'provinceCode', rule: 'hub_has_province', message: 'a province hub must name its province' });
    }
  } else if (entity === 'liaisons') {
    const liaison = entry as Liaison;
    unitExists(liaison.provinceCode, 'provinceCode');
    const department = directory.organisations.get(liaison.departmentId);
    if (department?.type !== 'ministry_department') {
      problems.push({ field: 'departmentId', rule: 'known_department', message: `${liaison.departmentId} is not a ministry department in the directory` });
    }
    if (liaison.substituteFor) {
      const primary = directory.liaisons.get(liaison.substituteFor);
      if (!primary) problems.push({ field: 'substituteFor', rule: 'known_liaison', message: `no liaison ${liaison.substituteFor}` });
      else if (primary.provinceCode !== liaison.provinceCode || primary.departmentId !== liaison.departmentId) {
        problems.push({ field: 'substituteFor', rule: 'same_post', message: 'a substitute stands in for a liaison of the same province and department' });
      } else if (primary.id === liaison.id) {
        problems.push({ field: 'substituteFor', rule: 'not_self', message: 'a liaison cannot substitute for itself' });
      }
    }
  } else if (entity === 'enterprises') {
    const enterprise = entry as Enterprise;
    if (enterprise.coverage !== 'nationwide') enterprise.coverage.forEach((code, i) => unitExists(code, `coverage.${i}`));
  }
  return problems;
}

/** Why an entry may not be removed: something else in the directory still points at it. */
export function checkRemoval(entity: DirectoryEntity, id: string, directory: DirectoryState): string | undefined {
  if (entity === 'units') return 'units are set by law (Resolution 202/2025/QH15); change them, never remove them';
  if (entity === 'organisations') {
    const user = [...directory.liaisons.values()].find((l) => l.departmentId === id);
    if (user) return `liaison ${user.id} belongs to this department`;
  }
  if (entity === 'liaisons') {
    const substitute = [...directory.liaisons.values()].find((l) => l.substituteFor === id);
    if (substitute) return `liaison ${substitute.id} is its substitute`;
  }
  return undefined;
}
