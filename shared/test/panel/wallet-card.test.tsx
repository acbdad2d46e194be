import './setup-dom.js';
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { WalletEvent } from '../../src/contract/wallet-events.js';
import { createI18n } from '../../src/panel/i18n/I18nProvider.js';
import { contactStatus, FakeHost, openWindow } from './fake-host.js';
import { renderPanel, startMs } from './render.js';

const phone = '+819012345678';

afterEach(cleanup);

/** An account that pays in points (its quotes answer), with `available` points and this low-balance threshold. */
function meteredHost({ available, threshold = 100 }: { available: number; threshold?: number }) {
  const host = new FakeHost();
  host.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  host.pricing = { marketing: 12, utility: 5 };
  host.wallet = { balance: available, reserved: 0 };
  host.lowBalanceThreshold = threshold;
  return host;
}

function paymentEvent(type: WalletEvent['type'], createdAt: string): WalletEvent {
  return { id: '42', type, account_id: 'acc_0h2kq3v8x9w1m4n5p6r7s8t9', created_at: createdAt, data: {} };
}

describe('the wallet card', () => {
  it('warns under the account’s own threshold, not a fixed one', async () => {
    renderPanel(meteredHost({ available: 300, threshold: 500 }));
    const wallet = await screen.findByTestId('wallet');
    expect(wallet.textContent).toContain('300 points available');
    expect(wallet.textContent).toContain('Low balance: fewer than 500 points left.');
    cleanup();

    renderPanel(meteredHost({ available: 30, threshold: 20 }));
    const above = await screen.findByTestId('wallet');
    expect(above.textContent).toContain('30 points available');
    expect(above.textContent).not.toContain('Low balance');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says when no points are left, even with no threshold set', async () => {
    renderPanel(meteredHost({ available: 0, threshold: 0 }));
    const wallet = await screen.findByTestId('wallet');
    expect(wallet.textContent).toContain('No points left. Paid templates cannot be sent until your administrator buys more.');
    expect(wallet.textContent).not.toContain('Low balance');
  });

  it('shows the unresolved payment problem, readably, in English and Japanese', async () => {
    const failedAt = '2026-11-19T06:30:00.000Z';
    const host = meteredHost({ available: 500 });
    host.paymentProblem = paymentEvent('payment_failed', failedAt);
    renderPanel(host);
    const problem = await screen.findByTestId('payment-problem');
    expect(problem.textContent).toBe(
      `A payment for points failed (${createI18n('en').formatDateTime(failedAt)}); no points were added. Ask your administrator to check the payment method.`,
    );
    cleanup();

    const japanese = meteredHost({ available: 500 });
    japanese.agentLocale = 'ja';
    japanese.paymentProblem = paymentEvent('auto_recharge_paused', failedAt);
    renderPanel(japanese);
    const paused = await screen.findByTestId('payment-problem');
    expect(paused.textContent).toBe(
      `支払いの失敗により、${createI18n('ja').formatDateTime(failedAt)} から自動チャージが停止しています。管理者に支払い方法の確認を依頼してください。`,
    );
  });

  it('shows no payment problem when none is unresolved', async () => {
    renderPanel(meteredHost({ available: 500 }));
    await screen.findByTestId('wallet');
    expect(screen.queryByTestId('payment-problem')).toBeNull();
  });
});
