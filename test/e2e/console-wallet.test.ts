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
import { type PerMessageRateCard, seedRateCards } from '@wabridge/shared';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBillingReport } from '../../bridge-server/src/wallet/usage.js';
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

/** The seed card in force as Meta's CSV, with Brazil's utility rate doubled and India left out. */
function newRateCardCsv(): string {
  const seed = seedRateCards.find((card) => card.id === 'pmp-2025-07-01') as PerMessageRateCard;
  const decimal = (micro: number | null) => (micro === null ? 'n/a' : String(micro / 1_000_000));
  const rows = Object.entries(seed.rates)
    .filter(([market]) => market !== 'India')
    .map(([market, rates]) =>
      [
        `"${market}"`,
        'USD',
        decimal(rates.marketingMicro),
        decimal(market === 'Brazil' ? rates.utilityMicro * 2 : rates.utilityMicro),
        decimal(rates.authenticationMicro),
        decimal(rates.authenticationInternationalMicro),
        decimal(rates.serviceMicro),
      ].join(','),
    );
  return [
    'WhatsApp Business Platform rate card (USD)',
    'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service',
    ...rows,
  ].join('\r\n');
}

describe('the console’s wallet in Chromium', () => {
  let world: E2eWorld;
  let browser: Browser;
  let context: BrowserContext;
  let consoleDir: string;
  let otherAccountId: string;
  let paidMessageId: string;
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
    const signInHeading = page.getByRole('heading', { name: 'Sign in' });
    await page.getByTestId('who').or(signInHeading).waitFor();
    // The context keeps its session cookie from one test to the next.
    if (await signInHeading.isVisible()) {
      await page.getByLabel('Administrator token or account admin credential').fill(secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('who').waitFor();
    }
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
        ticket: { helpdesk: 'zendesk', id: '4321' },
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

  it('as the operator: buys points with the receipt, and a send’s charge shows in the charts and the ledger', async () => {
    const { page, said } = await openConsole(context, world.adminToken);
    try {
      await page.getByLabel('Account', { exact: true }).selectOption(world.accountId);
      await page.getByRole('tab', { name: 'Points' }).click();
      // A declined card first: nothing bought, and the payments say why.
      await page.getByRole('spinbutton', { name: 'Points', exact: true }).fill('500');
      await page.getByLabel('Payment method').first().selectOption('pm_sandbox_declined');
      await page.getByRole('button', { name: 'Buy', exact: true }).click();
      await expect.poll(() => page.getByTestId('payment-why').first().textContent()).toBe('The card was declined.');
      await page.getByLabel('Payment method').first().selectOption('pm_sandbox_succeeds');
      await page.getByRole('spinbutton', { name: 'Points', exact: true }).fill('1000');
      await page.getByRole('button', { name: 'Buy', exact: true }).click();
      // ¥3 a point: ¥3,000, the provider's fee 3% ¥90, tax 10% of both ¥309, total ¥3,399.
      await expect.poll(() => page.getByTestId('receipt').textContent()).toContain('1,000');
      expect(await page.getByTestId('receipt').textContent()).toContain('total ¥3,399');
      await photograph(page, 'receipt', async () => {
        await expect.poll(() => page.getByTestId('receipt').textContent()).toContain('合計 ￥3,399');
      });
      await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('1,000');

      const messageId = await sendPaidTemplate('+819012340021');
      paidMessageId = messageId;
      await page.getByRole('tab', { name: 'Charts' }).click();
      const balance = page.getByTestId('chart-balance');
      await balance.locator('.recharts-line-curve').first().waitFor();
      // A charge of a few points on a balance of 1,000 must move the line visibly, not by a pixel or two.
      expect(await verticalSpread(balance, '#1f73b7')).toBeGreaterThan(0.3);
      expect(await page.getByTestId('chart-per-day').locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
      await photograph(page, 'charts', async () => {
        await expect.poll(() => balance.locator('.recharts-legend-wrapper').textContent()).toContain('残高');
      });

      // The ledger: newest first, the charge on top; filtered to charges only; and the same filter as CSV.
      await page.getByRole('tab', { name: 'Points' }).click();
      const ledger = page.getByTestId('ledger');
      await expect.poll(() => ledger.locator('tbody tr').first().getAttribute('data-kind')).toBe('capture');
      const filters = page.getByRole('form', { name: 'Ledger filters' });
      await filters.getByLabel('Kind').selectOption('capture');
      const today = new Date();
      const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
      await filters.getByLabel('From').fill(day);
      await filters.getByLabel('To').fill(day);
      await filters.getByLabel('Helpdesk').selectOption('zendesk');
      await filters.getByLabel('Number').selectOption(world.deploymentId);
      // Another ticket's charges: none.
      await filters.getByLabel('Ticket').fill('9999');
      await filters.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('No entries match.').waitFor();
      await filters.getByLabel('Ticket').fill('4321');
      await filters.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => ledger.locator('tbody tr').count()).toBe(1);
      expect(await ledger.locator('tbody tr').first().getAttribute('data-kind')).toBe('capture');
      expect(await ledger.locator('tbody tr').first().textContent()).toContain('-12');
      expect(await ledger.locator('tbody tr').first().textContent()).toContain('zendesk #4321');
      // Why, in the console's words (the ledger's English sentence stays in the cell's title).
      const reason = ledger.getByTestId('ledger-reason').first();
      expect(await reason.textContent()).toBe('Meta billed the message: charged');
      expect(await reason.getAttribute('title')).toMatch(/^Meta billed it \(/);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ledger-csv').click()]);
      const csv = await readFile((await download.path()) ?? '', 'utf8');
      const lines = csv.trimEnd().split('\r\n');
      expect(lines[0]).toMatch(/^\uFEFFid,created_at,kind,balance_delta_points/);
      expect(lines.slice(1)).toEqual([expect.stringContaining(`,capture,-12,-12,`)]);
      expect(lines[1]).toContain(messageId);
      await photograph(page, 'points', async () => {
        // The declined payment is the older of the two (payments are listed newest first).
        await expect.poll(() => page.getByTestId('payment-why').last().textContent()).toBe('カードが拒否されました。');
        expect(await page.getByTestId('ledger-reason').first().textContent()).toBe('Meta がメッセージに課金しました: 請求');
      });

      // The reconciliation: Meta billed the message, we charged it: matched.
      await page.getByRole('tab', { name: 'Reconciliation' }).click();
      const matched = page.getByTestId('reconciliation-summary').locator('tr[data-class="matched"]');
      await expect.poll(() => matched.textContent()).toContain('12');
      await page.getByTestId('no-discrepancies').waitFor();
      await photograph(page, 'reconciliation');
      expect(said.filter((line) => line.startsWith('page error'))).toEqual([]);
    } catch (error) {
      await page.screenshot({ fullPage: true, path: join(screenshots, 'console-wallet-failed-operator.png') });
      throw new Error(`the operator's path failed; the browser said:\n${said.join('\n')}`, { cause: error });
    } finally {
      await page.close();
    }
  });

  it('as the operator: previews a new rate card against the one in force, then imports it', async () => {
    const { page, said } = await openConsole(context, world.adminToken);
    try {
      await page.getByRole('tab', { name: 'Rate cards' }).click();
      const cards = page.getByTestId('rate-cards');
      await expect.poll(() => cards.locator('tr[data-card="pmp-2025-07-01"]').textContent()).toContain('in force');
      const form = page.getByRole('form', { name: 'Import a new rate card' });
      await form
        .getByLabel('CSV file')
        .setInputFiles({ name: 'meta-rates.csv', mimeType: 'text/csv', buffer: Buffer.from(newRateCardCsv()) });
      await form.getByLabel('Card ID').fill('meta-2099-01-01');
      await form.getByLabel('Effective from').fill('2099-01-01');
      await form.getByLabel('Source').fill('Meta rate card CSV (USD), e2e fixture');
      await form.getByRole('button', { name: 'Preview the differences' }).click();
      const preview = page.getByTestId('rate-card-preview');
      await expect
        .poll(() => preview.getByTestId('rate-card-summary').textContent())
        .toMatch(/^1 markets changed, 0 added, 1 removed/);
      expect(await preview.locator('tr[data-market="Brazil"]').textContent()).toContain('Utility');
      expect(await preview.locator('tr[data-market="India"]').first().textContent()).toContain('removed');
      // A preview stores nothing.
      const before = await world.call(world.adminToken, 'GET', '/v1/pricing/rate-cards');
      expect((before.data as { id: string }[]).map((card) => card.id)).not.toContain('meta-2099-01-01');
      await photograph(page, 'rate-preview', async () => {
        await expect.poll(() => preview.getByTestId('rate-card-summary').textContent()).toContain('変更 1 市場');
      });
      await page.getByRole('button', { name: 'Import meta-2099-01-01' }).click();
      await expect.poll(() => cards.locator('tr[data-card="meta-2099-01-01"]').count()).toBe(1);
      expect(await page.getByRole('status').last().textContent()).toContain('Imported meta-2099-01-01');
      await photograph(page, 'rate-imported');
      expect(said.filter((line) => line.startsWith('page error'))).toEqual([]);
    } catch (error) {
      await page.screenshot({ fullPage: true, path: join(screenshots, 'console-wallet-failed-rates.png') });
      throw new Error(`the rate card path failed; the browser said:\n${said.join('\n')}`, { cause: error });
    } finally {
      await page.close();
    }
  });

  it('as an account admin: buys points for its own account and cannot see another account’s wallet', async () => {
    const admin = await world.call(world.adminToken, 'POST', `/v1/accounts/${world.accountId}/admins`, { name: 'Keiko Admin' });
    const other = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const { page, said } = await openConsole(other, admin.credential as string);
    try {
      expect(await page.getByTestId('who').textContent()).toContain('Keiko Admin');
      expect(await page.getByRole('tab', { name: 'Rate cards' }).count()).toBe(0);
      await page.getByRole('tab', { name: 'Points' }).click();
      const balanceBefore = Number((await page.getByTestId('wallet-balance').textContent())?.replace(/,/g, ''));
      expect(balanceBefore).toBe(988);
      await page.getByRole('spinbutton', { name: 'Points', exact: true }).fill('200');
      await page.getByRole('button', { name: 'Buy', exact: true }).click();
      await expect.poll(() => page.getByTestId('receipt').textContent()).toContain('200');
      await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('1,188');
      expect(await page.getByTestId('ledger').textContent()).not.toContain('Other Shop');
      await photograph(page, 'account-admin');
      // Its charts and reconciliation read its own account.
      await page.getByRole('tab', { name: 'Charts' }).click();
      await page.getByTestId('chart-balance').locator('.recharts-line-curve').first().waitFor();
      await page.getByRole('tab', { name: 'Reconciliation' }).click();
      await expect
        .poll(() => page.getByTestId('reconciliation-summary').locator('tr[data-class="matched"]').textContent())
        .toContain('12');
      // Meta's later word that the message was not billable, recorded as the status webhook's processing records it:
      // the reconciliation names the discrepancy.
      await world.bridge.database.db.transaction().execute((transaction) =>
        recordBillingReport(transaction, paidMessageId, {
          status: 'read',
          timestamp: new Date(Date.now() + 60_000),
          billable: false,
          pricing: { billable: false, pricingModel: 'PMP', type: 'free_customer_service', category: 'utility' },
        }),
      );
      await page.getByRole('form', { name: 'Reconciliation' }).getByRole('button', { name: 'Show' }).click();
      const discrepancies = page.getByTestId('discrepancies');
      await expect.poll(() => discrepancies.textContent()).toContain('Charged, not billable');
      expect(await discrepancies.textContent()).toContain('not billable · Utility (read)');
      expect(await discrepancies.textContent()).toContain('zendesk #4321');
      await photograph(page, 'account-admin-reconciliation', async () => {
        await expect.poll(() => discrepancies.textContent()).toContain('課金済みだが対象外');
      });
      // The other account's wallet, asked for directly with the session cookie: as if it did not exist.
      const answers = await page.evaluate(async (account) => {
        const read = async (path: string) => (await fetch(path)).status;
        return {
          wallet: await read(`/v1/accounts/${account}/wallet`),
          ledger: await read(`/v1/wallet/ledger?account_id=${account}`),
          csv: await read(`/v1/wallet/ledger.csv?account_id=${account}`),
          history: await read(`/v1/wallet/balance-history?account_id=${account}&from=2026-01-01&to=2026-12-31`),
          rates: await read('/v1/pricing/rate-cards'),
        };
      }, otherAccountId);
      expect(answers).toEqual({ wallet: 404, ledger: 422, csv: 422, history: 422, rates: 403 });
      expect(said.filter((line) => line.startsWith('page error'))).toEqual([]);
    } catch (error) {
      await page.screenshot({ fullPage: true, path: join(screenshots, 'console-wallet-failed-account-admin.png') });
      throw new Error(`the account admin's path failed; the browser said:\n${said.join('\n')}`, { cause: error });
    } finally {
      await other.close();
    }
  });
});
