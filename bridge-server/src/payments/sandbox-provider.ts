import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Logger } from 'pino';
import * as z from 'zod';
import type { Schema } from '../storage/schema.js';
import {
  type ChargeCallback,
  type ChargeOutcome,
  type ChargeRequest,
  type PaymentProvider,
  PaymentProviderUnavailableError,
} from './provider.js';

/*
 * The sandbox payment provider (PAYMENT_PROVIDER=sandbox): test payment methods, like a real provider's test
 * cards, decide what a charge does. It runs inside the bridge, but keeps its side of every charge in its own
 * table (payment_sandbox_charges), one row per idempotency key: every bridge process, and a bridge restarted
 * after a crash, then talks to the same provider, as they would to a real one, without a process to run beside
 * the bridge. A slow charge settles by a signed callback to the bridge, like a real provider's webhook.
 */

type SandboxBehaviour =
  | { outcome: 'succeeded'; slow?: true; answerLost?: true }
  | { outcome: 'failed'; code: string; message: string };

const behaviours: Record<string, SandboxBehaviour> = {
  pm_sandbox_succeeds: { outcome: 'succeeded' },
  pm_sandbox_declined: { outcome: 'failed', code: 'card_declined', message: 'The card was declined by its issuer.' },
  pm_sandbox_insufficient_funds: {
    outcome: 'failed',
    code: 'insufficient_funds',
    message: 'The card has insufficient funds for this charge.',
  },
  // Answers pending, then succeeds after the configured delay and says so by callback.
  pm_sandbox_slow: { outcome: 'succeeded', slow: true },
  // Charges, but the answer never reaches the bridge (a timeout after the provider accepted).
  pm_sandbox_timeout: { outcome: 'succeeded', answerLost: true },
};

export const sandboxSignatureHeader = 'x-sandbox-signature';
const signaturePattern = /^sha256=([0-9a-f]{64})$/i;

const callbackBody = z.discriminatedUnion('state', [
  z.object({ idempotency_key: z.string().min(1), state: z.literal('succeeded'), provider_reference: z.string().min(1) }),
  z.object({
    idempotency_key: z.string().min(1),
    state: z.literal('failed'),
    failure_code: z.string().min(1),
    failure_message: z.string().min(1),
  }),
]);

/**
 * The callback signing secret, derived from the bridge's encryption key (HKDF, a label of its own) so that every
 * replica shares it without another setting, and knowing it reveals nothing about the key.
 */
export function sandboxCallbackSecret(encryptionKeyHex: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(encryptionKeyHex, 'hex'), '', 'wabridge payment sandbox callbacks', 32));
}

export function signSandboxCallback(body: Buffer | string, secret: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

type ChargeRow = Selectable<Schema['payment_sandbox_charges']>;

function outcomeOf(row: ChargeRow): ChargeOutcome {
  if (row.settles_at.getTime() > Date.now()) return { state: 'pending' };
  if (row.outcome === 'succeeded') return { state: 'succeeded', providerReference: row.provider_reference };
  return { state: 'failed', code: row.failure_code ?? 'failed', message: row.failure_message ?? 'The charge failed.' };
}

export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';
  /** The callback timer of each slow charge not yet settled, by its idempotency key. */
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #bridgeUrl: string | undefined;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly options: { secret: Buffer; settleDelayMs: number; logger: Logger },
  ) {}

  start(bridgeUrl: string): void {
    this.#bridgeUrl = bridgeUrl;
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  async knowsPaymentMethod(_accountId: string, paymentMethod: string): Promise<boolean> {
    return Object.hasOwn(behaviours, paymentMethod);
  }

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const behaviour = behaviours[request.paymentMethod];
    if (behaviour === undefined) {
      return { state: 'failed', code: 'payment_method_unknown', message: `No payment method ${request.paymentMethod}.` };
    }
    const settlesAt = new Date(
      Date.now() + (behaviour.outcome === 'succeeded' && behaviour.slow ? this.options.settleDelayMs : 0),
    );
    const inserted = await this.db
      .insertInto('payment_sandbox_charges')
      .values({
        idempotency_key: request.idempotencyKey,
        account_id: request.accountId,
        amount_minor: request.amountMinor,
        currency: request.currency,
        payment_method: request.paymentMethod,
        outcome: behaviour.outcome,
        provider_reference: `sbx_ch_${randomBytes(12).toString('hex')}`,
        failure_code: behaviour.outcome === 'failed' ? behaviour.code : null,
        failure_message: behaviour.outcome === 'failed' ? behaviour.message : null,
        settles_at: settlesAt,
      })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    // The same key again: the same charge, answered as it stands now.
    if (inserted === undefined) return outcomeOf(await this.#find(request.idempotencyKey));
    if (behaviour.outcome === 'succeeded' && behaviour.answerLost) {
      throw new PaymentProviderUnavailableError('sandbox: the charge was accepted but its answer was lost (pm_sandbox_timeout)');
    }
    if (behaviour.outcome === 'succeeded' && behaviour.slow) this.#scheduleCallback(inserted);
    return outcomeOf(inserted);
  }

  async retrieve(idempotencyKey: string): Promise<ChargeOutcome | undefined> {
    const row = await this.db
      .selectFrom('payment_sandbox_charges')
      .selectAll()
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    return row === undefined ? undefined : outcomeOf(row);
  }

  verifyCallback(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ChargeCallback | undefined {
    const header = headers[sandboxSignatureHeader];
    const match = typeof header === 'string' ? signaturePattern.exec(header.trim()) : null;
    if (match === null) return undefined;
    const presented = Buffer.from(match[1] as string, 'hex');
    const expected = createHmac('sha256', this.options.secret).update(rawBody).digest();
    if (!timingSafeEqual(presented, expected)) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return undefined;
    }
    const body = callbackBody.safeParse(json);
    if (!body.success) return undefined;
    const data = body.data;
    return {
      idempotencyKey: data.idempotency_key,
      outcome:
        data.state === 'succeeded'
          ? { state: 'succeeded', providerReference: data.provider_reference }
          : { state: 'failed', code: data.failure_code, message: data.failure_message },
    };
  }

  async #find(idempotencyKey: string): Promise<ChargeRow> {
    return this.db
      .selectFrom('payment_sandbox_charges')
      .selectAll()
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirstOrThrow();
  }

  /**
   * Settles a slow charge now rather than at its time, and calls back, as a test card's "complete" button does in a
   * real provider's dashboard. Tests use it so that what they check while a payment is pending never races the
   * settle delay: they set the delay far beyond the test and settle when they are done.
   */
  async settleNow(idempotencyKey: string): Promise<void> {
    clearTimeout(this.#timers.get(idempotencyKey));
    this.#timers.delete(idempotencyKey);
    const row = await this.db
      .updateTable('payment_sandbox_charges')
      .set({ settles_at: new Date() })
      .where('idempotency_key', '=', idempotencyKey)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.#sendCallback(row);
  }

  /** Sends the settlement when the charge settles. A lost callback (crash, bridge down) is found by reconciliation. */
  #scheduleCallback(row: ChargeRow): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(row.idempotency_key);
        void this.#sendCallback(row);
      },
      Math.max(0, row.settles_at.getTime() - Date.now()),
    );
    timer.unref();
    this.#timers.set(row.idempotency_key, timer);
  }

  async #sendCallback(row: ChargeRow): Promise<void> {
    if (this.#bridgeUrl === undefined) return;
    const body = JSON.stringify(
      row.outcome === 'succeeded'
        ? { idempotency_key: row.idempotency_key, state: 'succeeded', provider_reference: row.provider_reference }
        : {
            idempotency_key: row.idempotency_key,
            state: 'failed',
            failure_code: row.failure_code,
            failure_message: row.failure_message,
          },
    );
    try {
      const response = await fetch(`${this.#bridgeUrl}/v1/payments/sandbox/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [sandboxSignatureHeader]: signSandboxCallback(body, this.options.secret) },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) this.options.logger.warn({ status: response.status }, 'payment sandbox: callback refused');
    } catch (error) {
      this.options.logger.warn({ err: error }, 'payment sandbox: callback not delivered; reconciliation will settle the payment');
    }
  }
}
