import { indexDirectory, routeReport } from '@ucsc/dispatch';
import { demo, reportIn as report } from './support';

const directory = indexDirectory(demo);

describe('routing a new report', () => {
  it.each(demo.units.map((u) => [u.shortName, u.code]))('%s goes to its hub and its four ministry liaisons', (name, code) => {
    const decision = routeReport(directory, report(name));
    expect(decision.assignees[0]).toMatchObject({ kind: 'province_hub', id: `org-hub-${code}`, role: 'hub' });
    const liaisons = decision.assignees.filter((a) => a.kind === 'liaison');
    expect(liaisons.map((l) => `${l.organisationId}/${l.role}`)).toEqual([
      'org-dept-digital/leader',
      'org-dept-digital/officer',
      'org-dept-security/leader',
      'org-dept-security/officer',
    ]);
    expect(liaisons.every((l) => l.id.startsWith(`lia-${code}-`) && !l.id.endsWith('-sub'))).toBe(true);
    expect(decision.reasons.length).toBeGreaterThan(0);
  });

  it('a report filed under a former province goes to the liaisons of the unit it became', () => {
    const decision = routeReport(directory, report('Hà Giang'));
    expect(decision.assignees.filter((a) => a.kind === 'liaison').every((a) => a.id.startsWith('lia-08-'))).toBe(true);
  });

  it('when nobody is registered for the province, the national coordinator is told', () => {
    const empty = indexDirectory({ ...demo, liaisons: [], organisations: demo.organisations.filter((o) => o.type !== 'province_hub') });
    const decision = routeReport(empty, report('Hà Nội'));
    expect(decision.assignees).toEqual([expect.objectContaining({ kind: 'national_coordinator', id: 'org-national-coordinator' })]);
    expect(decision.reasons.join(' ')).toMatch(/national coordinator/);
  });
});
