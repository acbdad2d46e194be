/**
 * What an agent sees of helpdesk automations, in the Zendesk app in a real browser at the sidebar's width: the
 * conversation with the ticket's customer names the automation that sent a message (and the one that was refused, with
 * why), and the window
 * card shows the reminder written for the customer's window. Deliveries go through the real endpoint, signed as
 * Zendesk signs them; screenshots in English and Japanese go to test-results/.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zendeskSignature } from '../../bridge-server/src/automations/zendesk-signature.js';
import { type RunningHostPage, startHostPage } from '../../zendesk-app/host/server.js';
import { repositoryRoot } from '../support/processes.js';
import { buildZendeskApp } from '../support/zendesk-app.js';
import { type E2eWorld, launchRecordedBrowser, startE2eWorld, wroteRecently } from './world.js';

const screenshots = join(repositoryRoot, 'test-results');
const webhookSecret = 'e2e-zendesk-webhook-secret';
/** Never wrote; opted in to utility here, so an automation's template reaches them. */
const optedIn = '+819012340002';

describe('helpdesk automations in the Zendesk sidebar', () => {
  let world: E2eWorld;
  let appDirectory: string;
  let hostPage: RunningHostPage;
  let browser: Browser;
  let context: BrowserContext;
  const browserTraffic: string[] = [];

  const deliver = async (body: Record<string, unknown>) => {
    const text = JSON.stringify({
      ticket_url: 'e2e.zendesk.com/agent/tickets/101',
      ticket_id: '101',
      ticket_updated_at: `${new Date().toISOString()}-${Math.random()}`,
      parameters: {},
      ...body,
    });
    const timestamp = new Date().toISOString();
    const response = await fetch(`${world.bridge.url}/v1/automations/zendesk`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-zendesk-webhook-signature': zendeskSignature(webhookSecret, timestamp, text),
        'x-zendesk-webhook-signature-timestamp': timestamp,
      },
      body: text,
    });
    expect(response.status).toBe(202);
  };

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    const building = buildZendeskApp();
    world = await startE2eWorld({ helpdesk: 'zendesk', instance: 'e2e.zendesk.com' });
    const installation = (await world.call(world.adminToken, 'GET', `/v1/deployments/${world.deploymentId}/installations`))
      .data[0];
    // No Zendesk to write notes on here (the notes are tested against the Zendesk sandbox): only the webhook secret matters.
    await world.call(world.adminToken, 'PUT', `/v1/installations/${installation.id}/helpdesk-connection`, {
      api_url: 'http://127.0.0.1:9',
      locale: 'en',
      zendesk: { email: 'agent@e2e.test', api_token: 'unused', webhook_secret: webhookSecret },
    });
    await world.call(world.token, 'POST', `/v1/contacts/${encodeURIComponent(optedIn)}/consents`, {
      topic: 'utility',
      state: 'opted_in',
      source: 'checkout',
      evidence: 'I agree to receive order updates from E2E Support on WhatsApp.',
    });
    const template = {
      template: 'order_confirmation',
      language: 'ja',
      parameters: { 'body.1': '鈴木', 'body.2': 'ORD-7', 'body.3': '12月9日' },
    };
    // Sent on ticket 102, whose requester is this customer: the panel shows the conversation with the ticket's customer.
    await deliver({
      automation: 'wa_send_order_confirmation',
      phone: optedIn,
      ticket_url: 'e2e.zendesk.com/agent/tickets/102',
      ticket_id: '102',
      ...template,
    });
    // Refused (no such template): recorded on the ticket for the customer who wrote, who therefore still wrote last.
    await deliver({ automation: 'wa_send_shipping_notice', phone: wroteRecently, template: 'shipping_notice', language: 'ja' });
    await world.bridge.jobs.drain();
    await world.settle();
    // They wrote 23 h 30 min ago: with reminders 45 minutes ahead, their window's reminder is due now.
    await world.call(world.token, 'PUT', '/v1/automation-settings', { window_reminder_minutes: 45 });
    expect(await world.bridge.windowReminders.scan()).toBe(1);
    appDirectory = await building;
    hostPage = await startHostPage({
      appDirectory,
      bridgeUrl: world.bridge.url,
      deploymentId: world.deploymentId,
      installationToken: world.token,
      locale: 'en-US',
      tickets: [
        { id: 101, subject: 'Where is my order?', requesterName: 'Hanako Yamada', requesterPhone: '+81 90-1234-0001' },
        { id: 102, subject: 'Order confirmation', requesterName: 'Taro Suzuki', requesterPhone: '+81 90-1234-0002' },
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

  async function openTicket(locale: string, ticketId = 101): Promise<{ page: Page; app: Frame }> {
    const page = await context.newPage();
    await page.goto(`${hostPage.url}/?ticket=${ticketId}&locale=${locale}`);
    const app = page.frame({ name: 'wabridge-app' });
    if (app === null) throw new Error('the app iframe is missing');
    await app.waitForSelector('[data-testid="window-card"]', { timeout: 10_000 });
    return { page, app };
  }

  it.each([
    [
      'en-US',
      'Sent by automation wa_send_order_confirmation',
      'Automation wa_send_shipping_notice',
      /^Reminder written on ticket #101/,
    ],
    [
      'ja',
      '自動化 wa_send_order_confirmation が送信',
      '自動化 wa_send_shipping_notice',
      /^チケット #101 にリマインダーを記録しました/,
    ],
  ])('shows in %s which automation sent or was refused, and the window reminder', async (locale, sent, refused, reminder) => {
    const { page, app } = await openTicket(locale);
    await expect.poll(() => app.getByTestId('message-automation').allTextContents()).toEqual([refused]);
    await expect.poll(() => app.getByTestId('window-reminder').textContent()).toMatch(reminder);
    await page.screenshot({ fullPage: true, path: join(screenshots, `zendesk-automations-${locale}.png`) });
    await page.close();
    const other = await openTicket(locale, 102);
    await expect.poll(() => other.app.getByTestId('message-automation').allTextContents()).toEqual([sent]);
    await other.page.screenshot({ fullPage: true, path: join(screenshots, `zendesk-automations-sent-${locale}.png`) });
    await other.page.close();
  });
});
