import type { AutoRecharge } from '@wabridge/shared';
import type { Kysely, Transaction } from 'kysely';
import { autoRechargesInLast30Days, lastAutoRecharge, presentPayments } from '../payments/store.js';
import type { Schema } from '../storage/schema.js';
import { recordWalletEvent } from './events.js';

/*
 * Auto-recharge settings and state. The worker (auto-recharge-worker.ts) buys `amount` points whenever the
 * available balance is under `threshold`; it is paused, until the settings are saved again, after a failed
 * recharge or when the bridge's limit of recharges per 30 days is reached, so that neither a broken card nor a
 * runaway spend turns into a loop of charges.
 */

type Database = Kysely<Schema> | Transaction<Schema>;

export interface AutoRechargeSettings {
  enabled: boolean;
  thresholdPoints: number;
  amountPoints: number;
  paymentMethod: string;
}

/** Saves the settings; saving is also what resumes a paused auto-recharge. */
export async function saveAutoRechargeSettings(db: Kysely<Schema>, accountId: string, settings: AutoRechargeSettings) {
  const values = {
    enabled: settings.enabled,
    threshold_points: settings.thresholdPoints,
    amount_points: settings.amountPoints,
    payment_method: settings.paymentMethod,
    paused_at: null,
    paused_reason: null,
    paused_detail: null,
    paused_payment_id: null,
    updated_at: new Date(),
  };
  await db
    .insertInto('auto_recharge_settings')
    .values({ account_id: accountId, ...values })
    .onConflict((conflict) => conflict.column('account_id').doUpdateSet(values))
    .execute();
}

export interface Pause {
  reason: 'payment_failed' | 'limit_reached';
  detail: string;
  paymentId: string | null;
}

/** Pauses the account's auto-recharge (if it is not already) and records why, in the caller's transaction. */
export async function pauseAutoRecharge(transaction: Transaction<Schema>, accountId: string, pause: Pause): Promise<void> {
  const paused = await transaction
    .updateTable('auto_recharge_settings')
    .set({
      paused_at: new Date(),
      paused_reason: pause.reason,
      paused_detail: pause.detail.slice(0, 500),
      paused_payment_id: pause.paymentId,
    })
    .where('account_id', '=', accountId)
    .where('paused_at', 'is', null)
    .executeTakeFirst();
  if (paused.numUpdatedRows === 0n) return;
  await recordWalletEvent(transaction, {
    accountId,
    kind: 'auto_recharge_paused',
    data: { reason: pause.reason, detail: pause.detail, payment_id: pause.paymentId },
  });
}

/** What GET /v1/wallet/auto-recharge answers: the settings, active or paused and why, recharges used, the last attempt. */
export async function autoRechargeState(db: Database, accountId: string, maxPer30Days: number): Promise<AutoRecharge> {
  const settings = await db
    .selectFrom('auto_recharge_settings')
    .selectAll()
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  const last = await lastAutoRecharge(db, accountId);
  const [lastAttempt] = last === undefined ? [] : await presentPayments(db, [last]);
  const paused =
    settings?.paused_at == null
      ? null
      : {
          reason: settings.paused_reason ?? 'payment_failed',
          detail: settings.paused_detail ?? '',
          at: settings.paused_at.toISOString(),
          payment_id: settings.paused_payment_id,
        };
  return {
    account_id: accountId,
    enabled: settings?.enabled ?? false,
    state: settings?.enabled !== true ? 'off' : paused === null ? 'active' : 'paused',
    paused,
    threshold: settings === undefined ? null : Number(settings.threshold_points),
    amount: settings === undefined ? null : Number(settings.amount_points),
    payment_method: settings?.payment_method ?? null,
    recharges_last_30_days: await autoRechargesInLast30Days(db, accountId),
    recharges_max_per_30_days: maxPer30Days,
    last_attempt: lastAttempt ?? null,
    updated_at: settings?.updated_at.toISOString() ?? null,
  };
}
