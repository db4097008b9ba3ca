import { languageOf, renderTimelineDetail, renderTimelineEntry, timelineWords, type TimelineEntry } from '@ucsc/shared';

// The timeline's catalogue (shared/src/contracts/timeline.ts): facts in, words out, per language.
describe('the timeline’s words', () => {
  const entry = (type: string, facts: Record<string, unknown>, details?: TimelineEntry['details']): TimelineEntry => ({
    eventId: '01JD0000000000000000000000',
    type,
    at: '2026-11-20T00:00:00.000Z',
    actor: { kind: 'service', id: 'tracker' },
    facts,
    ...(details ? { details } : {}),
  });

  it('every type has its own words in both languages', () => {
    expect(Object.keys(timelineWords.en).sort()).toEqual(Object.keys(timelineWords.vi).sort());
  });

  it('renders the facts in the language asked for, and the lines under it', () => {
    const rung = entry('incident.escalation_rung_reached', { reaches: 'liaison_leader', late: true }, [{ recipients: [] }]);
    expect(renderTimelineEntry(rung, 'vi')).toMatchObject({ summary: 'Báo cáo vượt cấp: lãnh đạo đầu mối họp trực tuyến ngay (muộn)', details: ['chưa có người nhận trong danh bạ'] });
    expect(renderTimelineEntry(rung, 'en')).toMatchObject({ summary: 'Escalation: the liaison leader meets online at once (late)', details: ['nobody in the directory yet'] });
    const breach = entry('incident.deadline_breached', { kind: 'final_report', dueAt: '2026-11-26T17:00:00.000Z', late: false });
    // its date in Vietnam's time (UTC+7), whatever the machine's zone: 17:00 UTC is midnight there
    expect(renderTimelineEntry(breach, 'en').summary).toBe('Overdue: end-of-response report (Form 04, 5 days) (due 27/11/2026, 00:00)');
    expect(renderTimelineEntry(breach, 'vi').summary).toBe('Quá hạn: báo cáo kết thúc ứng phó (Biểu mẫu 04, 5 ngày) (hạn 00:00 27/11/26)');
    const classified = entry('incident.classified', { severity: 'normal', priority: 'P3', category: 'defacement', rsitClass: 'information-content-security', tlp: 'AMBER' });
    expect(renderTimelineEntry(classified, 'vi').summary).toBe('Phân loại: sự cố thông thường, ưu tiên P3, Thay đổi giao diện (RSIT: information-content-security), TLP:AMBER');
    expect(renderTimelineEntry(classified, 'en').summary).toBe('Classified: normal incident, priority P3, Defacement (RSIT: information-content-security), TLP:AMBER');
    expect(renderTimelineEntry(entry('incident.triaged', { severity: 'severe', priority: 'P1', category: 'ransomware' }), 'vi').summary).toBe('Xác minh, phân loại: sự cố nghiêm trọng, ưu tiên P1, Mã hóa dữ liệu');
  });

  it('the lines: the event’s own text as it is, a reason and a candidate in words', () => {
    expect(renderTimelineDetail('Đã cô lập máy chủ', 'en')).toBe('Đã cô lập máy chủ');
    expect(renderTimelineDetail({ reason: 'quá tải' }, 'en')).toBe('Reason: quá tải');
    expect(renderTimelineDetail({ candidate: { name: 'Công ty A', chosen: true, openAssignments: 1, capacity: 3, why: 'least loaded' } }, 'vi')).toBe('✓ Công ty A (1/3): least loaded');
  });

  it('an entry of a type this catalogue does not know shows its type, not nothing', () => {
    expect(renderTimelineEntry(entry('incident.something_new', {}), 'en').summary).toBe('incident.something_new');
  });

  it('an entry projected before the timeline kept facts shows the words it stored', () => {
    const { facts: _none, ...old } = entry('incident.closed', {});
    expect(renderTimelineEntry({ ...old, summary: 'Đóng sự cố', details: ['Lý do: xong'] } as unknown as TimelineEntry, 'en')).toMatchObject({ summary: 'Đóng sự cố', details: ['Lý do: xong'] });
  });

  it('a rendered entry renders again to the same words (a client may switch language)', () => {
    const offered = entry('incident.assignment_offered', { who: 'Công ty A', expiresAt: '2026-11-20T00:30:00.000Z' }, [{ reason: 'x' }]);
    const vi = renderTimelineEntry(offered, 'vi');
    expect(renderTimelineEntry(vi, 'vi')).toEqual(vi);
    expect(renderTimelineEntry(vi, 'en').summary).toBe(renderTimelineEntry(offered, 'en').summary);
  });

  it.each([
    [undefined, undefined, 'vi'],
    ['en', 'vi', 'en'],
    [undefined, 'fr-FR, en;q=0.8', 'en'],
    [undefined, 'vi-VN,vi;q=0.9', 'vi'],
    [undefined, 'de', 'vi'],
  ] as const)('lang %s with Accept-Language %s reads %s', (lang, header, expected) => {
    expect(languageOf(lang, header)).toBe(expected);
  });
});
