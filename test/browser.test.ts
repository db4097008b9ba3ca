import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { comparePositions, incidentKeys, lifecycleStateLabels, portalStatusLabels, readIncident } from '@ucsc/shared';
import { bearer, sampleReport, sessionToken, testRedis, waitFor } from './support';
import { postJson, startSystem, type TestSystem } from './support/system';
import { expectAccessible, launchChromium, signIn } from './support/browser';

/** npm run screens sets this: each screen the walk-through reaches is saved there (docs/screens). */
const screensDir = process.env.UCSC_SCREENS_DIR;

/**
 * Each screen the walk-through reaches is checked with axe in Vietnamese, at desktop width and at
 * 360 px (no serious or critical problem), and under npm run screens saved: Vietnamese and English
 * at desktop width, Vietnamese at 360 px (a phone).
 */
async function shoot(page: Page, name: string, at?: Locator): Promise<void> {
  const desktop = { width: 1280, height: 800 };
  await page.setViewportSize(desktop);
  await expectAccessible(page, name);
  if (!screensDir) return;
  // a part further down the page (`at`) is scrolled to before each picture
  const picture = async (file: string) => {
    await at?.evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(screensDir, file) });
  };
  await picture(`${name}-vi.png`);
  await page.getByTestId('language').click();
  await picture(`${name}-en.png`);
  await page.getByTestId('language').click();
  await page.setViewportSize({ width: 360, height: 740 });
  await picture(`${name}-vi-360.png`);
  await page.setViewportSize(desktop);
}

// The web app in Debian's Chromium, headless: a report's whole response, each step seen live.
describe('the web app in a browser', () => {
  let system: TestSystem;
  let browser: Browser;
  const open = (page: Page, username: string) => signIn(page, system.boardUrl, username, () => sessionToken(system.names.redisPrefix, username));
  beforeAll(async () => {
    system = await startSystem('browser');
    await sessionToken(system.names.redisPrefix, 'dieuphoi'); // seeds the demo accounts
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it('a report is assigned, accepted, worked on, escalated, resolved, reported on and closed, and the coordinator sees each step without reloading', async () => {
    const errors: string[] = [];
    const coordinator = await browser.newPage();
    coordinator.on('pageerror', (e) => errors.push(String(e)));
    await open(coordinator, 'dieuphoi');
    await coordinator.getByTestId('unit-tile').first().waitFor();
    expect(await coordinator.getByTestId('unit-tile').count()).toBe(34);
    const hanoiTotal = coordinator.locator('[data-testid="unit-tile"][data-unit="01"]').getByTestId('unit-total');
    await coordinator.locator('[data-testid="unit-tile"][data-unit="01"]').waitFor();
    const before = Number(await hanoiTotal.textContent());

    // the submitter files (through intake's API: the page's form checks and keeps drafts, see below)
    const submitter = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'Cổng dịch vụ công bị tấn công' }), bearer(submitter));
    expect(posted.status).toBe(202);
    const id = posted.json.incidentId as string;
    const item = coordinator.locator(`[data-testid="incident"][data-incident-id="${id}"]`);
    await item.getByTestId('incident-title').waitFor({ timeout: 20_000 });
    expect(await item.getByTestId('incident-title').textContent()).toBe('Cổng dịch vụ công bị tấn công');
    // Hà Nội's tile counts it: the server's count over everything the coordinator may see
    await coordinator.locator('[data-testid="unit-tile"][data-unit="01"] [data-testid="unit-total"]', { hasText: String(before + 1) }).waitFor({ timeout: 20_000 });
    await shoot(coordinator, 'national-board');

    // the coordinator opens it, acknowledges for the routed liaison, and assigns an enterprise
    await item.getByTestId('incident-title').click();
    const detail = coordinator.getByTestId('incident-detail');
    const state = detail.getByTestId('detail-state');
    await detail.getByTestId('action-acknowledge').locator('button').click();
    await state.filter({ hasText: 'Đầu mối đã xác nhận' }).waitFor({ timeout: 20_000 });
    // its deadlines, as the tracker's clocks measure them: the acknowledgement met, the response's end with its time left
    await detail.locator('[data-testid="deadline"][data-kind="acknowledge"][data-status="met"]').waitFor({ timeout: 20_000 });
    expect(await detail.locator('[data-testid="deadline"][data-kind="resolve"][data-status="pending"]').getByTestId('deadline-left').textContent()).toMatch(/^còn \d+ giờ/);
    const assign = detail.getByTestId('action-assign');
    await assign.getByTestId('assign-enterprise').selectOption('ent-bm-saokhue');
    await assign.locator('input[name="reason"]').fill('Doanh nghiệp có năng lực phân tích mã độc');
    await assign.locator('button').click();
    const part = detail.locator('[data-testid="assignee"][data-assignee-id="ent-bm-saokhue"]');
    await part.and(coordinator.locator('[data-status="offered"]')).waitFor({ timeout: 20_000 });
    await shoot(coordinator, 'incident');

    // the enterprise finds the offer in its inbox, accepts it and posts progress
    const enterprise = await browser.newPage();
    enterprise.on('pageerror', (e) => errors.push(String(e)));
    await open(enterprise, 'saokhue.ungcuu');
    const offer = enterprise.getByTestId('inbox-offers').locator(`[data-incident-id="${id}"]`);
    await offer.waitFor();
    await shoot(enterprise, 'enterprise-inbox');
    await offer.getByTestId('incident-title').click();
    await enterprise.getByTestId('action-accept_assignment').locator('button').click();
    await part.and(coordinator.locator('[data-status="accepted"]')).waitFor({ timeout: 20_000 });
    const progress = enterprise.getByTestId('action-post_progress');
    await progress.locator('textarea').fill('Đã cô lập máy chủ bị nhiễm, đang phân tích mẫu');
    await progress.locator('button').click();
    await state.filter({ hasText: 'Đang ứng cứu' }).waitFor({ timeout: 20_000 });

    // the coordinator sends the enterprise's people on site; they record their arrival, and may not leave before the end
    const send = detail.getByTestId('action-send_on_site_team');
    await send.getByTestId('on-site-team').selectOption('ent-bm-saokhue');
    await send.locator('textarea[name="people"]').fill('Nguyễn Văn An\nTrần Thị Bình');
    await send.locator('button').click();
    const team = detail.getByTestId('on-site-team');
    await team.filter({ hasText: 'Nguyễn Văn An, Trần Thị Bình' }).waitFor({ timeout: 20_000 });
    await enterprise.getByTestId('action-arrive_on_site').locator('button').click();
    await detail.locator('[data-testid="on-site-team"][data-arrived="true"]').waitFor({ timeout: 20_000 });
    expect(await enterprise.getByTestId('action-leave_on_site').count()).toBe(0);

    // the province's director goes to the ministry's leadership
    const province = await browser.newPage();
    province.on('pageerror', (e) => errors.push(String(e)));
    await open(province, 'hanoi.dieuphoi');
    // its view: the province's incidents, its network's members and its liaisons (dispatch's directory)
    const row = province.locator(`[data-testid="incident"][data-incident-id="${id}"]`);
    await row.waitFor();
    await province.locator('[data-testid="liaison"][data-id="lia-01-sec-officer"]').waitFor({ timeout: 20_000 });
    expect(await province.getByTestId('member').count()).toBeGreaterThan(0);
    await shoot(province, 'province');
    // the button to the ministry's leadership, on the incident's row
    await row.getByTestId('escalate-ministry').click();
    await row.getByTestId('escalate-ministry-form').locator('input[name="reason"]').fill('Ảnh hưởng dịch vụ công toàn tỉnh');
    await row.getByTestId('escalate-ministry-form').locator('button').click();
    await detail.getByTestId('detail-ministry').waitFor({ timeout: 20_000 });
    expect(await detail.getByTestId('detail-ministry').textContent()).toContain('Ảnh hưởng dịch vụ công toàn tỉnh');
    // the incident's part further down: the team on site, with its people and arrival
    await shoot(coordinator, 'incident-on-site', detail.getByTestId('detail-on-site').locator('xpath=..'));
    // the province's list marks it escalated, and the button is gone
    await province.locator(`[data-testid="incident"][data-incident-id="${id}"][data-escalated="true"]`).getByTestId('flag-escalated').waitFor({ timeout: 20_000 });
    expect([await row.getByTestId('escalate-ministry').count(), await row.getByTestId('escalate-ministry-form').count()]).toEqual([0, 0]);

    // the enterprise ends the response and files Biểu mẫu 04; the coordinator closes
    await enterprise.getByTestId('action-resolve').locator('button').click();
    await state.filter({ hasText: 'Đã kết thúc ứng phó' }).waitFor({ timeout: 20_000 });
    // solved: the team may leave now
    await enterprise.getByTestId('action-leave_on_site').locator('button').click();
    await detail.locator('[data-testid="on-site-team"][data-left="true"]').waitFor({ timeout: 20_000 });
    const final = enterprise.getByTestId('action-submit_final_report');
    await final.locator('textarea[name="whatHappened"]').fill('Tấn công DDoS vào cổng dịch vụ công');
    await final.locator('textarea[name="whatWasDone"]').fill('Lọc lưu lượng, chặn nguồn tấn công');
    await final.locator('textarea[name="damage"]').fill('Gián đoạn 2 giờ');
    await final.locator('button').click();
    await state.filter({ hasText: 'chờ đóng sự cố' }).waitFor({ timeout: 20_000 });
    await detail.getByTestId('action-close').locator('button').click();
    await state.filter({ hasText: 'Đã đóng sự cố' }).waitFor({ timeout: 20_000 });
    expect(errors).toEqual([]);
  });

  it('a coordinator merges a likely duplicate from the suggestions, triages, and issues a coordination order (Biểu mẫu 06) that the liaison answers', async () => {
    const errors: string[] = [];
    const submitter = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    const file = async (title: string) => (await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title }), bearer(submitter))).json.incidentId as string;
    const first = await file('Thay đổi giao diện cổng Sở Tài chính');
    const again = await file('Cổng Sở Tài chính lại bị thay đổi giao diện');
    const coordinator = await browser.newPage();
    coordinator.on('pageerror', (e) => errors.push(String(e)));
    await open(coordinator, 'dieuphoi');
    const detail = coordinator.getByTestId('incident-detail');
    const state = detail.getByTestId('detail-state');

    // the second report: the board suggests the first (same organisation and system, same IP and domain); merged into it
    await coordinator.goto(`${system.boardUrl}/#/incident/${again}`);
    await detail.locator(`[data-testid="duplicate"][data-incident-id="${first}"]`).waitFor({ timeout: 20_000 });
    const merge = detail.getByTestId('action-merge');
    await merge.getByTestId('merge-into').fill(first);
    await merge.locator('input[name="reason"]').fill('Cùng một vụ tấn công');
    await merge.locator('button').click();
    await state.filter({ hasText: lifecycleStateLabels.vi.merged }).waitFor({ timeout: 20_000 });

    // the first: acknowledged, triaged by the coordinator, then an order to the routed liaison
    await coordinator.goto(`${system.boardUrl}/#/incident/${first}`);
    await detail.getByTestId('action-acknowledge').locator('button').click();
    await state.filter({ hasText: lifecycleStateLabels.vi.acknowledged }).waitFor({ timeout: 20_000 });
    const triage = detail.getByTestId('action-triage');
    await triage.getByTestId('triage-severity').selectOption('normal');
    await triage.getByTestId('triage-priority').selectOption('P3');
    await triage.getByTestId('triage-category').selectOption('defacement');
    await triage.locator('button').click();
    await state.filter({ hasText: lifecycleStateLabels.vi.triaged }).waitFor({ timeout: 20_000 });
    expect(await detail.textContent()).toContain('P3');
    const order = detail.getByTestId('action-issue_coordination_order');
    await order.locator('input[name="addressees"][value="lia-01-sec-officer"]').check();
    await order.locator('textarea[name="instructions"]').fill('Cô lập máy chủ web, giữ nguyên nhật ký truy cập');
    await order.locator('button').click();
    const addressee = detail.getByTestId('order-addressee'); // the one addressee of the one order
    await addressee.and(coordinator.locator('[data-answered="false"]')).waitFor({ timeout: 20_000 });

    // the liaison answers the order on its own page; the coordinator's page shows it answered, live
    const liaison = await browser.newPage();
    liaison.on('pageerror', (e) => errors.push(String(e)));
    await open(liaison, 'lienlac.hanoi');
    await liaison.goto(`${system.boardUrl}/#/incident/${first}`);
    const answer = liaison.getByTestId('action-answer_coordination_order');
    await answer.locator('textarea[name="answer"]').fill('Đã cô lập máy chủ, nhật ký được giữ');
    await answer.locator('button').click();
    await addressee.and(coordinator.locator('[data-answered="true"]')).waitFor({ timeout: 20_000 });
    // answered: the order is no longer among the liaison's actions
    await liaison.getByTestId('action-answer_coordination_order').waitFor({ state: 'detached', timeout: 20_000 });
    expect(errors).toEqual([]);
  });

  it('a dropped connection resumes from its position: what happened meanwhile arrives once, in order, with no new snapshot', async () => {
    let online = true;
    const connections: { fromPage: any[]; toPage: any[]; drop(): void }[] = [];
    const page = await browser.newPage();
    // the page's feed socket goes through the test, which can cut it and keep it cut
    await page.routeWebSocket(/\/api\/v2\/feed/, (ws) => {
      if (!online) return void ws.close({ code: 4000, reason: 'test: offline' });
      const server = ws.connectToServer();
      const connection = { fromPage: [] as any[], toPage: [] as any[], drop: () => void ws.close({ code: 4000, reason: 'test: dropped' }) };
      connections.push(connection);
      ws.onMessage((m) => {
        connection.fromPage.push(JSON.parse(String(m)));
        server.send(m);
      });
      server.onMessage((m) => {
        connection.toPage.push(JSON.parse(String(m)));
        ws.send(m);
      });
    });
    await open(page, 'dieuphoi');
    const coordinator = await sessionToken(system.names.redisPrefix, 'dieuphoi');
    const submitter = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    const file = async (title: string) => {
      const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title }), bearer(submitter));
      expect(posted.status).toBe(202);
      return posted.json.incidentId as string;
    };
    const row = (id: string) => page.locator(`[data-testid="incident"][data-incident-id="${id}"]`);
    const first = await file('Trước khi mất kết nối');
    await row(first).waitFor({ timeout: 20_000 });
    const hanoiTotal = page.locator('[data-testid="unit-tile"][data-unit="01"] [data-testid="unit-total"]');
    const totalBefore = Number(await hanoiTotal.textContent());

    online = false;
    connections[0]!.drop();
    await page.locator('[data-testid="connection-status"][data-status="reconnecting"]').waitFor();
    const during = [await file('Trong lúc mất kết nối 1'), await file('Trong lúc mất kết nối 2')];
    // both are on the board's change log before the page comes back
    for (const id of during) {
      for (let tries = 0; ; tries++) {
        const answer = await fetch(`${system.boardUrl}/api/v1/incidents/${id}`, { headers: bearer(coordinator) });
        if (answer.status === 200) break;
        if (tries > 200) throw new Error(`incident ${id} never projected`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(await row(during[0]!).count()).toBe(0);
    online = true;
    await page.locator('[data-testid="connection-status"][data-status="live"]').waitFor({ timeout: 30_000 });
    for (const id of during) await row(id).waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="unit-tile"][data-unit="01"] [data-testid="unit-total"]', { hasText: String(totalBefore + 2) }).waitFor({ timeout: 20_000 });

    // each shown once; the new connection resumed (no snapshot), and its frames moved forward in order
    for (const id of [first, ...during]) expect(await row(id).count()).toBe(1);
    const resumed = connections.at(-1)!;
    expect(resumed.fromPage[0]).toMatchObject({ type: 'resume', position: expect.stringMatching(/^\d+-\d+$/) });
    expect(resumed.toPage.filter((f) => f.type === 'snapshot')).toEqual([]);
    const upserted = resumed.toPage.filter((f) => f.type === 'delta').flatMap((f) => f.upserts.map((u: { id: string }) => u.id));
    expect(upserted).toEqual(expect.arrayContaining(during));
    const bySub = new Map<string, string[]>();
    for (const f of resumed.toPage.filter((f) => f.type === 'delta')) bySub.set(f.sub, [...(bySub.get(f.sub) ?? []), f.position]);
    for (const positions of bySub.values()) expect(positions).toEqual([...positions].sort(comparePositions));
    await page.close();
  });

  it('a page away longer than the change log keeps is told to reload, and shows fresh snapshots', async () => {
    let online = true;
    const toPage: any[] = [];
    let drop = () => {};
    const page = await browser.newPage();
    await page.routeWebSocket(/\/api\/v2\/feed/, (ws) => {
      if (!online) return void ws.close({ code: 4000, reason: 'test: offline' });
      const server = ws.connectToServer();
      drop = () => void ws.close({ code: 4000, reason: 'test: dropped' });
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        toPage.push(JSON.parse(String(m)));
        ws.send(m);
      });
    });
    await open(page, 'dieuphoi');
    await page.getByTestId('queue-total').filter({ hasText: /^\d+$/ }).waitFor({ timeout: 20_000 }); // its snapshot is in
    online = false;
    drop();
    await page.locator('[data-testid="connection-status"][data-status="reconnecting"]').waitFor();
    const submitter = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'Trong lúc nhật ký bị cắt' }), bearer(submitter));
    expect(posted.status).toBe(202);
    const redis = testRedis();
    try {
      await waitFor('the report projected', () => readIncident(redis, system.names.redisPrefix, posted.json.incidentId));
      // the log no longer holds what the page missed (as when its cap trimmed it)
      await redis.xtrim(incidentKeys(system.names.redisPrefix).changes, 'MAXLEN', 0);
    } finally {
      redis.disconnect();
    }
    const before = toPage.length;
    online = true;
    await page.locator(`[data-testid="incident"][data-incident-id="${posted.json.incidentId}"]`).waitFor({ timeout: 30_000 });
    const after = toPage.slice(before);
    expect(after.find((f) => f.type === 'reload')).toMatchObject({ reason: 'gap_too_old' });
    expect(after.some((f) => f.type === 'snapshot')).toBe(true);
    expect(await page.locator(`[data-testid="incident"][data-incident-id="${posted.json.incidentId}"]`).count()).toBe(1);
    await page.close();
  });

  it('a submitter files Biểu mẫu 03 from the page (checked in Vietnamese, kept as a draft, sent to intake with a file), follows its status and sends a follow-up', async () => {
    const errors: string[] = [];
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await open(page, 'hanoi.baocao');
    const form = page.getByTestId('report-form');
    await form.getByTestId('field-title').fill('Trang web bị thay đổi giao diện');
    await form.getByTestId('send-report').click();
    expect(await form.getByTestId('error-description').textContent()).toBe('Vui lòng nhập trường này');
    expect(await form.getByTestId('error-detection').textContent()).toBe('Vui lòng chọn ít nhất một mục');
    expect(await form.getByTestId('error-title').count()).toBe(0);
    await shoot(page, 'submitter');
    await form.getByTestId('save-draft').click();
    await page.reload();
    expect(await page.getByTestId('report-form').getByTestId('field-title').inputValue()).toBe('Trang web bị thay đổi giao diện');

    // the rest of the form; a phone intake would refuse is caught on the page first
    const fill = async (values: Record<string, string>) => {
      for (const [field, value] of Object.entries(values)) await form.getByTestId(`field-${field}`).fill(value);
    };
    await fill({
      description: 'Trang chủ hiển thị nội dung lạ từ 02:10.', detectedAt: '2026-12-01T02:10',
      organisationName: 'Sở Tài chính Hà Nội', organisationAddress: '38B Triệu Việt Vương, Hà Nội', organisationPhone: '12', organisationEmail: 'vanphong@sotaichinh.hanoi.gov.vn',
      contactName: 'Nguyễn Thị Hoa', contactPosition: 'Trưởng phòng CNTT', contactPhone: '0912 345 678', contactEmail: 'hoa.nt@sotaichinh.hanoi.gov.vn',
      systemOperator: 'Trung tâm Thông tin – Sở Tài chính',
    });
    await form.locator('input[name="detection.monitoring"]').check();
    await form.getByTestId('send-report').click();
    expect(await form.getByTestId('error-organisationPhone').textContent()).toContain('Số điện thoại không hợp lệ');
    await fill({ organisationPhone: '024 3976 2777' });
    await form.getByTestId('field-files').setInputFiles({ name: 'nhat-ky-web.log', mimeType: 'text/plain', buffer: Buffer.from('02:10 GET /index.php?cmd=deface\n') });
    await form.getByTestId('send-report').click();
    await form.locator('[data-testid="report-status"][data-kind="sent"]').waitFor({ timeout: 20_000 });
    const id = (await form.getByTestId('sent-incident').textContent())!;
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // the draft is gone with the report
    expect(await form.getByTestId('field-title').inputValue()).toBe('');

    // its status, live in its list, then on its page with the file
    const mine = page.locator(`[data-testid="incident"][data-incident-id="${id}"]`);
    await mine.waitFor({ timeout: 20_000 });
    // in the portal's words, as intake tells a submitter (Tiếp nhận, Đang xử lý, Kết thúc)
    expect(Object.values(portalStatusLabels.vi)).toContain(await mine.getByTestId('incident-state').textContent());
    await form.getByTestId('sent-incident').click();
    const detail = page.getByTestId('incident-detail');
    await detail.getByTestId('attachment').filter({ hasText: 'nhat-ky-web.log' }).waitFor({ timeout: 20_000 });
    expect(await detail.textContent()).toContain('Đơn vị báo cáo');

    // a follow-up: the empty one is refused on the page, the filled one reaches the incident
    const followUp = detail.getByTestId('follow-up-form');
    await followUp.getByTestId('send-follow-up').click();
    expect(await followUp.getByTestId('follow-up-error-situation').textContent()).toBe('Vui lòng nhập trường này');
    await followUp.locator('textarea[name="situation"]').fill('Đã khôi phục trang chủ từ bản sao lưu');
    await followUp.getByTestId('send-follow-up').click();
    await followUp.getByTestId('follow-up-result').filter({ hasText: 'Cập nhật tình hình: Đã gửi' }).waitFor({ timeout: 20_000 });
    await detail.locator('[data-testid="follow-up"][data-kind="situation_update"]').waitFor({ timeout: 20_000 });
    await shoot(page, 'submitter-incident');
    expect(errors).toEqual([]);
  });

  it('the reports screen shows Biểu mẫu 05 and the league table as the board computes them, with CSV to download', async () => {
    const page = await browser.newPage();
    await open(page, 'dieuphoi');
    // a report detected this year (Vietnam time), counted once the board has it
    const detectedAt = new Date(Date.now() - 3600_000);
    const year = new Date(detectedAt.getTime() + 7 * 3600_000).getUTCFullYear();
    const submitter = await sessionToken(system.names.redisPrefix, 'hanoi.baocao');
    const filed = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport({ title: 'Tính vào Biểu mẫu 05', detectedAt: detectedAt.toISOString() }), bearer(submitter));
    expect(filed.status).toBe(202);
    const coordinator = bearer(await sessionToken(system.names.redisPrefix, 'dieuphoi'));
    // acknowledged (once routed), so that the league table has a time to show
    for (let tries = 0; ; tries++) {
      const ack = await postJson(`${system.boardUrl}/api/v1/incidents/${filed.json.incidentId}/acknowledge`, { assigneeId: 'lia-01-sec-officer' }, coordinator);
      if (ack.status === 200) break;
      if (tries > 200) throw new Error(`never acknowledged: ${ack.status} ${ack.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const summaries = (name: string) => fetch(`${system.boardUrl}/api/v1/summaries/${name}?year=${year}`, { headers: coordinator }).then((r) => r.json() as Promise<any>);
    let expected: any;
    let league: any;
    for (let tries = 0; !(expected?.total > 0 && league?.rows.length > 0); tries++) {
      if (tries > 200) throw new Error('the report never counted');
      if (tries) await new Promise((r) => setTimeout(r, 100));
      [expected, league] = await Promise.all([summaries('bieu-mau-05'), summaries('league-table')]);
    }
    await page.getByTestId('tab-reports').click();
    await page.getByTestId('bm05-total').filter({ hasText: String(expected.total) }).waitFor({ timeout: 20_000 });
    const defacement = expected.byCategory.find((r: any) => r.category === 'defacement');
    expect(await page.locator('[data-testid="bm05-row"][data-category="defacement"]').getByTestId('bm05-count').textContent()).toBe(String(defacement.count));
    await page.getByTestId('league-row').first().waitFor();
    expect(await page.getByTestId('league-row').count()).toBe(league.rows.length);
    // the chart draws the first measure, a bar per row that has a time, named for screen readers with every row in words
    const charted = league.rows.filter((r: any) => r.measure === 'acknowledge' && r.medianMinutes !== null);
    const chart = page.getByRole('img', { name: 'Bảng xếp hạng thời gian xử lý: Xác nhận tiếp nhận (Trung vị, p90)' });
    await chart.waitFor();
    expect(await chart.getByTestId('league-bar').count()).toBe(charted.length);
    expect(await chart.locator('desc').textContent()).toContain(`${charted[0].name}: Trung vị`);
    await shoot(page, 'reports');
    // the CSV links download with the page's session
    const csv = await page.request.get(new URL((await page.getByTestId('bm05-csv').getAttribute('href'))!, system.boardUrl).toString());
    expect([csv.status(), csv.headers()['content-type']]).toEqual([200, 'text/csv; charset=utf-8']);
    expect((await csv.text()).split('\n')[0]).toContain('category,label,count');
    // a province coordinator gets its own province only
    const province = await browser.newPage();
    await open(province, 'hanoi.dieuphoi');
    await province.getByTestId('tab-reports').click();
    expect(await province.getByTestId('report-province').locator('option').allTextContents()).toEqual(['Hà Nội']);
  });

  it('someone not signed in sees only the sign-in form; the switch shows it in English', async () => {
    const page = await browser.newPage();
    await page.goto(system.boardUrl);
    await page.getByTestId('login-form').waitFor({ state: 'visible' });
    expect(await page.getByTestId('incident').count()).toBe(0);
    await shoot(page, 'sign-in');
    await page.getByTestId('language').click();
    expect(await page.getByTestId('login-submit').textContent()).toBe('Sign in');
    await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
  });

  it('a national coordinator makes an account, renames it and sets its password; an administrator disables it, revokes an API token, imports a directory roster, edits an entry in its form, adds one and removes it', async () => {
    const page = await browser.newPage();
    await open(page, 'quantri');
    await page.getByTestId('accounts').getByText('dieuphoi', { exact: true }).waitFor();
    expect(await page.getByTestId('accounts').textContent()).toContain('Điều phối quốc gia');
    await shoot(page, 'admin');

    // a new submitter account, made by a national coordinator (who alone grants a role that sees incidents), then disabled by the administrator
    const national = await browser.newPage();
    await open(national, 'dieuphoi');
    await national.getByTestId('tab-admin').click();
    const form = national.getByTestId('new-account');
    await form.locator('input[name="username"]').fill('thunghiem.web');
    await form.locator('input[name="name"]').fill('Tài khoản thử nghiệm');
    await form.locator('input[name="password"]').fill('mat-khau-du-dai-12');
    await form.locator('input[name="organisationId"]').fill('org-hub-01');
    await form.locator('input[name="roles"][value="submitter"]').check();
    await form.locator('input[name="provinceCodes"]').fill('01');
    await form.locator('button[type="submit"]').click();
    await national.locator('[data-testid="account"][data-username="thunghiem.web"]').waitFor({ timeout: 20_000 });
    // the national coordinator renames it and gives it a new password (on an account that sees incidents, theirs alone to set)
    const made = national.locator('[data-testid="account"][data-username="thunghiem.web"]');
    await made.getByTestId('account-name').fill('Tài khoản thử nghiệm Hà Nội');
    await made.getByTestId('account-password').fill('mat-khau-moi-du-dai');
    // the lists are read again meanwhile (a token issued on the same page): what is being typed stays
    const tokenForm = national.getByTestId('new-token');
    await tokenForm.locator('input[name="name"]').fill('Tích hợp thử nghiệm');
    await tokenForm.locator('input[name="scopes"]').first().check();
    await tokenForm.locator('button[type="submit"]').click();
    await national.locator('[data-testid="token"][data-name="Tích hợp thử nghiệm"]').waitFor({ timeout: 20_000 });
    expect(await made.getByTestId('account-name').inputValue()).toBe('Tài khoản thử nghiệm Hà Nội');
    await made.getByTestId('account-save').click();
    await made.locator('td', { hasText: 'Tài khoản thử nghiệm Hà Nội' }).waitFor({ timeout: 20_000 });
    expect(await made.getByTestId('account-password').inputValue()).toBe('');
    expect(await made.getByTestId('account-result').textContent()).toBe('Đã gửi');
    expect((await postJson(`${system.boardUrl}/api/v1/auth/login`, { username: 'thunghiem.web', password: 'mat-khau-du-dai-12' })).status).toBe(401);
    expect((await postJson(`${system.boardUrl}/api/v1/auth/login`, { username: 'thunghiem.web', password: 'mat-khau-moi-du-dai' })).status).toBe(200);
    await page.reload();
    const row = page.locator('[data-testid="account"][data-username="thunghiem.web"]');
    await row.waitFor({ timeout: 20_000 });
    await row.getByTestId('account-disabled').check();
    await row.getByTestId('account-save').click();
    await row.getByTestId('account-result').filter({ hasText: /./ }).waitFor();
    expect(await row.getByTestId('account-result').textContent()).toBe('Đã gửi');
    await page.locator('[data-testid="account"][data-username="thunghiem.web"][data-disabled="true"]').waitFor({ timeout: 20_000 });
    const signedIn = await postJson(`${system.boardUrl}/api/v1/auth/login`, { username: 'thunghiem.web', password: 'mat-khau-moi-du-dai' });
    expect(signedIn.status).not.toBe(200);

    // a token a province coordinator issued: the administrator revokes it
    const hub = bearer(await sessionToken(system.names.redisPrefix, 'hanoi.dieuphoi'));
    const issued = await postJson(`${system.boardUrl}/api/v1/tokens`, { name: 'SIEM thử nghiệm', scopes: ['reports:write'] }, hub);
    expect(issued.status).toBe(201);
    await page.reload();
    const token = page.locator('[data-testid="token"][data-name="SIEM thử nghiệm"]');
    await token.getByTestId('token-revoke').click();
    await page.locator('[data-testid="token"][data-name="SIEM thử nghiệm"][data-revoked="true"]').waitFor({ timeout: 20_000 });
    expect((await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), bearer(issued.json.secret))).status).toBe(401);

    // the liaisons' roster as dispatch exports it, imported again from the page
    const admin = bearer(await sessionToken(system.names.redisPrefix, 'quantri'));
    const roster = await fetch(`${system.dispatchUrl}/api/v1/directory/liaisons?format=csv`, { headers: admin }).then((r) => r.text());
    const count = roster.trim().split('\n').length - 1;
    const importing = page.getByTestId('directory-import');
    await importing.locator('select[name="entity"]').selectOption('liaisons');
    await importing.getByTestId('roster-file').setInputFiles({ name: 'liaisons.csv', mimeType: 'text/csv', buffer: Buffer.from(roster) });
    await importing.locator('input[name="reason"]').fill('Đối chiếu danh sách đầu mối');
    await importing.locator('button[type="submit"]').click();
    await importing.getByTestId('import-result').filter({ hasText: `Đã nhập: ${count}` }).waitFor({ timeout: 20_000 });

    // one enterprise's entry edited in its form: renamed; an emptied name is refused on the page, under the field, before anything is sent
    const editor = page.getByTestId('directory-editor');
    await editor.getByTestId('directory-entity').selectOption('enterprises');
    const entry = editor.getByTestId('directory-entry').first();
    await entry.waitFor({ timeout: 20_000 });
    const id = (await entry.getAttribute('data-id'))!;
    const entryUrl = (entity: string, key: string) => `${system.dispatchUrl}/api/v1/directory/${entity}/${key}`;
    const before = await fetch(entryUrl('enterprises', id), { headers: admin }).then((r) => r.json());
    await entry.getByTestId('directory-edit').click();
    const entryForm = entry.getByTestId('directory-entry-form');
    expect(await entryForm.getByLabel('Tên', { exact: true }).inputValue()).toBe(before.name);
    expect(await entryForm.getByTestId('dir-field-coverage').locator('input:checked').count()).toBe(before.coverage === 'nationwide' ? 1 : before.coverage.length);
    await shoot(page, 'directory-entry', entryForm);
    await entryForm.getByTestId('dir-field-name').fill(`${before.name} (đổi tên)`);
    await entryForm.getByTestId('directory-save').click();
    await editor.getByTestId('directory-result').filter({ hasText: `Đã gửi: ${id}` }).waitFor({ timeout: 20_000 });
    await editor.locator(`[data-testid="directory-entry"][data-id="${id}"]`, { hasText: `${before.name} (đổi tên)` }).waitFor({ timeout: 20_000 });
    expect(await fetch(entryUrl('enterprises', id), { headers: admin }).then((r) => r.json())).toEqual({ ...before, name: `${before.name} (đổi tên)` });
    await editor.locator(`[data-testid="directory-entry"][data-id="${id}"]`).getByTestId('directory-edit').click();
    await entryForm.getByTestId('dir-field-name').fill('');
    await entryForm.getByTestId('directory-save').click();
    expect(await entryForm.getByTestId('dir-error-name').textContent()).toBe('Vui lòng nhập trường này');
    expect(await entryForm.getByTestId('dir-field-name').getAttribute('aria-invalid')).toBe('true');
    expect(await entryForm.getByTestId('dir-field-name').evaluate((input) => input === document.activeElement)).toBe(true);
    expect((await fetch(entryUrl('enterprises', id), { headers: admin }).then((r) => r.json())).name).toBe(`${before.name} (đổi tên)`);

    // a new organisation: a province hub without its province passes the contract, and dispatch's refusal is shown under the province; then an agency, saved, and removed once confirmed
    await editor.getByTestId('directory-entity').selectOption('organisations');
    await editor.getByTestId('directory-new').click();
    const fresh = editor.getByTestId('directory-entry-form');
    for (const [field, value] of [
      ['id', 'org-thu-nghiem-web'], ['name', 'Trung tâm thử nghiệm'], ['shortName', 'TT thử nghiệm'],
      ['contact.phone', '024 3943 6684'], ['contact.email', 'lienhe@thunghiem.example.vn'],
      ['focalPoint.name', 'Nguyễn Văn Trực'], ['focalPoint.phone', '0912 345 678'], ['focalPoint.email', 'trucnv@thunghiem.example.vn'],
    ] as const) await fresh.getByTestId(`dir-field-${field}`).fill(value);
    await fresh.getByTestId('dir-field-type').selectOption('province_hub');
    await fresh.getByTestId('directory-save').click();
    await fresh.getByTestId('dir-error-provinceCode').filter({ hasText: 'Đầu mối cấp tỉnh phải có tỉnh/thành' }).waitFor({ timeout: 20_000 });
    expect(await fresh.getByTestId('directory-form-result').textContent()).toContain('Bị từ chối (400)');
    await expectAccessible(page, 'a new directory entry’s form, with a problem shown', '[data-testid="directory-entry-form"]');
    await fresh.getByTestId('dir-field-type').selectOption('agency');
    await fresh.getByTestId('directory-save').click();
    const added = editor.locator('[data-testid="directory-entry"][data-id="org-thu-nghiem-web"]');
    await added.waitFor({ timeout: 20_000 });
    expect(await fetch(entryUrl('organisations', 'org-thu-nghiem-web'), { headers: admin }).then((r) => r.json())).toMatchObject({ type: 'agency', provinceCode: null, membership: null, focalPoint: { name: 'Nguyễn Văn Trực' } });
    await added.getByTestId('directory-remove').click();
    await added.getByTestId('directory-remove-confirm').waitFor();
    expect((await fetch(entryUrl('organisations', 'org-thu-nghiem-web'), { headers: admin })).status).toBe(200);
    await added.getByTestId('directory-remove-yes').click();
    await added.waitFor({ state: 'detached', timeout: 20_000 });
    expect((await fetch(entryUrl('organisations', 'org-thu-nghiem-web'), { headers: admin })).status).toBe(404);
  }, 180_000);

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
