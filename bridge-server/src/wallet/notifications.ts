import { randomBytes } from 'node:crypto';
import type { WalletNotifications, WalletNotificationsRequest, WalletOverview } from '@wabridge/shared';
import { type Kysely, sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { jobKinds } from '../jobs/kinds.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Schema } from '../storage/schema.js';
import { walletOf } from './balance.js';
import { presentWalletEvent, unresolvedPaymentProblem } from './events.js';
import { checkWebhookUrl, type WebhookUrlPolicy } from './events-url.js';

/*
 * Per account: the low-balance threshold (which the trigger on wallets reads to announce crossings) and the webhook
 * wallet events are POSTed to, with its signing secret. The secret is sealed at rest and answered only by the PUT
 * that creates or rotates it.
 */

/**
 * The threshold of an account without settings: the column's default (migration 0008). 100 points is a few paid
 * templates at any rate card, and was the panel's fixed warning level before thresholds were settings.
 */
export const defaultLowBalanceThreshold = 100;

/** Binds a sealed secret to its account (SecretBox's additional data): copied to another row, it fails to open. */
export function webhookSecretContext(accountId: string): string {
  return `account:${accountId}:wallet_webhook_secret`;
}

/** 32 random bytes: the key of the HMAC, as a receiver's configuration holds it. */
function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

async function requireAccount(db: Kysely<Schema>, accountId: string): Promise<void> {
  const account = await db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
  if (account === undefined) throw new DomainError('unknown_account', `No account ${accountId}.`);
}

async function deliveryBacklog(db: Kysely<Schema>, accountId: string) {
  const deliveries = db.selectFrom('jobs').where('kind', '=', jobKinds.walletEventWebhook).where('account_id', '=', accountId);
  const pending = await deliveries
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  // The latest attempt of any delivery: its error if it failed, null if it succeeded.
  const latest = await deliveries
    .select(['last_error'])
    .where('attempts', '>', 0)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { pending_deliveries: Number(pending.count), last_delivery_error: latest?.last_error ?? null };
}

export async function notificationsOf(db: Kysely<Schema>, accountId: string): Promise<WalletNotifications> {
  await requireAccount(db, accountId);
  const row = await db
    .selectFrom('wallet_notification_settings')
    .select(['low_balance_threshold', 'webhook_url'])
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return {
    account_id: accountId,
    low_balance_threshold: Number(row?.low_balance_threshold ?? defaultLowBalanceThreshold),
    webhook_url: row?.webhook_url ?? null,
    ...(await deliveryBacklog(db, accountId)),
  };
}

/**
 * Saves an account's threshold and webhook. A new webhook (none before) or `rotate_secret` gets a fresh secret, answered
 * this once; removing the webhook deletes its secret. A changed threshold starts a new descent: the next fall under it
 * is announced even if the old threshold's was.
 */
export async function saveNotifications(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  request: WalletNotificationsRequest,
  policy: WebhookUrlPolicy,
): Promise<WalletNotifications> {
  await requireAccount(db, request.account_id);
  if (request.webhook_url !== null) await checkWebhookUrl(request.webhook_url, policy);
  const secret = await db.transaction().execute(async (transaction) => {
    const current = await transaction
      .selectFrom('wallet_notification_settings')
      .select(['low_balance_threshold', 'webhook_secret_sealed'])
      .where('account_id', '=', request.account_id)
      .forUpdate()
      .executeTakeFirst();
    const fresh =
      request.webhook_url !== null && (current?.webhook_secret_sealed == null || request.rotate_secret === true)
        ? newWebhookSecret()
        : undefined;
    const sealed =
      request.webhook_url === null
        ? null
        : fresh !== undefined
          ? secretBox.seal(fresh, webhookSecretContext(request.account_id))
          : (current?.webhook_secret_sealed ?? null);
    const thresholdChanged =
      Number(current?.low_balance_threshold ?? defaultLowBalanceThreshold) !== request.low_balance_threshold;
    const values = {
      low_balance_threshold: request.low_balance_threshold,
      webhook_url: request.webhook_url,
      webhook_secret_sealed: sealed,
      ...(thresholdChanged ? { low_balance_notified: false } : {}),
    };
    await transaction
      .insertInto('wallet_notification_settings')
      .values({ account_id: request.account_id, ...values })
      .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
      .execute();
    return fresh;
  });
  return { ...(await notificationsOf(db, request.account_id)), ...(secret === undefined ? {} : { webhook_secret: secret }) };
}

/** `GET /v1/wallet`: the wallet with its threshold, whether it is low, and any unresolved payment problem. */
export async function walletOverviewOf(db: Kysely<Schema>, accountId: string): Promise<WalletOverview> {
  const [wallet, settings, problem] = await Promise.all([
    walletOf(db, accountId),
    db
      .selectFrom('wallet_notification_settings')
      .select('low_balance_threshold')
      .where('account_id', '=', accountId)
      .executeTakeFirst(),
    unresolvedPaymentProblem(db, accountId),
  ]);
  const threshold = Number(settings?.low_balance_threshold ?? defaultLowBalanceThreshold);
  return {
    ...wallet,
    low_balance_threshold: threshold,
    low: wallet.available < threshold,
    payment_problem: problem === undefined ? null : presentWalletEvent(problem),
  };
}
