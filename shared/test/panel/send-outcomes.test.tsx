import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { WalletEvent } from '../../src/contract/wallet-events.js';
import { messagePollIntervalMs } from '../../src/panel/data/useTicketMessages.js';
import { contactStatus, FakeHost, openWindow } from './fake-host.js';
import { chooseTemplateOption, findSection, renderPanel, startMs } from './render.js';
import { welcomeEn } from './templates-fixtures.js';

/*
 * What a send became after the bridge accepted it (issue #15): Meta's later refusal is said where the agent sent it
 * from, and what the outcome changes (the customer's consent, the points held) is read again.
 */

const phone = '+819012345678';
const stoppedMarketing = {
  code: 131050,
  title: 'Unable to deliver the message',
  details: null,
  reason: 'marketing_stopped_by_customer',
};

afterEach(cleanup);

function meteredHost(locale: 'en' | 'ja' = 'en') {
  const host = new FakeHost();
  host.agentLocale = locale;
  host.templates = [welcomeEn];
  host.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  host.now = () => startMs;
  host.consent(phone, 'marketing');
  host.pricing = { marketing: 11, utility: 5 };
  host.wallet = { balance: 500, reserved: 0 };
  return host;
}

async function sendWelcome(host: FakeHost) {
  const rendered = renderPanel(host);
  const section = await findSection(host.agentLocale === 'ja' ? 'テンプレートで送信' : 'Send a template');
  await chooseTemplateOption(rendered.user, section, 'welcome_offer');
  await within(section).findByText(host.agentLocale === 'ja' ? '11 ポイント' : '11 points');
  await rendered.user.click(
    within(section).getByRole('button', { name: host.agentLocale === 'ja' ? 'テンプレートを送信' : 'Send template' }),
  );
  await within(section).findByText(host.agentLocale === 'ja' ? 'テンプレートを送信しました。' : 'Template sent.');
  return { ...rendered, section };
}

describe('a send Meta refuses later', () => {
  it('says why in the send area, and reads the consent and the wallet again', async () => {
    const host = meteredHost();
    const { section, clock } = await sendWelcome(host);
    await expect.poll(() => screen.getByTestId('wallet').textContent).toContain('11 points reserved');
    const marketing = within(await findSection('Opt-in')).getByTestId('optin-topic-marketing');
    expect(within(marketing).getByText('Opted in')).toBeTruthy();

    host.reportStatus(host.messages[0]?.id ?? '', 'failed', stoppedMarketing);
    await clock.advance(messagePollIntervalMs);
    const refused = await within(section).findByTestId('send-refused');
    expect(refused.textContent).toBe(
      'Meta refused this message: The customer chose to stop receiving marketing messages. (Meta error 131050)',
    );
    expect(within(section).queryByText('Template sent.')).toBeNull();
    await within(await findSection('Opt-in')).findByText('Opted out');
    await expect.poll(() => screen.getByTestId('wallet').textContent).toBe('500 points available');
  });

  it('returns the reserved points to 0 once the message is read', async () => {
    const host = meteredHost();
    const { clock } = await sendWelcome(host);
    await expect.poll(() => screen.getByTestId('wallet').textContent).toContain('11 points reserved');
    host.reportStatus(host.messages[0]?.id ?? '', 'read');
    await clock.advance(messagePollIntervalMs);
    await expect.poll(() => screen.getByTestId('wallet').textContent).toBe('489 points available');
  });

  it('says a reply’s refusal under the reply box, in Japanese', async () => {
    const host = meteredHost('ja');
    const { user, clock } = renderPanel(host);
    const reply = await findSection('WhatsApp で返信');
    await screen.findByText(/自由に返信できます/);
    await user.type(within(reply).getByLabelText('メッセージ'), 'こんにちは');
    await user.click(within(reply).getByRole('button', { name: '返信を送信' }));
    await within(reply).findByText('返信を送信しました。');
    host.reportStatus(host.messages[0]?.id ?? '', 'failed', {
      code: 131026,
      title: 'Message undeliverable',
      details: null,
      reason: 'recipient_undeliverable',
    });
    await clock.advance(messagePollIntervalMs);
    const refused = await within(reply).findByTestId('send-refused');
    expect(refused.textContent).toMatch(/^Meta がこのメッセージを拒否しました：.+（?\(?Meta エラー 131026/);
  });
});

describe('the auto-recharge notice', () => {
  const paused = (reason: string): WalletEvent => ({
    id: 'evt_1',
    type: 'auto_recharge_paused',
    account_id: 'acc_000000000000000000000001',
    created_at: new Date(startMs - 3600_000).toISOString(),
    data: { reason, detail: 'detail', payment_id: null },
  });

  it('says the limit was reached when that is the bridge’s reason', async () => {
    const host = meteredHost();
    host.paymentProblem = paused('limit_reached');
    renderPanel(host);
    const notice = await screen.findByTestId('payment-problem');
    expect(notice.textContent).toContain('reached its limit of recharges');
    expect(notice.textContent).not.toContain('failed payments');
  });

  it('says failed payments when they paused it, in both languages', async () => {
    const host = meteredHost();
    host.paymentProblem = paused('payment_failed');
    renderPanel(host);
    expect((await screen.findByTestId('payment-problem')).textContent).toContain('after failed payments');
    cleanup();
    const ja = meteredHost('ja');
    ja.paymentProblem = paused('limit_reached');
    renderPanel(ja);
    expect((await screen.findByTestId('payment-problem')).textContent).toContain('上限に達したため');
  });
});
