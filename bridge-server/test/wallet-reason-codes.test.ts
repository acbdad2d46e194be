import { walletEntryKinds, walletReasonCodes } from '@wabridge/shared';
import { describe, expect, it } from 'vitest';
import { walletReasonCodeOf } from '../src/wallet/reason-codes.js';

/**
 * The reason codes read from the sentences the bridge writes into the ledger (each sentence below is the one its
 * writer produces: settlement.ts, webhooks/apply.ts, messages/pipeline.ts, holds.ts, hosting.ts, purchases.ts,
 * charges.ts). The flows themselves are checked through the API in wallet-ledger.test.ts.
 */
describe('wallet reason codes', () => {
  it.each([
    ['purchase', 'purchase of 1000 points: 2200 JPY (minor units)', 'purchase'],
    ['hold', 'hold for a marketing message to the JP market', 'hold'],
    ['capture', 'Meta billed it (regular): captured', 'capture'],
    ['capture', 'Meta billed it as marketing (we priced utility): captured at the marketing price', 'capture_other_category'],
    [
      'capture',
      'Meta billed it as marketing (we priced utility): captured at the marketing price from the balance, after its hold had expired',
      'capture_other_category',
    ],
    ['capture', 'Meta billed it (regular): captured from the balance, after its hold had expired', 'capture_after_expiry'],
    ['release', 'Meta did not bill it (free_customer_service)', 'release_not_billed'],
    ['release', 'Meta reported the message failed: not billed', 'release_failed'],
    ['release', 'the send failed (meta): nothing to bill', 'release_send_failed'],
    ['release', 'released for another reason', 'release'],
    [
      'expiry',
      'Meta had not priced it 192 hours after the send: hold returned (if Meta bills it later, it is captured then)',
      'expiry',
    ],
    ['adjustment', 'goodwill credit for ticket #4711', 'adjustment'],
    ['hosting_fee', 'hosting fee of +81345100001 for 2031-01: 300 points', 'hosting_fee'],
    [
      'hosting_fee',
      'hosting fee of +81345100001 for 2031-02: 300 points; 200 collected, 100 uncollected (the available balance was short)',
      'hosting_fee_short',
    ],
  ] as const)('%s: "%s" is %s', (kind, reason, code) => {
    expect(walletReasonCodeOf({ kind, reason })).toBe(code);
  });

  it('gives every kind a code of the contract’s list', () => {
    for (const kind of walletEntryKinds) expect(walletReasonCodes).toContain(walletReasonCodeOf({ kind, reason: '' }));
  });
});
