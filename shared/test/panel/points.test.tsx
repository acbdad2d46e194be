import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { closedWindow, contactStatus, FakeHost, openWindow, problem } from './fake-host.js';
import { chooseTemplateOption, findSection, renderPanel, startMs } from './render.js';
import { orderShippedJa, welcomeEn } from './templates-fixtures.js';

const phone = '+819012345678';

afterEach(cleanup);

/** An account with point prices: marketing costs 12 points, utility 5; the customer opted in to both. */
function meteredHost({ available = 0, reserved = 0, window = openWindow(startMs, 3600_000) } = {}) {
  const host = new FakeHost();
  host.templates = [welcomeEn, orderShippedJa];
  host.contacts.set(phone, contactStatus(phone, window));
  host.consent(phone, 'utility');
  host.consent(phone, 'marketing');
  host.pricing = { marketing: 12, utility: 5 };
  host.wallet = { balance: available + reserved, reserved };
  return host;
}

async function chooseTemplate(host: FakeHost, name: string) {
  const rendered = renderPanel(host);
  const section = await findSection(host.agentLocale === 'ja' ? 'テンプレートで送信' : 'Send a template');
  await chooseTemplateOption(rendered.user, section, name);
  return { ...rendered, section };
}

describe('points in the template form', () => {
  it('shows the cost and disables a paid template the wallet cannot pay, while a free reply still sends', async () => {
    const host = meteredHost({ available: 3 });
    let answer = () => {};
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    // The template's quote waits, so its skeleton shows; then the bridge answers.
    host.intercept(async (request) => {
      if (request.path.includes('template=')) await held;
      return undefined;
    });
    const { user, section } = await chooseTemplate(host, 'welcome_offer');
    expect(within(section).getByTestId('quote')).toBe(within(section).getByRole('status', { name: 'Loading' }));
    expect(within(section).getByRole('button', { name: 'Send template' })).toHaveProperty('disabled', false);
    answer();
    await within(section).findByText('12 points');
    expect(within(section).getByTestId('quote').textContent).toBe('Cost: 12 points');
    const send = within(section).getByRole('button', { name: 'Send template' });
    expect(await within(section).findByText('Not enough points: this message costs 12, 3 available.')).toBeTruthy();
    expect(send).toHaveProperty('disabled', true);
    expect(send.getAttribute('aria-describedby')).toBe(within(section).getByTestId('blocked-reason').id);
    expect(
      host.requests.find((request) => request.route === '/v1/pricing/quote' && request.path.includes('template'))?.path,
    ).toBe('/v1/pricing/quote?to=%2B819012345678&template=welcome_offer&language=en');

    const wallet = await screen.findByTestId('wallet');
    expect(wallet.textContent).toContain('3 points available');
    expect(wallet.textContent).toContain('Low balance: fewer than 100 points left.');

    // Inside the window the reply costs nothing: points never block it.
    await user.type(screen.getByLabelText('Message'), 'Thanks for writing!');
    await user.click(screen.getByRole('button', { name: 'Send reply' }));
    expect(await screen.findByText('Reply sent.')).toBeTruthy();
    expect(host.posts()).toHaveLength(1);
    expect(await screen.findByText('Free — customer service window')).toBeTruthy();
  });

  it('sends a free template with no points, then refreshes the wallet and shows the charge', async () => {
    const host = meteredHost({ available: 0 });
    const { user, section } = await chooseTemplate(host, 'order_shipped');
    await expect.poll(() => within(section).getByTestId('quote').textContent).toBe('Cost: Free — customer service window');
    await user.type(within(section).getByLabelText('Header {{1}}'), '#2001');
    await user.type(within(section).getByLabelText('Body {{1}}'), '山田');
    await user.type(within(section).getByLabelText('Body {{2}}'), '11月22日');
    await user.type(within(section).getByLabelText('Button 1: end of the link'), 'A2001');
    const send = within(section).getByRole('button', { name: 'Send template' });
    expect(send).toHaveProperty('disabled', false);
    const walletReads = host.count('GET', '/v1/wallet');
    await user.click(send);
    expect(await screen.findByText('Template sent.')).toBeTruthy();
    await expect.poll(() => host.count('GET', '/v1/wallet')).toBe(walletReads + 1);
    const charge = await screen.findByTestId('message-charge');
    expect(charge.textContent).toBe('Free — customer service window');
  });

  it('holds the points of a paid send and shows them reserved, in the wallet and on the message', async () => {
    const host = meteredHost({ available: 1250 });
    const { user, section } = await chooseTemplate(host, 'welcome_offer');
    expect((await screen.findByTestId('wallet')).textContent).toBe('1,250 points available');
    await within(section).findByText('12 points');
    await user.click(within(section).getByRole('button', { name: 'Send template' }));
    expect(await screen.findByText('Template sent.')).toBeTruthy();
    expect((await screen.findByTestId('message-charge')).textContent).toBe('12 points reserved');
    await expect
      .poll(() => screen.getByTestId('wallet').textContent)
      .toBe('1,238 points available12 points reserved for messages in flight');
    expect(host.wallet).toEqual({ balance: 1250, reserved: 12 });
  });

  it('says a free entry point is free', async () => {
    const window = openWindow(startMs, 3600_000, {
      kind: 'free_entry_point',
      free_until: new Date(startMs + 48 * 3600_000).toISOString(),
    });
    const host = meteredHost({ available: 0, window });
    const { section } = await chooseTemplate(host, 'welcome_offer');
    expect(await within(section).findByText('Free — free entry point')).toBeTruthy();
    expect(within(section).getByRole('button', { name: 'Send template' })).toHaveProperty('disabled', false);
  });

  it('shows a failed quote inline with a retry, without blocking the send', async () => {
    const host = meteredHost({ available: 500, window: closedWindow() });
    const stop = host.intercept((request) => (request.route === '/v1/pricing/quote' ? problem('internal_error') : undefined));
    const { user, section } = await chooseTemplate(host, 'welcome_offer');
    const quote = await within(section).findByTestId('quote');
    expect(await within(quote).findByText(/The bridge failed unexpectedly/)).toBeTruthy();
    expect(within(section).getByRole('button', { name: 'Send template' })).toHaveProperty('disabled', false);
    stop();
    await user.click(within(quote).getByRole('button', { name: 'Retry' }));
    expect(await within(section).findByText('12 points')).toBeTruthy();
  });

  it('speaks Japanese: the cost, the points reason and the wallet', async () => {
    const host = meteredHost({ available: 3 });
    host.agentLocale = 'ja';
    const { section } = await chooseTemplate(host, 'welcome_offer');
    expect(await within(section).findByText('12 ポイント')).toBeTruthy();
    expect(
      await within(section).findByText(
        'ポイントが足りません: このメッセージには 12 ポイント必要ですが、利用可能なのは 3 ポイントです。',
      ),
    ).toBeTruthy();
    expect(within(section).getByRole('button', { name: 'テンプレートを送信' })).toHaveProperty('disabled', true);
    const wallet = await findSection('ポイント');
    expect(wallet.textContent).toContain('利用可能 3 ポイント');
    expect(wallet.textContent).toContain('残高が少なくなっています（100 ポイント未満）');
  });

  it('speaks Japanese for a free template', async () => {
    const host = meteredHost({ available: 0 });
    host.agentLocale = 'ja';
    const { section } = await chooseTemplate(host, 'order_shipped');
    await expect.poll(() => within(section).getByTestId('quote').textContent).toBe('料金: 無料 — カスタマーサービスウィンドウ');
  });
});

describe('the wallet card', () => {
  it('is not shown, and nothing is blocked, for an account without point prices', async () => {
    const host = meteredHost();
    host.pricing = null;
    const { section } = await chooseTemplate(host, 'welcome_offer');
    expect(await within(section).findByText('Not charged: points are not used on this account.')).toBeTruthy();
    expect(within(section).getByRole('button', { name: 'Send template' })).toHaveProperty('disabled', false);
    expect(host.count('GET', '/v1/wallet')).toBe(1);
    expect(screen.queryByRole('region', { name: 'Points' })).toBeNull();
    expect(screen.queryByTestId('wallet')).toBeNull();
  });

  it('is hidden when the wallet cannot be read', async () => {
    const host = meteredHost({ available: 3 });
    host.intercept((request) => (request.route === '/v1/wallet' ? problem('internal_error') : undefined));
    const { section } = await chooseTemplate(host, 'welcome_offer');
    await within(section).findByText('12 points');
    expect(screen.queryByTestId('wallet')).toBeNull();
    // Without the wallet the bridge decides: the send is not blocked by points.
    expect(within(section).getByRole('button', { name: 'Send template' })).toHaveProperty('disabled', false);
  });

  it('shows for a metered account whose customer never wrote (the reply quote answers window_closed)', async () => {
    const host = meteredHost({ available: 100, window: closedWindow() });
    renderPanel(host);
    const wallet = await screen.findByTestId('wallet');
    expect(wallet.textContent).toBe('100 points available');
  });
});
