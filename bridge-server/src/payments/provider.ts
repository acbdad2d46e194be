/*
 * The payment provider interface. The bridge records a payment (pending) under an idempotency key of its own
 * before it calls `charge`, and passes that key on every call: a provider charges a key at most once, so asking
 * again after a crash or a lost answer (`retrieve`, or `charge` with the same key) can never charge twice.
 */

/** How a charge stands at the provider. */
export type ChargeOutcome =
  | { state: 'succeeded'; providerReference: string }
  | { state: 'failed'; code: string; message: string }
  | { state: 'pending' };

export interface ChargeRequest {
  /** Ours, persisted with the payment before the call; the same key is the same charge. */
  idempotencyKey: string;
  accountId: string;
  /** In the minor unit of `currency`. */
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  description: string;
}

/** A settlement the provider sent us, once its signature is verified. */
export interface ChargeCallback {
  idempotencyKey: string;
  outcome: Exclude<ChargeOutcome, { state: 'pending' }>;
}

/** The provider could not be asked or did not answer: the charge may or may not exist. */
export class PaymentProviderUnavailableError extends Error {}

export interface PaymentProvider {
  /** Also the `{provider}` of its callback path, /v1/payments/{provider}/callback. */
  readonly name: 'sandbox';
  /** Whether the method can be charged for this account (a typo is refused before anything is recorded). */
  knowsPaymentMethod(accountId: string, paymentMethod: string): Promise<boolean>;
  /** Charges once per key; asked again with the same key it answers that charge. Throws PaymentProviderUnavailableError. */
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  /** The charge made under this key; undefined when the provider never received it. Throws PaymentProviderUnavailableError. */
  retrieve(idempotencyKey: string): Promise<ChargeOutcome | undefined>;
  /** The callback, if its signature over the raw bytes is the provider's; undefined otherwise. */
  verifyCallback(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ChargeCallback | undefined;
  /** The bridge listens at this URL (where a provider running inside it sends callbacks). */
  start(bridgeUrl: string): void;
  /** Stops timers; callbacks not sent are left to the reconciliation worker. */
  stop(): void;
}
