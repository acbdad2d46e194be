import * as z from 'zod';
import {
  codeVerificationStatuses,
  messagingLimitTiers,
  nameStatuses,
  type PhoneNumber,
  qualityRatings,
  type SandboxState,
  throughputLevels,
} from './state.js';
import { seedTemplates } from './templates-seed.js';

/** The verification code request_code "sends" unless a number is given another: documented, so scripts can verify. */
export const defaultVerificationCode = '123456';

const graphId = z.string().regex(/^\d{1,32}$/, 'must be a numeric Graph id');

/** Body of `POST /sandbox/numbers`: creates a number, or updates one with the same phone_number_id. */
export const numberInputSchema = z.strictObject({
  phone_number_id: graphId,
  waba_id: graphId,
  display_phone_number: z.string().refine((value) => /^\d{7,15}$/.test(value.replace(/\D/g, '')), 'must hold 7 to 15 digits'),
  verified_name: z.string().min(1).max(256),
  access_token: z.string().min(8),
  app_secret: z.string().min(8),
  webhook_url: z.url({ protocol: /^https?$/ }).optional(),
  quality_rating: z.enum(qualityRatings).default('GREEN'),
  // Meta starts a new business at 250 business-initiated conversations a day.
  messaging_limit_tier: z.enum(messagingLimitTiers).default('TIER_250'),
  name_status: z.enum(nameStatuses).default('APPROVED'),
  throughput_level: z.enum(throughputLevels).default('STANDARD'),
  code_verification_status: z.enum(codeVerificationStatuses).default('VERIFIED'),
  /** Most tests want to send at once; set false to exercise request_code → verify_code → register. */
  registered: z.boolean().default(true),
  verification_code: z
    .string()
    .regex(/^\d{6}$/)
    .default(defaultVerificationCode),
});
export type NumberInput = z.input<typeof numberInputSchema>;

/** `PATCH /sandbox/numbers/:id`: change any setting of an existing number. */
export const numberPatchSchema = numberInputSchema
  .omit({ phone_number_id: true, waba_id: true })
  .partial()
  .extend({
    webhook_url: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .optional(),
    pin: z
      .string()
      .regex(/^\d{6}$/)
      .nullable()
      .optional(),
  });
export type NumberPatch = z.infer<typeof numberPatchSchema>;

/** Creates or updates a number; seeds its WABA's templates the first time the WABA is seen. */
export function upsertNumber(state: SandboxState, input: z.output<typeof numberInputSchema>): PhoneNumber {
  const existing = state.numbers.get(input.phone_number_id);
  const number: PhoneNumber = {
    phoneNumberId: input.phone_number_id,
    wabaId: input.waba_id,
    displayPhoneNumber: input.display_phone_number,
    verifiedName: input.verified_name,
    accessToken: input.access_token,
    appSecret: input.app_secret,
    webhookUrl: input.webhook_url,
    qualityRating: input.quality_rating,
    messagingLimitTier: input.messaging_limit_tier,
    nameStatus: input.name_status,
    throughputLevel: input.throughput_level,
    codeVerificationStatus: input.code_verification_status,
    registered: input.registered,
    pin: existing?.pin,
    verificationCode: input.verification_code,
    codeRequestedAtMs: existing?.codeRequestedAtMs,
    codeRequestsSinceVerification: existing?.codeRequestsSinceVerification ?? 0,
    sentCodes: existing?.sentCodes ?? [],
    wrongPinGuesses: existing?.wrongPinGuesses ?? 0,
    profile: existing?.profile ?? { about: 'Hello from the Meta sandbox', vertical: 'OTHER', websites: [] },
    knobs: existing?.knobs ?? {},
    sendFault: existing?.sendFault,
    recentSendTimesMs: existing?.recentSendTimesMs ?? [],
    standing: existing?.standing ?? { restrictions: [], banned: false },
  };
  state.numbers.set(number.phoneNumberId, number);
  if (!state.templates.has(number.wabaId)) state.templates.set(number.wabaId, seedTemplates(number.wabaId));
  return number;
}

export function patchNumber(number: PhoneNumber, patch: NumberPatch): void {
  if (patch.display_phone_number !== undefined) number.displayPhoneNumber = patch.display_phone_number;
  if (patch.verified_name !== undefined) number.verifiedName = patch.verified_name;
  if (patch.access_token !== undefined) number.accessToken = patch.access_token;
  if (patch.app_secret !== undefined) number.appSecret = patch.app_secret;
  if (patch.webhook_url !== undefined) number.webhookUrl = patch.webhook_url ?? undefined;
  if (patch.quality_rating !== undefined) number.qualityRating = patch.quality_rating;
  if (patch.messaging_limit_tier !== undefined) number.messagingLimitTier = patch.messaging_limit_tier;
  if (patch.name_status !== undefined) number.nameStatus = patch.name_status;
  if (patch.throughput_level !== undefined) number.throughputLevel = patch.throughput_level;
  if (patch.code_verification_status !== undefined) number.codeVerificationStatus = patch.code_verification_status;
  if (patch.registered !== undefined) number.registered = patch.registered;
  if (patch.verification_code !== undefined) number.verificationCode = patch.verification_code;
  if (patch.pin !== undefined) number.pin = patch.pin ?? undefined;
}

/** A number as the control API shows it: secrets are never echoed, only whether they are set. */
export function numberView(number: PhoneNumber): Record<string, unknown> {
  return {
    phone_number_id: number.phoneNumberId,
    waba_id: number.wabaId,
    display_phone_number: number.displayPhoneNumber,
    verified_name: number.verifiedName,
    access_token: '[set]',
    app_secret: '[set]',
    webhook_url: number.webhookUrl ?? null,
    quality_rating: number.qualityRating,
    messaging_limit_tier: number.messagingLimitTier,
    name_status: number.nameStatus,
    throughput_level: number.throughputLevel,
    code_verification_status: number.codeVerificationStatus,
    registered: number.registered,
    pin_set: number.pin !== undefined,
    verification_code: number.verificationCode,
    code_requested: number.codeRequestedAtMs !== undefined,
    profile: number.profile,
    knobs: number.knobs,
    send_fault: number.sendFault ?? null,
    standing: number.standing,
  };
}
