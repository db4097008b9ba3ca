import { foldName, loadDirectoryFiles, normalizeText, ProvinceResolver } from '@ucsc/shared';

const directory = loadDirectoryFiles();
const resolver = new ProvinceResolver(directory.units);

describe('the shipped directory', () => {
  it('has the 34 current units and maps each of the 63 former ones exactly once', () => {
    expect(directory.units).toHaveLength(34);
    const former = directory.units.flatMap((u) => u.formerUnits.map((f) => f.code));
    expect(former).toHaveLength(63);
    expect(new Set(former).size).toBe(63);
  });

  it('has a hub and a leader and an officer of both ministry departments for every unit', () => {
    for (const unit of directory.units) {
      expect(directory.organisations.filter((o) => o.type === 'province_hub' && o.provinceCode === unit.code)).toHaveLength(1);
      const primary = directory.liaisons.filter((l) => l.provinceCode === unit.code && !l.substituteFor);
      expect(primary.map((l) => `${l.departmentId}/${l.role}`).sort()).toEqual([
        'org-dept-digital/leader',
        'org-dept-digital/officer',
        'org-dept-security/leader',
        'org-dept-security/officer',
      ]);
    }
  });

  it('stores all Vietnamese text precomposed (NFC)', () => {
    expect(JSON.stringify(directory)).toBe(JSON.stringify(directory).normalize('NFC'));
  });
});

describe('province resolution', () => {
  it.each([
    ['Hà Nội', '01', undefined],
    ['Thành phố Hà Nội', '01', undefined],
    ['01', '01', undefined],
    ['ha noi', '01', undefined],
    ['Hà Giang', '08', '02'],
    ['Tỉnh Hà Giang', '08', '02'],
    ['Bà Rịa - Vũng Tàu', '79', '77'],
    ['Thừa Thiên Huế', '46', undefined],
    ['Huế', '46', undefined],
    ['TP Hồ Chí Minh', '79', undefined],
    ['Quảng Nam', '48', '49'],
  ])('%s → unit %s (former %s)', (input, code, formerCode) => {
    const ref = resolver.resolve(input);
    expect(ref?.code).toBe(code);
    expect(ref?.formerCode).toBe(formerCode);
    expect(ref?.filedAs).toBe(input);
  });

  it('reads a name typed with combining accents (NFD) like the precomposed one', () => {
    const nfd = 'Hà Giang'.normalize('NFD');
    expect(nfd).not.toBe('Hà Giang');
    expect(resolver.resolve(nfd)?.code).toBe('08');
  });

  it('does not guess an unknown name', () => {
    expect(resolver.resolve('Atlantis')).toBeUndefined();
    expect(resolver.resolve('')).toBeUndefined();
  });
});

describe('text normalisation', () => {
  it('turns every string of a body into NFC, keys included', () => {
    const nfd = (s: string) => s.normalize('NFD');
    const body = { [nfd('tiêu đề')]: nfd('Tấn công'), list: [nfd('Đắk Lắk')], n: 3, ok: true, none: null };
    expect(normalizeText(body)).toEqual({ 'tiêu đề': 'Tấn công', list: ['Đắk Lắk'], n: 3, ok: true, none: null });
  });

  it('folds names for lookup', () => {
    expect(foldName('  Tỉnh Đắk   Lắk ')).toBe('tinh dak lak');
  });
});
