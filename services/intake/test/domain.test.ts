import { loadDirectoryFiles, ProvinceResolver } from '@ucsc/shared';
import { checkReport, reportFingerprint } from '../src/domain/report';
import { describeForEmail, emailToReport, readFormText, vietnameseDateTime } from '../src/domain/email';
import { sampleReport } from '../../../test/support';

const provinces = new ProvinceResolver(loadDirectoryFiles().units);

describe('reading a report', () => {
  it('merges the directory’s check with the schema’s, so a wrong province comes back with the other problems', () => {
    const checked = checkReport(sampleReport({ province: 'Atlantis', title: '' }), provinces);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problems.map((p) => p.rule).sort()).toEqual(['known_province', 'too_small']);
  });

  it('recognises the same report by organisation, system and detection instant, whatever the accents, case or time zone', () => {
    const check = (r: unknown) => {
      const c = checkReport(r, provinces);
      if (!c.ok) throw new Error(JSON.stringify(c.problems));
      return reportFingerprint(c.value.submission);
    };
    const report = sampleReport({ detectedAt: '2026-11-22T02:10:00+07:00' });
    const same = { ...report, detectedAt: '2026-11-21T19:10:00Z', reportingOrganisation: { ...report.reportingOrganisation, name: 'SO TAI CHINH HA NOI' } };
    expect(check(same)).toBe(check(report));
    expect(check({ ...report, detectedAt: '2026-11-22T02:11:00+07:00' })).not.toBe(check(report));
    expect(check({ ...report, affectedSystem: { ...report.affectedSystem, name: 'Thư điện tử' } })).not.toBe(check(report));
  });
});

describe('reading a report from an email', () => {
  it.each([
    ['22/11/2026 02:10', '2026-11-22T02:10:00+07:00'],
    ['2/3/2026 9:05', '2026-03-02T09:05:00+07:00'],
    ['22-11-2026 02h10', '2026-11-22T02:10:00+07:00'],
    ['02:10 ngày 22/11/2026', '2026-11-22T02:10:00+07:00'],
    ['22/11/2026 02:10 +0000', '2026-11-22T02:10:00+00:00'],
    ['2026-11-22T02:10:00Z', '2026-11-22T02:10:00Z'],
  ])('reads the time "%s" as %s (Vietnam time unless told)', (written, iso) => {
    expect(vietnameseDateTime(written)).toBe(iso);
  });

  it('reads labelled lines without caring for accents, continuation lines and list values', () => {
    const report = readFormText(
      [
        'Kính gửi: Cục ATTT',
        'Tinh/Thanh pho: Ha Noi',
        '1. Mô tả sự cố: Dòng một',
        '   dòng hai',
        '- Cách thức phát hiện: Kiểm tra nhật ký; Được thông báo',
        'Được thông báo bởi: VNCERT',
        'Đã thông báo cho: Chưa',
        'Cấp độ hệ thống: 4',
        'Tình trạng: Đã xử lý',
        '--',
        'Chữ ký: không phải một trường',
      ].join('\r\n'),
    );
    expect(report).toEqual({
      province: 'Ha Noi',
      description: 'Dòng một\ndòng hai',
      detection: { methods: ['log_review', 'notified'], notifiedBy: 'VNCERT' },
      alreadyNotified: { parties: [] },
      affectedSystem: { protectionLevel: 4 },
      alreadyHandled: true,
    });
  });

  it('reads what classification needs (critical list, impacts, whether the owner copes, spreading) in the reporter’s words', () => {
    const report = readFormText(
      ['Thuộc danh mục hệ thống quan trọng: Có', 'Ảnh hưởng: Gián đoạn dịch vụ; mất quyền kiểm soát hệ thống, lây lan dây chuyền', 'Đơn vị tự xử lý được: Không', 'Đang lây lan: có'].join('\n'),
    );
    expect(report).toEqual({ onCriticalList: true, impacts: ['service_interruption', 'loss_of_control', 'spread'], ownerCanHandleAlone: false, spreading: true });
  });

  it('takes the title from the subject, the organisation email from the sender and the report time from the Date header', () => {
    const date = new Date('2026-11-22T03:05:00+07:00');
    const read = emailToReport({ subject: '[TBSC] Website bị tấn công', fromAddress: 'a@b.gov.vn', date, text: 'Tỉnh: Huế', json: undefined });
    expect(read).toEqual({
      report: {
        province: 'Huế',
        title: 'Website bị tấn công',
        reportingOrganisation: { email: 'a@b.gov.vn' },
        contactPerson: {},
        affectedSystem: {},
        detection: {},
        alreadyNotified: {},
        reportTime: date.toISOString(),
      },
    });
  });

  it('refuses a subject without [TBSC] and a JSON part that is not JSON', () => {
    expect(emailToReport({ subject: 'Báo cáo', fromAddress: undefined, date: undefined, text: '', json: undefined })).toEqual({
      problems: [expect.objectContaining({ field: 'email.subject', rule: 'tbsc_prefix' })],
    });
    expect(emailToReport({ subject: '[TBSC] x', fromAddress: undefined, date: undefined, text: '', json: '{' })).toEqual({
      problems: [expect.objectContaining({ field: 'email.json', rule: 'invalid_json' })],
    });
  });

  it('names a problem by the label of the form', () => {
    expect(describeForEmail([{ field: 'body.contactPerson.phone', rule: 'invalid_type', message: 'Invalid input: expected string, received undefined' }])).toEqual([
      { field: 'body.contactPerson.phone', rule: 'invalid_type', message: 'Điện thoại người liên hệ: thiếu (missing)' },
    ]);
    expect(describeForEmail([{ field: 'body.technicalDetail.publicIpAddresses.1', rule: 'ip_address', message: 'must be an IPv4 or IPv6 address' }])[0]?.message).toBe(
      'Địa chỉ IP: must be an IPv4 or IPv6 address',
    );
  });
});
