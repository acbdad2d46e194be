/**
 * The Graph / Cloud API error codes the bridge acts on, each with a stable machine `reason` (what our code and
 * the helpdesk apps branch on) and an English explanation for agents and logs. Data only, in one module, so the
 * wording lives in one place and a new code is one line.
 *
 * Sources: docs/PLATFORM.md ("Codes that matter"), Meta's Cloud API error-code table as mirrored by BSP help
 * pages (niswey.com/knowledge-base/error-codes-meta, developers.kaleyra.io/docs/cloud-api-error-codes,
 * help.botbee.io), which list 4 / 80007 / 130429 under "Throttling errors" and 1 / 2 as "API Unknown" /
 * "API Service: temporary due to downtime or due to being overloaded"; 131052 / 131053 ("Unable to download the
 * media sent by the user" / "Unable to upload the media used in the message", details in error_data.details) from
 * the same table as pywa's errors.py mirrors it. Meta asks clients to branch on `code`
 * and `error_data.details`, never on titles or HTTP statuses.
 */

export interface MetaErrorCodeEntry {
  /** Stable key for code paths and translations; never rename one, add a new one instead. */
  reason: string;
  /** What happened, in English, written for a support agent. */
  description: string;
  /**
   * The condition is temporary: the same request may succeed a little later. Whether the client may repeat a
   * call by itself is decided in retry.ts, which also asks whether Meta could have acted on the request.
   */
  retryable: boolean;
}

export const metaErrorCodes = {
  1: {
    reason: 'meta_unknown_error',
    description: 'Meta reported an unknown error on its side; it is usually temporary.',
    retryable: true,
  },
  2: {
    reason: 'meta_service_unavailable',
    description: 'Meta’s API is temporarily down or overloaded.',
    retryable: true,
  },
  4: {
    reason: 'app_rate_limited',
    description: 'The app reached its Graph API call rate limit; calls will succeed again after a short wait.',
    retryable: true,
  },
  80007: {
    reason: 'business_account_rate_limited',
    description: 'The WhatsApp Business Account reached its API rate limit; calls will succeed again after a short wait.',
    retryable: true,
  },
  100: {
    reason: 'invalid_parameter',
    description: 'Meta refused a parameter of the request as missing, misspelt or invalid.',
    retryable: false,
  },
  190: {
    reason: 'access_token_invalid',
    description: 'The access token has expired or was revoked; the deployment needs a new token.',
    retryable: false,
  },
  368: {
    reason: 'policy_blocked',
    description: 'The WhatsApp Business Account is temporarily blocked for violating a Meta policy.',
    retryable: false,
  },
  2500: {
    reason: 'unknown_path',
    description: 'Meta does not know this API path; the Graph API version or an id is probably wrong.',
    retryable: false,
  },
  130429: {
    reason: 'throughput_exceeded',
    description: 'The number is sending faster than its throughput allows; the message can be sent again in a moment.',
    retryable: true,
  },
  131009: {
    reason: 'parameter_value_invalid',
    description: 'A value in the message is not valid for Meta (for example a button that the template does not have).',
    retryable: false,
  },
  131026: {
    reason: 'recipient_undeliverable',
    description: 'WhatsApp could not deliver the message: the number may not use WhatsApp or may run an old version.',
    retryable: false,
  },
  131031: {
    reason: 'account_locked',
    description: 'The business account is locked by Meta and cannot send messages.',
    retryable: false,
  },
  131047: {
    reason: 'customer_service_window_closed',
    description: 'More than 24 hours have passed since the customer last replied; only a template can reach them.',
    retryable: false,
  },
  131049: {
    reason: 'marketing_limit_per_user',
    description: 'Meta limits how many marketing messages one customer receives; wait at least 24 hours before trying again.',
    retryable: false,
  },
  131050: {
    reason: 'marketing_stopped_by_customer',
    description: 'The customer has chosen to stop receiving marketing messages from this business.',
    retryable: false,
  },
  131052: {
    reason: 'media_download_error',
    description: 'WhatsApp could not download the media the customer sent.',
    retryable: false,
  },
  131053: {
    reason: 'media_upload_error',
    description:
      'Meta could not take the media (for example a type it does not support, or content that is not what its type says).',
    retryable: false,
  },
  131056: {
    reason: 'pair_rate_limited',
    description: 'Too many messages to this customer in a short time (about one every 6 seconds); it can be sent again shortly.',
    retryable: true,
  },
  131057: {
    reason: 'account_in_maintenance',
    description: 'The business account is in maintenance mode (for example during a throughput upgrade); try again shortly.',
    retryable: true,
  },
  132000: {
    reason: 'template_parameter_count_mismatch',
    description: 'The number of template parameters does not match what the template expects.',
    retryable: false,
  },
  132001: {
    reason: 'template_not_found',
    description: 'The template does not exist in this language or is not approved yet.',
    retryable: false,
  },
  132012: {
    reason: 'template_parameter_format_mismatch',
    description: 'A template parameter has the wrong format (for example text where the template has an image).',
    retryable: false,
  },
  132015: {
    reason: 'template_paused',
    description: 'Meta paused the template because of low quality; it cannot be sent until it is active again.',
    retryable: false,
  },
  132016: {
    reason: 'template_disabled',
    description: 'Meta disabled the template for good after repeated pauses; use or create another template.',
    retryable: false,
  },
  133005: {
    reason: 'two_step_pin_mismatch',
    description: 'The two-step verification PIN does not match the one set for this number.',
    retryable: false,
  },
  133006: {
    reason: 'phone_number_verification_needed',
    description: 'The number must be verified with a code (request and verify a code) before it can be registered.',
    retryable: false,
  },
  133010: {
    reason: 'phone_number_not_registered',
    description: 'The number is not registered with the Cloud API yet.',
    retryable: false,
  },
  136024: {
    reason: 'verification_code_request_failed',
    description: 'Meta could not send a verification code, often because too many were requested; verify the last code sent.',
    retryable: false,
  },
  136025: {
    reason: 'verification_code_invalid',
    description: 'The verification code is wrong or was not requested.',
    retryable: false,
  },
} as const satisfies Record<number, MetaErrorCodeEntry>;

export type KnownMetaErrorCode = keyof typeof metaErrorCodes;
export type MetaErrorReason = (typeof metaErrorCodes)[KnownMetaErrorCode]['reason'] | 'unknown';

const entries: ReadonlyMap<number, MetaErrorCodeEntry> = new Map(
  Object.entries(metaErrorCodes).map(([code, entry]) => [Number(code), entry]),
);

export function metaErrorCodeEntry(code: number): MetaErrorCodeEntry | undefined {
  return entries.get(code);
}

/**
 * Whether Meta says the condition is temporary: a code marked retryable above, or an HTTP 5xx (a failure on
 * Meta's side whatever the code). `httpStatus` is undefined for errors that arrived in a status webhook.
 */
export function isTemporaryMetaError(code: number, httpStatus: number | undefined): boolean {
  return metaErrorCodeEntry(code)?.retryable === true || (httpStatus !== undefined && httpStatus >= 500);
}
