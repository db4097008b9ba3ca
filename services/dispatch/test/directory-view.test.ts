import { loadDirectoryFiles, makeEnvelope, type Envelope } from '@ucsc/shared';
import { directoryDrafts, DirectoryView, type DirectoryEvent } from '@ucsc/dispatch';

const demo = loadDirectoryFiles();
const actor = { kind: 'system', id: 'test', authenticatedBy: 'service' } as const;
const toEvents = (drafts: ReturnType<typeof directoryDrafts>, size?: number) =>
  drafts.map((d) => makeEnvelope(d.type, { ...d.payload, ...(size ? { changeSetSize: size } : {}) } as never, { producedBy: 'test', actor }) as Envelope as DirectoryEvent);

describe('the directory view routing reads', () => {
  it('is rebuilt from the events alone', () => {
    const view = new DirectoryView();
    for (const e of toEvents(directoryDrafts(demo, 'seed', 'seed'))) view.apply(e);
    expect(view.routing().enterprises.size).toBe(demo.enterprises.length);
    expect(view.routing().hubByProvince.size).toBe(34);
  });

  it('sees an import whole or not at all, however it arrives', () => {
    const view = new DirectoryView();
    for (const e of toEvents(directoryDrafts(demo, 'seed', 'seed'))) view.apply(e);
    expect(view.routing().enterprises.has('ent-import-a')).toBe(false);
    const imported = toEvents(
      ['a', 'b', 'c'].map((x) => ({ type: 'directory.enterprise_put' as const, payload: { enterprise: { ...demo.enterprises[0]!, id: `ent-import-${x}` }, changeSetId: 'import-1' } })),
      3,
    );
    view.apply(imported[0]!);
    view.apply(imported[1]!);
    expect(view.routing().enterprises.has('ent-import-a')).toBe(false);
    view.apply(imported[2]!);
    expect(['a', 'b', 'c'].every((x) => view.routing().enterprises.has(`ent-import-${x}`))).toBe(true);
  });
});
