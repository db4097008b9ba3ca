import { directoryEntities, loadDirectoryFiles } from '@ucsc/shared';
import { csvToRecords, emptyDirectory, parseCsv, toCsv, validateRoster, type DirectoryState } from '@ucsc/dispatch';

const demo = loadDirectoryFiles();
function demoState(): DirectoryState {
  const state = emptyDirectory();
  for (const u of demo.units) state.units.set(u.code, u);
  for (const o of demo.organisations) state.organisations.set(o.id, o);
  for (const l of demo.liaisons) state.liaisons.set(l.id, l);
  for (const e of demo.enterprises) state.enterprises.set(e.id, e);
  return state;
}

describe('roster CSV', () => {
  it.each(directoryEntities)('the demo %s survive export to CSV and import back unchanged', (entity) => {
    const csv = toCsv(entity, demo[entity]);
    const read = csvToRecords(entity, csv);
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    const checked = validateRoster(entity, read.records, demoState());
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    expect(checked.entries).toEqual(demo[entity]);
  });

  it('reads quoted cells with commas, quotes and line breaks, CRLF or LF, with a BOM', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, ""y""","line\nbreak"\n')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'line\nbreak'],
    ]);
  });

  it('a column of an optional field may be left out, and is read when given', () => {
    const full = toCsv('enterprises', [{ ...demo.enterprises[0]!, acceptanceWindowMinutes: 20 }]);
    const read = csvToRecords('enterprises', full);
    expect(read.ok && read.records[0]).toMatchObject({ acceptanceWindowMinutes: 20 });
    const header = full.split('\r\n')[0]!.split(',');
    const at = header.indexOf('acceptanceWindowMinutes');
    const without = full
      .split('\r\n')
      .map((line) => line.split(',').filter((_, i) => i !== at).join(','))
      .join('\n');
    // a simple cut works here: no cell before that column holds a comma
    const reduced = csvToRecords('enterprises', without);
    expect(reduced.ok && validateRoster('enterprises', reduced.records, demoState()).ok).toBe(true);
  });

    it('rejects a header with a missing or unknown column, naming both', () => {
    const read = csvToRecords('liaisons', 'id,provinceCode,nickname\nx,01,y\n');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problems[0]).toMatchObject({ row: 0, field: '(header)', rule: 'csv_header', message: expect.stringMatching(/missing departmentId.*unknown nickname/) });
  });
});

describe('roster import: all rows are checked first, and nothing is imported when one is bad', () => {
  const header = 'id,provinceCode,departmentId,role,substituteFor,onLeave,name,title,phone,email';
  const good = 'lia-new-1,01,org-dept-security,officer,,,Nguyễn Văn Mới,Chuyên viên,0912 345 678,moi@attt.example.gov.vn';

  it('names the row and the reason of every bad row', () => {
    const csv = [
      header,
      good,
      'lia-new-2,99,org-dept-security,officer,,,Trần Thị B,Chuyên viên,0912 345 678,b@attt.example.gov.vn',
      'lia-new-3,01,org-dept-security,chief,,,Lê C,Chuyên viên,0912 345 678,not-an-email',
      'lia-new-1,01,org-dept-digital,officer,,,Phạm D,Chuyên viên,0912 345 678,d@cds.example.gov.vn',
    ].join('\n');
    const read = csvToRecords('liaisons', csv);
    if (!read.ok) throw new Error('header should be fine');
    const checked = validateRoster('liaisons', read.records, demoState());
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 3, field: 'role' }),
        expect.objectContaining({ row: 3, field: 'email', message: 'must be an email address' }),
        expect.objectContaining({ row: 4, field: 'id', rule: 'unique', message: 'lia-new-1 is also on row 1' }),
      ]),
    );
  });

  it('checks references against the directory as it would be: an unknown province is named on its row', () => {
    const read = csvToRecords('liaisons', [header, good, 'lia-new-2,99,org-dept-security,officer,,,Trần Thị B,Chuyên viên,0912 345 678,b@attt.example.gov.vn'].join('\n'));
    if (!read.ok) throw new Error('header should be fine');
    const checked = validateRoster('liaisons', read.records, demoState());
    expect(checked).toEqual({ ok: false, problems: [{ row: 2, field: 'provinceCode', rule: 'known_unit', message: 'no province or city with code 99' }] });
  });

  it('lets rows of one file point at each other (a substitute listed with the liaison it stands in for)', () => {
    const csv = [header, good, 'lia-new-1-sub,01,org-dept-security,officer,lia-new-1,,Đỗ Thị E,Chuyên viên,0912 345 679,e@attt.example.gov.vn'].join('\n');
    const read = csvToRecords('liaisons', csv);
    if (!read.ok) throw new Error('header should be fine');
    expect(validateRoster('liaisons', read.records, demoState())).toMatchObject({ ok: true, entries: [{ id: 'lia-new-1' }, { id: 'lia-new-1-sub', substituteFor: 'lia-new-1' }] });
  });

  it('rejects an enterprise covering a province that does not exist, and a substitute for someone elsewhere', () => {
    const enterprise = { ...demo.enterprises[0]!, id: 'ent-new', coverage: ['01', '63'] };
    expect(validateRoster('enterprises', [enterprise], demoState())).toEqual({
      ok: false,
      problems: [{ row: 1, field: 'coverage.1', rule: 'known_unit', message: 'no province or city with code 63' }],
    });
    const substitute = { ...demo.liaisons[0]!, id: 'lia-x-sub', provinceCode: '79', substituteFor: 'lia-01-sec-leader' };
    const checked = validateRoster('liaisons', [substitute], demoState());
    expect(checked).toMatchObject({ ok: false, problems: [{ row: 1, field: 'substituteFor', rule: 'same_post' }] });
  });

  it('rejects an empty roster', () => {
    expect(validateRoster('enterprises', [], demoState())).toMatchObject({ ok: false, problems: [{ rule: 'not_empty' }] });
  });
});
