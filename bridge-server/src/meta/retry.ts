import * as z from 'zod';
import { MetaApiError, MetaNetworkError, MetaResponseInvalidError, MetaTimeoutError } from './errors.js';

/**
 * When the Meta client repeats a call, and how long it waits.
 *
 * What is temporary: HTTP 5xx; Graph codes 1 and 2 (Meta's unknown error / service down), 4 and 80007 (app and
 * WABA rate limits), 130429 (throughput), 131056 (pair rate limit), 131057 (account in maintenance), see
 * error-codes.ts; connection failures and timeouts. Everything else is final: repeating it cannot help.
 *
 * The rule that matters more: never send a message twice because of a retry. A customer who receives the same
 * WhatsApp message twice sees a broken business, and a template send costs money twice. So a call that acts
 * (a send, a verification code) is repeated only when the failure proves Meta did not act on it:
 * - a Graph error answer below HTTP 500 with a specific code: Meta looked at the request and refused it
 *   (a 130429 throughput refusal is retried; a 131047 window refusal is final);
 * - a connection that failed before the request was written (refused, DNS, unreachable).
 * Anything else leaves the outcome unknown: a timeout after the request went out, a connection reset while
 * the answer was coming, an HTTP 5xx (the sandbox's "accepted, then 500" fault is exactly this; Meta's
 * generic codes 1 and 2 do not say at which point it failed), a success answer we cannot read. Then the call
 * is not repeated and the caller gets a MetaOutcomeUnknownError to reconcile later — for sends, through the
 * `biz_opaque_callback_data` Meta echoes in every status webhook of an accepted message.
 *
 * Reads and calls that set a value (profile update, register) are repeatable: they retry on every temporary
 * failure, timeouts included.
 */

export interface RetryPolicy {
  /** Total attempts of one call, the first included. */
  attemptsMax: number;
  /** Ceiling of the first backoff; doubled for each further retry. */
  delayMsInitial: number;
  /** Ceiling of any single backoff. */
  delayMsMax: number;
  /** Sum of all waits of one call; a retry that would exceed it is not made. */
  totalDelayMsMax: number;
  /** The longest `Retry-After` we wait out; a longer one ends the call and is handed back on the error. */
  retryAfterMsMax: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  // One try and three retries: Meta's temporary refusals (per-second throughput, the pair limit, a Graph
  // hiccup) clear within seconds; more attempts would mostly add load while Meta is struggling.
  attemptsMax: 4,
  // Throughput is counted per second (80 messages/s by default, PLATFORM.md); half a second of jittered wait
  // lets most of a busy second pass before the first retry.
  delayMsInitial: 500,
  // The pair rate limit (131056) allows about one message per 6 s to one customer; a cap above 6 s lets the
  // last retry outlast it.
  delayMsMax: 8_000,
  // One call holds a send worker or an agent's click; beyond ~12 s the outbox's own rescheduling is the
  // better place to wait, and a helpdesk request that triggered the call expects an answer within ~10 s.
  totalDelayMsMax: 12_000,
  // Meta rarely sends Retry-After; when it asks for longer than a single backoff may last, we stop and let
  // the caller schedule the next try instead of holding the call open.
  retryAfterMsMax: 8_000,
};

export const retryPolicySchema = z.strictObject({
  attemptsMax: z.int().min(1).max(20),
  delayMsInitial: z.int().min(0),
  delayMsMax: z.int().min(0),
  totalDelayMsMax: z.int().min(0),
  retryAfterMsMax: z.int().min(0),
});

/**
 * `repeatable`: doing it twice has the same effect as once (reads, setting the profile, register).
 * `at_most_once`: doing it twice does something twice (send a message, send a verification code, use one).
 */
export type CallRepeatability = 'repeatable' | 'at_most_once';

export type FailureVerdict = 'retry' | 'final' | 'outcome_unknown';

/** Graph's generic failures: they say Meta failed, not whether it failed before or after acting. */
const graphCodesWithoutOutcome: ReadonlySet<number> = new Set([1, 2]);

function isMetaCallFailure(error: unknown): boolean {
  return (
    error instanceof MetaApiError ||
    error instanceof MetaNetworkError ||
    error instanceof MetaTimeoutError ||
    error instanceof MetaResponseInvalidError
  );
}

/** True when the failure shows Meta did not act on the request (see the module comment). */
export function provesNotPerformed(error: unknown): boolean {
  if (error instanceof MetaApiError) {
    return error.httpStatus !== undefined && error.httpStatus < 500 && !graphCodesWithoutOutcome.has(error.code);
  }
  if (error instanceof MetaNetworkError) return !error.requestSent;
  return false;
}

/** True when the same request may succeed a little later. */
export function isTemporaryFailure(error: unknown): boolean {
  if (error instanceof MetaApiError) return error.retryable;
  if (error instanceof MetaNetworkError || error instanceof MetaTimeoutError) return true;
  // An unreadable 5xx or 429 is a proxy or load balancer in front of Graph having a bad moment.
  if (error instanceof MetaResponseInvalidError) return error.httpStatus >= 500 || error.httpStatus === 429;
  return false;
}

export function judgeFailure(error: unknown, repeatability: CallRepeatability): FailureVerdict {
  if (repeatability === 'at_most_once' && isMetaCallFailure(error) && !provesNotPerformed(error)) return 'outcome_unknown';
  return isTemporaryFailure(error) ? 'retry' : 'final';
}

/**
 * Exponential backoff with full jitter (a uniformly random wait below a doubling ceiling), so that many
 * senders refused in the same second do not come back in the same second. `retryNumber` counts from 1.
 */
export function backoffDelayMs(retryNumber: number, policy: RetryPolicy, random: () => number): number {
  const ceilingMs = Math.min(policy.delayMsMax, policy.delayMsInitial * 2 ** (retryNumber - 1));
  return Math.floor(random() * ceilingMs);
}

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // Only a date with a month name: Date.parse would read "-1" or "5.5" as years and turn them into no wait.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

/** The wait before the next attempt, or undefined when Meta asked for longer than we are willing to wait. */
function delayBeforeRetryMs(error: unknown, retryNumber: number, policy: RetryPolicy, random: () => number): number | undefined {
  const retryAfterMs = error instanceof MetaApiError ? error.retryAfterMs : undefined;
  if (retryAfterMs === undefined) return backoffDelayMs(retryNumber, policy, random);
  // Meta said when: waiting longer only delays, waiting less would be refused again.
  return retryAfterMs <= policy.retryAfterMsMax ? retryAfterMs : undefined;
}

export interface RetryRun<T> {
  repeatability: CallRepeatability;
  policy: RetryPolicy;
  sleep: (delayMs: number) => Promise<void>;
  random: () => number;
  /** One attempt; `attemptNumber` counts from 1. */
  attempt: (attemptNumber: number) => Promise<T>;
  /** Wraps a failure whose outcome is unknown (only for `at_most_once` calls). */
  outcomeUnknown: (cause: unknown, attempts: number) => Error;
}

/** Runs `attempt` until it succeeds, fails for good, leaves its outcome unknown, or the bounds are reached. */
export async function runWithRetries<T>(run: RetryRun<T>): Promise<T> {
  let delaysMsTotal = 0;
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    try {
      return await run.attempt(attemptNumber);
    } catch (error) {
      const verdict = judgeFailure(error, run.repeatability);
      if (verdict === 'outcome_unknown') throw run.outcomeUnknown(error, attemptNumber);
      if (verdict === 'final' || attemptNumber >= run.policy.attemptsMax) throw error;
      const delayMs = delayBeforeRetryMs(error, attemptNumber, run.policy, run.random);
      if (delayMs === undefined || delaysMsTotal + delayMs > run.policy.totalDelayMsMax) throw error;
      delaysMsTotal += delayMs;
      await run.sleep(delayMs);
    }
  }
}
