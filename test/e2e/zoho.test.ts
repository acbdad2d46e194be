/**
 * The Zoho Desk extension in a real browser, end to end: headless Chromium opens the local Zoho Desk host page
 * (zoho-extension/host), whose right panel iframe runs the built widget on the host's stand-in for Zoho's SDK; the
 * widget reaches the bridge (in-process, PGlite in memory) only through `ZOHODESK.request` and the host page's
 * server-side proxy, which alone holds the installation token; the bridge talks to the Meta sandbox. The Zendesk
 * app's scenarios (test/e2e/zendesk.test.ts), switching tickets under the widget, and one wallet shared with a
 * Zendesk installation of the same account (the Zendesk host page beside this one). Point prices are set only in the
 * last two tests, so the sends before them are not metered.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type Browser, type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../bridge-server/src/config.js';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../../bridge-server/src/meta-sandbox/sandbox.js';
import { type RunningBridge, startBridge } from '../../bridge-server/src/server.js';
import { startHostPage as startZendeskHostPage } from '../../zendesk-app/host/server.js';
import { rightPanelWidthPx } from '../../zoho-extension/host/page/template.js';
import { type RunningHostPage, startHostPage } from '../../zoho-extension/host/server.js';
import { buildExtension } from '../../zoho-extension/test/build.js';
import { repositoryRoot } from '../support/processes.js';
import { buildZendeskApp } from '../support/zendesk-app.js';

const screenshots = join(repositoryRoot, 'test-results');
const wroteRecently = '+819012340001';
/** The customer wrote 23 h 30 min ago: 30 minutes left, so the countdown visibly ticks. */
const wroteSecondsAgo = 23 * 3600 + 30 * 60;
const tickets = [
  {
    id: '1892000000093001',
    number: 101,
    subject: 'Where is my order?',
    contactName: 'Hanako Yamada',
    mobile: '+81 90-1234-0001',
  },
  // +819012340002 never wrote.
  { id: '1892000000093002', number: 102, subject: 'Invoice request', contactName: 'Taro Suzuki', mobile: '+81 90 1234 0002' },
  // +819012340003 never wrote and has no consent on record.
  {
    id: '1892000000093003',
    number: 103,
    subject: 'Please confirm my order',
    contactName: 'Jiro Tanaka',
    mobile: '+81 90-1234-0003',
  },
];
/** The agent the local host page reports (`user.id`). */
const agentId = '1892000000042001';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are asserted on field by field.
type Json = any;

/** Builds the extension folder into a private temporary directory, as `npm run build -w zoho-extension` does. */
async function buildExtensionFolder(): Promise<string> {
  const outDir = join(await mkdtemp(join(tmpdir(), 'wabridge-zoho-e2e-')), 'wabridge-zoho');
  await buildExtension(outDir);
  return outDir;
}

describe('the Zoho Desk extension in Chromium, on the local Zoho Desk host page', () => {
  let sandbox: MetaSandbox;
  let sandboxServer: ListeningSandbox;
  let bridge: RunningBridge;
  let hostPage: RunningHostPage;
  let browser: Browser;
  let context: BrowserContext;
  let extensionDirectory: string;
  let token: string;
  let adminToken: string;
  let accountId: string;
  let deploymentId: string;
  /** Everything the browser sent or received, to prove the token never got there. */
  const browserTraffic: string[] = [];

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    const building = buildExtensionFolder();
    sandbox = createMetaSandbox({ knobs: { statusDelaysMs: { sent: 50, delivered: 400, read: 4500 } } });
    sandboxServer = await sandbox.listen(0, '127.0.0.1');
    adminToken = randomBytes(32).toString('hex');
    bridge = await startBridge(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: 'memory://',
        BRIDGE_ADMIN_TOKEN: adminToken,
        BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        META_GRAPH_URL: sandboxServer.url,
        LOG_LEVEL: 'silent',
        TEMPLATE_SYNC_INTERVAL_MINUTES: '0',
      }),
      { logger: pino({ level: 'silent' }) },
    );
    const admin = (path: string, body: unknown) => call(adminToken, 'POST', path, body);
    const account = await admin('/v1/accounts', { name: 'E2E Trading' });
    accountId = account.id;
    const secrets = { access_token: `EAAG${randomBytes(24).toString('hex')}`, app_secret: randomBytes(16).toString('hex') };
    const deployment = await admin('/v1/deployments', {
      account_id: account.id,
      display_name: 'E2E Support',
      display_phone_number: '+81 3-4510-0001',
      waba_id: '102290129340398',
      phone_number_id: '106540352242999',
      verify_token: `verify-${randomBytes(8).toString('hex')}`,
      ...secrets,
    });
    deploymentId = deployment.id;
    token = (await admin(`/v1/deployments/${deployment.id}/installations`, { helpdesk: 'zoho', instance: '60001234567' })).token;
    sandbox.registerNumber({
      phone_number_id: deployment.phone_number_id,
      waba_id: deployment.waba_id,
      display_phone_number: '+81 3-4510-0001',
      verified_name: 'E2E Support',
      ...secrets,
      webhook_url: `${bridge.url}/v1/webhooks/meta/${deployment.id}`,
    });
    await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
      from: wroteRecently.slice(1),
      name: 'Hanako Yamada',
      text: '注文した商品はいつ届きますか？',
      timestamp: Math.floor(Date.now() / 1000) - wroteSecondsAgo,
    });
    await call(token, 'POST', `/v1/contacts/${encodeURIComponent(wroteRecently)}/consents`, {
      topic: 'utility',
      state: 'opted_in',
      source: 'checkout',
      evidence: 'I agree to receive order updates from E2E Support on WhatsApp.',
    });
    await call(token, 'POST', '/v1/templates/sync');
    await sandbox.idle();
    await bridge.templateSyncer.idle();
    await bridge.processor.drain();

    extensionDirectory = await building;
    hostPage = await startHostPage({
      extensionDirectory,
      bridgeUrl: bridge.url,
      deploymentId: deployment.id,
      installationToken: token,
      locale: 'en',
      orgId: '60001234567',
      tickets,
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    context.on('request', (request) =>
      browserTraffic.push(request.url(), JSON.stringify(request.headers()), request.postData() ?? ''),
    );
    context.on('response', async (response) => {
      // A page closed while a response was still arriving has nothing more to show.
      const headers = await response.allHeaders().catch(() => ({}));
      browserTraffic.push(JSON.stringify(headers), await response.text().catch(() => ''));
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await hostPage?.close();
    await sandboxServer?.close();
    await bridge?.close();
    if (extensionDirectory) await rm(join(extensionDirectory, '..'), { recursive: true, force: true });
  });

  async function call(bearer: string, method: string, path: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${bridge.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  }

  /** Gives the account point prices: sends are metered from then on. */
  async function setPointPrices(): Promise<void> {
    await call(adminToken, 'PUT', '/v1/wallet/settings', {
      account_id: accountId,
      currency: 'JPY',
      point_price_minor: 3,
      point_value_micro_usd: 1_000,
    });
  }

  async function control(method: string, path: string, body: unknown): Promise<void> {
    const response = await fetch(`${sandboxServer.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
  }

  async function openTicket(ticketId: string, locale = 'en'): Promise<{ page: Page; widget: Frame }> {
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => console.push(`page error: ${error.message}`));
    await page.goto(`${hostPage.url}/?ticket=${ticketId}&locale=${locale}`);
    const widget = page.frame({ name: 'wabridge-widget' });
    if (widget === null) throw new Error('the widget iframe is missing');
    try {
      await widget.waitForSelector('[data-testid="window-card"]', { timeout: 10_000 });
    } catch (error) {
      await page.screenshot({ path: join(screenshots, `zoho-failed-${ticketId}-${locale}.png`) });
      throw new Error(`the window card did not appear; the browser said:\n${console.join('\n')}`, { cause: error });
    }
    return { page, widget };
  }

  /** The right panel alone, at Zoho Desk's width, for looking at the panel as agents see it. */
  async function screenshotPanel(page: Page, name: string): Promise<void> {
    const panel = page.locator('aside');
    expect((await panel.boundingBox())?.width).toBeLessThanOrEqual(rightPanelWidthPx + 1);
    await panel.screenshot({ path: join(screenshots, name) });
  }

  it('shows an open window with a ticking countdown for a customer who wrote recently', async () => {
    const { page, widget } = await openTicket(tickets[0]!.id);
    const card = widget.getByTestId('window-card');
    await expect.poll(() => card.textContent()).toContain('Open');
    const before = await card.textContent();
    expect(before).toMatch(/29 min/);
    await expect.poll(() => card.textContent(), { timeout: 5_000 }).not.toBe(before);
    await screenshotPanel(page, 'zoho-open-window.png');
    await page.close();
  });

  it('sends a template with its values through Zoho’s request proxy and follows it to delivered', async () => {
    const { page, widget } = await openTicket(tickets[0]!.id);
    await widget.getByText('order_confirmation').first().click();
    const inputs = widget.locator('[data-testid="template-form"] input, form input');
    const values = ['山田', 'ORD-778', '12月2日'];
    for (const [index, value] of values.entries()) await inputs.nth(index).fill(value);
    const preview = widget.getByTestId('template-preview');
    for (const value of values) await expect.poll(() => preview.textContent()).toContain(value);
    await screenshotPanel(page, 'zoho-template-preview.png');
    await widget.getByRole('button', { name: 'Send template' }).click();
    const status = widget.getByTestId('message-status').first();
    await expect.poll(() => status.textContent(), { timeout: 8_000 }).toBe('Delivered');
    await screenshotPanel(page, 'zoho-delivered.png');
    const sent = await call(token, 'GET', `/v1/messages?ticket_helpdesk=zoho&ticket_id=${tickets[0]!.id}`);
    expect(sent.data.length).toBeGreaterThan(0);
    await page.close();
  });

  it('reads the new ticket when the agent moves to another one under the same widget', async () => {
    const { page, widget } = await openTicket(tickets[0]!.id);
    await expect.poll(() => widget.getByTestId('window-card').textContent()).toContain('Open');
    const widgetUrl = widget.url();
    await page.getByRole('button', { name: /#102/ }).click();
    await expect.poll(() => widget.getByTestId('window-card').textContent()).toContain('Only templates can reach this customer.');
    expect(widget.url()).toBe(widgetUrl);
    expect(page.frame({ name: 'wabridge-widget' })).toBe(widget);
    await screenshotPanel(page, 'zoho-switched-ticket.png');
    await page.close();
  });

  it('speaks Japanese to a Japanese agent', async () => {
    const { page, widget } = await openTicket(tickets[0]!.id, 'ja');
    await expect.poll(() => widget.getByTestId('window-card').textContent()).toContain('オープン');
    expect(await widget.locator('body').textContent()).toContain('テンプレートを送信');
    await screenshotPanel(page, 'zoho-japanese.png');
    await page.close();
  });

  it('never lets the installation token reach the browser, yet every bridge call carried its placeholder', async () => {
    const { page, widget } = await openTicket(tickets[0]!.id);
    const traffic = await page.evaluate(() => (globalThis as unknown as { __zohoTraffic: unknown[] }).__zohoTraffic);
    const everything = [...browserTraffic, await page.content(), await widget.content(), JSON.stringify(traffic)].join('\n');
    expect(traffic.length).toBeGreaterThan(5);
    expect(everything).toContain('{{installation_token}}');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(4, 24));
    expect(hostPage.proxied.length).toBeGreaterThan(3);
    for (const request of hostPage.proxied) {
      expect(request.headersFromBrowser.Authorization).toBe('Bearer {{installation_token}}');
      expect([401, 403]).not.toContain(request.status);
    }
    await page.close();
  });
  it('disables a template for a customer without opt-in until the agent records consent, naming the Zoho agent', async () => {
    const { page, widget } = await openTicket(tickets[2]!.id);
    const optin = widget.getByTestId('optin-topic-utility');
    await expect.poll(() => optin.textContent()).toContain('Unknown');
    await widget.getByText('order_confirmation').first().click();
    const form = widget.getByRole('form', { name: 'Selected template' });
    await expect
      .poll(() => form.getByTestId('blocked-reason').textContent())
      .toBe('Jiro Tanaka has not opted in to ‘utility’ messages.');
    expect(await form.getByRole('button', { name: 'Send template' }).isDisabled()).toBe(true);
    await screenshotPanel(page, 'zoho-optin-required.png');

    await widget.getByRole('button', { name: 'Record consent' }).click();
    const consent = widget.getByRole('form', { name: 'Record consent' });
    await consent.getByLabel('Topic').selectOption('utility');
    await consent.getByLabel('How it was given').selectOption('whatsapp_conversation');
    await consent.getByRole('button', { name: 'Record consent' }).click();
    await expect.poll(() => optin.textContent()).toContain('Opted in');
    const history = await call(token, 'GET', `/v1/contacts/${encodeURIComponent('+819012340003')}/consents`);
    expect(history.data).toEqual([
      expect.objectContaining({ topic: 'utility', state: 'opted_in', recorded_by: `zoho:agent:${agentId}` }),
    ]);
    await page.close();
  });

  it('with point prices and zero points: a paid template is disabled with the points reason, a free reply still sends', async () => {
    await setPointPrices();
    const quote = await call(
      token,
      'GET',
      `/v1/pricing/quote?to=${encodeURIComponent(wroteRecently)}&template=summer_sale&language=en_US`,
    );
    expect(quote.points).toBeGreaterThan(0);

    const { page, widget } = await openTicket(tickets[0]!.id);
    await expect.poll(() => widget.getByTestId('wallet').textContent()).toContain('0 points available');
    await widget.getByText('summer_sale').first().click();
    const form = widget.getByRole('form', { name: 'Selected template' });
    await expect
      .poll(() => form.getByTestId('blocked-reason').textContent())
      .toBe(`Not enough points: this message costs ${quote.points}, 0 available.`);
    expect(await form.getByRole('button', { name: 'Send template' }).isDisabled()).toBe(true);
    await screenshotPanel(page, 'zoho-not-enough-points.png');

    // Inside the customer service window a reply is free: zero points do not stop it.
    await widget.getByLabel('Message').fill('Your order ships tomorrow.');
    await widget.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => widget.getByTestId('message-charge').allTextContents()).toContain('Free — customer service window');
    expect(await call(token, 'GET', '/v1/wallet')).toMatchObject({ available: 0, reserved: 0 });
    await page.close();
  });
  it('shares one wallet with a Zendesk installation of the same account, and the ledger says which ticket spent what', async () => {
    const taro = '+819012340002';
    const zendeskApp = await buildZendeskApp();
    const zendeskToken = (
      await call(adminToken, 'POST', `/v1/deployments/${deploymentId}/installations`, {
        helpdesk: 'zendesk',
        instance: 'e2e.zendesk.com',
      })
    ).token;
    const zendeskPage = await startZendeskHostPage({
      appDirectory: zendeskApp,
      bridgeUrl: bridge.url,
      deploymentId,
      installationToken: zendeskToken,
      tickets: [{ id: 202, subject: 'Invoice request', requesterName: 'Taro Suzuki', requesterPhone: '+81 90 1234 0002' }],
    });
    try {
      await call(token, 'POST', `/v1/contacts/${encodeURIComponent(taro)}/consents`, {
        topic: 'utility',
        state: 'opted_in',
        source: 'checkout',
        evidence: 'I agree to receive order updates from E2E Support on WhatsApp.',
      });
      await setPointPrices();
      await call(adminToken, 'POST', '/v1/wallet/purchases', {
        account_id: accountId,
        points: 5_000,
        payment_reference: 'e2e-zoho-shared',
      });
      // Taro never wrote: a utility template is charged.
      const quote = await call(
        token,
        'GET',
        `/v1/pricing/quote?to=${encodeURIComponent(taro)}&template=order_confirmation&language=en_US`,
      );
      expect(quote.points).toBeGreaterThan(0);
      const available = (await call(token, 'GET', '/v1/wallet')).available as number;
      const shows = (points: number) => `${points.toLocaleString('en')} points available`;

      const sendOrderConfirmation = async (panel: Frame, values: string[]) => {
        await panel.getByText('order_confirmation').first().click();
        const form = panel.getByRole('form', { name: 'Selected template' });
        const inputs = form.locator('input');
        for (const [index, value] of values.entries()) await inputs.nth(index).fill(value);
        await expect.poll(() => form.getByRole('button', { name: 'Send template' }).isDisabled()).toBe(false);
        await form.getByRole('button', { name: 'Send template' }).click();
        await expect.poll(() => panel.getByText('Template sent.').first().isVisible()).toBe(true);
      };

      const zoho = await openTicket(tickets[1]!.id);
      await expect.poll(() => zoho.widget.getByTestId('wallet').textContent()).toContain(shows(available));
      await sendOrderConfirmation(zoho.widget, ['鈴木', 'ORD-901', '12月3日']);
      await zoho.page.close();

      const zendesk = await context.newPage();
      await zendesk.goto(`${zendeskPage.url}/?ticket=202&locale=en-US`);
      const zendeskPanel = zendesk.frame({ name: 'wabridge-app' })!;
      await zendeskPanel.waitForSelector('[data-testid="window-card"]', { timeout: 10_000 });
      // The Zendesk panel sees what the Zoho Desk ticket spent.
      await expect.poll(() => zendeskPanel.getByTestId('wallet').textContent()).toContain(shows(available - quote.points));
      await sendOrderConfirmation(zendeskPanel, ['鈴木', 'ORD-902', '12月4日']);
      await zendesk.close();

      const again = await openTicket(tickets[1]!.id);
      await expect.poll(() => again.widget.getByTestId('wallet').textContent()).toContain(shows(available - 2 * quote.points));
      await screenshotPanel(again.page, 'zoho-shared-wallet.png');
      await again.page.close();

      const holds = (await call(token, 'GET', '/v1/wallet/ledger?kind=hold')).data as Json[];
      expect(holds.map((entry) => entry.ticket)).toEqual(
        expect.arrayContaining([
          { helpdesk: 'zoho', id: tickets[1]!.id },
          { helpdesk: 'zendesk', id: '202' },
        ]),
      );
      for (const entry of holds) expect(entry.reserved_delta_points).toBe(quote.points);
    } finally {
      await zendeskPage.close();
      await rm(zendeskApp, { recursive: true, force: true });
    }
  });
});
