/**
 * The Zendesk app in Chromium when Meta has restricted the number's account (issue #14): the Meta sandbox posts an
 * `account_update` ACCOUNT_RESTRICTION webhook to the bridge; the panel, at the sidebar's 320 px, says at its top that
 * the number cannot send, why and until when, in English and Japanese, and its reply and template send buttons are
 * disabled with the reason. Once Meta lifts the restriction, the banner is gone and the reply can be sent again.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sidebarWidthPx } from '../../zendesk-app/host/page/template.js';
import { type RunningHostPage, startHostPage } from '../../zendesk-app/host/server.js';
import { chooseTemplate } from '../support/panel.js';
import { repositoryRoot } from '../support/processes.js';
import { buildZendeskApp } from '../support/zendesk-app.js';
import { type E2eWorld, launchRecordedBrowser, startE2eWorld } from './world.js';

const screenshots = join(repositoryRoot, 'test-results');
const restrictionDays = 3;

describe('the Zendesk app when Meta has restricted the number', () => {
  let world: E2eWorld;
  let hostPage: RunningHostPage;
  let browser: Browser;
  let context: BrowserContext;
  let appDirectory: string;

  const accountUpdate = async (details: Record<string, unknown>) => {
    await world.control('POST', `/sandbox/wabas/${world.wabaId}/account-update`, { event: 'ACCOUNT_RESTRICTION', details });
    await world.settle();
  };

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    const building = buildZendeskApp();
    world = await startE2eWorld({ helpdesk: 'zendesk', instance: 'blocked.zendesk.com' });
    appDirectory = await building;
    hostPage = await startHostPage({
      appDirectory,
      bridgeUrl: world.bridge.url,
      deploymentId: world.deploymentId,
      installationToken: world.token,
      locale: 'en-US',
      tickets: [{ id: 101, subject: 'Where is my order?', requesterName: 'Hanako Yamada', requesterPhone: '+81 90-1234-0001' }],
    });
    ({ browser, context } = await launchRecordedBrowser([]));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await hostPage?.close();
    await world?.close();
    if (appDirectory) await rm(appDirectory, { recursive: true, force: true });
  });

  async function openTicket(locale: string): Promise<{ page: Page; app: Frame }> {
    const page = await context.newPage();
    await page.goto(`${hostPage.url}/?ticket=101&locale=${locale}`);
    const app = page.frame({ name: 'wabridge-app' });
    if (app === null) throw new Error('the app iframe is missing');
    await app.waitForSelector('[data-testid="window-card"]', { timeout: 10_000 });
    return { page, app };
  }

  /** The sidebar as the helpdesk shows it: the app's iframe at its width, whole (it sizes itself to the panel). */
  async function sidebarScreenshot(page: Page, name: string) {
    await page.setViewportSize({ width: 1200, height: 2400 });
    await page.locator('aside iframe').evaluate((frame: { style: { width: string } }, width: number) => {
      frame.style.width = `${width}px`;
    }, sidebarWidthPx);
    await page.locator('aside iframe').screenshot({ path: join(screenshots, name) });
  }

  it('says so at the top, in English and Japanese, and turns the sends off with the reason', async () => {
    const expiration = Math.floor(Date.now() / 1000) + restrictionDays * 24 * 3600;
    // The ticket's customer wrote (their window is open): a restriction on answering them stops the panel's sends.
    await accountUpdate({ restriction_info: [{ restriction_type: 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING', expiration }] });

    const { page, app } = await openTicket('en-US');
    const banner = app.getByTestId('number-cannot-send');
    await expect.poll(() => banner.textContent(), { timeout: 10_000 }).toContain('This WhatsApp number cannot send messages');
    expect(await banner.textContent()).toMatch(/restricted the account’s messaging until .+\./);
    // Above the window card: the first thing the agent reads.
    const bannerTop = (await banner.boundingBox())!.y;
    expect(bannerTop).toBeLessThan((await app.getByTestId('window-card').boundingBox())!.y);
    // The customer's window is open, yet the reply is off, and says why.
    await expect.poll(() => app.getByTestId('window-card').textContent()).toContain('Open');
    // The window card does not contradict the banner: the window is open, but not for this number now.
    expect(await app.getByTestId('window-card').textContent()).toContain('but not from this number now');
    expect(await app.getByTestId('window-card').textContent()).not.toContain('You can reply freely');
    await app.getByLabel('Message').fill('Your order ships tomorrow.');
    expect(await app.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(true);
    expect(await app.getByTestId('blocked-reason').first().textContent()).toBe(
      'This WhatsApp number cannot send messages now (see above).',
    );
    await sidebarScreenshot(page, 'zendesk-number-blocked-en.png');
    await chooseTemplate(app, 'order_confirmation');
    const inputs = app.locator('form input');
    for (const [index, value] of ['山田', 'ORD-777', '12月1日'].entries()) await inputs.nth(index).fill(value);
    expect(await app.getByRole('button', { name: 'Send template' }).isDisabled()).toBe(true);
    const form = app.getByRole('form', { name: 'Selected template' });
    expect(await form.getByTestId('blocked-reason').textContent()).toBe(
      'This WhatsApp number cannot send messages now (see above).',
    );
    await sidebarScreenshot(page, 'zendesk-number-blocked-template-en.png');
    await page.close();

    const japanese = await openTicket('ja');
    const bannerJa = japanese.app.getByTestId('number-cannot-send');
    await expect
      .poll(() => bannerJa.textContent(), { timeout: 10_000 })
      .toContain('この WhatsApp 番号はメッセージを送信できません');
    expect(await bannerJa.textContent()).toMatch(/Meta が .+ までアカウントのメッセージ送信を制限しています。/);
    expect(await japanese.app.getByRole('button', { name: '返信を送信' }).isDisabled()).toBe(true);
    expect(await japanese.app.getByTestId('blocked-reason').first().textContent()).toBe(
      'この WhatsApp 番号は現在送信できません（上記を参照）。',
    );
    await sidebarScreenshot(japanese.page, 'zendesk-number-blocked-ja.png');
    await japanese.page.close();
  });

  it('lets the agent reply again once Meta lifts the restriction', async () => {
    await accountUpdate({ restriction_info: [] });
    const { page, app } = await openTicket('en-US');
    await expect.poll(() => app.getByTestId('window-card').textContent()).toContain('Open');
    expect(await app.getByTestId('number-cannot-send').count()).toBe(0);
    await app.getByLabel('Message').fill('Your order ships tomorrow.');
    await expect.poll(() => app.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(false);
    await app.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => app.locator('body').textContent(), { timeout: 10_000 }).toContain('Reply sent.');
    await page.close();
  });
});
