import type { ProblemCode } from '@wabridge/shared';
import { DomainError } from '../domain/errors.js';
import { MetaApiError } from '../meta/errors.js';
import { metaDomainError, metaOutcomeOf } from '../meta/outcomes.js';

/**
 * Meta's refusals of a number's setup calls (credentials, registration, profile), as problems an admin can act on.
 * Codes from Meta's error-code table and the register / request_code / verify_code references: 190 invalid token,
 * 136024 request_code refused (too many codes), 136025 verify_code refused, 133005 PIN mismatch, 133006 the
 * number needs verifying, 133008 too many PIN guesses. Anything else is the generic Meta outcome (outcomes.ts).
 */
const problemByMetaCode: ReadonlyMap<number, ProblemCode> = new Map([
  [190, 'meta_token_invalid'],
  [136024, 'verification_code_requests_exceeded'],
  [136025, 'verification_code_invalid'],
  [133005, 'registration_pin_mismatch'],
  [133006, 'number_not_verified'],
  [133008, 'registration_pin_locked'],
]);

/** Graph's answer for an object the token may not see: code 100, subcode 33 ("does not exist, cannot be loaded…"). */
export function isInvisibleObject(error: unknown): boolean {
  return error instanceof MetaApiError && error.code === 100 && error.subcode === 33;
}

/** Graph refuses an `appsecret_proof` made with another app's secret with code 100 and this message. */
export function isAppSecretProofRefused(error: unknown): boolean {
  return error instanceof MetaApiError && error.code === 100 && /appsecret_proof/i.test(error.metaMessage);
}

/** The problem for a failure of a call to Meta made for `what` (a sentence such as "Requesting a code"). */
export function numberProblemOf(error: unknown, what: string): unknown {
  if (error instanceof MetaApiError) {
    const code = problemByMetaCode.get(error.code);
    if (code !== undefined) {
      return new DomainError(code, `${what}: Meta answered ${error.code} (${error.details ?? error.title}).`, {
        meta_code: error.code,
      });
    }
  }
  const outcome = metaOutcomeOf(error);
  return outcome === undefined ? error : metaDomainError(outcome, `${what} failed at Meta.`);
}

/** Runs one call to Meta for a number's setup, translating its failure. */
export async function callMeta<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw numberProblemOf(error, what);
  }
}
