import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { SandboxContext } from './context.js';
import { ControlError, notFound } from './control-errors.js';
import { newBusinessScopedUserId, newGraphId, newWamid } from './ids.js';
import { windowExpiresAtMs } from './pricing.js';
import {
  type AccountStanding,
  type Customer,
  messagingLimitTiers,
  type PhoneNumber,
  qualityRatings,
  type Template,
} from './state.js';
import {
  accountUpdateChange,
  type InboundImage,
  inboundMessageChange,
  nameDecisionChange,
  qualityChange,
  templateCategoryChange,
  templateStatusChange,
  unixSeconds,
  userPreferenceChange,
} from './webhooks.js';

/** What the customer (and Meta's back office) can do to a number: the "act as the customer" part of the control API. */

const businessScopedUserId = z.string().regex(/^[A-Z]{2}\.\d+$/, 'must look like US.13491208655302741918');
const unixTimestamp = z.union([z.int().min(0), z.string().regex(/^\d+$/).transform(Number)]);

/**
 * A click-to-WhatsApp ad referral as Meta documents it (pywa `referral` fixture); every field has a default so
 * `"referral": {}` is enough for a test.
 */
const referralSchema = z.strictObject({
  source_url: z.string().default('https://fb.me/sandbox-ad'),
  source_id: z.string().default(() => String(120_000_000_000_000 + randomBytes(4).readUInt32BE())),
  source_type: z.enum(['ad', 'post']).default('ad'),
  headline: z.string().default('Summer sale'),
  body: z.string().default('Message us to get 20% off your first order.'),
  media_type: z.enum(['image', 'video']).default('image'),
  image_url: z.string().optional(),
  video_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
  ctwa_clid: z.string().default(() => `ARA${randomBytes(24).toString('base64url')}`),
});

export const inboundSchema = z
  .strictObject({
    /** The customer's phone number (wa_id); leave out for a username-only customer. */
    from: z
      .string()
      .regex(/^\+?\d{7,15}$/, 'must be a phone number, digits only or with a leading +')
      .optional(),
    user_id: businessScopedUserId.optional(),
    username: z.string().min(1).max(64).optional(),
    name: z.string().min(1).max(256).optional(),
    /** A text message; or give `image` instead. */
    text: z.string().min(1).max(4096).optional(),
    /**
     * A photo instead of text: Meta delivers `type: "image"` with the media id, MIME type, SHA-256 and caption, and keeps
     * the file for the business to fetch (`GET /{media-id}`), as for its own uploads. JPEG and PNG, at most 5 MB, as
     * Meta takes images (developers.facebook.com/docs/whatsapp/cloud-api/reference/media#supported-media-types).
     */
    image: z
      .strictObject({
        mime_type: z.enum(['image/jpeg', 'image/png']),
        data_base64: z.base64().max(Math.ceil((5 * 1024 * 1024 * 4) / 3)),
        caption: z.string().min(1).max(1024).optional(),
      })
      .optional(),
    /** Unix seconds; give one in the past to start a window that is already partly (or fully) spent. */
    timestamp: unixTimestamp.optional(),
    referral: referralSchema.optional(),
    context: z.strictObject({ message_id: z.string().min(1) }).optional(),
  })
  .refine((input) => input.from !== undefined || input.user_id !== undefined || input.username !== undefined, {
    message: 'give from (a phone number), user_id or username',
  })
  .refine((input) => (input.text === undefined) !== (input.image === undefined), {
    message: 'give text or image (one of them)',
    path: ['text'],
  });

export function customerView(customer: Customer, nowMs: number): Record<string, unknown> {
  const windowEndMs = windowExpiresAtMs(customer);
  const iso = (timeMs: number | undefined) => (timeMs === undefined ? null : new Date(timeMs).toISOString());
  return {
    wa_id: customer.waId ?? null,
    user_id: customer.userId ?? null,
    username: customer.username ?? null,
    name: customer.name,
    last_inbound_at: iso(customer.lastInboundAtMs),
    window_expires_at: iso(windowEndMs),
    window_open: windowEndMs !== undefined && nowMs < windowEndMs,
    free_entry_point_expires_at: iso(customer.freeEntryPointExpiresAtMs),
    marketing_stopped: customer.marketingStopped,
    undeliverable: customer.undeliverable,
    never_read: customer.neverRead,
  };
}

function latest(current: number | undefined, candidate: number): number {
  return current === undefined ? candidate : Math.max(current, candidate);
}

/** A customer's text message: updates the window (24 h from its timestamp) and posts the `messages` webhook. */
export function receiveInbound(context: SandboxContext, number: PhoneNumber, input: z.output<typeof inboundSchema>) {
  const nowMs = context.now();
  const timestampSeconds = input.timestamp ?? unixSeconds(nowMs);
  const sentAtMs = timestampSeconds * 1000;
  const waId = input.from?.replace(/^\+/, '');
  const userId = input.user_id ?? (waId === undefined ? newBusinessScopedUserId() : undefined);
  const customer = context.state.upsertCustomer(number.phoneNumberId, {
    waId,
    userId,
    username: input.username,
    name: input.name,
  });
  customer.lastInboundAtMs = latest(customer.lastInboundAtMs, sentAtMs);
  const referral =
    input.referral === undefined
      ? undefined
      : {
          ...input.referral,
          ...(input.referral.media_type === 'image' && input.referral.image_url === undefined
            ? { image_url: 'https://scontent.whatsapp.example/sandbox/ad.jpg' }
            : {}),
        };
  if (referral !== undefined) customer.referralInboundAtMs = latest(customer.referralInboundAtMs, sentAtMs);
  const wamid = newWamid(customer.waId ?? customer.userId ?? 'unknown');
  context.dispatcher.emit(
    number,
    inboundMessageChange(number, customer, {
      wamid,
      timestampSeconds,
      content: input.image === undefined ? { text: input.text ?? '' } : { image: keepInboundImage(context, number, input.image) },
      referral,
      contextMessageId: input.context?.message_id,
    }),
  );
  return { id: wamid, customer: customerView(customer, nowMs) };
}

/** Keeps the customer's photo as Meta keeps inbound media, for the business to fetch by its id. */
function keepInboundImage(
  context: SandboxContext,
  number: PhoneNumber,
  image: NonNullable<z.output<typeof inboundSchema>['image']>,
): InboundImage {
  const bytes = Buffer.from(image.data_base64, 'base64');
  let id = newGraphId();
  while (context.state.media.has(id)) id = newGraphId();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  context.state.media.set(id, {
    id,
    phoneNumberId: number.phoneNumberId,
    mimeType: image.mime_type,
    detectedMimeType: image.mime_type,
    sizeBytes: bytes.length,
    sha256,
    filename: undefined,
    bytes,
    uploadedAtMs: context.now(),
    deleted: false,
  });
  return { id, mime_type: image.mime_type, sha256, ...(image.caption !== undefined ? { caption: image.caption } : {}) };
}

export const customerInputSchema = z
  .strictObject({
    wa_id: z
      .string()
      .regex(/^\d{7,15}$/)
      .optional(),
    user_id: businessScopedUserId.optional(),
    username: z.string().min(1).max(64).optional(),
    name: z.string().min(1).max(256).optional(),
    undeliverable: z.boolean().optional(),
    never_read: z.boolean().optional(),
    marketing_stopped: z.boolean().optional(),
  })
  .refine((input) => input.wa_id !== undefined || input.user_id !== undefined, { message: 'give wa_id or user_id' });

/** Sets what the sandbox knows about a customer without a webhook (e.g. an unreachable phone for 131026). */
export function upsertCustomerSettings(
  context: SandboxContext,
  number: PhoneNumber,
  input: z.output<typeof customerInputSchema>,
) {
  const customer = context.state.upsertCustomer(number.phoneNumberId, {
    waId: input.wa_id,
    userId: input.user_id,
    username: input.username,
    name: input.name,
  });
  if (input.undeliverable !== undefined) customer.undeliverable = input.undeliverable;
  if (input.never_read !== undefined) customer.neverRead = input.never_read;
  if (input.marketing_stopped !== undefined) customer.marketingStopped = input.marketing_stopped;
  return customerView(customer, context.now());
}

export const preferenceSchema = z
  .strictObject({
    wa_id: z
      .string()
      .regex(/^\d{7,15}$/)
      .optional(),
    user_id: businessScopedUserId.optional(),
    value: z.enum(['stop', 'resume']),
    timestamp: unixTimestamp.optional(),
  })
  .refine((input) => input.wa_id !== undefined || input.user_id !== undefined, { message: 'give wa_id or user_id' });

/** The customer presses Stop (or Resume) on marketing messages: a `user_preferences` webhook. */
export function changeMarketingPreference(
  context: SandboxContext,
  number: PhoneNumber,
  input: z.output<typeof preferenceSchema>,
) {
  const customer = context.state.upsertCustomer(number.phoneNumberId, { waId: input.wa_id, userId: input.user_id });
  customer.marketingStopped = input.value === 'stop';
  const timestampSeconds = input.timestamp ?? unixSeconds(context.now());
  context.dispatcher.emit(number, userPreferenceChange(number, customer, input.value, timestampSeconds));
  return customerView(customer, context.now());
}

const templateReference = {
  template_id: z.string().regex(/^\d+$/).optional(),
  name: z.string().min(1).optional(),
  language: z.string().min(2).optional(),
};
const hasTemplateReference = (input: {
  template_id?: string | undefined;
  name?: string | undefined;
  language?: string | undefined;
}) => input.template_id !== undefined || (input.name !== undefined && input.language !== undefined);
const templateReferenceMessage = { message: 'give template_id, or name and language' };

/** Template status events Meta sends, and the template status each leaves behind. */
const statusAfterEvent = {
  APPROVED: 'APPROVED',
  REJECTED: 'REJECTED',
  PAUSED: 'PAUSED',
  DISABLED: 'DISABLED',
  FLAGGED: 'FLAGGED',
  REINSTATED: 'APPROVED',
  IN_APPEAL: 'IN_APPEAL',
  PENDING: 'PENDING',
  PENDING_DELETION: 'PENDING_DELETION',
} as const;

export const templateStatusSchema = z
  .strictObject({
    ...templateReference,
    event: z.enum(Object.keys(statusAfterEvent) as [keyof typeof statusAfterEvent]),
    reason: z.string().min(1).default('NONE'),
    rejection_info: z.strictObject({ reason: z.string(), recommendation: z.string() }).optional(),
  })
  .refine(hasTemplateReference, templateReferenceMessage);

export const templateCategorySchema = z
  .strictObject({ ...templateReference, new_category: z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']) })
  .refine(hasTemplateReference, templateReferenceMessage);

function findTemplate(
  context: SandboxContext,
  wabaId: string,
  reference: { template_id?: string | undefined; name?: string | undefined; language?: string | undefined },
): Template {
  const templates = context.state.templates.get(wabaId);
  if (templates === undefined) throw notFound(`WABA ${wabaId}`);
  const template = templates.find((candidate) =>
    reference.template_id !== undefined
      ? candidate.id === reference.template_id
      : candidate.name === reference.name && candidate.language === reference.language,
  );
  if (template === undefined) throw notFound(`Template ${reference.template_id ?? `${reference.name} (${reference.language})`}`);
  return template;
}

/** Meta reviews, pauses or disables a template: its state changes and `message_template_status_update` is posted. */
export function changeTemplateStatus(context: SandboxContext, wabaId: string, input: z.output<typeof templateStatusSchema>) {
  const template = findTemplate(context, wabaId, input);
  template.status = statusAfterEvent[input.event];
  template.rejectedReason = input.event === 'REJECTED' ? input.reason : undefined;
  const emitted = context.dispatcher.emitForWaba(
    wabaId,
    templateStatusChange(template, input.event, input.reason, input.rejection_info),
  );
  return { id: template.id, status: template.status, webhook_emitted: emitted };
}

/** Meta re-categorises a template: `template_category_update`, and sends bill at the new category from now on. */
export function changeTemplateCategory(context: SandboxContext, wabaId: string, input: z.output<typeof templateCategorySchema>) {
  const template = findTemplate(context, wabaId, input);
  const previous = template.category;
  template.previousCategory = previous;
  template.category = input.new_category;
  const emitted = context.dispatcher.emitForWaba(wabaId, templateCategoryChange(template, previous, input.new_category));
  return { id: template.id, previous_category: previous, category: template.category, webhook_emitted: emitted };
}

export const qualitySchema = z.strictObject({
  event: z.enum(['ONBOARDING', 'THROUGHPUT_UPGRADE', 'UPGRADE', 'DOWNGRADE', 'FLAGGED', 'UNFLAGGED']),
  quality_rating: z.enum(qualityRatings).optional(),
  current_limit: z.enum(messagingLimitTiers).optional(),
});

/** Meta changes the number's messaging limit, throughput or quality: `phone_number_quality_update`. */
export function changeQuality(context: SandboxContext, number: PhoneNumber, input: z.output<typeof qualitySchema>) {
  const oldLimit = number.messagingLimitTier;
  if (input.current_limit !== undefined) number.messagingLimitTier = input.current_limit;
  if (input.quality_rating !== undefined) number.qualityRating = input.quality_rating;
  if (input.event === 'THROUGHPUT_UPGRADE') number.throughputLevel = 'HIGH';
  const limitChanged = number.messagingLimitTier !== oldLimit;
  context.dispatcher.emit(
    number,
    qualityChange(number, input.event, number.messagingLimitTier, limitChanged ? oldLimit : undefined),
  );
  return {
    quality_rating: number.qualityRating,
    messaging_limit_tier: number.messagingLimitTier,
    throughput_level: number.throughputLevel,
  };
}

export const accountUpdateSchema = z.strictObject({
  event: z.string().regex(/^[A-Z_]+$/, 'must be an upper-case event such as ACCOUNT_RESTRICTION'),
  /** Merged into the value as is: restriction_info, violation_info, ban_info, volume_tier_info, waba_info… */
  details: z.record(z.string(), z.unknown()).default({}),
});

const restrictionInfo = z.array(z.looseObject({ restriction_type: z.string(), expiration: z.number().optional() }));

/**
 * What an account_update does to the WABA's standing, as Meta's account_update reference describes the events:
 * ACCOUNT_RESTRICTION carries the restrictions in force (`restriction_info`, empty when lifted), DISABLED_UPDATE a
 * `ban_info.waba_ban_state` of DISABLE (banned) or REINSTATE. Other events leave it as it is.
 */
function updateStanding(standing: AccountStanding, event: string, details: Record<string, unknown>): void {
  if (event === 'ACCOUNT_RESTRICTION') {
    const parsed = restrictionInfo.safeParse(details.restriction_info ?? []);
    standing.restrictions = parsed.success ? parsed.data : [];
  }
  if (event === 'DISABLED_UPDATE') {
    const banState = (details.ban_info as { waba_ban_state?: unknown } | undefined)?.waba_ban_state;
    if (banState === 'DISABLE') standing.banned = true;
    if (banState === 'REINSTATE') standing.banned = false;
  }
}

export function emitAccountUpdate(context: SandboxContext, wabaId: string, input: z.output<typeof accountUpdateSchema>) {
  if (context.state.numbersOfWaba(wabaId).length === 0) throw notFound(`WABA ${wabaId}`);
  if ('event' in input.details) throw new ControlError(400, 'validation_failed', 'details must not repeat event');
  for (const number of context.state.numbersOfWaba(wabaId)) updateStanding(number.standing, input.event, input.details);
  context.dispatcher.emitForWaba(wabaId, accountUpdateChange(input.event, input.details));
  return { webhook_emitted: true };
}

export const nameDecisionSchema = z.strictObject({
  decision: z.enum(['APPROVED', 'DEFERRED', 'REJECTED']),
  /** The display name under review; defaults to the number's current verified name. */
  requested_verified_name: z.string().min(1).max(256).optional(),
  rejection_reason: z.string().min(1).max(256).optional(),
});

const nameStatusAfterDecision = {
  APPROVED: 'APPROVED',
  DEFERRED: 'PENDING_REVIEW',
  REJECTED: 'DECLINED',
} as const satisfies Record<z.output<typeof nameDecisionSchema>['decision'], PhoneNumber['nameStatus']>;

/**
 * Meta's review of the number's display name: an approved name becomes the verified name; the number's
 * `name_status` follows the decision (a deferred review stays PENDING_REVIEW, a rejection is DECLINED).
 */
export function decideName(context: SandboxContext, number: PhoneNumber, input: z.output<typeof nameDecisionSchema>) {
  const requested = input.requested_verified_name ?? number.verifiedName;
  if (input.decision === 'APPROVED') number.verifiedName = requested;
  number.nameStatus = nameStatusAfterDecision[input.decision];
  context.dispatcher.emit(number, nameDecisionChange(number, input.decision, requested, input.rejection_reason));
  return { verified_name: number.verifiedName, name_status: number.nameStatus };
}
