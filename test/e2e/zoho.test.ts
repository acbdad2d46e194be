/**
 * The Zoho Desk extension in a real browser, end to end: headless Chromium opens the local Zoho Desk host page
 * (zoho-extension/host), whose right panel iframe runs the built widget on the host's stand-in for Zoho's SDK; the
 * widget reaches the bridge (in-process, PGlite in memory) only through `ZOHODESK.request` and the host page's
 * server-side proxy, which alone holds the installation token; the bridge talks to the Meta sandbox. The Zendesk
 * app's scenarios (test/e2e/zendesk.test.ts), switching tickets under the widget, and one wallet shared with a
 * Zendesk installation of the same account (the Zendesk host page beside this one). Point prices are set only in the
 * last two tests, so the sends before them are not metered.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdf } from '../../bridge-server/test/support/media-files.js';
import { startHostPage as startZendeskHostPage } from '../../zendesk-app/host/server.js';
import { rightPanelWidthPx } from '../../zoho-extension/host/page/template.js';
import { type RunningHostPage, startHostPage } from '../../zoho-extension/host/server.js';
import { buildExtension } from '../../zoho-extension/test/build.js';
import { proxiedContractIssues } from '../support/contract-check.js';
import { chooseTemplate, templateOptions } from '../support/panel.js';
import { repositoryRoot } from '../support/processes.js';
import { buildZendeskApp } from '../support/zendesk-app.js';
import { type E2eWorld, type Json, launchRecordedBrowser, startE2eWorld, wroteRecently } from './world.js';

const screenshots = join(repositoryRoot, 'test-results');
/**
 * How much of the right panel an agent sees before scrolling: a 768 px tall laptop screen, less the browser's bars and
 * Zoho Desk's header and the panel's title, leaves about this much (as for Zendesk's sidebar).
 */
const firstScreenPx = 560;
interface PanelDocument {
  documentElement: { clientWidth: number; scrollWidth: number };
  querySelector(selector: string): { getBoundingClientRect(): { bottom: number } } | null;
}
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

/** Builds the extension folder into a private temporary directory, as `npm run build -w zoho-extension` does. */
async function buildExtensionFolder(): Promise<string> {
  const outDir = join(await mkdtemp(join(tmpdir(), 'wabridge-zoho-e2e-')), 'wabridge-zoho');
  await buildExtension(outDir);
  return outDir;
}

describe('the Zoho Desk extension in Chromium, on the local Zoho Desk host page', () => {
  let world: E2eWorld;
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
  const call = (bearer: string, method: string, path: string, body?: unknown): Promise<Json> =>
    world.call(bearer, method, path, body);

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    const building = buildExtensionFolder();
    world = await startE2eWorld({ helpdesk: 'zoho', instance: '60001234567' });
    ({ token, adminToken, accountId, deploymentId } = world);
    extensionDirectory = await building;
    hostPage = await startHostPage({
      extensionDirectory,
      bridgeUrl: world.bridge.url,
      deploymentId,
      installationToken: token,
      locale: 'en',
      orgId: '60001234567',
      tickets,
    });
    ({ browser, context } = await launchRecordedBrowser(browserTraffic));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await hostPage?.close();
    await world?.close();
    if (extensionDirectory) await rm(join(extensionDirectory, '..'), { recursive: true, force: true });
  });

  /** Gives the account point prices: sends are metered from then on. */
  async function setPointPrices(): Promise<void> {
    await call(adminToken, 'PUT', '/v1/wallet/settings', {
      account_id: accountId,
      currency: 'JPY',
      point_price_minor: 3,
      point_value_micro_usd: 1_000,
    });
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
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).not.toBe(before);
    await screenshotPanel(page, 'zoho-open-window.png');
    await page.close();
  });

  it('sends a template with its values through Zoho’s request proxy and follows it to delivered', async () => {
    const { page, widget } = await openTicket(tickets[0]!.id);
    await chooseTemplate(widget, 'order_confirmation');
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

  it('offers only templates, with the reason, for a customer who never wrote', async () => {
    const { page, widget } = await openTicket(tickets[1]!.id);
    await expect.poll(() => widget.getByTestId('window-card').textContent()).toContain('Only templates can reach this customer.');
    await expect.poll(() => widget.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(true);
    await expect
      .poll(() => widget.getByTestId('blocked-reason').first().textContent())
      .toMatch(/has not written on WhatsApp yet; only a template/);
    // The templates come in their own request, which may answer after the window's.
    await expect.poll(() => templateOptions(widget, 'order_confirmation').count()).toBeGreaterThan(0);
    await screenshotPanel(page, 'zoho-closed-window.png');
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
    expect(await widget.locator('body').textContent()).toContain('テンプレートで送信');
    await screenshotPanel(page, 'zoho-japanese.png');
    await page.close();
  });

  it('attaches a file from the panel: uploaded by the browser itself, since Zoho’s request proxy carries JSON only', async () => {
    const { page, widget } = await openTicket(tickets[0]!.id);
    await widget.getByTestId('attach-toggle').click();
    await expect.poll(() => widget.getByTestId('attach-limits').textContent()).toContain('Images: JPEG, PNG, up to 5 MB');
    const input = widget.getByTestId('attach-input');
    await input.setInputFiles({ name: 'manual.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(20_500_000, 1) });
    await expect
      .poll(() => widget.getByTestId('attach-refused').textContent())
      .toBe('“manual.pdf” is 20.5 MB: WhatsApp takes Documents up to 20 MB.');
    await input.setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: pdf() });
    await expect.poll(() => widget.getByTestId('attach-chosen').textContent()).toContain('invoice.pdf');
    await screenshotPanel(page, 'zoho-attach-en.png');
    await widget.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => widget.getByText('File sent.').first().isVisible(), { timeout: 10_000 }).toBe(true);
    const sent = (
      await world.call(world.token, 'GET', `/v1/messages?ticket_helpdesk=zoho&ticket_id=${tickets[0]!.id}`)
    ).data.find((message: Json) => message.kind === 'media');
    // A document carries its file name to the customer; no caption was written.
    expect(sent.media).toMatchObject({ kind: 'document', filename: 'invoice.pdf', caption: null });
    await page.close();
  });

  it('uploads a template’s header file from the browser and sends the template with it', async () => {
    const { page, widget } = await openTicket(tickets[0]!.id);
    await chooseTemplate(widget, 'invoice_available', 'en_US');
    const header = widget.getByTestId('header-media');
    await expect.poll(() => header.getByTestId('attach-limits').textContent()).toBe('Documents: PDF, up to 20 MB');
    await header
      .getByTestId('attach-input')
      .setInputFiles({ name: 'invoice-119.pdf', mimeType: 'application/pdf', buffer: pdf() });
    await expect.poll(() => header.getByTestId('attach-chosen').textContent()).toContain('invoice-119.pdf');
    const values = ['Hanako', 'INV-2024-119', '¥8,000'];
    for (const [index, value] of values.entries()) await widget.locator('form input[type="text"]').nth(index).fill(value);
    await screenshotPanel(page, 'zoho-header-file-en.png');
    await widget.getByRole('button', { name: 'Send template' }).click();
    await expect.poll(() => widget.getByText('Template sent.').first().isVisible(), { timeout: 10_000 }).toBe(true);
    const sent = (
      await world.call(world.token, 'GET', `/v1/messages?ticket_helpdesk=zoho&ticket_id=${tickets[0]!.id}`)
    ).data.find((message: Json) => message.template?.name === 'invoice_available');
    const atMeta: Json = await (
      await fetch(`${world.sandboxServer.url}/sandbox/messages/${encodeURIComponent(sent.wamid)}`)
    ).json();
    const request = atMeta.request;
    expect(request.template.components[0].parameters[0].document.id).toMatch(/^\d+$/);
    await page.close();
  });

  it.each(['en', 'ja'])(
    'is compact at Zoho Desk’s right panel in %s: no sideways scroll, the window and the template search on the first screen',
    async (locale) => {
      const { page, widget } = await openTicket(tickets[0]!.id, locale);
      await widget.getByRole('option').first().waitFor();
      const layout = await widget.evaluate(() => {
        // The browser's document, typed as far as this reads it (the tests compile without the DOM library).
        const { document } = globalThis as unknown as { document: PanelDocument };
        const bottomOf = (selector: string) => document.querySelector(selector)?.getBoundingClientRect().bottom ?? null;
        return {
          clientWidth: document.documentElement.clientWidth,
          scrollWidth: document.documentElement.scrollWidth,
          windowState: bottomOf('[data-testid="window-card"] strong'),
          search: bottomOf('[role="combobox"]'),
        };
      });
      process.stdout.write(`zoho e2e: layout at ${rightPanelWidthPx} px in ${locale}: ${JSON.stringify(layout)}\n`);
      await screenshotPanel(page, `zoho-compact-${rightPanelWidthPx}-${locale}.png`);
      // The panel's 1 px left border is the page's: the widget gets the rest of the width, and scrolls no wider.
      expect(layout.clientWidth).toBe(rightPanelWidthPx - 1);
      expect(layout.scrollWidth).toBe(layout.clientWidth);
      expect(layout.windowState).not.toBeNull();
      expect(layout.windowState).toBeLessThanOrEqual(firstScreenPx);
      expect(layout.search).not.toBeNull();
      expect(layout.search).toBeLessThanOrEqual(firstScreenPx);
      await page.close();
    },
  );

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
  it('receives from the bridge, through the helpdesk’s proxy, only answers its contract allows', async () => {
    // Every call the app made in the tests so far (sends, reads, refusals) passed through the host's proxy.
    expect(hostPage.proxied.length).toBeGreaterThan(10);
    expect(proxiedContractIssues(hostPage.proxied)).toEqual([]);
  });

  it('disables a template for a customer without opt-in until the agent records consent, naming the Zoho agent', async () => {
    const { page, widget } = await openTicket(tickets[2]!.id);
    const optin = widget.getByTestId('optin-topic-utility');
    await expect.poll(() => optin.textContent()).toContain('Unknown');
    await chooseTemplate(widget, 'order_confirmation');
    const form = widget.getByRole('form', { name: 'Selected template' });
    await expect
      .poll(() => form.getByTestId('blocked-reason').textContent())
      .toBe('Jiro Tanaka has not opted in to ‘Service updates’ messages.');
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
    await chooseTemplate(widget, 'summer_sale');
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
      bridgeUrl: world.bridge.url,
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
        await chooseTemplate(panel, 'order_confirmation');
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
