import type { FastifyInstance } from 'fastify';
import { ulid } from 'ulid';
import { loadConfig, loadDirectoryFiles, makeEnvelope, Publisher, type Envelope } from '@ucsc/shared';
import { seedDirectory } from '@ucsc/dispatch';
import { buildApp as buildBoard, boardConfigSchema } from '@ucsc/board';
import { buildApp, notifierConfigSchema } from '@ucsc/notifier';
import { bearer, createTopics, sessionToken, testKafka, testLogger, uniqueNames, waitFor, type TestNames } from '../../../test/support';
import { freePort } from '../../../test/support/system';
import { expectAccessible, launchChromium, signIn } from '../../../test/support/browser';
import { Catcher, ctx, reported } from './support';

// The in-app notifications as the web app reaches them: through the board (which forwards
// /api/v1/notifications* to the notifier), authenticated by the board's sessions, scoped to the
// user, live over Server-Sent Events; and the preferences, including the email's language.
const leader = { kind: 'liaison', id: 'lia-01-sec-leader', name: 'Lãnh đạo ATTT Hà Nội', organisationId: 'org-dept-security', organisationName: 'Cục ATTT', role: 'leader' } as const;
const officer = { ...leader, id: 'lia-01-sec-officer', name: 'Cán bộ ATTT Hà Nội', role: 'officer' } as const;
const leaderEmail = 'taidq@attt.example.gov.vn';
const officerEmail = 'hainx@attt.example.gov.vn';

/** A Server-Sent Events client over fetch that keeps every event it receives. */
async function openStream(url: string, headers: Record<string, string>): Promise<{ status: number; events: { event: string; data: any }[]; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: { event: string; data: any }[] = [];
  if (response.body) {
    void (async () => {
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += Buffer.from(chunk).toString('utf8');
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // closed by the test
      }
    })();
  }
  return { status: response.status, events, close: () => controller.abort() };
}

describe('in-app notifications and preferences, through the board', () => {
  const catcher = new Catcher();
  let names: TestNames;
  let board: FastifyInstance;
  let notifier: FastifyInstance;
  let boardUrl: string;
  let publisher: Publisher;
  let leaderToken: string;
  let officerToken: string;

  beforeAll(async () => {
    await catcher.start();
    names = uniqueNames('notifier-inapp');
    await createTopics(names.prefix);
    await seedDirectory({ kafka: testKafka(), prefix: names.prefix, data: loadDirectoryFiles(), logger: testLogger });
    // the board forwards to the notifier, and the notifier exchanges sessions at the board
    const notifierPort = await freePort();
    board = await buildBoard(loadConfig(boardConfigSchema, { ...names.env, INTAKE_PUBLIC_URL: 'http://127.0.0.1:9', NOTIFIER_URL: `http://127.0.0.1:${notifierPort}` }), { logger: testLogger });
    boardUrl = await board.listen({ host: '127.0.0.1', port: await freePort() });
    names.env.IDENTITY_URL = boardUrl;
    notifier = await buildApp(loadConfig(notifierConfigSchema, { ...names.env, SMTP_URL: `smtp://127.0.0.1:${catcher.port}`, BOARD_URL: boardUrl }), { logger: testLogger });
    await notifier.listen({ host: '127.0.0.1', port: notifierPort });
    publisher = new Publisher(testKafka(), names.prefix, testLogger);
    leaderToken = await sessionToken(names.redisPrefix, 'lanhdao.hanoi'); // acts for lia-01-sec-leader
    officerToken = await sessionToken(names.redisPrefix, 'lienlac.hanoi'); // acts for lia-01-sec-officer
  });
  afterAll(async () => {
    await publisher?.close();
    await board?.close();
    await notifier?.close();
    await catcher.close();
  });

  const publish = (events: Envelope[]) => publisher.publish('incidentEvents', events as never);
  const assign = (incidentId: string, ...assignees: (typeof leader | typeof officer)[]) => makeEnvelope('incident.assigned', { incidentId, provinceCode: '01', assignees: [...assignees], reasons: ['rule'] }, ctx);
  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${boardUrl}${path}`, { method, headers: { ...bearer(token), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, json: (await response.json().catch(() => undefined)) as any };
  };

  it('a new notification reaches the open stream at once; the list pages newest first, marks read and unread again, and shows each user only their own', async () => {
    const stream = await openStream(`${boardUrl}/api/v1/notifications/stream`, bearer(leaderToken));
    try {
      expect(stream.status).toBe(200);
      const first = ulid();
      const red = ulid();
      await publish([reported(first, 'AMBER', 'Tấn công cổng dịch vụ công'), assign(first, leader)]);
      const live = await waitFor('the live notification', () => stream.events.find((e) => e.data.incidentId === first));
      expect(live.event).toBe('notification');
      expect(live.data).toMatchObject({ incidentId: first, kind: 'assigned', recipientId: leader.id, title: 'Tấn công cổng dịch vụ công', read: false });

      // two more, one after the other: a TLP:RED one (no title anywhere in the app), then a reminder
      await publish([reported(red, 'RED', 'Rò rỉ bí mật nhà nước'), assign(red, leader)]);
      await waitFor('two on the stream', () => stream.events.length >= 2 || undefined);
      await publish([makeEnvelope('incident.deadline_reminded', { incidentId: first, deadlineKey: 'ack', kind: 'acknowledge', basis: 'legal', dueAt: '2026-11-20T04:00:00.000Z', firedAt: '2026-11-20T03:00:00.000Z', assigneeId: leader.id }, ctx)]);
      await waitFor('three on the stream', () => stream.events.length >= 3 || undefined);

      const page1 = await api(leaderToken, 'GET', '/api/v1/notifications?limit=2');
      expect(page1.status).toBe(200);
      expect(page1.json.unread).toBe(3);
      expect(page1.json.items).toHaveLength(2);
      const page2 = await api(leaderToken, 'GET', `/api/v1/notifications?limit=2&before=${page1.json.next}`);
      expect(page2.json.items).toHaveLength(1);
      expect(page2.json.next).toBeUndefined();
      // newest first: the reminder, the RED incident's assignment, the first assignment
      const all = [...page1.json.items, ...page2.json.items];
      expect(all.map((i: { kind: string; incidentId: string }) => [i.kind, i.incidentId])).toEqual([
        ['reminder', first],
        ['assigned', red],
        ['assigned', first],
      ]);
      const redItem = all.find((i: { incidentId: string }) => i.incidentId === red);
      expect(redItem.title).toBeUndefined();
      expect(JSON.stringify(stream.events)).not.toContain('Rò rỉ');

      // another user acting for someone else sees none of them, and cannot mark them read
      expect((await api(officerToken, 'GET', '/api/v1/notifications')).json).toEqual({ items: [], unread: 0 });
      expect((await api(officerToken, 'POST', '/api/v1/notifications/read', { ids: [redItem.id] })).json).toEqual({ unread: 0 });
      expect((await api(leaderToken, 'GET', '/api/v1/notifications')).json.unread).toBe(3);

      const marked = await api(leaderToken, 'POST', '/api/v1/notifications/read', { ids: [redItem.id] });
      expect(marked).toEqual({ status: 200, json: { unread: 2 } });
      const after = (await api(leaderToken, 'GET', '/api/v1/notifications')).json.items as { id: string; read: boolean }[];
      expect(after.filter((i) => i.read).map((i) => i.id)).toEqual([redItem.id]);
      expect((await api(leaderToken, 'POST', '/api/v1/notifications/read', { all: true })).json).toEqual({ unread: 0 });

      // one marked unread again after "all read": it counts and shows unread, until read once more
      expect((await api(officerToken, 'POST', '/api/v1/notifications/unread', { ids: [redItem.id] })).json).toEqual({ unread: 0 });
      expect((await api(leaderToken, 'GET', '/api/v1/notifications')).json.unread).toBe(0);
      expect(await api(leaderToken, 'POST', '/api/v1/notifications/unread', { ids: [redItem.id] })).toEqual({ status: 200, json: { unread: 1 } });
      const again = (await api(leaderToken, 'GET', '/api/v1/notifications')).json.items as { id: string; read: boolean }[];
      expect(again.filter((i) => !i.read).map((i) => i.id)).toEqual([redItem.id]);
      expect(await api(leaderToken, 'POST', '/api/v1/notifications/read', { ids: [redItem.id] })).toEqual({ status: 200, json: { unread: 0 } });
      expect((await api(leaderToken, 'POST', '/api/v1/notifications/unread', { ids: [] })).status).toBe(400);
    } finally {
      stream.close();
    }
  });

  it('refuses without a session, and names the field and rule of bad input', async () => {
    expect((await fetch(`${boardUrl}/api/v1/notifications`)).status).toBe(401);
    const badLimit = await api(leaderToken, 'GET', '/api/v1/notifications?limit=1000');
    expect(badLimit.status).toBe(400);
    expect(JSON.stringify(badLimit.json.problems)).toContain('limit');
    const badRead = await api(leaderToken, 'POST', '/api/v1/notifications/read', { ids: [] });
    expect(badRead.status).toBe(400);
    expect(badRead.json.problems.map((p: { field: string; rule: string }) => [p.field, p.rule])).toEqual([['body.ids', 'too_small']]);
    const both = await api(leaderToken, 'POST', '/api/v1/notifications/read', { ids: ['x'], all: true });
    expect(both.status).toBe(400);
    expect(both.json.message + JSON.stringify(both.json.problems)).toContain('either ids or all');
    const badHours = await api(leaderToken, 'PUT', `/api/v1/notifications/preferences/${leader.id}`, { channels: ['email'], quietHours: { start: '25:00', end: '07:00' } });
    expect(badHours.status).toBe(400);
    expect(badHours.json.problems.map((p: { field: string }) => p.field)).toContain('body.quietHours.start');
    const badChannel = await api(leaderToken, 'PUT', `/api/v1/notifications/preferences/${leader.id}`, { channels: ['sms'] });
    expect(badChannel.status).toBe(400);
    expect(badChannel.json.problems.map((p: { field: string }) => p.field).join()).toContain('body.channels');
    // someone else's addressee
    expect((await api(officerToken, 'PUT', `/api/v1/notifications/preferences/${leader.id}`, { channels: [] })).status).toBe(404);
  });

  it('a board whose notifier is down answers 503 notifier_unavailable with Retry-After, never a 500', async () => {
    const alone = await buildBoard(loadConfig(boardConfigSchema, { ...names.env, INTAKE_PUBLIC_URL: 'http://127.0.0.1:9', NOTIFIER_URL: 'http://127.0.0.1:9' }), { logger: testLogger });
    try {
      const url = await alone.listen({ host: '127.0.0.1', port: await freePort() });
      for (const path of ['/api/v1/notifications', '/api/v1/notifications/stream']) {
        const answer = await fetch(`${url}${path}`, { headers: bearer(leaderToken) });
        expect([answer.status, answer.headers.get('retry-after'), ((await answer.json()) as { error: string }).error]).toEqual([503, '5', 'notifier_unavailable']);
      }
    } finally {
      await alone.close();
    }
  });

  it('the email is in the language each addressee chose: English when chosen, Vietnamese by default', async () => {
    const prefs = await api(leaderToken, 'GET', '/api/v1/notifications/preferences');
    expect(prefs.json.addressees).toEqual(expect.arrayContaining([{ recipientId: leader.id, name: 'Dương Quang Tài', self: false, preferences: { channels: ['email', 'webhook', 'inapp'], language: 'vi' } }]));
    expect(prefs.json.addressees.filter((a: { self: boolean }) => a.self)).toHaveLength(1);
    const put = await api(leaderToken, 'PUT', `/api/v1/notifications/preferences/${leader.id}`, { channels: ['email', 'inapp'], quietHours: { start: '22:00', end: '06:30' }, language: 'en' });
    expect(put).toEqual({ status: 200, json: { recipientId: leader.id, preferences: { channels: ['email', 'inapp'], quietHours: { start: '22:00', end: '06:30' }, language: 'en' } } });
    const incidentId = ulid();
    // a severe incident: sent at once whatever the clock says of the leader's quiet hours
    await publish([reported(incidentId, 'GREEN', 'Mã độc tống tiền'), makeEnvelope('incident.severity_changed', { incidentId, to: 'severe', reason: 'cấp độ 4' }, ctx), assign(incidentId, leader, officer)]);
    const english = await waitFor('the English email', () => catcher.to(leaderEmail).find((m) => m.text?.includes(incidentId)));
    const vietnamese = await waitFor('the Vietnamese email', () => catcher.to(officerEmail).find((m) => m.text?.includes(incidentId)));
    expect(english.subject).toBe('Incident assigned to you: Mã độc tống tiền');
    expect(english.text).toContain(`Open and act: ${boardUrl}/#/incident/${incidentId}`);
    expect(vietnamese.subject).toBe('Được giao xử lý sự cố: Mã độc tống tiền');
    expect(vietnamese.text).toContain(`Xem và xử lý: ${boardUrl}/#/incident/${incidentId}`);
  });

  it('in the browser: the bell counts a new notification without a reload, the panel lists it, marks it read and unread again', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await signIn(page, boardUrl, 'lienlac.hanoi');
      const unread = page.getByTestId('notifications-unread');
      await unread.waitFor();
      const before = Number(await unread.textContent());
      const incidentId = ulid();
      await publish([reported(incidentId, 'AMBER', 'Website Sở bị thay đổi giao diện'), assign(incidentId, officer)]);
      await page.locator('[data-testid="notifications-unread"]', { hasText: String(before + 1) }).waitFor({ timeout: 20_000 });
      await page.getByTestId('notifications-bell').click();
      const item = page.getByTestId('notification').first();
      expect(await item.textContent()).toContain('Được giao xử lý sự cố');
      expect(await item.textContent()).toContain('Website Sở bị thay đổi giao diện');
      expect(await item.getByRole('link').getAttribute('href')).toBe(`#/incident/${incidentId}`);
      await expectAccessible(page, 'the notifications panel');
      await page.getByTestId('notifications-mark-all').click();
      await page.locator('[data-testid="notifications-unread"]', { hasText: '0' }).waitFor();
      // the server agrees: the marks are the user's, not the page's
      expect((await api(officerToken, 'GET', '/api/v1/notifications')).json.unread).toBe(0);
      // and one is marked unread again, to come back to
      await item.getByTestId('notification-mark-unread').click();
      await page.locator('[data-testid="notifications-unread"]', { hasText: '1' }).waitFor();
      await page.locator('[data-testid="notification"].unread').first().waitFor();
      expect((await api(officerToken, 'GET', '/api/v1/notifications')).json.unread).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
