import { describe, expect, it } from 'vitest';
import { metaErrorCodes } from '../../src/meta/error-codes.js';
import {
  type MetaApiError,
  MetaNetworkError,
  MetaRequestInvalidError,
  MetaResponseInvalidError,
  MetaTimeoutError,
  metaApiErrorFrom,
} from '../../src/meta/errors.js';
import {
  backoffDelayMs,
  type CallRepeatability,
  defaultRetryPolicy,
  judgeFailure,
  parseRetryAfterMs,
} from '../../src/meta/retry.js';
import { graphErrorResponse, jsonResponse, phoneStatusBody, probeClient, scriptedFetch } from './support.js';

const token = 'EAAtest-token';
const numberId = '106540352242922';
const baseUrl = 'http://meta.invalid';
const text = { type: 'text' as const, to: '+819012345678', body: 'Hi' };

function apiError(code: number, httpStatus: number | undefined): MetaApiError {
  const body = { error: { code, message: `(#${code}) x`, fbtrace_id: 'trace' } };
  return httpStatus === undefined
    ? metaApiErrorFrom({ source: 'status_webhook', error: { code, title: 'x' } })
    : (metaApiErrorFrom({ source: 'graph_response', httpStatus, body }) as MetaApiError);
}

describe('backoff', () => {
  it('doubles a jittered ceiling from 500 ms and caps it at 8 s', () => {
    const nearlyOne = () => 0.999;
    const delays = [1, 2, 3, 4, 5, 6].map((retry) => backoffDelayMs(retry, defaultRetryPolicy, nearlyOne));
    expect(delays).toEqual([499, 999, 1_998, 3_996, 7_992, 7_992]);
    expect(backoffDelayMs(3, defaultRetryPolicy, () => 0)).toBe(0);
  });

  it('stops when the next wait would exceed the total delay bound', async () => {
    const scripted = scriptedFetch(Array.from({ length: 10 }, () => graphErrorResponse(503, 2)));
    const { client, sleeps } = probeClient(baseUrl, {
      fetch: scripted,
      random: () => 0.999,
      retry: { attemptsMax: 10, delayMsInitial: 1_000, delayMsMax: 4_000, totalDelayMsMax: 6_000 },
    });

    const error = await client.getPhoneNumberStatus(token, numberId).catch((failure: unknown) => failure);

    // 999 + 1,998 = 2,997 ms waited; the next wait (3,996 ms) would pass 6,000 ms in all.
    expect(sleeps).toEqual([999, 1_998]);
    expect(scripted.calls).toBe(3);
    expect(error).toMatchObject({ code: 2, retryable: true });
  });

  it('stops at the attempt bound', async () => {
    const scripted = scriptedFetch(Array.from({ length: 10 }, () => graphErrorResponse(400, 130429)));
    const { client, sleeps } = probeClient(baseUrl, { fetch: scripted, retry: { attemptsMax: 2 } });

    const error = await client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'm' }).catch((failure) => failure);

    expect(error).toMatchObject({ code: 130429 });
    expect(scripted.calls).toBe(2);
    expect(sleeps).toEqual([250]);
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates, and ignores what it cannot read', () => {
    const nowMs = Date.parse('2026-03-01T10:00:00Z');
    expect(parseRetryAfterMs('3', nowMs)).toBe(3_000);
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 10:00:05 GMT', nowMs)).toBe(5_000);
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 09:00:00 GMT', nowMs)).toBe(0);
    expect(parseRetryAfterMs('soon', nowMs)).toBeUndefined();
    expect(parseRetryAfterMs('-1', nowMs)).toBeUndefined();
    expect(parseRetryAfterMs('1.5', nowMs)).toBeUndefined();
    expect(parseRetryAfterMs(null, nowMs)).toBeUndefined();
  });

  it('waits exactly as long as Meta asks, on a read and on a refused send', async () => {
    const rateLimited = () => graphErrorResponse(400, 4, { headers: { 'Retry-After': '2' } });
    const throttled = () => graphErrorResponse(400, 130429, { headers: { 'Retry-After': '1' } });
    const scripted = scriptedFetch([
      rateLimited(),
      jsonResponse(phoneStatusBody),
      throttled(),
      jsonResponse({ messages: [{ id: 'wamid.X' }] }),
    ]);
    const { client, sleeps } = probeClient(baseUrl, { fetch: scripted });

    await client.getPhoneNumberStatus(token, numberId);
    const sent = await client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'm' });

    expect(sleeps).toEqual([2_000, 1_000]);
    expect(sent.wamid).toBe('wamid.X');
  });

  it('gives up at once when Meta asks for longer than the cap, and says how long', async () => {
    const scripted = scriptedFetch([graphErrorResponse(400, 80007, { headers: { 'Retry-After': '120' } })]);
    const { client, sleeps } = probeClient(baseUrl, { fetch: scripted });

    const error = await client.getPhoneNumberStatus(token, numberId).catch((failure: unknown) => failure);

    expect(error).toMatchObject({ code: 80007, reason: 'business_account_rate_limited', retryAfterMs: 120_000 });
    expect(sleeps).toEqual([]);
    expect(scripted.calls).toBe(1);
  });
});

describe('classification', () => {
  const cases: [string, unknown, Record<CallRepeatability, string>][] = [
    ['130429 refused', apiError(130429, 400), { at_most_once: 'retry', repeatable: 'retry' }],
    ['131056 pair limit', apiError(131056, 400), { at_most_once: 'retry', repeatable: 'retry' }],
    ['131057 maintenance', apiError(131057, 400), { at_most_once: 'retry', repeatable: 'retry' }],
    ['4 app rate limit', apiError(4, 400), { at_most_once: 'retry', repeatable: 'retry' }],
    ['80007 WABA rate limit', apiError(80007, 400), { at_most_once: 'retry', repeatable: 'retry' }],
    ['131047 window closed', apiError(131047, 400), { at_most_once: 'final', repeatable: 'final' }],
    ['190 token', apiError(190, 401), { at_most_once: 'final', repeatable: 'final' }],
    ['an unlisted 4xx code', apiError(131999, 400), { at_most_once: 'final', repeatable: 'final' }],
    ['1 at HTTP 500', apiError(1, 500), { at_most_once: 'outcome_unknown', repeatable: 'retry' }],
    ['2 at HTTP 400', apiError(2, 400), { at_most_once: 'outcome_unknown', repeatable: 'retry' }],
    ['an unlisted code at HTTP 503', apiError(131000, 503), { at_most_once: 'outcome_unknown', repeatable: 'retry' }],
    ['a timeout', new MetaTimeoutError(100), { at_most_once: 'outcome_unknown', repeatable: 'retry' }],
    [
      'connection refused',
      new MetaNetworkError('ECONNREFUSED', false, { cause: undefined }),
      { at_most_once: 'retry', repeatable: 'retry' },
    ],
    [
      'a reset mid-answer',
      new MetaNetworkError('ECONNRESET', true, { cause: undefined }),
      { at_most_once: 'outcome_unknown', repeatable: 'retry' },
    ],
    ['an unreadable 200', new MetaResponseInvalidError(200, 'x'), { at_most_once: 'outcome_unknown', repeatable: 'final' }],
    ['an unreadable 502', new MetaResponseInvalidError(502, 'x'), { at_most_once: 'outcome_unknown', repeatable: 'retry' }],
    ['our own invalid input', new MetaRequestInvalidError(['x']), { at_most_once: 'final', repeatable: 'final' }],
    ['a bug', new TypeError('undefined is not a function'), { at_most_once: 'final', repeatable: 'final' }],
  ];

  it.each(cases)('%s', (_case, error, expected) => {
    expect(judgeFailure(error, 'at_most_once')).toBe(expected.at_most_once);
    expect(judgeFailure(error, 'repeatable')).toBe(expected.repeatable);
  });
});

describe('the error-code table', () => {
  it('has a unique reason and an English sentence for every code, and the documented codes that matter', () => {
    const entries = Object.entries(metaErrorCodes);
    const reasons = entries.map(([, entry]) => entry.reason);
    expect(new Set(reasons).size).toBe(reasons.length);
    for (const [, entry] of entries) {
      expect(entry.reason).toMatch(/^[a-z][a-z_]+$/);
      expect(entry.description).toMatch(/^[A-Z].+\.$/);
    }
    const documented = [131047, 131026, 131049, 131050, 130429, 131056, 132000, 132001, 132015, 132016, 131031, 368, 190];
    expect(documented.filter((code) => !(code in metaErrorCodes))).toEqual([]);
  });

  it('marks exactly the temporary codes retryable', () => {
    const retryable = Object.entries(metaErrorCodes)
      .filter(([, entry]) => entry.retryable)
      .map(([code]) => Number(code));
    expect(retryable.sort((a, b) => a - b)).toEqual([1, 2, 4, 80007, 130429, 131056, 131057].sort((a, b) => a - b));
  });
});

describe('building MetaApiError', () => {
  it('returns undefined for a body that is not a Graph error', () => {
    expect(metaApiErrorFrom({ source: 'graph_response', httpStatus: 502, body: '<html>' })).toBeUndefined();
    expect(metaApiErrorFrom({ source: 'graph_response', httpStatus: 400, body: { error: 'nope' } })).toBeUndefined();
  });

  it('keeps an unknown code, explains it with Meta’s details, and treats a 5xx as temporary', () => {
    const body = { error: { code: 131999, message: '(#131999) Something new', error_data: { details: 'Meta explains.' } } };

    const error = metaApiErrorFrom({ source: 'graph_response', httpStatus: 500, body });

    expect(error).toMatchObject({ reason: 'unknown', title: 'Something new', reasonText: 'Meta explains.', retryable: true });
    expect(metaApiErrorFrom({ source: 'graph_response', httpStatus: 400, body })?.retryable).toBe(false);
  });

  it('reads an old string error_data as no details, and a webhook error without message', () => {
    const old = metaApiErrorFrom({
      source: 'graph_response',
      httpStatus: 400,
      body: { error: { code: 100, message: 'Invalid parameter', error_data: 'legacy' } },
    });
    const fromWebhook = metaApiErrorFrom({ source: 'status_webhook', error: { code: 131026, title: 'Message undeliverable' } });

    expect(old).toMatchObject({ details: undefined, title: 'Invalid parameter' });
    expect(fromWebhook).toMatchObject({
      reason: 'recipient_undeliverable',
      metaMessage: 'Message undeliverable',
      details: undefined,
      fbtraceId: undefined,
    });
  });
});
