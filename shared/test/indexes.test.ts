import { indexChanges, indexKeys, type IncidentView } from '@ucsc/shared';
import { testIncident } from '../../test/support/incidents';

// What the projection writes to the indexes beside a view (shared/src/projections/indexes.ts).
describe('the indexes’ changes for one view', () => {
  const keys = indexKeys('p:');
  const report = { technicalDetail: { publicIpAddresses: ['192.0.2.1'], domainNames: ['Vi-Du.gov.vn.'] } } as unknown as IncidentView['report'];
  const reported = testIncident({ report });
  const at = Date.parse(reported.detectedAt);

  it('a new incident enters the set of each trait, the detection order and the figures', () => {
    const ops = indexChanges('p:', undefined, reported);
    expect(ops.filter((o) => o[0] === 'z+').map((o) => o[1]).sort()).toEqual([keys.byDetected, keys.duplicates('domain:vi-du.gov.vn'), keys.duplicates('ip:192.0.2.1')].sort());
    expect(ops.find((o) => o[0] === 'h+')).toEqual(['h+', keys.figures, reported.id, expect.stringContaining('"category":"malware"')]);
    expect(ops.every((o) => o[0] !== 'z+' || o[3] === at)).toBe(true);
  });

  it('an event that changes neither its traits nor its figures writes nothing', () => {
    const commented = { ...reported, version: 4, timeline: [...reported.timeline], updatedAt: '2026-11-20T05:00:00.000Z' };
    expect(indexChanges('p:', reported, commented)).toEqual([]);
  });

  it('merged away, it leaves every set; back again, it returns; its figures follow its state', () => {
    const merged = { ...reported, state: 'merged' as const };
    const left = indexChanges('p:', reported, merged);
    expect(left.filter((o) => o[0] === 'z-').map((o) => o[1]).sort()).toEqual([keys.duplicates('domain:vi-du.gov.vn'), keys.duplicates('ip:192.0.2.1')].sort());
    expect(left.find((o) => o[0] === 'h+')?.[3]).toContain('"state":"merged"');
    const back = indexChanges('p:', merged, { ...merged, state: 'routed' });
    expect(back.filter((o) => o[0] === 'z+').map((o) => o[1]).sort()).toEqual([keys.duplicates('domain:vi-du.gov.vn'), keys.duplicates('ip:192.0.2.1')].sort());
  });

  it('a triage that changes the category changes the figures only', () => {
    const triaged = { ...reported, classification: { ...reported.classification!, category: 'phishing' as const } };
    expect(indexChanges('p:', reported, triaged)).toEqual([['h+', keys.figures, reported.id, expect.stringContaining('"category":"phishing"')]]);
  });
});
