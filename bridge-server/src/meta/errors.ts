import * as z from 'zod';
import { isTemporaryMetaError, type MetaErrorReason, metaErrorCodeEntry } from './error-codes.js';

/**
 * Typed failures of the Meta Graph client. Every class carries what a caller needs to decide (retry, ask for a
 * new token, tell the agent why) and never the access token or the message text.
 */

/** Where a Meta error reached us: the HTTP answer of a call, or a `failed` status webhook that came later. */
export type MetaErrorSource = 'graph_response' | 'status_webhook';

export interface MetaApiErrorFields {
  source: MetaErrorSource;
  code: number;
  /** `error_subcode`; Meta stopped sending it from v16.0 except on generic Graph errors (e.g. 33). */
  subcode: number | undefined;
  /** Graph's exception class (`OAuthException`, `GraphMethodException`); absent in webhooks. */
  type: string | undefined;
  /** The short title: the webhook's `title`, or Graph's message without its `(#code) ` prefix. */
  title: string;
  /** Meta's own message, verbatim. */
  metaMessage: string;
  /** `error_data.details`: Meta's explanation, the most useful field for people. */
  details: string | undefined;
  fbtraceId: string | undefined;
  /** HTTP status of the answer; undefined when the error came in a webhook. */
  httpStatus: number | undefined;
  /** How long Meta asked us to wait (`Retry-After`), if it said. */
  retryAfterMs: number | undefined;
}

/** An error Meta reported, at send time or later; both end here so one code path handles them. */
export class MetaApiError extends Error {
  override readonly name = 'MetaApiError';
  readonly source: MetaErrorSource;
  readonly code: number;
  readonly subcode: number | undefined;
  readonly type: string | undefined;
  readonly title: string;
  readonly metaMessage: string;
  readonly details: string | undefined;
  readonly fbtraceId: string | undefined;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Stable machine key from error-codes.ts, `unknown` for codes we have not classified. */
  readonly reason: MetaErrorReason;
  /** English explanation for agents: ours for known codes, Meta's details or title otherwise. */
  readonly reasonText: string;
  /** Meta says the condition is temporary (see error-codes.ts); retry.ts decides whether a call repeats. */
  readonly retryable: boolean;

  constructor(fields: MetaApiErrorFields) {
    const entry = metaErrorCodeEntry(fields.code);
    const reasonText = entry?.description ?? fields.details ?? fields.title;
    super(`Meta error ${fields.code} (${entry?.reason ?? 'unknown'}): ${fields.title}${detailsSuffix(fields.details)}`);
    this.source = fields.source;
    this.code = fields.code;
    this.subcode = fields.subcode;
    this.type = fields.type;
    this.title = fields.title;
    this.metaMessage = fields.metaMessage;
    this.details = fields.details;
    this.fbtraceId = fields.fbtraceId;
    this.httpStatus = fields.httpStatus;
    this.retryAfterMs = fields.retryAfterMs;
    this.reason = (entry?.reason ?? 'unknown') as MetaErrorReason;
    this.reasonText = reasonText;
    this.retryable = isTemporaryMetaError(fields.code, fields.httpStatus);
  }
}

function detailsSuffix(details: string | undefined): string {
  return details === undefined || details === '' ? '' : ` — ${details}`;
}

/** The connection failed (refused, DNS, reset…); `requestSent` says whether Meta may have read the request. */
export class MetaNetworkError extends Error {
  override readonly name = 'MetaNetworkError';
  constructor(
    /** The system error code (`ECONNREFUSED`, `UND_ERR_SOCKET`…) when Node gave one. */
    readonly systemCode: string | undefined,
    /** False only when the failure proves the request never left us (the connection was never made). */
    readonly requestSent: boolean,
    options: { cause: unknown },
  ) {
    super(`The connection to Meta failed (${systemCode ?? 'no system code'})`, options);
  }
}

/** No complete answer within the client's timeout. The request may well have been processed. */
export class MetaTimeoutError extends Error {
  override readonly name = 'MetaTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`Meta did not answer within ${timeoutMs} ms`);
  }
}

/** Meta (or something in front of it) answered with a body we cannot read as the documented shape. */
export class MetaResponseInvalidError extends Error {
  override readonly name = 'MetaResponseInvalidError';
  constructor(
    readonly httpStatus: number,
    readonly problem: string,
  ) {
    super(`Meta answered HTTP ${httpStatus} with a body we cannot use: ${problem}`);
  }
}

/** Our own input was refused before any call was made (the call would have failed or been unsafe). */
export class MetaRequestInvalidError extends Error {
  override readonly name = 'MetaRequestInvalidError';
  constructor(readonly issues: string[]) {
    super(`Invalid request to Meta: ${issues.join('; ')}`);
  }
}

/**
 * A call that must not run twice (it sends something) failed in a way that does not tell whether Meta acted
 * on it. It was not repeated. `cause` holds the failure (timeout, reset, 5xx, unreadable answer).
 */
export class MetaOutcomeUnknownError extends Error {
  override readonly name: string = 'MetaOutcomeUnknownError';
  constructor(
    readonly operation: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(`Meta may or may not have performed ${operation}: ${describeCause(options.cause)}`, options);
  }
}

/**
 * A message send whose outcome is unknown. The message may have been accepted: do not send it again blindly.
 * Record the attempt under `bizOpaqueCallbackData`; Meta echoes that value in every status webhook of the
 * message, which tells us its wamid (or its failure) if it was accepted.
 */
export class MetaSendOutcomeUnknownError extends MetaOutcomeUnknownError {
  override readonly name = 'MetaSendOutcomeUnknownError';
  constructor(
    readonly phoneNumberId: string,
    readonly bizOpaqueCallbackData: string,
    attempts: number,
    options: { cause: unknown },
  ) {
    super('a message send', attempts, options);
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

// ---------------------------------------------------------------------------------------------------
// Building MetaApiError from what Meta sends

/** `{error:{message, type, code, error_data{details}, error_subcode, fbtrace_id}}`; lenient on everything else. */
const graphErrorBodySchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int(),
    // Older Graph errors carried error_data as a string; only the WhatsApp object form has details.
    error_data: z.unknown().optional(),
    error_subcode: z.number().int().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** The error object of a `failed` status (`statuses[].errors[]`): `{code, title, message, error_data{details}}`. */
export interface MetaStatusErrorObject {
  code: number;
  title?: string | undefined;
  message?: string | undefined;
  error_data?: { details?: string | undefined } | undefined;
}

export interface GraphResponseOrigin {
  source: 'graph_response';
  httpStatus: number;
  /** The parsed JSON body of the answer. */
  body: unknown;
  retryAfterMs?: number | undefined;
}

export interface StatusWebhookOrigin {
  source: 'status_webhook';
  /** `errors[0]` of the `failed` status. */
  error: MetaStatusErrorObject;
}

function detailsOf(errorData: unknown): string | undefined {
  if (typeof errorData !== 'object' || errorData === null) return undefined;
  const details = (errorData as { details?: unknown }).details;
  return typeof details === 'string' ? details : undefined;
}

/** Graph writes `(#131047) Re-engagement message`; the title is the part after the code. */
function titleOf(message: string, code: number): string {
  return message.replace(new RegExp(`^\\(#${code}\\)\\s*`), '');
}

/**
 * Builds the one error type for both ways Meta reports a failure: the HTTP answer of a call (returns undefined
 * when the body is not a Graph error) and `errors[0]` of a later `failed` status webhook. So "Meta refused at
 * send time" and "Meta failed the message later" reach the send pipeline as the same `MetaApiError`.
 */
export function metaApiErrorFrom(origin: StatusWebhookOrigin): MetaApiError;
export function metaApiErrorFrom(origin: GraphResponseOrigin): MetaApiError | undefined;
export function metaApiErrorFrom(origin: GraphResponseOrigin | StatusWebhookOrigin): MetaApiError | undefined {
  if (origin.source === 'status_webhook') {
    const { error } = origin;
    const title = error.title ?? error.message ?? `Error ${error.code}`;
    return new MetaApiError({
      source: 'status_webhook',
      code: error.code,
      subcode: undefined,
      type: undefined,
      title,
      metaMessage: error.message ?? title,
      details: error.error_data?.details,
      fbtraceId: undefined,
      httpStatus: undefined,
      retryAfterMs: undefined,
    });
  }
  const parsed = graphErrorBodySchema.safeParse(origin.body);
  if (!parsed.success) return undefined;
  const error = parsed.data.error;
  const metaMessage = error.message ?? `Error ${error.code}`;
  return new MetaApiError({
    source: 'graph_response',
    code: error.code,
    subcode: error.error_subcode,
    type: error.type,
    title: titleOf(metaMessage, error.code),
    metaMessage,
    details: detailsOf(error.error_data),
    fbtraceId: error.fbtrace_id,
    httpStatus: origin.httpStatus,
    retryAfterMs: origin.retryAfterMs,
  });
}
