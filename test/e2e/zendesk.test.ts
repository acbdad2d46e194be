/**
 * The Zendesk app in a real browser, end to end: headless Chromium opens the local Zendesk host page
 * (zendesk-app/host), whose sidebar iframe runs the built app; the app talks to the host page over the ZAF
 * SDK's postMessage protocol, and to the bridge (in-process, PGlite in memory) through the host page's
 * server-side proxy, which alone holds the installation token; the bridge talks to the Meta sandbox.
 * The main customer's consent is recorded through the API in setup; another customer's is recorded from the panel.
 * The account gets point prices (and no points) only in the last test, so the sends before it are not metered.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdf, png } from '../../bridge-server/test/support/media-files.js';
import { sidebarWidthPx } from '../../zendesk-app/host/page/template.js';
import { type RunningHostPage, startHostPage } from '../../zendesk-app/host/server.js';
import { proxiedContractIssues } from '../support/contract-check.js';
import { chooseTemplate, templateOptions } from '../support/panel.js';
import { repositoryRoot } from '../support/processes.js';
import { buildZendeskApp } from '../support/zendesk-app.js';
import { type E2eWorld, type Json, launchRecordedBrowser, startE2eWorld, wroteRecently } from './world.js';

const screenshots = join(repositoryRoot, 'test-results');
/**
 * How much of the sidebar an agent sees before scrolling: a 768 px tall laptop screen, less the browser's bars and
 * Zendesk's header and app title, leaves about this much.
 */
const firstScreenPx = 560;
interface PanelDocument {
  documentElement: { clientWidth: number; scrollWidth: number };
  querySelector(selector: string): { getBoundingClientRect(): { bottom: number } } | null;
}
/** Never wrote and never opted in: the panel records their consent. */
const noConsent = '+819012340003';

describe('the Zendesk app in Chromium, on the local Zendesk host page', () => {
  let world: E2eWorld;
  let hostPage: RunningHostPage;
  let browser: Browser;
  let context: BrowserContext;
  let appDirectory: string;
  let token: string;
  let adminToken: string;
  let accountId: string;
  /** Everything the browser sent or received, to prove the token never got there. */
  const browserTraffic: string[] = [];
  const call = (bearer: string, method: string, path: string, body?: unknown): Promise<Json> =>
    world.call(bearer, method, path, body);

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    const building = buildZendeskApp();
    world = await startE2eWorld({ helpdesk: 'zendesk', instance: 'e2e.zendesk.com' });
    ({ token, adminToken, accountId } = world);
    appDirectory = await building;
    hostPage = await startHostPage({
      appDirectory,
      bridgeUrl: world.bridge.url,
      deploymentId: world.deploymentId,
      installationToken: token,
      locale: 'en-US',
      tickets: [
        { id: 101, subject: 'Where is my order?', requesterName: 'Hanako Yamada', requesterPhone: '+81 90-1234-0001' },
        // +819012340002 never wrote.
        { id: 102, subject: 'Invoice request', requesterName: 'Taro Suzuki', requesterPhone: '+81 90 1234 0002' },
        // +819012340003 never wrote and has no consent on record.
        { id: 103, subject: 'Please confirm my order', requesterName: 'Jiro Tanaka', requesterPhone: '+81 90-1234-0003' },
        // A UK number outside the ranges libphonenumber knows (Ofcom's drama range), which WhatsApp delivers.
        { id: 104, subject: 'Order from London', requesterName: 'Emma Clarke', requesterPhone: '+44 7700 900123' },
      ],
    });
    ({ browser, context } = await launchRecordedBrowser(browserTraffic));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await hostPage?.close();
    await world?.close();
    if (appDirectory) await rm(appDirectory, { recursive: true, force: true });
  });

  async function openTicket(ticketId: number, locale = 'en-US'): Promise<{ page: Page; app: Frame }> {
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => console.push(`page error: ${error.message}`));
    await page.goto(`${hostPage.url}/?ticket=${ticketId}&locale=${locale}`);
    const app = page.frame({ name: 'wabridge-app' });
    if (app === null) throw new Error('the app iframe is missing');
    try {
      await app.waitForSelector('[data-testid="window-card"]', { timeout: 10_000 });
    } catch (error) {
      await page.screenshot({ path: join(screenshots, `zendesk-failed-${ticketId}-${locale}.png`) });
      throw new Error(`the window card did not appear; the browser said:\n${console.join('\n')}`, { cause: error });
    }
    return { page, app };
  }

  it('shows an open window with a ticking countdown for a customer who wrote recently', async () => {
    const { page, app } = await openTicket(101);
    const card = app.getByTestId('window-card');
    await expect.poll(() => card.textContent()).toContain('Open');
    const before = await card.textContent();
    expect(before).toMatch(/29 min/);
    // Ticking: the text changes by itself (the countdown shows seconds), whenever the next second comes.
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).not.toBe(before);
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-open-window.png') });
    await page.close();
  });

  it('sends a template with its values and follows it to delivered, then read', async () => {
    const { page, app } = await openTicket(101);
    const summary = (await call(token, 'GET', '/v1/templates?language=ja')).data.find(
      (template: Json) => template.name === 'order_confirmation',
    );
    expect(summary.parameters.map((parameter: Json) => parameter.key)).toEqual(['body.1', 'body.2', 'body.3']);
    await chooseTemplate(app, 'order_confirmation');
    const inputs = app.locator('[data-testid="template-form"] input, form input');
    const values = ['山田', 'ORD-777', '12月1日'];
    for (const [index, value] of values.entries()) await inputs.nth(index).fill(value);
    const preview = app.getByTestId('template-preview');
    for (const value of values) await expect.poll(() => preview.textContent()).toContain(value);
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-template-preview.png') });
    await app.getByRole('button', { name: 'Send template' }).click();
    const status = app.getByTestId('message-status').first();
    await expect.poll(() => status.textContent(), { timeout: 8_000 }).toBe('Delivered');
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-delivered.png') });
    await expect.poll(() => status.textContent(), { timeout: 12_000 }).toBe('Read');
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-read.png') });
    await page.close();
  });

  it('offers only templates, with the reason, for a customer who never wrote', async () => {
    const { page, app } = await openTicket(102);
    await expect.poll(() => app.getByTestId('window-card').textContent()).toContain('Only templates can reach this customer.');
    await expect.poll(() => app.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(true);
    await expect
      .poll(() => app.getByTestId('blocked-reason').first().textContent())
      .toMatch(/has not written on WhatsApp yet; only a template/);
    // The templates come in their own request, which may answer after the window's.
    await expect.poll(() => templateOptions(app, 'order_confirmation').count()).toBeGreaterThan(0);
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-closed-window.png') });
    await page.close();
  });

  it('disables a template for a customer without opt-in, naming the topic, until the agent records consent', async () => {
    const { page, app } = await openTicket(103);
    const optin = app.getByTestId('optin-topic-utility');
    await expect.poll(() => optin.textContent()).toContain('Unknown');
    await chooseTemplate(app, 'order_confirmation');
    const form = app.getByRole('form', { name: 'Selected template' });
    const send = form.getByRole('button', { name: 'Send template' });
    await expect
      .poll(() => form.getByTestId('blocked-reason').textContent())
      .toBe('Jiro Tanaka has not opted in to ‘Service updates’ messages.');
    expect(await send.isDisabled()).toBe(true);
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-optin-required.png') });

    await app.getByRole('button', { name: 'Record consent' }).click();
    const consent = app.getByRole('form', { name: 'Record consent' });
    await consent.getByLabel('Topic').selectOption('utility');
    await consent.getByLabel('How it was given').selectOption('whatsapp_conversation');
    expect(await consent.getByLabel('Wording').inputValue()).toMatch(
      /^I agree to receive ‘Service updates’ messages from .+ on WhatsApp\.$/,
    );
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-record-consent.png') });
    await consent.getByRole('button', { name: 'Record consent' }).click();
    await expect.poll(() => app.getByText('Consent recorded.').first().isVisible()).toBe(true);
    await expect.poll(() => optin.textContent()).toContain('Opted in');
    expect(await optin.textContent()).toContain('WhatsApp conversation');
    const history = await call(token, 'GET', `/v1/contacts/${encodeURIComponent(noConsent)}/consents`);
    expect(history.data).toEqual([
      expect.objectContaining({ topic: 'utility', state: 'opted_in', source: 'whatsapp_conversation' }),
    ]);

    // The form's send-ability follows the refreshed status: only the values are missing now.
    await expect
      .poll(() => form.getByTestId('blocked-reason').textContent())
      .toBe('Fill in every required value correctly first.');
    const inputs = form.locator('input');
    for (const [index, value] of ['田中', 'ORD-888', '12月2日'].entries()) await inputs.nth(index).fill(value);
    await expect.poll(() => send.isDisabled()).toBe(false);
    await send.click();
    await expect.poll(() => app.getByText('Template sent.').first().isVisible()).toBe(true);
    const status = app.getByTestId('message-status').first();
    await expect.poll(() => status.textContent(), { timeout: 8_000 }).toMatch(/Sent|Delivered|Read/);
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-optin-sent.png') });
    await page.close();
  });

  it('speaks Japanese to a Japanese agent', async () => {
    const { page, app } = await openTicket(101, 'ja');
    await expect.poll(() => app.getByTestId('window-card').textContent()).toContain('オープン');
    expect(await app.locator('body').textContent()).toContain('テンプレートで送信');
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-japanese.png') });
    await page.close();
  });

  /** The sidebar as the helpdesk shows it: the app's iframe at 320 px, whole (it sizes itself to the panel). */
  async function sidebarScreenshot(page: Page, name: string) {
    await page.setViewportSize({ width: 1200, height: 2400 });
    await page.locator('aside iframe').evaluate((frame: { style: { width: string } }) => {
      frame.style.width = '320px';
    });
    await page.locator('aside iframe').screenshot({ path: join(screenshots, name) });
  }

  it('follows the conversation live, without a reload, as the customer writes and statuses arrive', async () => {
    const { page, app } = await openTicket(101);
    const liveState = app.getByTestId('live-state');
    await expect.poll(() => liveState.textContent(), { timeout: 10_000 }).toBe('● Live');
    // A mark in the app's window: a reload (or a new iframe) would lose it.
    await app.evaluate(() => Object.assign(globalThis, { notReloaded: true }));

    await world.customerWrites('Can I change the delivery address?');
    const written = app.getByTestId('conversation-inbound').filter({ hasText: 'Can I change the delivery address?' });
    await expect.poll(() => written.count(), { timeout: 10_000 }).toBe(1);

    await app.getByLabel('Message').fill('Yes: reply with the new address, please.');
    await app.getByRole('button', { name: 'Send reply' }).click();
    const sent = app.getByTestId('message').filter({ hasText: 'Yes: reply with the new address, please.' });
    const status = sent.getByTestId('message-status');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('Delivered');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('Read');
    // All of it came by the stream: still the same page, still live.
    expect(await app.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await liveState.textContent()).toBe('● Live');
    await sidebarScreenshot(page, 'zendesk-live-en.png');
    await app
      .getByRole('region', { name: 'Conversation', exact: true })
      .screenshot({ path: join(screenshots, 'zendesk-live-conversation-en.png') });
    await page.close();

    const japanese = await openTicket(101, 'ja');
    const liveJa = japanese.app.getByTestId('live-state');
    await expect.poll(() => liveJa.textContent(), { timeout: 10_000 }).toBe('● ライブ');
    await world.customerWrites('新しい住所は東京都港区です。');
    const writtenJa = japanese.app.getByTestId('conversation-inbound').filter({ hasText: '新しい住所は東京都港区です。' });
    await expect.poll(() => writtenJa.count(), { timeout: 10_000 }).toBe(1);
    await sidebarScreenshot(japanese.page, 'zendesk-live-ja.png');
    await japanese.app
      .getByRole('region', { name: '会話', exact: true })
      .screenshot({ path: join(screenshots, 'zendesk-live-conversation-ja.png') });
    await japanese.page.close();
  });

  it('takes +44 7700 900123, a number WhatsApp delivered outside the ranges libphonenumber knows, and replies to it', async () => {
    await world.control('POST', '/sandbox/numbers/106540352242999/inbound', {
      from: '447700900123',
      name: 'Emma Clarke',
      text: 'Hello from London',
    });
    await world.settle();
    const { page, app } = await openTicket(104);
    const card = app.getByTestId('window-card');
    await expect.poll(() => card.textContent()).toContain('Open');
    expect(await card.textContent()).toContain('+447700900123');
    expect(await app.getByTestId('phone-range-unknown').count()).toBe(0);
    await app.getByLabel('Message').fill('Hello Emma, your order ships today.');
    await app.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => app.getByText('Reply sent.').first().isVisible(), { timeout: 10_000 }).toBe(true);
    await sidebarScreenshot(page, 'zendesk-unknown-range-en.png');
    await page.close();
  });

  it('attaches a file from the panel: the limits first, a file over them refused, an image previewed and sent', async () => {
    const { page, app } = await openTicket(101);
    await app.getByTestId('attach-toggle').click();
    const limits = app.getByTestId('attach-limits');
    await expect.poll(() => limits.textContent()).toContain('Images: JPEG, PNG, up to 5 MB');
    expect(await limits.textContent()).toContain('Documents: PDF, up to 20 MB');
    const input = app.getByTestId('attach-input');
    const send = app.getByRole('button', { name: 'Send reply' });

    await input.setInputFiles({ name: 'holiday.png', mimeType: 'image/png', buffer: Buffer.alloc(6_200_000, 1) });
    await expect
      .poll(() => app.getByTestId('attach-refused').textContent())
      .toBe('“holiday.png” is 6.2 MB: WhatsApp takes Images up to 5 MB.');
    expect(await send.isDisabled()).toBe(true);
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await expect.poll(() => app.getByTestId('attach-refused').textContent()).toContain('“notes.txt” cannot be sent on WhatsApp');

    await input.setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: png() });
    const chosen = app.getByTestId('attach-chosen');
    await expect.poll(() => chosen.textContent()).toContain('receipt.png');
    expect(await chosen.locator('img').count()).toBe(1);
    await app.getByLabel('Caption (optional)').fill('Your receipt');
    await sidebarScreenshot(page, 'zendesk-attach-en.png');
    await send.click();
    await expect.poll(() => app.getByText('File sent.').first().isVisible(), { timeout: 10_000 }).toBe(true);
    const sent = (await call(token, 'GET', '/v1/messages?ticket_helpdesk=zendesk&ticket_id=101')).data.find(
      (message: Json) => message.kind === 'media',
    );
    expect(sent.media).toMatchObject({ kind: 'image', mime_type: 'image/png', filename: 'receipt.png', caption: 'Your receipt' });
    expect(sent.to).toBe(wroteRecently);
    await page.close();

    const japanese = await openTicket(101, 'ja');
    await japanese.app.getByRole('button', { name: 'ファイルを添付' }).click();
    await expect.poll(() => japanese.app.getByTestId('attach-limits').textContent()).toContain('画像：JPEG, PNG（5 MBまで）');
    await japanese.app
      .getByTestId('attach-input')
      .setInputFiles({ name: 'video.mov', mimeType: 'video/quicktime', buffer: Buffer.from('moov') });
    await expect
      .poll(() => japanese.app.getByTestId('attach-refused').textContent())
      .toContain('「video.mov」は WhatsApp で送信できません。');
    await sidebarScreenshot(japanese.page, 'zendesk-attach-ja.png');
    await japanese.page.close();
  });

  it('uploads a template’s header file from the panel: that kind’s limit shown, another kind refused, sent as the upload', async () => {
    const { page, app } = await openTicket(101);
    await chooseTemplate(app, 'invoice_available', 'en_US');
    const header = app.getByTestId('header-media');
    await expect.poll(() => header.getByTestId('attach-limits').textContent()).toBe('Documents: PDF, up to 20 MB');
    const input = header.getByTestId('attach-input');
    expect(await input.getAttribute('accept')).toBe('application/pdf,.pdf');
    const send = app.getByRole('button', { name: 'Send template' });
    await input.setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png() });
    await expect.poll(() => header.getByTestId('attach-refused').textContent()).toContain('Choose a PDF file.');
    expect(await send.isDisabled()).toBe(true);

    await input.setInputFiles({ name: 'invoice-118.pdf', mimeType: 'application/pdf', buffer: pdf() });
    await expect.poll(() => header.getByTestId('attach-chosen').textContent()).toContain('invoice-118.pdf');
    // The file stands for the header: the link field goes, and the preview names the file.
    expect(await header.locator('input[type="url"]').count()).toBe(0);
    const values = ['Hanako', 'INV-2024-118', '¥12,000'];
    for (const [index, value] of values.entries()) await app.locator('form input[type="text"]').nth(index).fill(value);
    await expect.poll(() => app.getByTestId('preview-header').textContent()).toContain('invoice-118.pdf');
    await sidebarScreenshot(page, 'zendesk-header-file-en.png');
    await send.click();
    await expect.poll(() => app.getByText('Template sent.').first().isVisible(), { timeout: 10_000 }).toBe(true);
    const sent = (await call(token, 'GET', '/v1/messages?ticket_helpdesk=zendesk&ticket_id=101')).data.find(
      (message: Json) => message.template?.name === 'invoice_available',
    );
    // Meta got the upload's media id as the header's document (the sandbox keeps what it was sent, and the file).
    const atMeta = async (path: string): Promise<Json> => (await fetch(`${world.sandboxServer.url}/sandbox/${path}`)).json();
    const request = (await atMeta(`messages/${encodeURIComponent(sent.wamid)}`)).request;
    const document = request.template.components[0].parameters[0].document;
    expect(document.id).toMatch(/^\d+$/);
    expect(await atMeta(`media/${document.id}`)).toMatchObject({ mime_type: 'application/pdf' });
    await page.close();

    const japanese = await openTicket(101, 'ja');
    await chooseTemplate(japanese.app, 'invoice_available', 'ja');
    const japaneseHeader = japanese.app.getByTestId('header-media');
    await expect.poll(() => japaneseHeader.getByTestId('attach-limits').textContent()).toBe('文書：PDF（20 MBまで）');
    expect(await japaneseHeader.textContent()).toContain('または、ヘッダーのドキュメントをアップロード');
    await japaneseHeader
      .getByTestId('attach-input')
      .setInputFiles({ name: '請求書.pdf', mimeType: 'application/pdf', buffer: pdf() });
    await expect.poll(() => japaneseHeader.getByTestId('attach-chosen').textContent()).toContain('請求書.pdf');
    expect(await japaneseHeader.textContent()).toContain('ヘッダーのドキュメント（ファイル）');
    await sidebarScreenshot(japanese.page, 'zendesk-header-file-ja.png');
    await japanese.page.close();
  });

  it.each(['en-US', 'ja'])(
    'is compact at the sidebar’s 320 px in %s: no sideways scroll, the window and the template search on the first screen',
    async (locale) => {
      const { page, app } = await openTicket(101, locale);
      await app.getByRole('option').first().waitFor();
      const layout = await app.evaluate(() => {
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
      process.stdout.write(`zendesk e2e: layout at ${sidebarWidthPx} px in ${locale}: ${JSON.stringify(layout)}\n`);
      await page.locator('aside').screenshot({ path: join(screenshots, `zendesk-compact-320-${locale}.png`) });
      expect(layout.clientWidth).toBe(sidebarWidthPx);
      expect(layout.scrollWidth).toBe(sidebarWidthPx);
      expect(layout.windowState).not.toBeNull();
      expect(layout.windowState).toBeLessThanOrEqual(firstScreenPx);
      expect(layout.search).not.toBeNull();
      expect(layout.search).toBeLessThanOrEqual(firstScreenPx);
      await page.close();
    },
  );

  it('never lets the installation token reach the browser, yet every bridge call carried it', async () => {
    const { page } = await openTicket(101);
    const traffic = await page.evaluate(() => (globalThis as unknown as { __zafTraffic: { data: string }[] }).__zafTraffic);
    const html = await page.content();
    const frameHtml = await page.frame({ name: 'wabridge-app' })!.content();
    const everything = [...browserTraffic, html, frameHtml, ...traffic.map((message) => message.data)].join('\n');
    expect(traffic.length).toBeGreaterThan(5);
    expect(everything).toContain('{{setting.installation_token}}');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(4, 24));
    expect(hostPage.proxied.length).toBeGreaterThan(3);
    for (const request of hostPage.proxied) {
      expect(request.headersFromBrowser.Authorization).toBe('Bearer {{setting.installation_token}}');
      expect([401, 403]).not.toContain(request.status);
    }
    await page.close();
  });

  it('receives from the bridge, through the helpdesk’s proxy, only answers its contract allows', async () => {
    // Every call the app made in the tests so far (sends, reads, refusals) passed through the host's proxy.
    expect(hostPage.proxied.length).toBeGreaterThan(10);
    expect(proxiedContractIssues(hostPage.proxied)).toEqual([]);
  });

  // A report, not a budget: a wall-clock limit here would fail on a busy machine and pass on a broken one.
  it('measures the time from the iframe starting to the window state on screen', async () => {
    const timings: number[] = [];
    for (let run = 0; run < 5; run++) {
      const { page } = await openTicket(101);
      timings.push(
        await page.evaluate(() => {
          const started = (globalThis as unknown as { __zafTimings: { iframeStartedAt: number } }).__zafTimings.iframeStartedAt;
          return performance.now() - started;
        }),
      );
      await page.close();
    }
    timings.sort((a, b) => a - b);
    const medianMs = timings[Math.floor(timings.length / 2)]!;
    process.stdout.write(`zendesk e2e: iframe start → window state, median of ${timings.length}: ${medianMs.toFixed(0)} ms\n`);
    expect(medianMs).toBeGreaterThan(0);
  });

  it('with point prices and zero points: a paid template is disabled with the points reason, a free reply still sends', async () => {
    await call(adminToken, 'PUT', '/v1/wallet/settings', {
      account_id: accountId,
      currency: 'JPY',
      point_price_minor: 3,
      point_value_micro_usd: 1_000,
    });
    expect(await call(token, 'GET', '/v1/wallet')).toMatchObject({ available: 0, unit: 'point' });
    const quote = await call(
      token,
      'GET',
      `/v1/pricing/quote?to=${encodeURIComponent(wroteRecently)}&template=summer_sale&language=en_US`,
    );
    expect(quote.free_reason).toBeNull();
    expect(quote.points).toBeGreaterThan(0);

    const { page, app } = await openTicket(101);
    const wallet = app.getByTestId('wallet');
    await expect.poll(() => wallet.textContent()).toContain('0 points available');
    expect(await wallet.textContent()).toContain(
      'No points left. Paid templates cannot be sent until your administrator buys more.',
    );
    await chooseTemplate(app, 'summer_sale');
    const form = app.getByRole('form', { name: 'Selected template' });
    await expect.poll(() => form.getByTestId('quote').textContent()).toBe(`Cost: ${quote.points} points`);
    await expect
      .poll(() => form.getByTestId('blocked-reason').textContent())
      .toBe(`Not enough points: this message costs ${quote.points}, 0 available.`);
    expect(await form.getByRole('button', { name: 'Send template' }).isDisabled()).toBe(true);
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-not-enough-points.png') });

    // Inside the customer service window a reply is free: zero points do not stop it.
    await app.getByLabel('Message').fill('Your order ships tomorrow.');
    await app.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => app.getByText('Reply sent.').first().isVisible()).toBe(true);
    await expect.poll(() => app.getByTestId('message-charge').allTextContents()).toContain('Free — customer service window');
    expect(await call(token, 'GET', '/v1/wallet')).toMatchObject({ available: 0, reserved: 0 });
    await page.screenshot({ fullPage: true, path: join(screenshots, 'zendesk-free-reply-zero-points.png') });
    await page.close();
  });
});
