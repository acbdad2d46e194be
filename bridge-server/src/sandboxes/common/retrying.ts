import type { Timers } from '../../meta-sandbox/timers.js';
import { type OutboundAnswer, OutboundError, retryAfterMs } from './outbound.js';

export interface RetryPolicy {
  attemptsMax: number;
  retryDelayMsInitial: number;
  retryDelayMsMax: number;
  /** A `Retry-After` longer than this is cut to it. */
  retryAfterMsMax: number;
}

export interface AttemptRecord {
  at: string;
  httpStatus?: number;
  error?: string;
}

/** Whether a helpdesk tries again: no answer at all (network error, timeout), a 429, or a server error. */
export function retryable(answer: OutboundAnswer | undefined): boolean {
  return answer === undefined || answer.status === 429 || answer.status >= 500;
}

export interface Delivery {
  timers: Timers;
  now(): number;
  policy(): RetryPolicy;
  /** Makes one attempt; the same request every time (same body, same idempotency identifier). */
  send(): Promise<OutboundAnswer>;
  attempts: AttemptRecord[];
  /** A final answer: anything not retryable (a 200, or a refusal that retrying would not change). */
  onAnswer(answer: OutboundAnswer): void;
  /** Attempts exhausted on retryable failures. */
  onGiveUp(failure: { httpStatus?: number; message: string }): void;
  onError(error: unknown): void;
}

/**
 * One outgoing delivery of a helpdesk (Zendesk's channelback, Zoho Desk's reply push): retried after network errors,
 * 429 and 5xx with doubling back-off, honouring `Retry-After`, until `attemptsMax`; every attempt recorded.
 */
export async function deliver(delivery: Delivery): Promise<void> {
  let answer: OutboundAnswer | undefined;
  let error: string | undefined;
  try {
    answer = await delivery.send();
  } catch (failure) {
    if (!(failure instanceof OutboundError)) throw failure;
    error = failure.message;
  }
  delivery.attempts.push({
    at: new Date(delivery.now()).toISOString(),
    ...(answer !== undefined ? { httpStatus: answer.status } : {}),
    ...(error !== undefined ? { error } : {}),
  });
  if (answer !== undefined && !retryable(answer)) return delivery.onAnswer(answer);
  const policy = delivery.policy();
  if (delivery.attempts.length >= policy.attemptsMax) {
    return delivery.onGiveUp({
      ...(answer !== undefined ? { httpStatus: answer.status } : {}),
      message: error ?? (answer!.text().trim() || `HTTP ${answer!.status}`),
    });
  }
  const backoffMs = Math.min(policy.retryDelayMsInitial * 2 ** (delivery.attempts.length - 1), policy.retryDelayMsMax);
  const askedMs = answer === undefined ? undefined : retryAfterMs(answer.headers, delivery.now());
  const delayMs = askedMs === undefined ? backoffMs : Math.min(askedMs, policy.retryAfterMsMax);
  delivery.timers.after(delayMs, () => deliver(delivery), delivery.onError);
}
