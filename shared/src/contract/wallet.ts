import * as z from 'zod';
import { pointPriceMinorMax, pointsPerPurchaseMax, pointValueMicroUsdMax } from '../pricing/points.js';
import { accountId, deploymentId, installationId, timestamp } from './common.js';
import { walletEvent } from './wallet-events.js';

const points = z.number().int();

export const wallet = z
  .object({
    balance: points.min(0).meta({ description: 'Points bought (and adjusted) minus points captured.' }),
    reserved: points.min(0).meta({ description: 'Points held for messages Meta has not yet billed or released.' }),
    available: points.min(0).meta({ description: 'balance − reserved: what new paid messages may use.' }),
    unit: z.enum(['point']),
  })
  .meta({ id: 'Wallet' });

/** `GET /v1/wallet`: the wallet, and what the account should hear about it (low balance, a payment problem). */
export const walletOverview = wallet
  .extend({
    low_balance_threshold: points
      .min(0)
      .meta({ description: 'The account’s low-balance threshold (PUT /v1/wallet/notifications); 0: none.' }),
    low: z.boolean().meta({ description: 'available < low_balance_threshold.' }),
    payment_problem: walletEvent.nullable().meta({
      description:
        'The latest payment_failed or auto_recharge_paused event not followed by a payment_succeeded one; null when none is unresolved.',
    }),
  })
  .meta({ id: 'WalletOverview' });

/**
 * purchase: points bought. hold: reserved at a send. capture / release: Meta billed the message (or not). expiry: a
 * hold Meta had not priced in time, returned. adjustment: an administrator's correction. hosting_fee: a number's
 * monthly hosting.
 */
export const walletEntryKinds = ['purchase', 'hold', 'capture', 'release', 'expiry', 'adjustment', 'hosting_fee'] as const;

/**
 * Why an entry was written, as a stable code the apps translate: derived when the entry is read from its kind and the
 * words the bridge wrote (bridge-server/src/wallet/reason-codes.ts); the ledger itself is never rewritten. `adjustment`
 * carries the operator's own words in `reason`, which no code translates.
 */
export const walletReasonCodes = [
  'purchase',
  'hold',
  'capture',
  'capture_other_category',
  'capture_after_expiry',
  'release_not_billed',
  'release_failed',
  'release_send_failed',
  'release',
  'expiry',
  'adjustment',
  'hosting_fee',
  'hosting_fee_short',
] as const;

export const walletEntry = z
  .object({
    id: z.string().meta({ description: 'Ledger position; entries are never changed or removed.' }),
    kind: z.enum(walletEntryKinds),
    balance_delta_points: points,
    reserved_delta_points: points,
    message_id: z.string().nullable(),
    deployment_id: deploymentId.nullable(),
    installation_id: installationId.nullable(),
    ticket: z.object({ helpdesk: z.enum(['zendesk', 'zoho']), id: z.string() }).nullable(),
    payment_reference: z.string().nullable(),
    rate: z
      .object({
        rate_card: z.string().nullable(),
        rule_set: z.string().nullable(),
        category: z.string().nullable(),
        market: z.string().nullable(),
        rate_micro_usd: z.number().int().nullable(),
      })
      .nullable(),
    adjustment_reference: z.string().nullable().meta({ description: 'An adjustment’s reference: counted once.' }),
    hosting_period: z
      .string()
      .nullable()
      .meta({ description: 'The calendar month (UTC, `YYYY-MM`) a hosting fee pays for.', example: '2026-11' }),
    reason: z.string().meta({ description: 'Why, in English, as written when the entry was made.' }),
    reason_code: z.enum(walletReasonCodes).meta({ description: 'Why, as a code the apps translate (see walletReasonCodes).' }),
    created_at: timestamp,
  })
  .meta({ id: 'WalletEntry' });

export const walletLedger = z
  .object({
    data: z.array(walletEntry),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` to read the next page; null on the last.' }),
  })
  .meta({ id: 'WalletLedger' });

export const createPurchaseRequest = z
  .strictObject({
    account_id: accountId,
    points: z.number().int().min(1).max(pointsPerPurchaseMax),
    payment_reference: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: 'The payment provider’s reference: the same reference is counted once.' }),
  })
  .meta({ id: 'CreatePurchaseRequest' });

export const purchaseReceiptResponse = z
  .object({
    account_id: accountId,
    payment_reference: z.string(),
    points: points.min(1),
    unit_price: points.min(1).meta({ description: 'Price of one point, in the minor unit of `currency`.' }),
    subtotal: points.min(0),
    fee: points.min(0),
    tax: points.min(0),
    total: points.min(0).meta({ description: 'subtotal + fee + tax, in the minor unit of `currency`.' }),
    currency: z.string(),
    created_at: timestamp,
  })
  .meta({ id: 'PurchaseReceipt' });

/**
 * The price of one point, bounded (with the points of a purchase and the fee and tax rates) so that every amount
 * of a receipt is an exact integer: see `shared/src/pricing/points.ts`.
 */
const pointPrice = z
  .number()
  .int()
  .min(1)
  .max(pointPriceMinorMax)
  .meta({ description: 'Price of one point in the minor unit of `currency` (at most 1,000,000).' });

export const walletSettingsRequest = z
  .strictObject({
    account_id: accountId,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in capitals, like USD or JPY'),
    point_price_minor: pointPrice,
    quantity_prices: z
      .array(z.strictObject({ minimum_points: z.number().int().min(1).max(pointsPerPurchaseMax), point_price_minor: pointPrice }))
      .max(50)
      .optional(),
    fee_percent_basis_points: z.number().int().min(0).max(10_000).optional(),
    tax_rate_basis_points: z.number().int().min(0).max(10_000).optional(),
    point_value_micro_usd: z
      .number()
      .int()
      .min(1)
      .max(pointValueMicroUsdMax)
      .meta({ description: 'What one point pays of Meta’s charges, in micro-USD (at most US$1,000).' }),
  })
  .meta({ id: 'WalletSettingsRequest' });

export const walletSettings = z
  .object({
    account_id: accountId,
    currency: z.string(),
    point_price_minor: z.number().int(),
    quantity_prices: z.array(z.object({ minimum_points: z.number().int(), point_price_minor: z.number().int() })),
    fee_percent_basis_points: z.number().int(),
    tax_rate_basis_points: z.number().int(),
    point_value_micro_usd: z.number().int(),
  })
  .meta({ id: 'WalletSettings' });

export type Wallet = z.infer<typeof wallet>;
export type WalletOverview = z.infer<typeof walletOverview>;
export type WalletReasonCode = (typeof walletReasonCodes)[number];
export type WalletEntry = z.infer<typeof walletEntry>;
export type PurchaseReceiptResponse = z.infer<typeof purchaseReceiptResponse>;
export type WalletSettingsRequest = z.infer<typeof walletSettingsRequest>;
