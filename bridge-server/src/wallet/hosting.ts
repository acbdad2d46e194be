import type { HostingFee } from '@wabridge/shared';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import { DomainError } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';
import { lockWallet } from './balance.js';
import { loadPricingSettings } from './settings.js';

/*
 * The monthly hosting fee of a WhatsApp number (Zendesk bills number hosting per number per month). Each calendar
 * month in UTC is charged once per deployment, in full, from the month the fee is set: a month of hosting is one
 * unit, as the vendor bills it, so there is no proration to round. Only the current month is charged: months when
 * no bridge ran are not charged afterwards. When the available balance is short, what it covers is collected and
 * the rest recorded as uncollected (never collected later), as a capture does: the available balance never goes
 * negative and points held for messages in flight stay theirs.
 */

/** A month is charged within this long of its start (or of the fee being set); each look is one indexed query. */
const pollIntervalMs = 5 * 60_000;

/** The calendar month (UTC) an instant falls in: `2026-11`. */
export function hostingPeriodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** Sets (or with null removes) a deployment's monthly fee. */
export async function setHostingFee(db: Kysely<Schema>, deploymentId: string, monthlyPoints: number | null): Promise<HostingFee> {
  const deployment = await db
    .selectFrom('deployments')
    .select(['id', 'account_id'])
    .where('id', '=', deploymentId)
    .executeTakeFirst();
  if (deployment === undefined) throw new DomainError('not_found', `No deployment ${deploymentId}.`);
  const present = (updatedAt: Date | null) => ({
    deployment_id: deployment.id,
    account_id: deployment.account_id,
    monthly_points: monthlyPoints,
    updated_at: updatedAt === null ? null : updatedAt.toISOString(),
  });
  if (monthlyPoints === null) {
    await db.deleteFrom('deployment_hosting_fees').where('deployment_id', '=', deploymentId).execute();
    return present(null);
  }
  if ((await loadPricingSettings(db, deployment.account_id)) === undefined) {
    throw new DomainError(
      'pricing_not_configured',
      `Account ${deployment.account_id} has no point prices, so it has no points to pay a fee with: PUT /v1/wallet/settings first.`,
    );
  }
  const row = await db
    .insertInto('deployment_hosting_fees')
    .values({ deployment_id: deploymentId, monthly_points: monthlyPoints })
    .onConflict((conflict) =>
      conflict.column('deployment_id').doUpdateSet({ monthly_points: monthlyPoints, updated_at: sql<Date>`now()` }),
    )
    .returning('updated_at')
    .executeTakeFirstOrThrow();
  return present(row.updated_at);
}

/**
 * Charges one deployment's fee for a month, once: the (deployment, month) primary key of hosting_fee_charges makes a
 * second charge of the same month, by this process or another, do nothing. Returns whether this call charged it.
 */
export async function chargeHostingFee(db: Kysely<Schema>, deploymentId: string, period: string): Promise<boolean> {
  return db.transaction().execute(async (transaction) => {
    const fee = await transaction
      .selectFrom('deployment_hosting_fees as fee')
      .innerJoin('deployments', 'deployments.id', 'fee.deployment_id')
      .select(['fee.monthly_points', 'deployments.account_id', 'deployments.display_phone_number'])
      .where('fee.deployment_id', '=', deploymentId)
      .executeTakeFirst();
    if (fee === undefined) return false;
    // The wallet lock first, as holds take it: concurrent charges of one account take turns and see each other's debit.
    const wallet = await lockWallet(transaction, fee.account_id);
    const feePoints = Number(fee.monthly_points);
    const collected = Math.min(feePoints, wallet.available);
    const charged = await transaction
      .insertInto('hosting_fee_charges')
      .values({
        deployment_id: deploymentId,
        period,
        account_id: fee.account_id,
        fee_points: feePoints,
        collected_points: collected,
        uncollected_points: feePoints - collected,
      })
      .onConflict((conflict) => conflict.columns(['deployment_id', 'period']).doNothing())
      .returning('period')
      .executeTakeFirst();
    if (charged === undefined) return false;
    const shortfall =
      collected < feePoints
        ? `; ${collected} collected, ${feePoints - collected} uncollected (the available balance was short)`
        : '';
    await transaction
      .insertInto('wallet_entries')
      .values({
        account_id: fee.account_id,
        kind: 'hosting_fee',
        balance_delta_points: -collected,
        reserved_delta_points: 0,
        deployment_id: deploymentId,
        hosting_period: period,
        reason: `hosting fee of ${fee.display_phone_number} for ${period}: ${feePoints} points${shortfall}`,
      })
      .execute();
    return true;
  });
}

/** Charges every deployment with a fee whose current month is not charged yet, one per step, on every bridge process. */
export class HostingFeeScheduler extends BackgroundWorker {
  constructor(
    private readonly db: Kysely<Schema>,
    logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    super({ name: 'hosting fees', pollIntervalMs, logger });
  }

  protected async step(): Promise<'idle' | 'busy'> {
    return (await this.chargeNextDue()) === 'idle' ? 'idle' : 'busy';
  }

  /** Charges the next deployment due this month; `raced` when another process charged it (or its fee went) first. */
  async chargeNextDue(): Promise<'charged' | 'raced' | 'idle'> {
    const period = hostingPeriodOf(this.now());
    const due = await this.db
      .selectFrom('deployment_hosting_fees as fee')
      .select('fee.deployment_id')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('hosting_fee_charges as charge')
              .select('charge.period')
              .whereRef('charge.deployment_id', '=', 'fee.deployment_id')
              .where('charge.period', '=', period),
          ),
        ),
      )
      .orderBy('fee.deployment_id')
      .limit(1)
      .executeTakeFirst();
    if (due === undefined) return 'idle';
    return (await chargeHostingFee(this.db, due.deployment_id, period)) ? 'charged' : 'raced';
  }
}
