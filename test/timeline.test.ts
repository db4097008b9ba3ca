import { incidentKeys, readIncident, timelineWords, type IncidentView, type RenderedIncidentView } from '@ucsc/shared';
import { bearer, sampleReport, sessionToken, testRedis, waitFor } from './support';
import { postJson, startSystem, type TestSystem } from './support/system';

// Issue 12: the timeline's words are rendered from the event's facts when read, in the reader's language.
describe('the timeline is stored as facts and rendered on read', () => {
  let system: TestSystem;
  const redis = testRedis();
  let coordinator: Record<string, string>;
  let submitter: Record<string, string>;
  let id: string;
  const organisation = sampleReport().reportingOrganisation.name;

  beforeAll(async () => {
    system = await startSystem('timeline');
    coordinator = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
    submitter = bearer(await sessionToken(system.names.redisPrefix, 'hanoi.baocao'));
    id = (await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), submitter)).json.incidentId;
    await waitFor('routed', async () => (await readIncident(redis, system.names.redisPrefix, id))?.state === 'routed' || undefined);
    expect((await postJson(`${system.boardUrl}/api/v1/incidents/${id}/reject`, { reason: 'Quét thử nghiệm nội bộ' }, coordinator)).status).toBe(200);
  });
  afterAll(async () => {
    await system?.close();
    redis.disconnect();
  });

  const fromBoard = async (query: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${system.boardUrl}/api/v1/incidents/${id}${query}`, { headers: { ...coordinator, ...headers } });
    expect(response.status).toBe(200);
    return (await response.json()) as RenderedIncidentView;
  };

  it('the projection keeps no words, only each event’s facts', async () => {
    const raw = (await redis.get(incidentKeys(system.names.redisPrefix).incident(id)))!;
    const stored = JSON.parse(raw) as IncidentView;
    expect(stored.timeline[0]).toMatchObject({ type: 'incident.reported', facts: { organisation } });
    expect(stored.timeline.at(-1)).toMatchObject({ type: 'incident.rejected', details: [{ reason: 'Quét thử nghiệm nội bộ' }] });
    for (const words of ['Tiếp nhận báo cáo', 'Không phải sự cố', 'Lý do', 'summary']) expect(raw).not.toContain(words);
  });

  it('the same stored timeline reads in Vietnamese and in English, entry for entry', async () => {
    const vi = await fromBoard('?lang=vi');
    const en = await fromBoard('?lang=en');
    expect(en.timeline.map((t) => [t.eventId, t.type])).toEqual(vi.timeline.map((t) => [t.eventId, t.type]));
    expect(vi.timeline[0]!.summary).toBe(`Tiếp nhận báo cáo từ ${organisation}`);
    expect(en.timeline[0]!.summary).toBe(`Report received from ${organisation}`);
    expect(vi.timeline.at(-1)).toMatchObject({ summary: 'Không phải sự cố', details: ['Lý do: Quét thử nghiệm nội bộ'] });
    expect(en.timeline.at(-1)).toMatchObject({ summary: 'Not an incident', details: ['Reason: Quét thử nghiệm nội bộ'] });
    // every entry has words of its own in each language, none falls back to its type
    for (const [a, b] of vi.timeline.map((t, i) => [t, en.timeline[i]!] as const)) {
      expect(a.summary).not.toBe(a.type);
      expect(b.summary).not.toBe(a.summary);
    }
    // without ?lang, Accept-Language decides; with neither, Vietnamese
    expect((await fromBoard('', { 'accept-language': 'en-GB,en;q=0.9' })).timeline[0]!.summary).toBe(en.timeline[0]!.summary);
    expect((await fromBoard('')).timeline[0]!.summary).toBe(vi.timeline[0]!.summary);
    const bad = await fetch(`${system.boardUrl}/api/v1/incidents/${id}?lang=fr`, { headers: coordinator });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('lang');
  });

  it('the submitter’s status reads in its language, and shows its audience no reasons behind an entry', async () => {
    const status = async (lang: string) => (await (await fetch(`${system.intakeUrl}/api/v1/reports/${id}?lang=${lang}`, { headers: submitter })).json()) as { statusLabel: string; timeline: { type: string; summary: string }[] };
    const [vi, en] = [await status('vi'), await status('en')];
    expect([vi.statusLabel, en.statusLabel]).toEqual(['Kết thúc', 'Finished']);
    expect(vi.timeline.map((t) => t.type)).toEqual(['incident.reported', 'incident.assigned', 'incident.rejected']);
    expect(vi.timeline.map((t) => t.summary)).toEqual([`Tiếp nhận báo cáo từ ${organisation}`, expect.stringMatching(/^Phân công \d+ đầu mối xử lý$/), 'Không phải sự cố']);
    expect(en.timeline.map((t) => t.summary)).toEqual([`Report received from ${organisation}`, expect.stringMatching(/^\d+ units? assigned$/), 'Not an incident']);
    expect(JSON.stringify(en)).not.toContain('Quét thử nghiệm');
  });

  it('a label changed after the projection was written shows at the next read, with no rebuild', async () => {
    const before = (await readIncident(redis, system.names.redisPrefix, id))!;
    const original = timelineWords.en['incident.rejected'];
    timelineWords.en['incident.rejected'] = () => 'Closed as not an incident';
    try {
      expect((await fromBoard('?lang=en')).timeline.at(-1)!.summary).toBe('Closed as not an incident');
    } finally {
      timelineWords.en['incident.rejected'] = original;
    }
    expect((await fromBoard('?lang=en')).timeline.at(-1)!.summary).toBe('Not an incident');
    // nothing was written to the projection meanwhile
    expect((await readIncident(redis, system.names.redisPrefix, id))!).toEqual(before);
  });
});
