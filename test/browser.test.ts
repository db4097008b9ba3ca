import { chromium, type Browser } from 'playwright-core';
import { totpCode } from '@ucsc/shared';
import { demoPassword } from '@ucsc/board';
import { bearer, sampleReport, sessionToken } from './support';
import { postJson, startSystem, type TestSystem } from './support/system';

// What a coordinator sees: Debian's Chromium, headless, driving the real board page.
describe('the live board in a browser', () => {
  let system: TestSystem;
  let browser: Browser;
  beforeAll(async () => {
    system = await startSystem('browser');
    await sessionToken(system.names.redisPrefix, 'dieuphoi'); // seeds the demo accounts
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it('a coordinator signs in with the second factor and sees a new report arrive, be assigned and acknowledged, without reloading', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(system.boardUrl);
    await page.getByTestId('login-username').fill('dieuphoi');
    await page.getByTestId('login-password').fill(demoPassword);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-totp').waitFor({ state: 'visible' });
    await page.getByTestId('login-totp').fill(totpCode('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'));
    await page.getByTestId('login-submit').click();
    await page.getByTestId('current-user').waitFor();
    await page.locator('[data-testid="connection-status"][data-status="online"]').waitFor();

    const submitter = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'Cổng dịch vụ công bị tấn công' }), bearer(submitter));
    expect(posted.status).toBe(202);
    const row = page.locator(`[data-testid="incident"][data-incident-id="${posted.json.incidentId}"]`);
    await row.locator('[data-testid="incident-state"]', { hasText: 'Đã phân công' }).waitFor({ timeout: 20_000 });
    expect(await row.getByTestId('incident-title').textContent()).toBe('Cổng dịch vụ công bị tấn công');

    await row.click();
    const panel = page.getByTestId('incident-detail');
    // the form as filed: whom to call back, the affected system, its addresses
    const report = panel.getByTestId('detail-report');
    const phone = report.getByTestId('report-contact').locator('a.contact-phone');
    expect(await phone.textContent()).toBe('0912 345 678');
    expect(await phone.getAttribute('href')).toBe('tel:0912345678');
    expect(await report.getByTestId('report-protection-level').textContent()).toBe('Cấp 3');
    expect(await report.getByTestId('report-ips').textContent()).toBe('203.162.10.20');

    // a follow-up and a malware sample filed at intake appear in the open panel, without reloading
    const id = posted.json.incidentId as string;
    const now = new Date().toISOString();
    const followUp = await postJson(`${system.intakeUrl}/api/v1/reports/${id}/follow-ups`, { kind: 'support_request', reportTime: now, supportNeeded: 'Cần phân tích mẫu mã độc', urgency: 'urgent' }, bearer(submitter));
    expect(followUp.status).toBe(202);
    const sample = await fetch(`${system.intakeUrl}/api/v1/reports/${id}/attachments?kind=malware_sample&filename=dropper.exe`, {
      method: 'POST',
      headers: { ...bearer(submitter), 'content-type': 'application/octet-stream' },
      body: Buffer.from('MZ not really a program'),
    });
    expect(sample.status).toBe(202);
    await panel.locator('[data-testid="follow-up"][data-kind="support_request"]', { hasText: 'KHẨN' }).waitFor({ timeout: 20_000 });
    const attachment = panel.getByTestId('attachment');
    await attachment.getByTestId('attachment-malware').waitFor({ timeout: 20_000 });
    const href = await attachment.locator('a.attachment-name').getAttribute('href');
    expect(href).toBe(`${system.intakeUrl}/api/v1/reports/${id}/attachments/${((await sample.json()) as { sha256: string }).sha256}`);
    // the coordinator's browser session downloads it from intake, as a download
    const download = await page.request.get(href!);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers()['x-malware-sample']).toBe('true');

    await panel.locator('[data-assignee-id="lia-01-sec-leader"]').getByTestId('acknowledge').click();
    await row.locator('[data-testid="incident-state"]', { hasText: 'Đã xác nhận' }).waitFor({ timeout: 20_000 });
    expect(errors).toEqual([]);
  });

  it('someone not signed in sees only the sign-in form', async () => {
    const page = await browser.newPage();
    await page.goto(system.boardUrl);
    await page.getByTestId('login-form').waitFor({ state: 'visible' });
    expect(await page.getByTestId('incident').count()).toBe(0);
  });

  it('each service’s API page shows its operations, over plain HTTP, under its own CSP, with nothing refused or fetched elsewhere', async () => {
    for (const [url, operation] of [
      [system.intakeUrl, '/api/v1/reports/{id}/follow-ups'],
      [system.boardUrl, '/api/v1/incidents/{id}/acknowledge'],
    ] as const) {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('request', (request) => !request.url().startsWith(url) && problems.push(`fetched ${request.url()}`));
      await page.goto(`${url}/api/docs/`);
      await page.getByText(operation, { exact: true }).first().waitFor({ state: 'visible', timeout: 15_000 });
      expect([url, problems]).toEqual([url, []]);
      await page.close();
    }
  });
});
