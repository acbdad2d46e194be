import * as z from 'zod';
import { timestamp } from './common.js';
import { deploymentPath } from './deployments.js';
import { defineRoute } from './route.js';

/**
 * A deployment's WhatsApp number through the bridge: registration with a code (SMS or voice) and a two-step PIN, the
 * business profile, health, and the number's wa.me link and QR code. Facts from Meta's Cloud API reference pages
 * (Registration: request_code, verify_code, register; Business profiles; Phone numbers; webhooks reference of
 * account_update, phone_number_quality_update, phone_number_name_update, message_template_status_update).
 * Kept in its own file so that other route groups merge next to it.
 */

// ---------------------------------------------------------------------------------------------------
// Registration

/** Meta's `language` of request_code: a locale such as `en_US` or `ja` (the language of the SMS or call). */
const codeLanguage = z
  .string()
  .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a language code such as en_US or ja')
  .meta({ example: 'ja' });

export const requestVerificationCodeRequest = z
  .strictObject({
    code_method: z.enum(['SMS', 'VOICE']).meta({ description: 'How Meta sends the 6-digit code to the number.' }),
    language: codeLanguage,
  })
  .meta({ id: 'RequestVerificationCodeRequest' });

export const verifyCodeRequest = z
  .strictObject({
    // People copy codes as shown ("123-456", "123 456"); the separators are not part of the code.
    code: z
      .string()
      .transform((code) => code.replace(/[\s-]/g, ''))
      .pipe(z.string().regex(/^\d{6}$/, 'must be the 6-digit code Meta sent')),
  })
  .meta({ id: 'VerifyCodeRequest' });

export const registerNumberRequest = z
  .strictObject({
    pin: z
      .string()
      .regex(/^\d{6}$/, 'must be 6 digits')
      .meta({
        description: 'Two-step verification PIN: set by the first registration, required by every later one.',
        writeOnly: true,
      }),
  })
  .meta({ id: 'RegisterNumberRequest' });

export const registrationStep = z
  .object({
    step: z.enum(['code_requested', 'code_verified', 'registered']),
    code_method: z.enum(['SMS', 'VOICE']).optional(),
    language: z.string().optional(),
  })
  .meta({ id: 'RegistrationStep', description: 'What the registration step just did.' });

// ---------------------------------------------------------------------------------------------------
// Business profile

/** Meta's fixed list of business verticals (whatsapp_business_profile reference). */
export const businessVerticals = [
  'UNDEFINED',
  'OTHER',
  'AUTO',
  'BEAUTY',
  'APPAREL',
  'EDU',
  'ENTERTAIN',
  'EVENT_PLAN',
  'FINANCE',
  'GROCERY',
  'GOVT',
  'HOTEL',
  'HEALTH',
  'NONPROFIT',
  'PROF_SERVICES',
  'RETAIL',
  'TRAVEL',
  'RESTAURANT',
  'NOT_A_BIZ',
] as const;

/**
 * A profile change, checked before Meta is called with the reference's limits: about 1–139 characters, address
 * ≤ 256, description ≤ 512, email ≤ 128 and an address, at most 2 websites of ≤ 256 characters starting with
 * http:// or https://, a vertical from Meta's list, and a picture as a Resumable Upload API handle.
 */
export const businessProfileUpdateRequest = z
  .strictObject({
    about: z.string().min(1, 'must not be empty').max(139).optional(),
    address: z.string().max(256).optional(),
    description: z.string().max(512).optional(),
    email: z.email().max(128).optional(),
    vertical: z.enum(businessVerticals).optional(),
    websites: z
      .array(z.url({ protocol: /^https?$/, error: 'each website must be an http:// or https:// URL' }).max(256))
      .max(2, 'at most 2 websites')
      .optional(),
    profile_picture_handle: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .meta({ description: 'A handle from Meta’s Resumable Upload API (the picture uploaded to the app).' }),
  })
  .refine((update) => Object.values(update).some((value) => value !== undefined), {
    message: 'give at least one field to change',
    path: [],
  })
  .meta({ id: 'BusinessProfileUpdateRequest' });

export const businessProfile = z
  .object({
    about: z.string().nullable(),
    address: z.string().nullable(),
    description: z.string().nullable(),
    email: z.string().nullable(),
    vertical: z.string().nullable(),
    websites: z.array(z.string()),
    profile_picture_url: z.string().nullable(),
    display_name: z.object({
      verified_name: z.string().meta({ description: 'The name WhatsApp shows for the number.' }),
      name_status: z
        .string()
        .nullable()
        .meta({ description: 'Meta’s review of the display name: APPROVED, PENDING_REVIEW, DECLINED, …' }),
    }),
  })
  .meta({ id: 'BusinessProfile' });

/**
 * The profile picture: JPEG or PNG of at most 5 MB. Meta's Resumable Upload API takes image/jpeg, image/jpg and
 * image/png among its file types (Graph API guide "Upload a file"); the WhatsApp Business API scales and crops a
 * profile photo to a square of at most 640 px edge and 5 MB, and recommends 640 × 640 (profile photo reference of the
 * On-Premises API, whose limits the Cloud API profile keeps).
 */
export const profilePictureMimeTypes = ['image/jpeg', 'image/png'] as const;
/** 5 MB as Meta counts it for media (binary megabytes, like the bridge's media limits). */
export const profilePictureBytesMax = 5 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Health

export const healthIssueCodes = [
  'deliveries_failing',
  'messaging_blocked',
  'messaging_limited',
  'meta_token_invalid',
  'meta_unreachable',
  'webhooks_not_subscribed',
  'webhooks_never_received',
  'webhooks_silent',
  'number_not_registered',
  'quality_low',
  'quality_flagged',
  'account_restricted',
  'account_banned',
  'display_name_declined',
  'display_name_pending',
  'templates_rejected',
  'templates_paused_or_disabled',
] as const;

export const healthIssue = z
  .object({
    code: z.enum(healthIssueCodes),
    severity: z.enum(['blocking', 'warning']).meta({ description: '`blocking`: the number cannot send until fixed.' }),
    message: z.string().meta({ description: 'What is wrong, in English (the apps translate by code).' }),
    action: z.string().meta({ description: 'What fixes it, in English.' }),
    since: timestamp.nullable(),
  })
  .meta({ id: 'HealthIssue' });

export const deploymentHealth = z
  .object({
    deployment_id: z.string(),
    checked_at: timestamp,
    can_send: z.boolean().meta({ description: 'False when a blocking issue stops every send.' }),
    cannot_send_reason: z.enum(healthIssueCodes).nullable(),
    token_valid: z.boolean().nullable().meta({ description: 'Null when Meta could not be asked.' }),
    webhook_subscribed: z.boolean().nullable(),
    webhook_last_received_at: timestamp.nullable(),
    verified_name: z.string().nullable(),
    name_status: z.string().nullable(),
    quality_rating: z.string().nullable(),
    messaging_limit_tier: z.string().nullable(),
    throughput_level: z.string().nullable(),
    code_verification_status: z.string().nullable(),
    registered: z.boolean().nullable(),
    restrictions: z.array(
      z.object({ restriction_type: z.string(), expires_at: timestamp.nullable(), reported_at: timestamp.nullable() }),
    ),
    templates_by_status: z.record(z.string(), z.int().nonnegative()),
    dead_deliveries: z
      .int()
      .nonnegative()
      .meta({ description: 'Helpdesk deliveries (ticket comments, automations) that failed for good: dead jobs.' }),
    issues: z.array(healthIssue),
  })
  .meta({ id: 'DeploymentHealth', description: 'A number’s health from Meta’s webhooks and Graph reads.' });

// ---------------------------------------------------------------------------------------------------
// The number's WhatsApp link

/** wa.me's prefilled text travels in the URL; 1,000 characters keeps the link and its QR code usable. */
export const whatsAppLinkQuery = z
  .strictObject({
    text: z.string().min(1).max(1000).optional().meta({ description: 'Text prefilled in the customer’s composer.' }),
  })
  .meta({ id: 'WhatsAppLinkQuery' });

export const whatsAppLink = z
  .object({
    url: z.url().meta({ example: 'https://wa.me/819012345678?text=Hello' }),
    display_phone_number: z.string(),
    text: z.string().nullable(),
    qr_svg: z
      .string()
      .meta({ description: 'The same link as a QR code: a standalone SVG document (save it as .svg, or use it as an image).' }),
  })
  .meta({ id: 'WhatsAppLink' });

// ---------------------------------------------------------------------------------------------------
// Routes

export const numberRoutes = {
  requestVerificationCode: defineRoute({
    method: 'post',
    path: '/v1/deployments/{deployment_id}/registration/code',
    operationId: 'requestVerificationCode',
    summary: 'Ask Meta to send the number a 6-digit registration code by SMS or voice call, in a language.',
    tag: 'Numbers',
    auth: 'admin',
    accountAdmin: true,
    params: deploymentPath,
    body: requestVerificationCodeRequest,
    successStatus: 200,
    response: registrationStep,
    problems: [
      'validation_failed',
      'not_found',
      'meta_token_invalid',
      'number_already_registered',
      'verification_code_requests_exceeded',
      'meta_rejected',
      'meta_unavailable',
    ],
  }),
  verifyVerificationCode: defineRoute({
    method: 'post',
    path: '/v1/deployments/{deployment_id}/registration/verify',
    operationId: 'verifyVerificationCode',
    summary: 'Give Meta the 6-digit code the number received.',
    tag: 'Numbers',
    auth: 'admin',
    accountAdmin: true,
    params: deploymentPath,
    body: verifyCodeRequest,
    successStatus: 200,
    response: registrationStep,
    problems: [
      'validation_failed',
      'not_found',
      'meta_token_invalid',
      'verification_code_invalid',
      'meta_rejected',
      'meta_unavailable',
    ],
  }),
  registerNumber: defineRoute({
    method: 'post',
    path: '/v1/deployments/{deployment_id}/registration',
    operationId: 'registerNumber',
    summary: 'Register the verified number for the Cloud API with its two-step verification PIN.',
    tag: 'Numbers',
    auth: 'admin',
    accountAdmin: true,
    params: deploymentPath,
    body: registerNumberRequest,
    successStatus: 200,
    response: registrationStep,
    problems: [
      'validation_failed',
      'not_found',
      'meta_token_invalid',
      'number_not_verified',
      'registration_pin_mismatch',
      'registration_pin_locked',
      'meta_rejected',
      'meta_unavailable',
    ],
  }),
  getBusinessProfile: defineRoute({
    method: 'get',
    path: '/v1/deployments/{deployment_id}/profile',
    operationId: 'getBusinessProfile',
    summary: 'The number’s WhatsApp business profile, its display name and the name’s review status, read from Meta.',
    tag: 'Numbers',
    auth: 'admin_or_installation',
    params: deploymentPath,
    successStatus: 200,
    response: businessProfile,
    problems: ['not_found', 'meta_token_invalid', 'meta_rejected', 'meta_unavailable'],
  }),
  updateBusinessProfile: defineRoute({
    method: 'patch',
    path: '/v1/deployments/{deployment_id}/profile',
    operationId: 'updateBusinessProfile',
    summary: 'Change fields of the business profile (checked against Meta’s limits before Meta is called).',
    tag: 'Numbers',
    auth: 'admin',
    accountAdmin: true,
    params: deploymentPath,
    body: businessProfileUpdateRequest,
    successStatus: 200,
    response: businessProfile,
    problems: ['validation_failed', 'not_found', 'meta_token_invalid', 'meta_rejected', 'meta_unavailable'],
  }),
  updateProfilePicture: defineRoute({
    method: 'put',
    path: '/v1/deployments/{deployment_id}/profile/picture',
    operationId: 'updateProfilePicture',
    summary:
      'Replace the business profile’s picture: the image (JPEG or PNG, at most 5 MB) goes to Meta through its Resumable Upload API on the deployment’s app, and its handle into the profile.',
    tag: 'Numbers',
    auth: 'admin',
    accountAdmin: true,
    params: deploymentPath,
    rawBody: {
      contentTypes: profilePictureMimeTypes,
      description:
        'The image itself. Its type is read from its content (a JPEG or PNG); Meta shows it cropped to a circle and stores at most 640 × 640 pixels, so a square image of that size is best.',
    },
    successStatus: 200,
    response: businessProfile,
    problems: [
      'not_found',
      'profile_picture_type_not_allowed',
      'profile_picture_too_large',
      'meta_app_id_missing',
      'meta_token_invalid',
      'meta_rejected',
      'meta_unavailable',
    ],
  }),
  getDeploymentHealth: defineRoute({
    method: 'get',
    path: '/v1/deployments/{deployment_id}/health',
    operationId: 'getDeploymentHealth',
    summary:
      'The number’s health: token, webhooks, quality, messaging limit, restrictions, templates, failing deliveries, and what fixes each problem.',
    tag: 'Numbers',
    auth: 'admin_or_installation',
    params: deploymentPath,
    successStatus: 200,
    response: deploymentHealth,
    problems: ['not_found'],
  }),
  getWhatsAppLink: defineRoute({
    method: 'get',
    path: '/v1/deployments/{deployment_id}/whatsapp-link',
    operationId: 'getWhatsAppLink',
    summary: 'The number’s wa.me link, with an optional prefilled text, and the same link as a QR code (SVG).',
    tag: 'Numbers',
    auth: 'admin_or_installation',
    params: deploymentPath,
    query: whatsAppLinkQuery,
    successStatus: 200,
    response: whatsAppLink,
    problems: ['validation_failed', 'not_found'],
  }),
} as const;

export type RequestVerificationCodeRequest = z.infer<typeof requestVerificationCodeRequest>;
export type BusinessProfileUpdateRequest = z.infer<typeof businessProfileUpdateRequest>;
export type BusinessProfile = z.infer<typeof businessProfile>;
export type DeploymentHealth = z.input<typeof deploymentHealth>;
export type HealthIssue = z.input<typeof healthIssue>;
export type HealthIssueCode = (typeof healthIssueCodes)[number];
export type WhatsAppLink = z.infer<typeof whatsAppLink>;
