import { type Payment, purchaseReceipt } from '@wabridge/shared';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';
import { pauseAutoRecharge } from '../wallet/auto-recharge.js';
import { recordWalletEvent } from '../wallet/events.js';
import { recordPurchaseIn } from '../wallet/purchases.js';
import { loadPricingSettings } from '../wallet/settings.js';
import { type ChargeOutcome, type PaymentProvider, PaymentProviderUnavailableError } from './provider.js';
import { SandboxPaymentProvider, sandboxCallbackSecret } from './sandbox-provider.js';
import {
  findPayment,
  findPaymentByRequestKey,
  insertPayment,
  lockPayment,
  type PaymentRow,
  rescheduleCheck,
  uniqueViolationOf,
} from './store.js';

/** Checks of a payment still pending back off to at most an hour apart. */
const checkDelayMsMax = 60 * 60_000;

/** An outcome, or 'unknown' when the provider could not be asked or its answer was lost. */
type Answer = ChargeOutcome | 'unknown';

export function createPaymentProvider(config: Config, db: Kysely<Schema>, logger: Logger): PaymentProvider | undefined {
  switch (config.payments.provider) {
    case 'sandbox':
      return new SandboxPaymentProvider(db, {
        secret: sandboxCallbackSecret(config.encryptionKey),
        settleDelayMs: config.payments.sandboxSettleDelayMs,
        logger,
      });
    case undefined:
      return undefined;
  }
}

/** What a check of a pending payment found: settled now or before, or still pending (ask again after `afterMs`). */
export type CheckResult =
  | { settled: true; state: 'succeeded' | 'failed' | 'settled_before' }
  | { settled: false; afterMs: number; reason: string };

/**
 * Payments: started by a checkout or an auto-recharge, recorded (pending) before the provider is called, then
 * settled once, by the provider's answer, its callback, or the payment's check: a `payment_check` job, written with
 * the payment (payments/check-job.ts), that asks the provider about it until it is settled (replica-safe: the job
 * runner claims it with FOR UPDATE SKIP LOCKED and a lease on the database's clock).
 *
 * A success records the purchase and marks the payment succeeded in one transaction, under the payment's row
 * lock: a callback and a check settling the same payment at once count its points once.
 */
export class PaymentService {
  constructor(
    private readonly db: Kysely<Schema>,
    readonly provider: PaymentProvider,
    private readonly logger: Logger,
    private readonly options: {
      reconcileAfterMs: number;
      /** Wakes the job runner: a check made due now is taken at once rather than at the runner's next poll. */
      wakeChecks: () => void;
    },
  ) {}

  /** Starts the provider (it calls back at `bridgeUrl`); checks run on the job runner. */
  startAt(bridgeUrl: string): void {
    this.provider.start(bridgeUrl);
  }

  async stop(): Promise<void> {
    this.provider.stop();
  }

  /**
   * Buys points for the account, once per request key: a repeat with the same body answers the payment as it
   * stands now (`replayed`), with another body it is refused.
   */
  async checkout(request: {
    accountId: string;
    points: number;
    paymentMethod: string;
    requestKey: string;
    requestSha256: string;
  }): Promise<{ payment: Payment; replayed: boolean }> {
    const replay = await this.#replay(request);
    if (replay !== undefined) return { payment: replay, replayed: true };
    const settings = await loadPricingSettings(this.db, request.accountId);
    if (settings === undefined) {
      throw new DomainError('pricing_not_configured', `Account ${request.accountId} has no point prices: it cannot buy points.`);
    }
    await this.requireKnownMethod(request.accountId, request.paymentMethod);
    const receipt = purchaseReceipt({ points: request.points, settings });
    let row: PaymentRow;
    try {
      row = await this.record(this.db, {
        ...this.newPayment(request.accountId, request.paymentMethod),
        origin: 'checkout',
        request_key: request.requestKey,
        request_sha256: request.requestSha256,
        points: receipt.points,
        amount_minor: receipt.total,
        currency: receipt.currency,
      });
    } catch (error) {
      const index = uniqueViolationOf(error);
      if (index === undefined) throw error;
      // The same key, concurrently (whichever index refused the row first): answer what the other request recorded.
      const concurrent = await this.#replay(request);
      if (concurrent !== undefined) return { payment: concurrent, replayed: true };
      if (index === 'payments_one_pending_idx') await this.#refusePending(request.accountId);
      throw error;
    }
    return { payment: await this.charge(row), replayed: false };
  }

  async requireKnownMethod(accountId: string, paymentMethod: string): Promise<void> {
    if (!(await this.provider.knowsPaymentMethod(accountId, paymentMethod))) {
      throw new DomainError(
        'unknown_payment_method',
        `The ${this.provider.name} provider has no payment method ${paymentMethod}.`,
      );
    }
  }

  /** The columns every new payment starts with. */
  newPayment(accountId: string, paymentMethod: string) {
    const id = newId('pay');
    return {
      id,
      account_id: accountId,
      provider: this.provider.name,
      idempotency_key: `wabridge_${id}`,
      payment_method: paymentMethod,
    };
  }

  /** Records a payment with its check, first due after `reconcileAfterMs` unless the payment is settled before. */
  record(db: Kysely<Schema> | Transaction<Schema>, values: Parameters<typeof insertPayment>[1]): Promise<PaymentRow> {
    return insertPayment(db, values, this.options.reconcileAfterMs);
  }

  /** Calls the provider for a payment just recorded, and settles it by the answer. */
  async charge(row: PaymentRow): Promise<Payment> {
    const answer = await this.#ask(row, () => this.provider.charge(this.#chargeRequest(row)));
    if (answer === 'unknown' || answer.state === 'pending') {
      // Asked about soon when the answer was lost; a slow payment is given time to call back first.
      await this.#stillPending(row, answer === 'unknown' ? 0 : this.options.reconcileAfterMs, answer);
      if (answer === 'unknown') this.options.wakeChecks();
    } else {
      await this.settle(row.id, answer);
    }
    return findPayment(this.db, row.id);
  }

  /** Moves a pending payment to its final state, once; a settled payment is left as it is. */
  async settle(paymentId: string, outcome: Exclude<ChargeOutcome, { state: 'pending' }>): Promise<void> {
    if (outcome.state === 'failed') {
      await this.db.transaction().execute((transaction) => this.#fail(transaction, paymentId, outcome));
      return;
    }
    await this.db.transaction().execute(async (transaction) => {
      const locked = await lockPayment(transaction, paymentId);
      if (locked.state !== 'pending') return;
      // The purchase and the payment's success commit together: a payment is never left pending with its points counted.
      const receipt = await recordPurchaseIn(transaction, {
        accountId: locked.account_id,
        points: Number(locked.points),
        paymentReference: outcome.providerReference,
      });
      if (receipt.total !== Number(locked.amount_minor) || receipt.currency !== locked.currency) {
        // The receipt is priced at the account's current prices, which changed while the payment was pending.
        this.logger.warn(
          { paymentId, charged: Number(locked.amount_minor), receipt: receipt.total },
          'payment: receipt differs from the amount charged',
        );
      }
      const purchase = await transaction
        .selectFrom('purchases')
        .select('id')
        .where('payment_reference', '=', outcome.providerReference)
        .executeTakeFirstOrThrow();
      await transaction
        .updateTable('payments')
        .set({
          state: 'succeeded',
          provider_reference: outcome.providerReference,
          purchase_id: purchase.id,
          settled_at: new Date(),
        })
        .where('id', '=', paymentId)
        .execute();
      await recordWalletEvent(transaction, {
        accountId: locked.account_id,
        kind: 'payment_succeeded',
        data: {
          payment_id: paymentId,
          origin: locked.origin,
          points: receipt.points,
          amount: receipt.total,
          currency: receipt.currency,
        },
      });
    });
  }

  /** Settles the pending payment the provider called back about (its signature already verified). */
  async settleByKey(idempotencyKey: string, outcome: Exclude<ChargeOutcome, { state: 'pending' }>): Promise<boolean> {
    const row = await this.db
      .selectFrom('payments')
      .select('id')
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    if (row === undefined) return false;
    await this.settle(row.id, outcome);
    return true;
  }

  /**
   * Asks the provider about a pending payment (the payment's check, after `checksBefore` earlier checks): settles it
   * by the answer, or says when to ask again. A payment the provider never heard of (we died before the call reached
   * it) is charged under the same key, which cannot charge twice.
   */
  async check(paymentId: string, checksBefore: number): Promise<CheckResult> {
    const row = await this.db.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
    if (row === undefined || row.state !== 'pending') return { settled: true, state: 'settled_before' };
    const answer = await this.#ask(
      row,
      async () => (await this.provider.retrieve(row.idempotency_key)) ?? this.provider.charge(this.#chargeRequest(row)),
    );
    if (answer === 'unknown' || answer.state === 'pending') {
      return {
        settled: false,
        afterMs: Math.min(checkDelayMsMax, this.options.reconcileAfterMs * 2 ** Math.min(checksBefore, 20)),
        reason: answer === 'unknown' ? 'the provider could not be asked' : 'the provider says it is still pending',
      };
    }
    await this.settle(row.id, answer);
    return { settled: true, state: answer.state };
  }

  async #ask(row: PaymentRow, call: () => Promise<ChargeOutcome>): Promise<Answer> {
    try {
      return await call();
    } catch (error) {
      // Whatever failed, the charge may exist: the payment stays pending and the provider is asked again by its key.
      const level = error instanceof PaymentProviderUnavailableError ? 'warn' : 'error';
      this.logger[level]({ err: error, paymentId: row.id }, 'payment: no answer from the provider; it will be asked again');
      return 'unknown';
    }
  }

  #chargeRequest(row: PaymentRow) {
    return {
      idempotencyKey: row.idempotency_key,
      accountId: row.account_id,
      amountMinor: Number(row.amount_minor),
      currency: row.currency,
      paymentMethod: row.payment_method,
      description: `${Number(row.points)} points (${row.origin === 'auto_recharge' ? 'auto-recharge' : 'checkout'})`,
    };
  }

  /** Schedules the payment's check; the first answer of a new payment is also recorded as a payment_pending event. */
  async #stillPending(row: PaymentRow, delayMs: number, firstAnswer: Answer): Promise<void> {
    await this.db.transaction().execute(async (transaction) => {
      const still = await transaction
        .selectFrom('payments')
        .select('id')
        .where('id', '=', row.id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (still === undefined) return;
      await rescheduleCheck(transaction, row.id, delayMs);
      await recordWalletEvent(transaction, {
        accountId: row.account_id,
        kind: 'payment_pending',
        data: {
          payment_id: row.id,
          origin: row.origin,
          points: Number(row.points),
          reason: firstAnswer === 'unknown' ? 'outcome_unknown' : 'provider_pending',
        },
      });
    });
  }

  async #fail(transaction: Transaction<Schema>, paymentId: string, outcome: { code: string; message: string }): Promise<void> {
    const row = await lockPayment(transaction, paymentId);
    if (row.state !== 'pending') return;
    await transaction
      .updateTable('payments')
      .set({
        state: 'failed',
        failure_code: outcome.code.slice(0, 100),
        failure_message: outcome.message.slice(0, 500),
        settled_at: new Date(),
      })
      .where('id', '=', paymentId)
      .execute();
    await recordWalletEvent(transaction, {
      accountId: row.account_id,
      kind: 'payment_failed',
      data: {
        payment_id: paymentId,
        origin: row.origin,
        points: Number(row.points),
        code: outcome.code,
        message: outcome.message,
      },
    });
    if (row.origin === 'auto_recharge') {
      await pauseAutoRecharge(transaction, row.account_id, {
        reason: 'payment_failed',
        detail: `The recharge of ${Number(row.points)} points failed: ${outcome.message} (${outcome.code})`,
        paymentId,
      });
    }
  }

  async #replay(request: { accountId: string; requestKey: string; requestSha256: string }): Promise<Payment | undefined> {
    const existing = await findPaymentByRequestKey(this.db, request.accountId, request.requestKey);
    if (existing === undefined) return undefined;
    if (existing.request_sha256 !== request.requestSha256) {
      throw new DomainError(
        'idempotency_key_reused',
        `Idempotency-Key ${request.requestKey} was first used with a different request body.`,
      );
    }
    return findPayment(this.db, existing.id);
  }

  async #refusePending(accountId: string): Promise<never> {
    const pending = await this.db
      .selectFrom('payments')
      .select(['id', 'created_at'])
      .where('account_id', '=', accountId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    throw new DomainError(
      'payment_pending',
      pending === undefined
        ? 'Another payment for this account was just started.'
        : `Payment ${pending.id} for this account is pending since ${pending.created_at.toISOString()}; wait for its outcome.`,
      { payment_id: pending?.id ?? null },
    );
  }
}
