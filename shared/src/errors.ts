import { consoleProblemCatalogue } from './console-problems.js';
import { numberProblemCatalogue } from './numbers-problems.js';
import { zohoChannelProblemCatalogue } from './zoho-channel-problems.js';

/**
 * Every problem the API can answer with, by stable code. The apps translate these codes; the English
 * titles here are the API's own wording and the fallback when an app has no translation.
 * The HTTP status of a code never changes once published: clients branch on it.
 */
export const problemCatalogue = {
  invalid_json: { status: 400, title: 'The request body is not valid JSON (UTF-8 encoded).' },
  invalid_url: { status: 400, title: 'The request URL is not valid (a malformed percent-encoding).' },
  invalid_content_encoding: { status: 400, title: 'The request body is not encoded as its Content-Encoding says.' },
  unsupported_content_encoding: {
    status: 415,
    title: 'The request body has a Content-Encoding the bridge does not read (use gzip, deflate, br or none).',
  },
  unsupported_media_type: { status: 415, title: 'The request body must be JSON (Content-Type: application/json).' },
  payload_too_large: { status: 413, title: 'The request body is larger than this endpoint accepts.' },
  validation_failed: { status: 422, title: 'The request is not valid.' },
  unknown_account: { status: 422, title: 'The account named in the request does not exist.' },
  invalid_webhook: { status: 400, title: 'The webhook body is not a WhatsApp Business Account notification.' },
  unauthorized: { status: 401, title: 'Authentication is required: send Authorization: Bearer <token>.' },
  invalid_token: { status: 401, title: 'The bearer token is not valid.' },
  token_revoked: { status: 401, title: 'This installation token has been revoked.' },
  stream_token_invalid: {
    status: 401,
    title:
      'The stream token is not valid for this stream: expired, altered, for another customer, or its installation was revoked.',
  },
  upload_token_invalid: {
    status: 401,
    title: 'The upload token is not valid: expired, altered, or its installation was revoked. Ask for a new one.',
  },
  invalid_signature: {
    status: 401,
    title: 'The webhook signature (X-Hub-Signature-256) is missing or does not match the body.',
  },
  foreign_phone_number: {
    status: 403,
    title: 'The webhook names a WhatsApp number that does not belong to the deployment whose secret signed it.',
  },
  invalid_verify_token: { status: 403, title: 'The webhook verify token does not match this deployment.' },
  admin_required: { status: 403, title: 'Only the bridge administrator may do this.' },
  installation_required: { status: 403, title: 'This endpoint acts for a helpdesk installation: use an installation token.' },
  not_found: { status: 404, title: 'No such resource.' },
  method_not_allowed: { status: 405, title: 'This method is not allowed on this resource.' },
  phone_number_id_taken: { status: 409, title: 'This WhatsApp phone number is already registered as another deployment.' },
  installation_exists: {
    status: 409,
    title: 'This helpdesk is already installed on this deployment; revoke the installation first.',
  },
  idempotency_key_reused: { status: 422, title: 'This Idempotency-Key was used for a different request.' },
  idempotency_key_in_flight: { status: 409, title: 'A request with this Idempotency-Key is still being processed.' },
  window_closed: {
    status: 409,
    title: 'The customer has not written in the last 24 hours: only an approved template can reach them.',
  },
  // 409 like window_closed: the request is right, the number's state refuses it (Meta restricted or disabled the
  // account); the same request succeeds once the restriction ends.
  number_cannot_send: {
    status: 409,
    title: 'Meta has restricted or disabled this WhatsApp number’s account, so it cannot send now; nothing was sent.',
  },
  template_not_found: { status: 422, title: 'No template with this name and language on this deployment.' },
  template_not_approved: { status: 422, title: 'This template cannot be sent now (it is not approved).' },
  invalid_template_parameters: { status: 422, title: 'Some template values are missing or invalid.' },
  opt_in_required: {
    status: 422,
    title: 'The customer has not opted in to this template’s topic (or opted out): nothing was sent.',
  },
  invalid_consent: { status: 422, title: 'The consent record is not valid.' },
  invalid_consent_file: { status: 422, title: 'The consent file has errors; nothing was imported.' },
  meta_rejected: { status: 422, title: 'Meta refused the message.' },
  // Media problems describe the file, not the request that carried it (a JSON send with media.url, or a raw
  // upload), so they share 422 whichever way the file came: 413 would tell a client that a tiny JSON request was too big.
  media_type_not_allowed: {
    status: 422,
    title:
      'The file is not of a type that can be sent: images JPEG or PNG, documents PDF, videos MP4 or 3GP, audio MP3, Ogg Opus or AMR.',
  },
  media_too_large: { status: 422, title: 'The file is larger than this deployment allows for its kind.' },
  media_content_mismatch: {
    status: 422,
    title: 'The file’s content does not match its declared type, its file name or the kind of media asked for.',
  },
  media_url_refused: {
    status: 422,
    title: 'The bridge does not fetch this media URL (its scheme, its address, credentials in it, or too many redirects).',
  },
  media_url_failed: { status: 502, title: 'The file could not be downloaded from the media URL; nothing was sent.' },
  media_upload_expired: { status: 422, title: 'This upload is older than Meta keeps uploaded media; upload the file again.' },
  insufficient_points: {
    status: 402,
    title: 'The account does not have enough available points for this message; nothing was sent.',
  },
  pricing_not_configured: { status: 409, title: 'This account has no point prices set: it cannot be quoted or buy points.' },
  not_priceable: { status: 422, title: 'This message cannot be priced (its recipient, template category or the rate data).' },
  payment_reference_reused: {
    status: 409,
    title: 'This payment reference was already counted for a different purchase.',
  },
  adjustment_exceeds_available: {
    status: 409,
    title: 'This debit is larger than the account’s available points; nothing was recorded.',
  },
  adjustment_reference_reused: {
    status: 409,
    title: 'This adjustment reference was already counted for a different adjustment.',
  },
  payment_failed: { status: 402, title: 'The payment failed (the provider says why); no points were bought.' },
  invalid_period: {
    status: 422,
    title: 'The period is not valid: `from` must come before `to`, at most 366 days apart.',
  },
  payment_pending: {
    status: 409,
    title: 'A payment for this account is still pending; wait for its outcome before starting another.',
  },
  unknown_payment_method: { status: 422, title: 'The payment provider does not know this payment method.' },
  payments_not_configured: { status: 409, title: 'This bridge has no payment provider configured (PAYMENT_PROVIDER).' },
  invalid_callback_signature: {
    status: 401,
    title: 'The payment callback’s signature is missing or does not match the body.',
  },
  invalid_automation_signature: {
    status: 401,
    title:
      'The Zendesk webhook signature is missing, more than 5 minutes old, or does not match the body and the installation’s webhook secret.',
  },
  webhook_url_refused: {
    status: 422,
    title: 'The bridge does not deliver webhooks to this URL (its scheme, its address, or credentials in it).',
  },
  invalid_rate_card: { status: 422, title: 'The rate card file has an error; nothing was imported.' },
  rate_card_exists: {
    status: 409,
    title: 'A different rate card with this id exists. Cards never change: import the new one under a new id.',
  },
  rate_card_backdated: {
    status: 422,
    title: 'A rate card must take effect on a day that has not started anywhere yet, so that no sent message changes price.',
  },
  signed_url_invalid: {
    status: 403,
    title: 'This file link is not one the bridge signed, is for another file, or has expired.',
  },
  meta_unavailable: { status: 503, title: 'Meta could not be reached; nothing was sent.' },
  sync_in_progress: { status: 409, title: 'A template sync is already running for this deployment.' },
  too_many_auth_failures: { status: 429, title: 'Too many failed authentication attempts; try again later.' },
  job_not_dead: { status: 409, title: 'Only a dead job can be replayed; this one is queued, running or done.' },
  internal_error: { status: 500, title: 'The bridge failed unexpectedly; the failure was logged.' },
  database_unavailable: {
    status: 503,
    title: 'The bridge could not reach its database; nothing was stored. Try again after Retry-After seconds.',
  },
  not_ready: { status: 503, title: 'The bridge is not ready to serve requests.' },
  webhook_backlog_full: {
    status: 503,
    title: 'More webhooks are waiting to be applied than the bridge may hold; this one was not stored. Meta delivers it again.',
  },
  ...numberProblemCatalogue,
  ...zohoChannelProblemCatalogue,
  ...consoleProblemCatalogue,
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemCatalogue;

export const problemCodes = Object.keys(problemCatalogue) as ProblemCode[];

/** Where a problem type is described: the bridge serves `GET /problems/{code}`. */
export function problemTypeUri(code: ProblemCode): string {
  return `/problems/${code}`;
}
