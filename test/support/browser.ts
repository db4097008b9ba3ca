// The web app in Debian's Chromium, headless (scripts/test.mjs installs it), for browser tests.
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { totpCode } from '@ucsc/shared';
import { demoPassword } from '@ucsc/board';

const demoTotp = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Accounts with a second factor that have signed in through the form in this run: a TOTP code is refused the second time within its window. */
const signedInWithTotp = new Set<string>();

/**
 * Signs in on the web app as a demo account, through the form (the TOTP step when the account has
 * one). An account with a second factor signs in through the form once per run; after that its
 * page gets a session of its own as a cookie (`session`), as a browser that signed in would hold,
 * since the same code is not accepted twice within 30 s.
 */
export async function signIn(page: Page, boardUrl: string, username: string, session?: () => Promise<string>): Promise<void> {
  if (session && signedInWithTotp.has(username)) {
    await page.context().addCookies([{ name: 'ucsc_session', value: await session(), url: boardUrl, httpOnly: true, sameSite: 'Strict' }]);
    await page.goto(boardUrl);
  } else {
    await page.goto(boardUrl);
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill(demoPassword);
    await page.getByTestId('login-submit').click();
    const totp = page.getByTestId('login-totp');
    const user = page.getByTestId('current-user');
    await Promise.race([totp.waitFor({ state: 'visible' }), user.waitFor()]);
    if (await totp.isVisible()) {
      await totp.fill(totpCode(demoTotp));
      await page.getByTestId('login-submit').click();
      signedInWithTotp.add(username);
    }
  }
  await page.locator('[data-testid="connection-status"][data-status="live"]').waitFor();
}

/**
 * What axe-core finds wrong on the page as it is now, of impact serious or critical (every rule it
 * has, none turned off), one line each with the elements it names: an empty list is a pass.
 */
export async function accessibilityProblems(page: Page, within?: string): Promise<string[]> {
  // legacy mode runs axe within the page: a page of browser.newPage() may not open the blank page
  // axe's default run assembles frames' results in, and the app has no frames to assemble
  const axe = new AxeBuilder({ page }).setLegacyMode(true);
  const { violations } = await (within ? axe.include(within) : axe).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ')}]` : ''}`).join('; ')}`);
}

/** The page (or the part `within` selects) passes axe in Vietnamese at the width it has and at 360 px (a phone); the width it had is put back. */
export async function expectAccessible(page: Page, screen: string, within?: string): Promise<void> {
  const width = page.viewportSize();
  for (const size of [width, { width: 360, height: 740 }]) {
    if (size) await page.setViewportSize(size);
    expect([screen, size?.width, await accessibilityProblems(page, within)]).toEqual([screen, size?.width, []]);
  }
  if (width) await page.setViewportSize(width);
}
