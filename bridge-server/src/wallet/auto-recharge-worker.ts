import { purchaseReceipt } from '@wabridge/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import type { PaymentService } from '../payments/service.js';
import { autoRechargesInLast30Days, type PaymentRow, uniqueViolationOf } from '../payments/store.js';
import type { Schema } from '../storage/schema.js';
import { pauseAutoRecharge } from './auto-recharge.js';
import { loadPricingSettings } from './settings.js';

/**
 * How often each bridge process looks for accounts under their threshold: a balance that falls is noticed within
 * this long, and each look is one query over the (few) accounts with auto-recharge on.
 */
const pollIntervalMs = 10_000;

type Claim = { kind: 'start'; payment: PaymentRow } | { kind: 'paused' };

/**
 * Starts auto-recharges. Each step claims one account whose auto-recharge is on, not paused, under its threshold
 * and without a pending payment (FOR UPDATE SKIP LOCKED on its settings row), and in that transaction either
 * pauses it (the limit of recharges per 30 days is reached) or records the recharge payment. The unique index
 * on pending payments is the backstop: however many bridge processes look at once, one payment is started per
 * account, and none while another (a checkout) is pending. The payment is then charged like a checkout.
 */
export class AutoRechargeWorker extends BackgroundWorker {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly payments: PaymentService,
    private readonly logger: Logger,
    private readonly options: { maxPer30Days: number },
  ) {
    super({ name: 'auto-recharge', pollIntervalMs, logger });
  }

  /** Starts the next recharge due, if any (also for tests: drain waits for it). */
  override step(): Promise<'idle' | 'busy'> {
    return this.counted(() => this.#step());
  }

  async #step(): Promise<'idle' | 'busy'> {
    let claim: Claim | undefined;
    try {
      claim = await this.db.transaction().execute((transaction) => this.#claim(transaction));
    } catch (error) {
      // Another process started a payment for the account meanwhile: it is no longer a candidate.
      if (uniqueViolationOf(error) === 'payments_one_pending_idx') return 'busy';
      throw error;
    }
    if (claim === undefined) return 'idle';
    if (claim.kind === 'start') {
      this.logger.info({ paymentId: claim.payment.id, accountId: claim.payment.account_id }, 'auto-recharge started');
      await this.payments.charge(claim.payment);
    }
    return 'busy';
  }

  async #claim(transaction: Transaction<Schema>): Promise<Claim | undefined> {
    const candidates = await sql<{ account_id: string; amount_points: number; payment_method: string; available: number }>`
      select s.account_id, s.amount_points, s.payment_method, coalesce(w.balance_points - w.reserved_points, 0) as available
      from auto_recharge_settings s left join wallets w on w.account_id = s.account_id
      where s.enabled and s.paused_at is null
        and coalesce(w.balance_points - w.reserved_points, 0) < s.threshold_points
        and not exists (select 1 from payments p where p.account_id = s.account_id and p.state = 'pending')
      order by s.updated_at
      limit 1
      for update of s skip locked`.execute(transaction);
    const candidate = candidates.rows[0];
    if (candidate === undefined) return undefined;
    const accountId = candidate.account_id;
    const used = await autoRechargesInLast30Days(transaction, accountId);
    if (used >= this.options.maxPer30Days) {
      await pauseAutoRecharge(transaction, accountId, {
        reason: 'limit_reached',
        detail: `${used} recharges in the last 30 days reach the limit of ${this.options.maxPer30Days}; the available balance is ${Number(candidate.available)} points.`,
        paymentId: null,
      });
      return { kind: 'paused' };
    }
    const settings = await loadPricingSettings(transaction, accountId);
    if (settings === undefined) throw new Error(`auto-recharge: account ${accountId} has no point prices`);
    const receipt = purchaseReceipt({ points: Number(candidate.amount_points), settings });
    const payment = await this.payments.record(transaction, {
      ...this.payments.newPayment(accountId, candidate.payment_method),
      origin: 'auto_recharge',
      request_key: null,
      request_sha256: null,
      points: receipt.points,
      amount_minor: receipt.total,
      currency: receipt.currency,
    });
    return { kind: 'start', payment };
  }
}
