import { businessVerticals } from '@wabridge/shared';
import * as z from 'zod';

/**
 * What Graph answers, as zod schemas. Lenient by design: unknown fields pass (Meta adds fields often), and
 * enumerations Meta extends over time (statuses, tiers, ratings) are strings with the known values as hints.
 * Only what the bridge relies on is required.
 */

/** A string enumeration Meta may extend: the known values help autocompletion, any string is accepted. */
type OpenEnum<T extends string> = T | (string & {});

// ---------------------------------------------------------------------------------------------------
// Send

export const sendMessageResponseSchema = z.looseObject({
  contacts: z.array(z.looseObject({ input: z.string().optional(), wa_id: z.string().optional() })).optional(),
  messages: z.array(z.looseObject({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});

export interface SentMessage {
  /** Meta's id of the accepted message; statuses and replies refer to it. */
  wamid: string;
  /** The customer's WhatsApp id as Meta resolved the number (digits only); absent if Meta did not say. */
  waId: string | undefined;
  /** Template sends answer `accepted` (or `held_for_quality_assessment`, `paused`); free-form sends nothing. */
  messageStatus: OpenEnum<'accepted' | 'held_for_quality_assessment' | 'paused'> | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Templates

export type MessageTemplateStatus =
  | 'APPROVED'
  | 'PENDING'
  | 'REJECTED'
  | 'PAUSED'
  | 'DISABLED'
  | 'FLAGGED'
  | 'IN_APPEAL'
  | 'PENDING_DELETION'
  | 'DELETED'
  | 'LIMIT_EXCEEDED'
  | 'ARCHIVED';

/** Fields we always ask for, because the types below require them. */
export const requiredTemplateFields = ['name', 'language', 'status', 'category'] as const;
/** Fields asked for by default on top: what the template picker and the send path need. */
export const defaultTemplateFields = ['parameter_format', 'components', 'previous_category', 'rejected_reason'] as const;

export const messageTemplateSchema = z.looseObject({
  // Graph sends template ids as strings here and as JSON numbers in webhooks; we keep strings.
  id: z.union([z.string().min(1), z.int().nonnegative()]).transform(String),
  name: z.string().min(1),
  language: z.string().min(1),
  status: z.string().min(1) as z.ZodType<OpenEnum<MessageTemplateStatus>>,
  category: z.string().min(1) as z.ZodType<OpenEnum<'MARKETING' | 'UTILITY' | 'AUTHENTICATION'>>,
  parameter_format: (z.string() as z.ZodType<OpenEnum<'POSITIONAL' | 'NAMED'>>).optional(),
  components: z.array(z.looseObject({ type: z.string() })).optional(),
  previous_category: z.string().optional(),
  rejected_reason: z.string().optional(),
});
export type MessageTemplate = z.output<typeof messageTemplateSchema>;

export const templatesPageSchema = z.looseObject({
  data: z.array(messageTemplateSchema),
  paging: z
    .looseObject({
      cursors: z.looseObject({ before: z.string().optional(), after: z.string().optional() }).optional(),
      next: z.string().optional(),
      previous: z.string().optional(),
    })
    .optional(),
});

// ---------------------------------------------------------------------------------------------------
// Phone number

/**
 * Fields of `GET /{phone-number-id}` we ask for. `messaging_limit_tier` is deprecated by Meta in favour of
 * `whatsapp_business_manager_messaging_limit` (limits moved to the business portfolio; Meta's "Messaging
 * Limits" page), but the sandbox serves only the former, so we ask for it and treat it as optional.
 */
export const phoneNumberStatusFields = [
  'display_phone_number',
  'verified_name',
  'quality_rating',
  'messaging_limit_tier',
  'name_status',
  'code_verification_status',
  'throughput',
  'status',
  'platform_type',
] as const;

export const phoneNumberStatusSchema = z.looseObject({
  id: z.string().min(1),
  display_phone_number: z.string().min(1),
  verified_name: z.string(),
  quality_rating: z.string() as z.ZodType<OpenEnum<'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN'>>,
  messaging_limit_tier: z.string().optional(),
  name_status: z.string().optional(),
  code_verification_status: z.string().optional(),
  throughput: z.looseObject({ level: z.string().optional() }).optional(),
  status: z.string().optional(),
  platform_type: z.string().optional(),
});

export interface PhoneNumberStatus {
  phoneNumberId: string;
  displayPhoneNumber: string;
  verifiedName: string;
  qualityRating: OpenEnum<'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN'>;
  messagingLimitTier: OpenEnum<'TIER_250' | 'TIER_2K' | 'TIER_10K' | 'TIER_100K' | 'TIER_UNLIMITED'> | undefined;
  nameStatus: OpenEnum<'APPROVED' | 'AVAILABLE_WITHOUT_REVIEW' | 'DECLINED' | 'EXPIRED' | 'PENDING_REVIEW' | 'NONE'> | undefined;
  codeVerificationStatus: OpenEnum<'VERIFIED' | 'NOT_VERIFIED' | 'EXPIRED'> | undefined;
  throughputLevel: OpenEnum<'STANDARD' | 'HIGH' | 'NOT_APPLICABLE'> | undefined;
  /** The number's connection: `CONNECTED` once registered on the Cloud API, `PENDING` before, others when in trouble. */
  status: OpenEnum<'CONNECTED' | 'PENDING' | 'DISCONNECTED' | 'FLAGGED' | 'RESTRICTED' | 'BANNED'> | undefined;
  platformType: OpenEnum<'CLOUD_API' | 'ON_PREMISE' | 'NOT_APPLICABLE'> | undefined;
}

/** `GET /{waba-id}/phone_numbers`: the WABA's numbers (we ask for their ids only). */
export const wabaPhoneNumbersSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string().min(1) })),
  paging: z.looseObject({ next: z.string().optional() }).optional(),
});

/** `GET /{waba-id}/subscribed_apps`: `{data: [{whatsapp_business_api_data: {id, name, link}}]}`. */
export const subscribedAppsSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      whatsapp_business_api_data: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
    }),
  ),
});

/**
 * `GET /{node-id}?fields=health_status` (Meta's "Messaging and Calling Health Status" page): the overall
 * `can_send_message` (AVAILABLE, LIMITED, BLOCKED: blocked if any node is, limited if any is) and one entity per node
 * involved in a send (PHONE_NUMBER, WABA, BUSINESS, APP); a LIMITED node carries `additional_info`, a BLOCKED one
 * `errors` with `error_code`, `error_description` and `possible_solution`.
 */
export const healthStatusSchema = z.looseObject({
  health_status: z.looseObject({
    can_send_message: z.string(),
    entities: z
      .array(
        z.looseObject({
          entity_type: z.string(),
          id: z.string().optional(),
          can_send_message: z.string(),
          additional_info: z.array(z.string()).optional(),
          errors: z
            .array(
              z.looseObject({
                error_code: z.union([z.number(), z.string()]).optional(),
                error_description: z.string().optional(),
                possible_solution: z.string().optional(),
              }),
            )
            .optional(),
        }),
      )
      .default([]),
  }),
});

export type HealthStatus = z.infer<typeof healthStatusSchema>['health_status'];

// ---------------------------------------------------------------------------------------------------
// Business profile

export const businessProfileFields = ['about', 'address', 'description', 'email', 'profile_picture_url', 'websites', 'vertical'];

export const businessProfileResponseSchema = z.looseObject({
  data: z
    .array(
      z.looseObject({
        about: z.string().optional(),
        address: z.string().optional(),
        description: z.string().optional(),
        email: z.string().optional(),
        profile_picture_url: z.string().optional(),
        websites: z.array(z.string()).optional(),
        vertical: z.string().optional(),
      }),
    )
    .min(1),
});

export interface BusinessProfile {
  about: string | undefined;
  address: string | undefined;
  description: string | undefined;
  email: string | undefined;
  profilePictureUrl: string | undefined;
  websites: string[];
  vertical: string | undefined;
}

/** Meta's fixed list of business verticals, from the contract (the API validates profiles with it too). */
export { businessVerticals };

/**
 * A profile change, validated before the call with the reference's limits: about 1–139 characters, address
 * ≤ 256, description ≤ 512, email ≤ 128, at most 2 websites of ≤ 256 characters each (http or https).
 */
export const businessProfileUpdateSchema = z
  .strictObject({
    about: z.string().min(1).max(139).optional(),
    address: z.string().max(256).optional(),
    description: z.string().max(512).optional(),
    email: z.email().max(128).optional(),
    vertical: z.enum(businessVerticals).optional(),
    websites: z
      .array(z.url({ protocol: /^https?$/, error: 'each website must be an http:// or https:// URL' }).max(256))
      .max(2, 'at most 2 websites')
      .optional(),
    /** A handle from Meta's Resumable Upload API. */
    profilePictureHandle: z.string().min(1).optional(),
  })
  .refine((update) => Object.values(update).some((value) => value !== undefined), 'give at least one field to change');
export type BusinessProfileUpdate = z.input<typeof businessProfileUpdateSchema>;

// ---------------------------------------------------------------------------------------------------
// Actions

/** `{success: true}`: what request_code, verify_code, register and the profile update answer. */
export const successSchema = z.looseObject({ success: z.literal(true) });

// ---------------------------------------------------------------------------------------------------
// Media

/** `POST /{phone-number-id}/media` answers the new media object's id: `{"id": "<MEDIA_ID>"}`. */
export const uploadedMediaSchema = z.looseObject({ id: z.string().regex(/^\d{1,32}$/, 'must be a numeric media id') });

/**
 * `GET /{media-id}`: `{messaging_product, url, mime_type, sha256, file_size, id}` (Meta's "Retrieve media URL";
 * the same shape pywa documents). The URL needs the access token and expires after a few minutes.
 */
export const mediaInfoSchema = z.looseObject({
  id: z.string().min(1),
  url: z.string().min(1),
  mime_type: z.string().min(1),
  sha256: z.string().min(1),
  file_size: z.coerce.number().int().nonnegative(),
});

export interface MediaInfo {
  mediaId: string;
  /** Where the file can be downloaded with the access token, for a few minutes. */
  url: string;
  mimeType: string;
  sha256: string;
  sizeBytes: number;
}
