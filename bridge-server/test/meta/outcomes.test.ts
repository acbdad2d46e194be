import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { httpProblemOf, problemExtensions } from '../../src/http/problem.js';
import {
  MetaNetworkError,
  MetaRequestInvalidError,
  MetaSendOutcomeUnknownError,
  MetaTimeoutError,
  metaApiErrorFrom,
} from '../../src/meta/errors.js';
import { metaDomainError, metaOutcomeOf } from '../../src/meta/outcomes.js';

function graphError(code: number, options: { httpStatus?: number; retryAfterMs?: number } = {}) {
  const error = metaApiErrorFrom({
    source: 'graph_response',
    httpStatus: options.httpStatus ?? 400,
    body: { error: { code, message: `(#${code}) A refusal`, type: 'OAuthException' } },
    retryAfterMs: options.retryAfterMs,
  });
  if (error === undefined) throw new Error('not a Graph error body');
  return error;
}

describe('Meta outcomes', () => {
  it('tells a refusal for good from a refusal for now by Meta’s code, and a 5xx is for now whatever the code', () => {
    expect(metaOutcomeOf(graphError(131047))?.kind).toBe('refused');
    expect(metaOutcomeOf(graphError(132001))?.kind).toBe('refused');
    expect(metaOutcomeOf(graphError(130429))?.kind).toBe('refused_for_now');
    expect(metaOutcomeOf(graphError(131056))?.kind).toBe('refused_for_now');
    expect(metaOutcomeOf(graphError(131047, { httpStatus: 500 }))?.kind).toBe('refused_for_now');
  });

  it('keeps a send Meta may have accepted apart from one that never reached it, and leaves other errors alone', () => {
    const cause = new MetaTimeoutError(10_000);
    expect(metaOutcomeOf(new MetaSendOutcomeUnknownError('1', 'msg_1', 1, { cause }))?.kind).toBe('outcome_unknown');
    expect(metaOutcomeOf(cause)?.kind).toBe('unreachable');
    expect(metaOutcomeOf(new MetaNetworkError('ECONNREFUSED', false, { cause: new Error('refused') }))?.kind).toBe('unreachable');
    expect(metaOutcomeOf(new MetaRequestInvalidError(['to: not a number']))).toBeUndefined();
    expect(metaOutcomeOf(new TypeError('a bug'))).toBeUndefined();
  });

  it('makes the domain error of each outcome: Meta’s code first, the caller’s facts, Meta’s wait in whole seconds', () => {
    const refusedForNow = metaDomainError(
      { kind: 'refused_for_now', error: graphError(130429, { retryAfterMs: 1_200 }) },
      'not now',
      { message_id: 'msg_1' },
    );
    expect(refusedForNow).toBeInstanceOf(DomainError);
    expect(refusedForNow.code).toBe('meta_unavailable');
    expect(refusedForNow.retryAfterSeconds).toBe(2);
    expect(Object.keys(problemExtensions(refusedForNow))).toEqual(['meta_code', 'message_id', 'retry_after_seconds']);

    const refused = metaDomainError({ kind: 'refused', error: graphError(131047) }, 'refused');
    expect(refused.code).toBe('meta_rejected');
    expect(refused.facts).toEqual({ meta_code: 131047 });
    expect(refused.retryAfterSeconds).toBeUndefined();

    const unreachable = metaDomainError({ kind: 'unreachable', error: new MetaTimeoutError(1) }, 'unreached');
    expect(unreachable.code).toBe('meta_unavailable');
    expect(unreachable.facts).toEqual({});
  });
});

describe('the HTTP edge', () => {
  it('answers the catalogue’s status, and headers only where the code carries them', () => {
    expect(httpProblemOf(new DomainError('window_closed', 'closed'))).toMatchObject({ status: 409, headers: {} });
    expect(httpProblemOf(new DomainError('invalid_token', 'no')).headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="wabridge"',
    });
    expect(httpProblemOf(new DomainError('too_many_auth_failures', 'wait', {}, { retryAfterSeconds: 30 })).headers).toEqual({
      'Retry-After': '30',
    });
    // Meta's wait is told in the body of a 503, not as a header: the answer stays as it was published.
    const unavailable = new DomainError('meta_unavailable', 'not now', {}, { retryAfterSeconds: 3 });
    expect(httpProblemOf(unavailable)).toMatchObject({ status: 503, headers: {} });
    expect(problemExtensions(unavailable)).toEqual({ retry_after_seconds: 3 });
  });
});
