/**
 * The admin console in a real browser, end to end: headless Chromium opens the console the bridge serves at `/`
 * (built by Vite into a private directory), signs in with a session cookie, and works through the contract client;
 * the bridge (in-process, PGlite in memory) checks credentials and registers numbers with the Meta sandbox, and takes
 * payments with the sandbox payment provider.
 *
 * As the operator: sign in, create a deployment (ID, webhook URL, verify token), register its number with a code,
 * issue an installation token, buy points and see the receipt, see a send's charge in the chart. As an account admin:
 * sign in with the account's own credential, and find that another account cannot be seen.
 * Every page is photographed in English and Japanese into test-results/.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { buildConsole } from '../support/zendesk-app.js';
import { addOtherShop, photograph, screenshots } from './console-browser.js';
import { type E2eWorld, launchRecordedBrowser, startE2eWorld } from './world.js';

/** The number the operator adds in the console: Meta knows it (with these credentials), not yet registered. */
const newNumber = {
  phone_number_id: '106540352243111',
  waba_id: '102290129340398',
  display_phone_number: '+81 3-4510-0002',
  verified_name: 'E2E Sales',
  access_token: `EAAG${randomBytes(24).toString('hex')}`,
  app_secret: randomBytes(16).toString('hex'),
};
const registrationCode = '246810';
/** Where Meta reaches the bridge: the webhook URL the console shows is on it. */
const publicUrl = 'https://wa.example.test';

describe('the admin console in Chromium', () => {
  let world: E2eWorld;
  let browser: Browser;
  let context: BrowserContext;
  let consoleDir: string;
  let otherAccount: { id: string; deploymentId: string };
  let accountAdminCredential: string;
  const traffic: string[] = [];

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    consoleDir = await buildConsole();
    world = await startE2eWorld(
      { helpdesk: 'zendesk', instance: 'e2e.zendesk.com' },
      { consoleDir, environment: { PAYMENT_PROVIDER: 'sandbox', PUBLIC_URL: publicUrl } },
    );
    world.sandbox.registerNumber({
      ...newNumber,
      registered: false,
      code_verification_status: 'NOT_VERIFIED',
      verification_code: registrationCode,
    });
    // Another account with a number of its own, which the first account's admin must never see.
    otherAccount = await addOtherShop(world);
    // Point prices for the world's account, so that a template costs points (the operator's setting, over the API).
    await world.call(world.adminToken, 'PUT', '/v1/wallet/settings', {
      account_id: world.accountId,
      currency: 'JPY',
      point_price_minor: 3,
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

  /** Opens the console; `signedIn`: the context already holds a session cookie. */
  async function openConsole(browserContext: BrowserContext, signedIn = false): Promise<{ page: Page; said: string[] }> {
    const page = await browserContext.newPage();
    const said: string[] = [];
    page.on('console', (message) => said.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => said.push(`page error: ${error.message}`));
    await page.goto(`${world.bridge.url}/?lang=en`);
    await (signedIn ? page.getByTestId('who') : page.getByRole('heading', { name: 'Sign in' })).waitFor();
    return { page, said };
  }

  async function signIn(page: Page, secret: string): Promise<void> {
    await page.getByLabel('Administrator token or account admin credential').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
  }

  it('as the operator: creates a deployment, registers its number, issues a token, buys points, sees a charge', async () => {
    const { page, said } = await openConsole(context);
    try {
      await photograph(page, 'sign-in');
      await signIn(page, world.adminToken);
      expect(await page.getByTestId('who').textContent()).toContain('Operator (every account)');
      await page.getByLabel('Account', { exact: true }).selectOption(world.accountId);

      // A wrong token is refused with Meta's reason, and nothing is created.
      const form = page.getByRole('form', { name: 'Add a WhatsApp number' });
      await form.getByLabel('Display name').fill('E2E Sales');
      await form.getByLabel('Phone number (with country code)').fill(newNumber.display_phone_number);
      await form.getByLabel('WhatsApp Business Account ID').fill(newNumber.waba_id);
      await form.getByLabel('Phone number ID').fill(newNumber.phone_number_id);
      await form.getByLabel('System-user access token').fill(`EAAG${randomBytes(24).toString('hex')}`);
      await form.getByLabel('App secret (App settings → Basic)').fill(newNumber.app_secret);
      await form.getByLabel(/^App ID/).fill('1000000000000001');
      await form.getByRole('button', { name: 'Create deployment' }).click();
      await expect.poll(() => form.getByRole('alert').textContent()).toContain('Meta refused the access token');
      await photograph(page, 'deployment-refused');
      expect(await page.getByTestId('deployment').count()).toBe(1);

      // With the right token: the deployment, its ID, webhook URL and verify token.
      await form.getByLabel('System-user access token').fill(newNumber.access_token);
      await form.getByRole('button', { name: 'Create deployment' }).click();
      const verifyToken = page.getByTestId('verify-token');
      await verifyToken.waitFor();
      const card = page.getByTestId('deployment').filter({ has: verifyToken });
      const deploymentId = (await card.getByTestId('deployment-id').textContent()) ?? '';
      expect(deploymentId).toMatch(/^dep_/);
      expect(await card.textContent()).toContain(`${publicUrl}/v1/webhooks/meta/${deploymentId}`);
      // The app id went with it (a profile picture needs it).
      expect((await world.call(world.adminToken, 'GET', `/v1/deployments/${deploymentId}`)).app_id).toBe('1000000000000001');
      expect(await page.getByRole('status').first().textContent()).toContain(deploymentId);
      const created = await world.call(world.adminToken, 'GET', `/v1/deployments/${deploymentId}`);
      expect(created).toMatchObject({ account_id: world.accountId, phone_number_id: newNumber.phone_number_id });
      await photograph(page, 'deployment-created');

      // Its health: not registered yet, so it cannot send, with the fix named.
      const notRegistered = card.locator('[data-testid="health-issue"][data-code="number_not_registered"]');
      await notRegistered.waitFor();
      expect(await notRegistered.textContent()).toContain('Register the number: request a code');
      expect(await card.getByTestId('health-can-send').textContent()).toContain('This number cannot send');
      await photograph(page, 'health', async () => {
        await expect.poll(() => notRegistered.textContent()).toContain('番号が Cloud API に登録されていません');
      });

      // Registration: a code by SMS in Japanese, the code, the PIN.
      const registration = card.getByTestId('registration');
      await registration.getByLabel('Send the code by').selectOption('SMS');
      await registration.getByLabel('Language of the code').selectOption('ja');
      await registration.getByRole('button', { name: 'Send the code' }).click();
      await expect.poll(() => registration.getByTestId('registration-step').textContent()).toContain('Code sent by SMS');
      const sent = await fetch(`${world.sandboxServer.url}/sandbox/numbers/${newNumber.phone_number_id}/verification-codes`);
      expect(((await sent.json()) as { data: unknown[] }).data).toEqual([
        expect.objectContaining({ code: registrationCode, code_method: 'SMS', language: 'ja' }),
      ]);
      await registration.getByLabel('6-digit code').fill('000000');
      await registration.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => registration.getByRole('alert').textContent()).not.toBe('');
      await registration.getByLabel('6-digit code').fill(registrationCode);
      await registration.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => registration.getByTestId('registration-step').textContent()).toContain('Code verified');
      await registration.getByLabel('Two-step verification PIN').fill('135790');
      await registration.getByRole('button', { name: 'Register' }).click();
      await expect.poll(() => registration.getByTestId('registration-step').textContent()).toContain('Registered');
      const number = await fetch(`${world.sandboxServer.url}/sandbox/numbers/${newNumber.phone_number_id}`);
      expect(await number.json()).toMatchObject({ registered: true, pin_set: true });
      // The health is read again: the banner is gone.
      await expect.poll(() => notRegistered.count()).toBe(0);
      await expect.poll(() => card.getByTestId('health-can-send').textContent()).toBe('The number can send.');
      await photograph(page, 'registered');

      // An installation token, which works as a bearer token for this deployment's account.
      await card.getByLabel('Zendesk subdomain (acme.zendesk.com) or Zoho Desk org ID').fill('sales.zendesk.com');
      await card.getByRole('button', { name: 'Issue a token' }).click();
      const issued = (await card.getByTestId('installation-token').textContent()) ?? '';
      expect(issued.length).toBeGreaterThan(20);
      expect(await world.call(issued, 'GET', `/v1/deployments/${deploymentId}`)).toMatchObject({ id: deploymentId });
      // The installations table is read again after the token is shown: wait for it, not for a moment.
      await expect.poll(() => card.locator('table.data').last().textContent()).toContain('sales.zendesk.com');
      await photograph(page, 'installation-token');

      // Points: buy 1,000 and see the receipt and the balance.
      await page.getByRole('tab', { name: 'Points' }).click();
      await page.getByRole('spinbutton', { name: 'Points', exact: true }).fill('1000');
      await page.getByRole('button', { name: 'Buy', exact: true }).click();
      const receipt = page.getByTestId('receipt');
      await receipt.waitFor();
      expect(await receipt.textContent()).toContain('1,000');
      await expect.poll(() => page.getByTestId('wallet-balance').textContent()).toBe('1,000');
      await photograph(page, 'points', async () => {
        await expect.poll(() => page.getByTestId('receipt').textContent()).toContain('1,000');
        expect(await page.getByTestId('ledger').textContent()).toContain('購入');
      });

      // A paid template from the helpdesk, then its charge in the chart.
      // To a customer who never wrote (no free customer service window) and agreed to order updates.
      const customer = '+819012340009';
      await world.call(world.token, 'POST', `/v1/contacts/${encodeURIComponent(customer)}/consents`, {
        topic: 'utility',
        state: 'opted_in',
        source: 'checkout',
        evidence: 'I agree to receive order updates from E2E Support on WhatsApp.',
      });
      const sentMessage = await fetch(`${world.bridge.url}/v1/messages`, {
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
      expect(sentMessage.status).toBe(202);
      await world.settle();
      const today = new Date().toISOString().slice(0, 10);
      const tomorrow = new Date(Date.now() + 24 * 3600 * 1000).toISOString().slice(0, 10);
      const usage = await waitFor('the send’s charge in the usage report', async () => {
        const report = await world.call(
          world.adminToken,
          'GET',
          `/v1/wallet/usage?account_id=${world.accountId}&from=${today}&to=${tomorrow}&group_by=category`,
        );
        const groups = report.groups as { key: { category?: string }; points_captured: number }[];
        return groups.find((group) => group.points_captured > 0);
      });
      await page.getByRole('tab', { name: 'Charts' }).click();
      const perDay = page.getByTestId('chart-per-day');
      await expect.poll(() => perDay.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
      expect(usage.key.category).toBe('utility');
      expect(await perDay.locator('.recharts-legend-wrapper').textContent()).toContain('Utility');
      await photograph(page, 'charts', async () => {
        await expect.poll(() => perDay.locator('.recharts-legend-wrapper').textContent()).toContain('ユーティリティ');
      });
      expect(said.filter((line) => line.startsWith('page error'))).toEqual([]);
    } catch (error) {
      await page.screenshot({ fullPage: true, path: join(screenshots, 'console-failed-operator.png') });
      throw new Error(`the operator's path failed; the browser said:\n${said.join('\n')}`, { cause: error });
    } finally {
      await page.close();
    }
  });

  it('as the operator: issues an account admin credential', async () => {
    const { page } = await openConsole(context, true);
    await page.getByRole('tab', { name: 'Accounts and admins' }).click();
    const well = page.getByTestId(`account-${world.accountId}`);
    await well.getByLabel('Admin’s name').fill('Keiko Admin');
    await well.getByRole('button', { name: 'Issue an admin credential' }).click();
    accountAdminCredential = (await page.getByTestId('admin-credential').textContent()) ?? '';
    expect(accountAdminCredential).toMatch(/^wba_/);
    await photograph(page, 'admins');
    await page.close();
  });

  it('as an account admin: signs in with the account’s own credential and cannot see another account', async () => {
    const other = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    try {
      const { page } = await openConsole(other);
      await signIn(page, accountAdminCredential);
      expect(await page.getByTestId('who').textContent()).toContain('Keiko Admin');
      expect(await page.getByLabel('Account', { exact: true }).count()).toBe(0);
      const ids = await page.getByTestId('deployment-id').allTextContents();
      expect(ids).toContain(world.deploymentId);
      expect(ids).not.toContain(otherAccount.deploymentId);
      // Its own number's registration: the number is on the Cloud API already, and Meta's answer says so.
      const own = page.getByTestId('deployment').filter({ has: page.getByText(world.deploymentId, { exact: true }) });
      const registration = own.getByTestId('registration');
      await registration.getByLabel('Send the code by').selectOption('SMS');
      await registration.getByRole('button', { name: 'Send the code' }).click();
      await expect
        .poll(() => registration.getByRole('alert').textContent())
        .toBe('This number is already registered. No code is needed.');
      await photograph(page, 'account-admin', async () => {
        await expect.poll(() => registration.getByRole('alert').textContent()).toContain('すでに登録されています');
      });
      // The other account, asked for directly with the session cookie, answers as if it did not exist.
      const answers = await page.evaluate(
        async ({ account, deployment }) => {
          const read = async (path: string) => (await fetch(path)).status;
          const code = await fetch(`/v1/deployments/${deployment}/registration/code`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ code_method: 'SMS', language: 'ja' }),
          });
          return {
            account: await read(`/v1/accounts/${account}`),
            deployment: await read(`/v1/deployments/${deployment}`),
            wallet: await read(`/v1/accounts/${account}/wallet`),
            registration: code.status,
          };
        },
        { account: otherAccount.id, deployment: otherAccount.deploymentId },
      );
      expect(answers).toEqual({ account: 404, deployment: 404, wallet: 404, registration: 404 });
      await page.getByRole('tab', { name: 'Audit' }).click();
      await page.getByTestId('audit').waitFor();
      await photograph(page, 'audit');
      await page.close();
    } finally {
      await other.close();
    }
  });
});
