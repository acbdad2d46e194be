import type { ProblemCode } from '@wabridge/shared';
import { DomainError } from '../domain/errors.js';
import { MetaApiError, MetaNetworkError, MetaOutcomeUnknownError, MetaResponseInvalidError, MetaTimeoutError } from './errors.js';

/**
 * What a failed call to Meta means for the bridge, decided here once for every caller (the send pipeline,
 * media uploads, the coming helpdesk connectors). Meta's codes reach it through error-codes.ts, whose
 * `retryable` column says which refusals are temporary; the client's own failure classes say the rest.
 */
export type MetaOutcome =
  /** Meta refused for good: the same request fails again. */
  | { kind: 'refused'; error: MetaApiError }
  /** Meta refused for now (throughput, the pair limit, maintenance, a failure on its side): nothing was done. */
  | { kind: 'refused_for_now'; error: MetaApiError }
  /** Meta may have acted: the call must not be repeated blindly (see retry.ts). */
  | { kind: 'outcome_unknown'; error: MetaOutcomeUnknownError }
  /** No usable answer from Meta, and the client knows the call was not performed, or it was safe to repeat. */
  | { kind: 'unreachable'; error: unknown };

/** The problem each outcome is to whoever asked: a refusal for good is Meta's verdict, the rest say "not now". */
export const metaOutcomeProblems = {
  refused: 'meta_rejected',
  refused_for_now: 'meta_unavailable',
  outcome_unknown: 'meta_unavailable',
  unreachable: 'meta_unavailable',
} as const satisfies Record<MetaOutcome['kind'], ProblemCode>;

/** The outcome of a failure of the Meta client; undefined for anything the client does not throw about Meta. */
export function metaOutcomeOf(error: unknown): MetaOutcome | undefined {
  if (error instanceof MetaApiError) return { kind: error.retryable ? 'refused_for_now' : 'refused', error };
  if (error instanceof MetaOutcomeUnknownError) return { kind: 'outcome_unknown', error };
  if (error instanceof MetaNetworkError || error instanceof MetaTimeoutError || error instanceof MetaResponseInvalidError) {
    return { kind: 'unreachable', error };
  }
  return undefined;
}

/**
 * The domain error of an outcome: its problem, Meta's code when Meta named one (`meta_code`) before the
 * caller's facts, and how long Meta asked us to wait when it said.
 */
export function metaDomainError(outcome: MetaOutcome, detail: string, facts: Record<string, unknown> = {}): DomainError {
  const refusal = outcome.kind === 'refused' || outcome.kind === 'refused_for_now' ? outcome.error : undefined;
  const retryAfterMs = outcome.kind === 'refused_for_now' ? outcome.error.retryAfterMs : undefined;
  return new DomainError(
    metaOutcomeProblems[outcome.kind],
    detail,
    { ...(refusal === undefined ? {} : { meta_code: refusal.code }), ...facts },
    { retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000), cause: outcome.error },
  );
}
