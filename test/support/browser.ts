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

/** Signs in on the web app as a demo account (the TOTP step when the account has one). */
export async function signIn(page: Page, boardUrl: string, username: string): Promise<void> {
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
  }
  await page.locator('[data-testid="connection-status"][data-status="live"]').waitFor();
}

