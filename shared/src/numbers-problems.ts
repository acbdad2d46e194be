/**
 * Problems of a deployment's number (credentials checked with Meta, registration), spread into the problem
 * catalogue (errors.ts). Meta's own refusals are translated into these so that an admin reads what to do, not a
 * Graph error code. Statuses: 422 for credentials or a code the admin typed wrong, 409 for a step out of order,
 * 429 where Meta said "too many" (waiting is the fix).
 */
export const numberProblemCatalogue = {
  meta_token_invalid: {
    status: 422,
    title:
      'Meta refused the access token (expired, revoked or mistyped): create a system-user token with the WhatsApp permissions.',
  },
  meta_app_secret_invalid: {
    status: 422,
    title: 'The app secret is not the secret of the Meta app that issued the access token (App settings → Basic).',
  },
  phone_number_not_accessible: {
    status: 422,
    title:
      'The access token cannot read this phone number id: check the id, and that the system user has the WhatsApp account as an asset.',
  },
  waba_not_accessible: {
    status: 422,
    title: 'The access token cannot read this WhatsApp Business Account id: check the id and the system user’s assets.',
  },
  phone_number_not_in_waba: {
    status: 422,
    title: 'This phone number id does not belong to this WhatsApp Business Account.',
  },
  number_already_registered: {
    status: 409,
    title: 'This number is already registered on the Cloud API: no code is needed.',
  },
  verification_code_requests_exceeded: {
    status: 429,
    title: 'Meta refuses to send more codes to this number for now: verify the last code received, or try again later.',
  },
  verification_code_invalid: {
    status: 422,
    title: 'Meta did not accept this code (wrong, expired, or no code was requested): request a new code.',
  },
  number_not_verified: {
    status: 409,
    title: 'The number must be verified with a code (request a code, then verify it) before it can be registered.',
  },
  registration_pin_mismatch: {
    status: 422,
    title: 'The PIN does not match the two-step verification PIN already set for this number.',
  },
  registration_pin_locked: {
    status: 429,
    title: 'Too many wrong PINs for this number: Meta refuses registration for a while.',
  },
  profile_picture_type_not_allowed: {
    status: 422,
    title: 'A profile picture must be a JPEG or PNG image (judged by its content).',
  },
  profile_picture_too_large: {
    status: 413,
    title: 'A profile picture may be at most 5 MB.',
  },
  meta_app_id_missing: {
    status: 409,
    title: 'This deployment has no Meta app id, which Meta needs to upload a picture: give it first (App settings → Basic).',
  },
} as const satisfies Record<string, { status: number; title: string }>;
