import * as z from 'zod';
import { businessVerticals } from '../meta/resources.js';
import { GraphError } from './graph-errors.js';
import type { PhoneNumber } from './state.js';

/**
 * Phone number node, business profile and registration, after the Graph reference pages for
 * WhatsApp Business Phone Number, /whatsapp_business_profile, /request_code, /verify_code and /register.
 */

function phoneNumberFields(number: PhoneNumber): Record<string, unknown> {
  return {
    id: number.phoneNumberId,
    display_phone_number: number.displayPhoneNumber,
    verified_name: number.verifiedName,
    quality_rating: number.qualityRating,
    messaging_limit_tier: number.messagingLimitTier,
    name_status: number.nameStatus,
    code_verification_status: number.codeVerificationStatus,
    throughput: { level: number.throughputLevel },
    platform_type: number.registered ? 'CLOUD_API' : 'NOT_APPLICABLE',
    status: number.registered ? 'CONNECTED' : 'PENDING',
    account_mode: 'LIVE',
    is_official_business_account: false,
    webhook_configuration: { application: number.webhookUrl ?? '' },
    health_status: healthStatus(number),
  };
}

/**
 * `health_status` after Meta's "Messaging and Calling Health Status" page: one entity per node involved in a send
 * (PHONE_NUMBER, WABA, BUSINESS, APP), each AVAILABLE, LIMITED (with `additional_info`) or BLOCKED (with `errors`:
 * `error_code`, `error_description`, `possible_solution`); the overall value is the worst of them. The sandbox blocks
 * a number that is not registered (133010) and a banned WABA (131031, "Business Account locked", from the error
 * codes reference), and limits a WABA under a restriction of account_update's `restriction_info`.
 */
function healthStatus(number: PhoneNumber): Record<string, unknown> {
  const phone = number.registered
    ? { can_send_message: 'AVAILABLE' }
    : {
        can_send_message: 'BLOCKED',
        errors: [
          {
            error_code: 133010,
            error_description: 'Phone number not registered',
            possible_solution: 'Register the phone number on the WhatsApp Business Platform.',
          },
        ],
      };
  const { banned, restrictions } = number.standing;
  const waba = banned
    ? {
        can_send_message: 'BLOCKED',
        errors: [
          {
            error_code: 131031,
            error_description: 'Business Account locked',
            possible_solution: 'Review the policy violation in WhatsApp Manager and request a review of the decision.',
          },
        ],
      }
    : restrictions.length > 0
      ? {
          can_send_message: 'LIMITED',
          additional_info: restrictions.map((restriction) => `Messaging restricted: ${restriction.restriction_type}`),
        }
      : { can_send_message: 'AVAILABLE' };
  const entities = [
    { entity_type: 'PHONE_NUMBER', id: number.phoneNumberId, ...phone },
    { entity_type: 'WABA', id: number.wabaId, ...waba },
    { entity_type: 'BUSINESS', id: `9${number.wabaId.slice(1)}`, can_send_message: 'AVAILABLE' },
    { entity_type: 'APP', id: '634974688087057', can_send_message: 'AVAILABLE' },
  ];
  const states = entities.map((entity) => entity.can_send_message);
  const overall = states.includes('BLOCKED') ? 'BLOCKED' : states.includes('LIMITED') ? 'LIMITED' : 'AVAILABLE';
  return { can_send_message: overall, entities };
}

/** What Graph returns for `GET /{phone-number-id}` without `fields` (the reference's example response). */
const defaultPhoneNumberFields = [
  'verified_name',
  'code_verification_status',
  'display_phone_number',
  'quality_rating',
  'platform_type',
  'throughput',
  'webhook_configuration',
  'id',
];

export function fieldList(value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean);
}

export function selectNodeFields(
  all: Record<string, unknown>,
  requested: string[] | undefined,
  defaults: string[],
  nodeType: string,
): Record<string, unknown> {
  const fields = requested ?? defaults;
  for (const field of fields) {
    if (!(field in all)) {
      throw new GraphError(100, `Tried accessing nonexisting field (${field}) on node type (${nodeType})`, {
        message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
        omitDetails: true,
      });
    }
  }
  // Graph answers the id with every node, asked for or not.
  return Object.fromEntries(Object.entries(all).filter(([key]) => key === 'id' || fields.includes(key)));
}

export function phoneNumberResource(number: PhoneNumber, requested: string[] | undefined): Record<string, unknown> {
  return selectNodeFields(phoneNumberFields(number), requested, defaultPhoneNumberFields, 'WhatsAppBusinessPhoneNumber');
}

export function wabaResource(wabaId: string, numbers: PhoneNumber[], requested: string[] | undefined): Record<string, unknown> {
  const all = {
    id: wabaId,
    name: numbers[0]?.verifiedName ?? 'WhatsApp Business Account',
    currency: 'USD',
    timezone_id: '1',
    message_template_namespace: `sandbox_${wabaId}`,
  };
  return selectNodeFields(all, requested, ['id', 'name'], 'WhatsAppBusinessAccount');
}

/** Limits from the profile reference: about 1–139, address ≤256, description ≤512, email ≤128, ≤2 websites of ≤256. */
const profileUpdateSchema = z.strictObject({
  messaging_product: z.literal('whatsapp'),
  about: z.string().min(1).max(139).optional(),
  address: z.string().max(256).optional(),
  description: z.string().max(512).optional(),
  email: z.email().max(128).optional(),
  websites: z
    .array(z.url({ protocol: /^https?$/, error: 'each website must be an http:// or https:// URL' }).max(256))
    .max(2, 'at most 2 websites')
    .optional(),
  vertical: z.enum(businessVerticals).optional(),
  /** A handle from the Resumable Upload API (resumable-upload.ts). */
  profile_picture_handle: z.string().min(1).optional(),
});

const profileFields = ['about', 'address', 'description', 'email', 'profile_picture_url', 'websites', 'vertical'];

export function profileResource(number: PhoneNumber, requested: string[] | undefined): Record<string, unknown> {
  const fields = requested ?? profileFields;
  const unknown = fields.find((field) => !profileFields.includes(field) && field !== 'messaging_product');
  if (unknown !== undefined) {
    throw new GraphError(100, `Tried accessing nonexisting field (${unknown}) on node type (WhatsAppBusinessProfile)`, {
      message: `(#100) Tried accessing nonexisting field (${unknown}) on node type (WhatsAppBusinessProfile)`,
      omitDetails: true,
    });
  }
  const profile = Object.fromEntries(
    Object.entries(number.profile).filter(([key, value]) => value !== undefined && fields.includes(key)),
  );
  return { data: [{ ...profile, messaging_product: 'whatsapp' }] };
}

/**
 * Changes the given fields. A `profile_picture_handle` becomes the picture at the URL `pictureUrlOf` answers for it
 * (which refuses a handle that names no picture); it is resolved before anything changes, so a refusal changes nothing.
 */
export function updateProfile(
  number: PhoneNumber,
  parameters: Record<string, unknown>,
  pictureUrlOf: (handle: string) => string,
): { success: true } {
  const parsed = profileUpdateSchema.safeParse(parameters);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GraphError(100, `Param ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const { messaging_product: _product, profile_picture_handle: handle, ...fields } = parsed.data;
  const pictureUrl = handle === undefined ? undefined : pictureUrlOf(handle);
  Object.assign(number.profile, fields);
  if (pictureUrl !== undefined) number.profile.profile_picture_url = pictureUrl;
  return { success: true };
}

/** Meta rate-limits verification codes; five requests before a successful verify is plenty for any honest script. */
const codeRequestsBeforeVerificationMax = 5;

export function requestCode(number: PhoneNumber, parameters: Record<string, unknown>, nowMs: number): { success: true } {
  const method = parameters.code_method;
  const language = parameters.language;
  if (method !== 'SMS' && method !== 'VOICE') throw new GraphError(100, 'Param code_method must be one of {SMS, VOICE}');
  if (typeof language !== 'string' || !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) {
    throw new GraphError(100, 'Param language must be a locale such as en_US');
  }
  if (number.codeRequestsSinceVerification >= codeRequestsBeforeVerificationMax) {
    throw new GraphError(136024, 'Too many verification codes were requested for this number; verify the last code sent.');
  }
  number.codeRequestsSinceVerification += 1;
  number.codeRequestedAtMs = nowMs;
  number.sentCodes.push({ code: number.verificationCode, codeMethod: method, language, sentAtMs: nowMs });
  return { success: true };
}

export function verifyCode(number: PhoneNumber, parameters: Record<string, unknown>): { success: true } {
  const code = parameters.code;
  if (typeof code !== 'string' && typeof code !== 'number') throw new GraphError(100, 'Param code is required');
  if (number.codeRequestedAtMs === undefined) {
    throw new GraphError(136025, 'No verification code was requested for this number; call request_code first.');
  }
  if (String(code) !== number.verificationCode) {
    throw new GraphError(136025, "Code couldn't be verified, You have entered the wrong code.");
  }
  number.codeVerificationStatus = 'VERIFIED';
  number.codeRequestedAtMs = undefined;
  number.codeRequestsSinceVerification = 0;
  return { success: true };
}

/**
 * Meta locks registration after repeated wrong PINs (133008, "Too many two step verification PIN guesses") without
 * publishing the count; three wrong guesses is the sandbox's choice, low enough for a test to reach.
 */
const wrongPinGuessesMax = 3;

export function register(number: PhoneNumber, parameters: Record<string, unknown>): { success: true } {
  if (parameters.messaging_product !== 'whatsapp') throw new GraphError(100, 'Param messaging_product must be whatsapp');
  const pin = parameters.pin;
  if (typeof pin !== 'string' || !/^\d{6}$/.test(pin)) throw new GraphError(100, 'Param pin must be a 6-digit string');
  if (number.codeVerificationStatus !== 'VERIFIED') {
    throw new GraphError(133006, 'Phone number needs to be verified (request_code, verify_code) before it can be registered.');
  }
  if (number.wrongPinGuesses >= wrongPinGuessesMax) {
    throw new GraphError(133008, 'Too many two-step verification PIN guesses for this phone number; try again later.');
  }
  if (number.pin !== undefined && number.pin !== pin) {
    number.wrongPinGuesses += 1;
    throw new GraphError(133005, 'The two-step verification PIN does not match the PIN set for this number.');
  }
  number.wrongPinGuesses = 0;
  number.pin = pin;
  number.registered = true;
  return { success: true };
}

export function deregister(number: PhoneNumber): { success: true } {
  number.registered = false;
  return { success: true };
}
