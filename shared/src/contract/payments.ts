import * as z from 'zod';
import { pointsPerPurchaseMax } from '../pricing/points.js';
import { accountId, prefixedId, timestamp } from './common.js';
import { purchaseReceiptResponse } from './wallet.js';

export const paymentId = prefixedId('pay', 'Payment ID: one charge asked of the payment provider.');

export const paymentMethod = z
  .string()
  .regex(/^[A-Za-z0-9_]{1,100}$/, 'must be a payment method id of the provider (letters, digits, underscores)')
  .meta({
    description:
      'The payment provider’s id of a saved payment method. Sandbox: pm_sandbox_succeeds, pm_sandbox_declined, ' +
      'pm_sandbox_insufficient_funds, pm_sandbox_slow (pending, then succeeds), pm_sandbox_timeout (accepted, answer lost).',
    example: 'pm_sandbox_succeeds',
  });

const pointsToBuy = z.number().int().min(1).max(pointsPerPurchaseMax);

const forAccount = accountId
  .optional()
  .meta({ description: 'The account (administrator: required). An installation acts for its own account and may omit it.' });

export const checkoutRequest = z
  .strictObject({ account_id: forAccount, points: pointsToBuy, payment_method: paymentMethod })
  .meta({ id: 'CheckoutRequest' });

export const paymentFailure = z
  .object({
    code: z
      .string()
      .meta({ description: 'The provider’s reason, e.g. card_declined, insufficient_funds.', example: 'card_declined' }),
    message: z.string().meta({ description: 'The provider’s explanation, for people.' }),
  })
  .meta({ id: 'PaymentFailure' });

export const payment = z
  .object({
    id: paymentId,
    account_id: accountId,
    origin: z.enum(['checkout', 'auto_recharge']),
    state: z.enum(['pending', 'succeeded', 'failed']).meta({
      description:
        'pending: the provider has not settled it yet (the bridge asks again at next_check_at); succeeded: the points are in ' +
        'the wallet (purchase); failed: nothing was bought (failure says why).',
    }),
    points: z.number().int().min(1),
    amount: z
      .number()
      .int()
      .min(1)
      .meta({ description: 'What was charged, in the minor unit of `currency` (fee and tax included).' }),
    currency: z.string(),
    payment_method: z.string(),
    provider: z.string(),
    provider_reference: z.string().nullable(),
    failure: paymentFailure.nullable(),
    purchase: purchaseReceiptResponse.nullable().meta({ description: 'The receipt of the points bought, once succeeded.' }),
    created_at: timestamp.meta({ description: 'When the payment was started (for a pending one: pending since).' }),
    settled_at: timestamp.nullable(),
    next_check_at: timestamp.nullable().meta({
      description: 'Pending only: when the bridge will ask the provider, if its callback has not settled the payment first.',
    }),
  })
  .meta({ id: 'Payment' });

export const paymentsQuery = z.strictObject({
  account_id: forAccount,
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'Page size (1–200).' }),
  cursor: z.string().max(200).optional().meta({ description: 'The `next_cursor` of the previous page.' }),
});

export const paymentList = z
  .object({
    data: z.array(payment).meta({ description: 'Newest first.' }),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` to read the next page; null on the last.' }),
  })
  .meta({ id: 'PaymentList' });

export const paymentCallbackPath = z.object({ provider: z.enum(['sandbox']) });

export const autoRechargeRequest = z
  .strictObject({
    account_id: forAccount,
    enabled: z.boolean(),
    threshold: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .meta({ description: 'Recharge when the available balance is under this many points.' }),
    amount: pointsToBuy.meta({ description: 'Points bought by each recharge.' }),
    payment_method: paymentMethod,
  })
  .meta({ id: 'AutoRechargeRequest' });

export const autoRechargeQuery = z.strictObject({ account_id: forAccount });

export const autoRecharge = z
  .object({
    account_id: accountId,
    enabled: z.boolean(),
    state: z.enum(['off', 'active', 'paused']).meta({
      description:
        'off: not enabled (or never set); active: watching the balance; paused: stopped until the settings are saved again.',
    }),
    paused: z
      .object({
        reason: z.enum(['payment_failed', 'limit_reached']),
        detail: z.string(),
        at: timestamp,
        payment_id: paymentId.nullable(),
      })
      .nullable(),
    threshold: z.number().int().nullable(),
    amount: z.number().int().nullable(),
    payment_method: z.string().nullable(),
    recharges_last_30_days: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Recharges started in the last 30 days (failed ones excluded).' }),
    recharges_max_per_30_days: z.number().int().min(1),
    last_attempt: payment.nullable(),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'AutoRecharge' });

export type Payment = z.infer<typeof payment>;
export type AutoRecharge = z.infer<typeof autoRecharge>;
export type CheckoutRequest = z.infer<typeof checkoutRequest>;
