// The web app in Debian's Chromium, headless (scripts/test.mjs installs it), for browser tests.
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
