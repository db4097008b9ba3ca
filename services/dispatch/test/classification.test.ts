import { incidentCategories, severeImpacts, stricterTlp, tlpLevels, type ClassificationFacts, type IncidentCategory, type Tlp } from '@ucsc/shared';
import { classify } from '@ucsc/dispatch';

const report = (facts: ClassificationFacts, tlp: Tlp = 'AMBER') => ({ ...facts, tlp });
const severeFacts: ClassificationFacts = { protectionLevel: 4, impacts: ['service_interruption'], ownerCanHandleAlone: false };

describe('severity (Decision 05/2017 art. 9: severe only when all three conditions hold)', () => {
  it.each<[string, ClassificationFacts, 'severe' | 'normal']>([
    ['level 4, a named impact, owner cannot cope', severeFacts, 'severe'],
    ['level 5, a named impact, owner cannot cope', { ...severeFacts, protectionLevel: 5 }, 'severe'],
    ['critical list at level 2, a named impact, owner cannot cope', { ...severeFacts, protectionLevel: 2, onCriticalList: true }, 'severe'],
    ['critical list, level unknown', { impacts: ['loss_of_control'], ownerCanHandleAlone: false, onCriticalList: true }, 'severe'],
    ['level 3 only (not high enough)', { ...severeFacts, protectionLevel: 3 }, 'normal'],
    ['level 1, not critical', { ...severeFacts, protectionLevel: 1, onCriticalList: false }, 'normal'],
    ['level unknown and not on the critical list', { impacts: ['spread'], ownerCanHandleAlone: false }, 'normal'],
    ['no named impact', { ...severeFacts, impacts: [] }, 'normal'],
    ['impacts not given', { protectionLevel: 5, ownerCanHandleAlone: false }, 'normal'],
    ['owner can handle it alone', { ...severeFacts, ownerCanHandleAlone: true }, 'normal'],
    ['owner capacity not given', { protectionLevel: 5, impacts: ['integrity_loss'] }, 'normal'],
    ['nothing given', {}, 'normal'],
  ])('%s → %s', (_case, facts, severity) => {
    const c = classify(report(facts));
    expect(c.severity).toBe(severity);
    expect(c.reasons[0]).toMatch(severity === 'severe' ? /^severe/ : /^normal/);
  });

  it.each(Object.keys(severeImpacts))('the named impact %s can make it severe', (impact) => {
    expect(classify(report({ ...severeFacts, impacts: [impact as keyof typeof severeImpacts] })).severity).toBe('severe');
  });

  it('a normal verdict says which condition failed', () => {
    const c = classify(report({ ...severeFacts, ownerCanHandleAlone: true }));
    expect(c.reasons[0]).toMatch(/owner can handle it alone/);
    expect(c.reasons[0]).not.toMatch(/protection level/);
  });
});

describe('priority (P1–P4 from severity, spreading, level and category)', () => {
  it.each<[string, ClassificationFacts, string]>([
    ['severe', severeFacts, 'P1'],
    ['spreading on a level 4 system, owner copes', { protectionLevel: 4, spreading: true, ownerCanHandleAlone: true }, 'P1'],
    ['spread impact on a critical system, owner copes', { onCriticalList: true, impacts: ['spread'], ownerCanHandleAlone: true }, 'P1'],
    ['spreading on a level 2 system', { protectionLevel: 2, spreading: true, category: 'phishing' }, 'P2'],
    ['level 5, owner copes, not spreading', { protectionLevel: 5, ownerCanHandleAlone: true, category: 'phishing' }, 'P2'],
    ['ransomware on level 1', { protectionLevel: 1, category: 'ransomware' }, 'P2'],
    ['data destruction, level unknown', { category: 'data_destruction' }, 'P2'],
    ['combined attack', { category: 'combined' }, 'P2'],
    ['phishing on level 3', { protectionLevel: 3, category: 'phishing' }, 'P3'],
    ['malware on level 2', { protectionLevel: 2, category: 'malware' }, 'P3'],
    ['intrusion, level unknown', { category: 'intrusion' }, 'P3'],
    ['data theft', { category: 'data_theft' }, 'P3'],
    ['denial of service on level 1', { protectionLevel: 1, category: 'dos' }, 'P3'],
    ['defacement on level 2', { protectionLevel: 2, category: 'defacement' }, 'P4'],
    ['phishing, nothing else', { category: 'phishing' }, 'P4'],
    ['nothing given', {}, 'P4'],
  ])('%s → %s', (_case, facts, priority) => {
    const c = classify(report(facts));
    expect(c.priority).toBe(priority);
    expect(c.reasons.find((r) => r.startsWith('priority'))).toMatch(new RegExp(`^priority ${priority}: `));
  });
});

describe('category → ENISA RSIT class', () => {
  const expected: Record<IncidentCategory, string> = {
    dos: 'availability',
    phishing: 'fraud',
    malware: 'malicious-code',
    intrusion: 'intrusions',
    defacement: 'information-content-security',
    ransomware: 'malicious-code',
    data_destruction: 'availability',
    data_theft: 'information-content-security',
    combined: 'other',
    other: 'other',
  };
  it.each(Object.entries(expected))('%s → %s', (category, rsit) => {
    const c = classify(report({ category: category as IncidentCategory }));
    expect(c).toMatchObject({ category, rsitClass: rsit });
    expect(c.reasons.join(' ')).toContain(incidentCategories[category as IncidentCategory].label);
  });

  it('a report without a category is treated as "other" and says so', () => {
    const c = classify(report({}));
    expect(c).toMatchObject({ category: 'other', rsitClass: 'other' });
    expect(c.reasons.join(' ')).toMatch(/category not given/);
  });
});

describe('TLP is never lowered', () => {
  it.each(tlpLevels)('TLP:%s from the report is kept', (tlp) => {
    expect(classify(report({}, tlp)).tlp).toBe(tlp);
  });

  it.each(tlpLevels.flatMap((current) => tlpLevels.map((asked) => [current, asked] as const)))(
    'an incident already at TLP:%s reclassified from a report at TLP:%s keeps the stricter',
    (current, asked) => {
      const c = classify(report({}, asked), current);
      expect(tlpLevels.indexOf(c.tlp)).toBe(Math.max(tlpLevels.indexOf(current), tlpLevels.indexOf(asked)));
    },
  );

  it('stricterTlp orders the markings CLEAR < GREEN < AMBER < AMBER+STRICT < RED', () => {
    expect(stricterTlp('GREEN', 'RED')).toBe('RED');
    expect(stricterTlp('AMBER+STRICT', 'AMBER')).toBe('AMBER+STRICT');
    expect(stricterTlp('CLEAR', 'CLEAR')).toBe('CLEAR');
  });
});
