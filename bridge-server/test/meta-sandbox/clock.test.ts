import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, orderConfirmationBody, startHarness, summerSaleComponents } from './harness.js';

const hourMs = 60 * 60 * 1000;
let nowMs: number;
let harness: Harness;

beforeEach(async () => {
  nowMs = Date.UTC(2026, 0, 10, 12, 0, 0);
  harness = await startHarness({ now: () => nowMs });
});
afterEach(async () => {
  await harness.close();
});

/** The pricing the sandbox recorded for the last accepted send. */
async function lastPricing() {
  const messages = (await harness.control('GET', '/sandbox/messages')).body.data;
  return messages.at(-1).pricing as { type: string; category: string; billable: boolean };
}

describe('windows by the sandbox clock', () => {
  it('closes the customer service window exactly 24 h after the customer wrote', async () => {
    await harness.inbound();
    nowMs += 24 * hourMs - 1_000;
    expect((await harness.sendText('just in time')).status).toBe(200);
    nowMs += 1_000;
    expect((await harness.sendText('one second late')).body.error.code).toBe(131047);
    const [customer] = (await harness.control('GET', '/sandbox/numbers/106540352242922/customers')).body.data;
    expect(customer).toMatchObject({ window_open: false, window_expires_at: new Date(Date.UTC(2026, 0, 11, 12)).toISOString() });
  });

  it('keeps a free entry point 72 h from the first reply, then charges again', async () => {
    await harness.inbound({ text: 'From your ad', referral: {} });
    nowMs += 1 * hourMs;
    await harness.sendTemplate('order_confirmation', 'en_US', orderConfirmationBody());
    expect(await lastPricing()).toMatchObject({ type: 'free_entry_point', billable: false });

    nowMs += 72 * hourMs - 1_000;
    await harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents);
    expect(await lastPricing()).toMatchObject({ type: 'free_entry_point', category: 'marketing' });

    nowMs += 1_000;
    await harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents);
    expect(await lastPricing()).toMatchObject({ type: 'regular', category: 'marketing', billable: true });
  });

  it('opens a free entry point once per referral, not on every later reply', async () => {
    await harness.inbound({ text: 'From your ad', referral: {} });
    await harness.sendText('Hello!');
    nowMs += 73 * hourMs;
    await harness.inbound({ text: 'Me again, without an ad' });
    await harness.sendTemplate('summer_sale', 'en_US', summerSaleComponents);
    expect(await lastPricing()).toMatchObject({ type: 'regular' });
  });
});
