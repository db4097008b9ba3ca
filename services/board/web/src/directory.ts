// The directory as the page reads it: the 34 units and the enterprises (shared/data/directory).
import units from '../../../../shared/data/directory/units.json';
import enterpriseData from '../../../../shared/data/directory/enterprises.json';

export const unitList = (units as { units: { code: string; shortName: string; name: string }[] }).units;
export const enterprises = (enterpriseData as { enterprises: { id: string; name: string }[] }).enterprises;
export const unitName = (code: string) => unitList.find((u) => u.code === code)?.shortName ?? code;

/** An enterprise of the directory as an assignee (as dispatch names one). */
export function enterpriseAssignee(id: string) {
  const e = enterprises.find((x) => x.id === id);
  return { kind: 'enterprise', id, name: e?.name ?? id, organisationId: id, organisationName: e?.name ?? id, role: 'responder' };
}

