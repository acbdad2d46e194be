import * as z from 'zod';
import { accountId, page, pageQuery, timestamp } from './common.js';

export const walletEventKinds = [
  'low_balance',
  'balance_depleted',
  'payment_succeeded',
  'payment_failed',
  'payment_pending',
  'auto_recharge_paused',
] as const;

export const walletEventKind = z.enum(walletEventKinds).meta({
  description:
    'low_balance: the available balance fell under the account’s threshold; balance_depleted: it reached zero (each once per descent, until points are added back to the threshold); payment_succeeded, payment_failed, payment_pending: a payment for points; auto_recharge_paused: automatic recharge stopped after failed payments.',
});

/** One event: the body the webhook POSTs, and an item of `GET /v1/wallet/events`. */
export const walletEvent = z
  .object({
    id: z.string().meta({ description: 'Stable, unique per bridge: the same event delivered twice carries the same id.' }),
    type: walletEventKind,
    account_id: accountId,
    created_at: timestamp,
    data: z.record(z.string(), z.unknown()).meta({
      description:
        'The figures: for low_balance and balance_depleted `available`, `balance`, `reserved` and `threshold` (points) after the change; for payment events what the payment reported.',
    }),
  })
  .meta({ id: 'WalletEvent' });

export const walletEventsQuery = pageQuery.extend({
  kind: z
    .string()
    .max(200)
    .transform((value, context) => {
      const kinds = value.split(',').map((kind) => kind.trim());
      const unknown = kinds.filter((kind) => !(walletEventKinds as readonly string[]).includes(kind));
      if (unknown.length > 0) {
        context.addIssue({
          code: 'custom',
          message: `unknown kind(s): ${unknown.join(', ')}; use ${walletEventKinds.join(', ')}`,
        });
        return z.NEVER;
      }
      return kinds as WalletEventKind[];
    })
    .optional()
    .meta({
      description: 'Only these kinds, comma-separated (e.g. `payment_failed,payment_succeeded`).',
      override: { type: 'string' },
    }),
});

export const walletEventsPage = page(walletEvent).meta({ id: 'WalletEventsPage' });

export const walletNotificationsQuery = z.strictObject({ account_id: accountId });

const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an https:// URL' })
  .max(2000)
  .meta({ description: 'Where every wallet event is POSTed (signed); https only unless the bridge allows http.' });

export const walletNotificationsRequest = z
  .strictObject({
    account_id: accountId,
    low_balance_threshold: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .meta({ description: 'Points: the wallet is low under this available balance; 0 turns low_balance events off.' }),
    webhook_url: webhookUrl.nullable().meta({ description: 'null: no webhook (its signing secret is deleted).' }),
    rotate_secret: z
      .boolean()
      .optional()
      .meta({ description: 'Replace the signing secret; the new one is in this answer only.' }),
  })
  .meta({ id: 'WalletNotificationsRequest' });

export const walletNotifications = z
  .object({
    account_id: accountId,
    low_balance_threshold: z.number().int().min(0),
    webhook_url: z.string().nullable(),
    webhook_secret: z.string().optional().meta({
      description:
        'The signing secret, only in the answer that created or rotated it: store it now, it is never shown again. Verify `X-Wabridge-Signature: t=<unix seconds>,v1=<hex>` as HMAC-SHA256 with this secret of `<t>.<raw body>`.',
    }),
    pending_deliveries: z.number().int().min(0).meta({ description: 'Events waiting to be delivered to the webhook.' }),
    last_delivery_error: z
      .string()
      .nullable()
      .meta({ description: 'What the latest failed delivery attempt got, if the latest attempt failed.' }),
  })
  .meta({ id: 'WalletNotifications' });

export type WalletEventKind = (typeof walletEventKinds)[number];
export type WalletEvent = z.infer<typeof walletEvent>;
export type WalletNotificationsRequest = z.infer<typeof walletNotificationsRequest>;
export type WalletNotifications = z.infer<typeof walletNotifications>;
