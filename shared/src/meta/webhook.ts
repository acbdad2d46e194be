import * as z from 'zod';

/*
 * Meta WhatsApp Business webhook POST bodies: the wire schemas (snake_case, as Meta sends them) and
 * `parseWebhook`, which flattens one body into typed events (camelCase, instants as Dates).
 *
 * Leniency is deliberate. Meta adds fields, message types, status values and change fields without
 * notice, and a webhook we acknowledge but fail to store is lost for good. So every object is loose
 * (unknown keys are kept), open sets such as `type` and `status` are plain strings (the known values
 * are listed below for callers to branch on), and a change we cannot read becomes a `malformed` event
 * carrying the raw value instead of failing the whole body.
 */

/** Inbound message types Meta documents. Others are accepted and passed through with their own `type`. */
export const knownInboundMessageTypes = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
  'unsupported',
  'unknown',
  'request_welcome',
] as const;

/** Delivery statuses Meta documents. Others are accepted and passed through. */
export const knownMessageStatuses = ['sent', 'delivered', 'read', 'played', 'failed', 'deleted', 'warning'] as const;

/** Pricing categories, in the hyphenated spelling this module normalizes to. */
export const knownPricingCategories = [
  'marketing',
  'utility',
  'authentication',
  'authentication-international',
  'service',
  'referral_conversion',
  'marketing_lite',
] as const;

/** Change fields `parseWebhook` turns into typed events; any other field becomes an `unknown` event. */
export const knownWebhookFields = [
  'messages',
  'user_preferences',
  'message_template_status_update',
  'template_category_update',
  'message_template_quality_update',
  'phone_number_quality_update',
  'account_update',
] as const;

export type KnownInboundMessageType = (typeof knownInboundMessageTypes)[number];
export type KnownMessageStatus = (typeof knownMessageStatuses)[number];
export type KnownPricingCategory = (typeof knownPricingCategories)[number];

// ---------------------------------------------------------------------------------------------------
// Building blocks

/** Meta writes instants as unix seconds: a digit string in `messages` changes, an integer elsewhere. */
export const metaUnixSeconds = z.union([
  z.string().regex(/^[0-9]{1,12}$/, 'must be unix seconds'),
  z.number().int().nonnegative().max(999_999_999_999),
]);

/** Graph ids arrive as strings, except template ids, which Meta sends as JSON numbers. */
export const metaGraphId = z.union([z.string().min(1), z.number().int().nonnegative()]);

/** Error object of a failed status, an unsupported message, or a system-level error of a `messages` change. */
export const metaWebhookError = z.looseObject({
  code: z.number().int(),
  title: z.string(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string() }).optional(),
  href: z.string().optional(),
});

/** The business phone number a `messages` or `user_preferences` change belongs to. */
export const metaPhoneNumberMetadata = z.looseObject({
  display_phone_number: z.string(),
  phone_number_id: z.string().min(1),
});

/**
 * The WhatsApp user of a change. `wa_id` is the phone number; since 2026 Meta also sends a
 * business-scoped `user_id` (`US.…`), and users with a username may arrive with `user_id` only.
 */
export const metaContact = z.looseObject({
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
  parent_user_id: z.string().optional(),
});

/**
 * Click-to-WhatsApp ad (or Facebook post call-to-action) that started the conversation. Its presence is
 * what makes a free entry point possible. Only the ad's identity is required: the display fields vary
 * by ad format, and a missing headline must not cost us the customer's message.
 */
export const metaReferral = z.looseObject({
  source_url: z.string(),
  source_id: z.string(),
  source_type: z.string(),
  body: z.string().optional(),
  headline: z.string().optional(),
  media_type: z.string().optional(),
  image_url: z.string().optional(),
  video_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
  ctwa_clid: z.string().optional(),
});

/** What an inbound message replies to or how it was forwarded. */
export const metaMessageContext = z.looseObject({
  from: z.string().optional(),
  id: z.string().optional(),
  forwarded: z.boolean().optional(),
  frequently_forwarded: z.boolean().optional(),
  referred_product: z.looseObject({ catalog_id: z.string(), product_retailer_id: z.string() }).optional(),
});

/** Image, audio, video, document and sticker payloads: the media id to download, plus type-specific extras. */
export const metaMedia = z.looseObject({
  id: z.string(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  url: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
});

const metaReplyChoice = z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() });

// ---------------------------------------------------------------------------------------------------
// field: "messages"

/**
 * One inbound message. The object named by `type` is optional: Meta omits it for some failures (an
 * `interactive` message whose payload it could not read arrives without `interactive`), and unknown
 * types bring objects we do not model. The sender is `from` (phone number) and/or `from_user_id`.
 */
export const metaInboundMessage = z
  .looseObject({
    from: z.string().optional(),
    from_user_id: z.string().optional(),
    id: z.string().min(1),
    timestamp: metaUnixSeconds,
    type: z.string(),
    text: z.looseObject({ body: z.string() }).optional(),
    image: metaMedia.optional(),
    audio: metaMedia.optional(),
    video: metaMedia.optional(),
    document: metaMedia.optional(),
    sticker: metaMedia.optional(),
    location: z
      .looseObject({
        latitude: z.number(),
        longitude: z.number(),
        name: z.string().optional(),
        address: z.string().optional(),
        url: z.string().optional(),
      })
      .optional(),
    contacts: z.array(z.looseObject({})).optional(),
    interactive: z
      .looseObject({
        type: z.string(),
        button_reply: metaReplyChoice.optional(),
        list_reply: metaReplyChoice.optional(),
        nfm_reply: z
          .looseObject({ response_json: z.string(), name: z.string().optional(), body: z.string().optional() })
          .optional(),
      })
      .optional(),
    button: z.looseObject({ payload: z.string().optional(), text: z.string() }).optional(),
    reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }).optional(),
    order: z
      .looseObject({
        catalog_id: z.string(),
        text: z.string().optional(),
        product_items: z.array(
          z.looseObject({ product_retailer_id: z.string(), quantity: z.number(), item_price: z.number(), currency: z.string() }),
        ),
      })
      .optional(),
    system: z
      .looseObject({
        body: z.string().optional(),
        type: z.string().optional(),
        wa_id: z.string().optional(),
        customer: z.string().optional(),
      })
      .optional(),
    unsupported: z.looseObject({ type: z.string().optional() }).optional(),
    context: metaMessageContext.optional(),
    referral: metaReferral.optional(),
    errors: z.array(metaWebhookError).optional(),
  })
  .refine((message) => message.from !== undefined || message.from_user_id !== undefined, {
    message: 'must name its sender in from or from_user_id',
    path: ['from'],
  });

/** Pricing of an outbound message as Meta reports it: never an amount, only how it is billed. */
export const metaPricing = z.looseObject({
  billable: z.boolean().optional(),
  pricing_model: z.string(),
  type: z.string().optional(),
  category: z.string(),
});

/** Conversation of the older conversation-based pricing model; still sent alongside `pricing`. */
export const metaConversation = z.looseObject({
  id: z.string().optional(),
  expiration_timestamp: metaUnixSeconds.optional(),
  origin: z.looseObject({ type: z.string() }).optional(),
});

/**
 * Delivery status of a message we sent. For a group, `recipient_id` is the group and the
 * `recipient_participant_*` fields name the member.
 */
export const metaMessageStatus = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: metaUnixSeconds,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  recipient_type: z.string().optional(),
  recipient_participant_id: z.string().optional(),
  recipient_participant_user_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  conversation: metaConversation.optional(),
  pricing: metaPricing.optional(),
  errors: z.array(metaWebhookError).optional(),
});

export const metaMessagesValue = z.looseObject({
  messaging_product: z.string(),
  metadata: metaPhoneNumberMetadata,
  contacts: z.array(metaContact).optional(),
  messages: z.array(metaInboundMessage).optional(),
  statuses: z.array(metaMessageStatus).optional(),
  errors: z.array(metaWebhookError).optional(),
});

// ---------------------------------------------------------------------------------------------------
// field: "user_preferences"

/**
 * A user's marketing-message preference. Meta documents `stop` and `resume`; `signup` (via a sign-up
 * link) also occurs, so `value` stays an open string. `timestamp` is an integer here, not a string.
 */
export const metaUserPreference = z
  .looseObject({
    wa_id: z.string().optional(),
    user_id: z.string().optional(),
    detail: z.string().optional(),
    category: z.string(),
    value: z.string(),
    timestamp: metaUnixSeconds,
  })
  .refine((preference) => preference.wa_id !== undefined || preference.user_id !== undefined, {
    message: 'must name the user in wa_id or user_id',
    path: ['wa_id'],
  });

export const metaUserPreferencesValue = z.looseObject({
  messaging_product: z.string(),
  metadata: metaPhoneNumberMetadata,
  contacts: z.array(metaContact).optional(),
  user_preferences: z.array(metaUserPreference),
});

// ---------------------------------------------------------------------------------------------------
// Template and account management fields

const metaTemplateIdentityShape = {
  message_template_id: metaGraphId,
  message_template_name: z.string(),
  message_template_language: z.string(),
};

/** `reason` is null when a template is scheduled for deletion, `"NONE"` when there is no reason. */
export const metaTemplateStatusValue = z.looseObject({
  ...metaTemplateIdentityShape,
  event: z.string(),
  reason: z.string().nullable().optional(),
  message_template_category: z.string().optional(),
  rejection_info: z.looseObject({ reason: z.string().optional(), recommendation: z.string().optional() }).optional(),
  disable_info: z.looseObject({ disable_date: z.union([z.string(), z.number()]).optional() }).optional(),
  other_info: z.looseObject({ title: z.string().optional(), description: z.string().optional() }).optional(),
});

/**
 * Two variants: a completed change (`previous_category` → `new_category`), and a warning that the
 * template will become `correct_category` at `category_update_timestamp`, in which `new_category` is
 * still the current category.
 */
export const metaTemplateCategoryValue = z.looseObject({
  ...metaTemplateIdentityShape,
  new_category: z.string(),
  previous_category: z.string().optional(),
  correct_category: z.string().optional(),
  category_update_timestamp: metaUnixSeconds.optional(),
});

export const metaTemplateQualityValue = z.looseObject({
  ...metaTemplateIdentityShape,
  new_quality_score: z.string(),
  previous_quality_score: z.string().optional(),
});

/**
 * Messaging-limit or throughput change of a phone number. Meta announced that `current_limit` and
 * `old_limit` go away in 2026 in favour of `max_daily_conversations_per_business`, so all are optional.
 */
export const metaPhoneNumberQualityValue = z.looseObject({
  display_phone_number: z.string(),
  event: z.string(),
  current_limit: z.string().optional(),
  old_limit: z.string().optional(),
  max_daily_conversations_per_business: z.union([z.string(), z.number()]).optional(),
});

/** Account-level event; which detail object comes with it depends on `event`. */
export const metaAccountUpdateValue = z.looseObject({
  event: z.string(),
  phone_number: z.string().optional(),
  country: z.string().optional(),
  restriction_info: z.array(z.looseObject({ restriction_type: z.string(), expiration: metaUnixSeconds.optional() })).optional(),
  violation_info: z.looseObject({ violation_type: z.string() }).optional(),
  ban_info: z.looseObject({ waba_ban_state: z.string().optional(), waba_ban_date: z.string().optional() }).optional(),
  waba_info: z.looseObject({ waba_id: z.string().optional(), owner_business_id: z.string().optional() }).optional(),
  volume_tier_info: z.looseObject({ pricing_category: z.string().optional(), tier: z.string().optional() }).optional(),
  disconnection_info: z.looseObject({ reason: z.string().optional(), initiated_by: z.string().optional() }).optional(),
});

// ---------------------------------------------------------------------------------------------------
// Envelope

/** One change of an entry. Read one by one, so a broken change does not invalidate its neighbours. */
export const metaWebhookChange = z.looseObject({ field: z.string(), value: z.unknown() });

/**
 * The POST body. Only its frame is checked here (object type, entries with an id and a changes
 * array); the changes are validated individually by `parseWebhook`.
 */
export const metaWebhookEnvelope = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.looseObject({ id: z.string().min(1), changes: z.array(z.unknown()) })),
});

export type MetaWebhookError = z.infer<typeof metaWebhookError>;
export type MetaPhoneNumberMetadata = z.infer<typeof metaPhoneNumberMetadata>;
export type MetaContact = z.infer<typeof metaContact>;
export type MetaReferral = z.infer<typeof metaReferral>;
export type MetaMessageContext = z.infer<typeof metaMessageContext>;
export type MetaMedia = z.infer<typeof metaMedia>;
export type MetaInboundMessage = z.infer<typeof metaInboundMessage>;
export type MetaPricing = z.infer<typeof metaPricing>;
export type MetaConversation = z.infer<typeof metaConversation>;
export type MetaMessageStatus = z.infer<typeof metaMessageStatus>;
export type MetaMessagesValue = z.infer<typeof metaMessagesValue>;
export type MetaUserPreference = z.infer<typeof metaUserPreference>;
export type MetaUserPreferencesValue = z.infer<typeof metaUserPreferencesValue>;
export type MetaTemplateStatusValue = z.infer<typeof metaTemplateStatusValue>;
export type MetaTemplateCategoryValue = z.infer<typeof metaTemplateCategoryValue>;
export type MetaTemplateQualityValue = z.infer<typeof metaTemplateQualityValue>;
export type MetaPhoneNumberQualityValue = z.infer<typeof metaPhoneNumberQualityValue>;
export type MetaAccountUpdateValue = z.infer<typeof metaAccountUpdateValue>;
export type MetaWebhookChange = z.infer<typeof metaWebhookChange>;
export type MetaWebhookEnvelope = z.infer<typeof metaWebhookEnvelope>;

// ---------------------------------------------------------------------------------------------------
// Events

/** Where an event came from: the entry id (the WhatsApp Business Account id) and the change field. */
export type WebhookEventOrigin = { entryId: string; field: string };

/** A WhatsApp user. At least one of `waId` (phone number) and `userId` (business-scoped id) is set. */
export type WhatsAppUserIdentity = { waId: string | null; userId: string | null };

export type WhatsAppContact = WhatsAppUserIdentity & { profileName: string | null; username: string | null };

/** Pricing with the category spelled as in `knownPricingCategories`. */
export type Pricing = {
  billable: boolean | null;
  pricingModel: string;
  type: string | null;
  category: KnownPricingCategory | (string & {});
};

type BusinessNumber = { phoneNumberId: string; displayPhoneNumber: string };

export type InboundMessageEvent = WebhookEventOrigin &
  BusinessNumber & {
    kind: 'inbound_message';
    contact: WhatsAppContact;
    messageId: string;
    /** Meta's timestamp of the message, not the time we received the webhook. */
    timestamp: Date;
    type: KnownInboundMessageType | (string & {});
    /** `text.body` of a text message; null for every other type (captions and button replies stay in `raw`). */
    textBody: string | null;
    referral: MetaReferral | null;
    context: MetaMessageContext | null;
    /** Set on `unsupported` messages: why Meta could not deliver the content. */
    errors: MetaWebhookError[];
    raw: MetaInboundMessage;
  };

export type MessageStatusEvent = WebhookEventOrigin &
  BusinessNumber & {
    kind: 'message_status';
    messageId: string;
    status: KnownMessageStatus | (string & {});
    timestamp: Date;
    recipient: WhatsAppUserIdentity;
    /** `individual`, `group`, or null when Meta does not say (individual). */
    recipientType: string | null;
    pricing: Pricing | null;
    errors: MetaWebhookError[];
    bizOpaqueCallbackData: string | null;
    raw: MetaMessageStatus;
  };

/** A system-level error of a `messages` change, not tied to one message (e.g. an unreadable payload). */
export type WebhookErrorEvent = WebhookEventOrigin &
  BusinessNumber & {
    kind: 'webhook_error';
    code: number;
    title: string;
    raw: MetaWebhookError;
  };

export type UserPreferenceEvent = WebhookEventOrigin &
  BusinessNumber & {
    kind: 'user_preference';
    contact: WhatsAppContact;
    category: string;
    value: 'stop' | 'resume' | (string & {});
    detail: string | null;
    timestamp: Date;
    raw: MetaUserPreference;
  };

type TemplateIdentity = { templateId: string; templateName: string; templateLanguage: string };

export type TemplateStatusEvent = WebhookEventOrigin &
  TemplateIdentity & {
    kind: 'template_status';
    event: string;
    reason: string | null;
    templateCategory: string | null;
    raw: MetaTemplateStatusValue;
  };

export type TemplateCategoryEvent = WebhookEventOrigin &
  TemplateIdentity & {
    kind: 'template_category';
    /** The category in force now: the new one after a change, the unchanged one before a scheduled change. */
    currentCategory: string;
    previousCategory: string | null;
    /** Set when Meta announces a change: the category the template will get at `scheduledAt`. */
    scheduledCategory: string | null;
    scheduledAt: Date | null;
    raw: MetaTemplateCategoryValue;
  };

export type TemplateQualityEvent = WebhookEventOrigin &
  TemplateIdentity & {
    kind: 'template_quality';
    previousQualityScore: string | null;
    newQualityScore: string;
    raw: MetaTemplateQualityValue;
  };

export type PhoneNumberQualityEvent = WebhookEventOrigin & {
  kind: 'phone_number_quality';
  displayPhoneNumber: string;
  event: string;
  currentLimit: string | null;
  raw: MetaPhoneNumberQualityValue;
};

export type AccountUpdateEvent = WebhookEventOrigin & { kind: 'account_update'; event: string; raw: MetaAccountUpdateValue };

/** A change whose field we do not model, or a `messages` change with nothing we know in it. */
export type UnknownChangeEvent = WebhookEventOrigin & { kind: 'unknown'; raw: unknown };

/**
 * A change that failed validation. `raw` is what the issue paths are relative to: the change's value,
 * or the whole change when it is not even an object with a `field` (then `field` is null).
 */
export type MalformedChangeEvent = Omit<WebhookEventOrigin, 'field'> & {
  kind: 'malformed';
  field: string | null;
  raw: unknown;
  issues: z.core.$ZodIssue[];
};

export type WebhookEvent =
  | InboundMessageEvent
  | MessageStatusEvent
  | WebhookErrorEvent
  | UserPreferenceEvent
  | TemplateStatusEvent
  | TemplateCategoryEvent
  | TemplateQualityEvent
  | PhoneNumberQualityEvent
  | AccountUpdateEvent
  | UnknownChangeEvent
  | MalformedChangeEvent;

export type WebhookEventKind = WebhookEvent['kind'];

export type ParsedWebhook = { ok: true; events: WebhookEvent[] } | { ok: false; issues: z.core.$ZodIssue[] };

// ---------------------------------------------------------------------------------------------------
// Parsing

/**
 * Validates the envelope and flattens every `entry[].changes[]` into events, in body order. An invalid
 * envelope is the only failure; a change that fails validation becomes one `malformed` event and the
 * rest of the body is still parsed. The events keep Meta's order, which is not chronological: sort by
 * `timestamp` where order matters.
 */
export function parseWebhook(body: unknown): ParsedWebhook {
  const envelope = metaWebhookEnvelope.safeParse(body);
  if (!envelope.success) {
    return { ok: false, issues: envelope.error.issues };
  }
  const events = envelope.data.entry.flatMap((entry) => entry.changes.flatMap((change) => changeEvents(entry.id, change)));
  return { ok: true, events };
}

export type WebhookFrame = { ok: true; changes: number; phoneNumberIds: string[] } | { ok: false; issues: z.core.$ZodIssue[] };

/**
 * The frame of a POST body, checked as `parseWebhook` checks it (the same issues when it fails), and the business
 * numbers its changes name (`value.metadata.phone_number_id`), without reading the changes themselves: all that taking
 * a webhook in needs, since the processor reads every change with `parseWebhook` (issue 16: the second parse was a
 * tenth of the ingress's time). A change that names a number counts even when it would not parse, so that a body
 * cannot carry another account's number past the check inside a malformed change.
 */
export function readWebhookFrame(body: unknown): WebhookFrame {
  const envelope = metaWebhookEnvelope.safeParse(body);
  if (!envelope.success) return { ok: false, issues: envelope.error.issues };
  let changes = 0;
  const phoneNumberIds = new Set<string>();
  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      changes += 1;
      const number = namedPhoneNumberId(change);
      if (number !== undefined) phoneNumberIds.add(number);
    }
  }
  return { ok: true, changes, phoneNumberIds: [...phoneNumberIds] };
}

function namedPhoneNumberId(change: unknown): string | undefined {
  const value: unknown = typeof change === 'object' && change !== null ? (change as { value?: unknown }).value : undefined;
  const metadata: unknown = typeof value === 'object' && value !== null ? (value as { metadata?: unknown }).metadata : undefined;
  const number: unknown =
    typeof metadata === 'object' && metadata !== null ? (metadata as { phone_number_id?: unknown }).phone_number_id : undefined;
  return typeof number === 'string' ? number : undefined;
}

/** Unix seconds as Meta sends them (string or integer) to a Date. */
export function dateFromUnixSeconds(seconds: string | number): Date {
  return new Date(Number(seconds) * 1000);
}

/** Meta spells one category both ways; we keep the hyphenated form its pricing pages use. */
export function normalizePricingCategory(category: string): string {
  return category === 'authentication_international' ? 'authentication-international' : category;
}

export function normalizePricing(pricing: MetaPricing): Pricing {
  return {
    billable: pricing.billable ?? null,
    pricingModel: pricing.pricing_model,
    type: pricing.type ?? null,
    category: normalizePricingCategory(pricing.category),
  };
}

type ChangeReader = (origin: WebhookEventOrigin, value: unknown) => WebhookEvent[];

// A Map, not an object literal: a field named `constructor` or `__proto__` must not find a reader.
const changeReaders = new Map<string, ChangeReader>([
  ['messages', (origin, value) => readValue(metaMessagesValue, origin, value, messagesEvents)],
  ['user_preferences', (origin, value) => readValue(metaUserPreferencesValue, origin, value, userPreferenceEvents)],
  ['message_template_status_update', (origin, value) => readValue(metaTemplateStatusValue, origin, value, templateStatusEvent)],
  ['template_category_update', (origin, value) => readValue(metaTemplateCategoryValue, origin, value, templateCategoryEvent)],
  [
    'message_template_quality_update',
    (origin, value) => readValue(metaTemplateQualityValue, origin, value, templateQualityEvent),
  ],
  [
    'phone_number_quality_update',
    (origin, value) => readValue(metaPhoneNumberQualityValue, origin, value, phoneNumberQualityEvent),
  ],
  ['account_update', (origin, value) => readValue(metaAccountUpdateValue, origin, value, accountUpdateEvent)],
]);

function changeEvents(entryId: string, rawChange: unknown): WebhookEvent[] {
  const change = metaWebhookChange.safeParse(rawChange);
  if (!change.success) {
    return [{ kind: 'malformed', entryId, field: fieldOf(rawChange), raw: rawChange, issues: change.error.issues }];
  }
  const origin = { entryId, field: change.data.field };
  const reader = changeReaders.get(change.data.field);
  if (reader === undefined) {
    return [{ kind: 'unknown', ...origin, raw: change.data.value }];
  }
  return reader(origin, change.data.value);
}

function fieldOf(rawChange: unknown): string | null {
  if (typeof rawChange !== 'object' || rawChange === null) return null;
  const field: unknown = (rawChange as { field?: unknown }).field;
  return typeof field === 'string' ? field : null;
}

function readValue<Schema extends z.ZodType>(
  schema: Schema,
  origin: WebhookEventOrigin,
  value: unknown,
  toEvents: (origin: WebhookEventOrigin, parsed: z.output<Schema>) => WebhookEvent | WebhookEvent[],
): WebhookEvent[] {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return [{ kind: 'malformed', ...origin, raw: value, issues: parsed.error.issues }];
  }
  return [toEvents(origin, parsed.data)].flat();
}

function messagesEvents(origin: WebhookEventOrigin, value: MetaMessagesValue): WebhookEvent[] {
  const number = { phoneNumberId: value.metadata.phone_number_id, displayPhoneNumber: value.metadata.display_phone_number };
  const events: WebhookEvent[] = [
    ...(value.messages ?? []).map((message) => inboundMessageEvent(origin, number, value.contacts, message)),
    ...(value.statuses ?? []).map((status) => messageStatusEvent(origin, number, value.contacts, status)),
    ...(value.errors ?? []).map((error) => webhookErrorEvent(origin, number, error)),
  ];
  // Nothing we know of: surface it rather than acknowledge it silently.
  return events.length > 0 ? events : [{ kind: 'unknown', ...origin, raw: value }];
}

function inboundMessageEvent(
  origin: WebhookEventOrigin,
  number: BusinessNumber,
  contacts: MetaContact[] | undefined,
  message: MetaInboundMessage,
): InboundMessageEvent {
  return {
    kind: 'inbound_message',
    ...origin,
    ...number,
    contact: whatsAppContact({ waId: message.from ?? null, userId: message.from_user_id ?? null }, contacts),
    messageId: message.id,
    timestamp: dateFromUnixSeconds(message.timestamp),
    type: message.type,
    textBody: message.text?.body ?? null,
    referral: message.referral ?? null,
    context: message.context ?? null,
    errors: message.errors ?? [],
    raw: message,
  };
}

function messageStatusEvent(
  origin: WebhookEventOrigin,
  number: BusinessNumber,
  contacts: MetaContact[] | undefined,
  status: MetaMessageStatus,
): MessageStatusEvent {
  const contact = whatsAppContact({ waId: status.recipient_id ?? null, userId: status.recipient_user_id ?? null }, contacts);
  return {
    kind: 'message_status',
    ...origin,
    ...number,
    messageId: status.id,
    status: status.status,
    timestamp: dateFromUnixSeconds(status.timestamp),
    recipient: { waId: contact.waId, userId: contact.userId },
    recipientType: status.recipient_type ?? null,
    pricing: status.pricing === undefined ? null : normalizePricing(status.pricing),
    errors: status.errors ?? [],
    bizOpaqueCallbackData: status.biz_opaque_callback_data ?? null,
    raw: status,
  };
}

function webhookErrorEvent(origin: WebhookEventOrigin, number: BusinessNumber, error: MetaWebhookError): WebhookErrorEvent {
  return { kind: 'webhook_error', ...origin, ...number, code: error.code, title: error.title, raw: error };
}

function userPreferenceEvents(origin: WebhookEventOrigin, value: MetaUserPreferencesValue): UserPreferenceEvent[] {
  return value.user_preferences.map((preference) => ({
    kind: 'user_preference',
    ...origin,
    phoneNumberId: value.metadata.phone_number_id,
    displayPhoneNumber: value.metadata.display_phone_number,
    contact: whatsAppContact({ waId: preference.wa_id ?? null, userId: preference.user_id ?? null }, value.contacts),
    category: preference.category,
    value: preference.value,
    detail: preference.detail ?? null,
    timestamp: dateFromUnixSeconds(preference.timestamp),
    raw: preference,
  }));
}

/**
 * Completes an identity from the change's `contacts`. A contact is matched only by an identity it
 * shares with the message (phone number or user id), never by position: a change may carry several
 * users, and attaching one user's name to another's message is worse than showing no name.
 */
function whatsAppContact(identity: WhatsAppUserIdentity, contacts: MetaContact[] | undefined): WhatsAppContact {
  const contact = (contacts ?? []).find(
    (candidate) =>
      (identity.waId !== null && candidate.wa_id === identity.waId) ||
      (identity.userId !== null && candidate.user_id === identity.userId),
  );
  return {
    waId: identity.waId ?? contact?.wa_id ?? null,
    userId: identity.userId ?? contact?.user_id ?? null,
    profileName: contact?.profile?.name ?? null,
    username: contact?.profile?.username ?? null,
  };
}

function templateIdentityOf(value: MetaTemplateStatusValue | MetaTemplateCategoryValue | MetaTemplateQualityValue) {
  return {
    templateId: String(value.message_template_id),
    templateName: value.message_template_name,
    templateLanguage: value.message_template_language,
  };
}

function templateStatusEvent(origin: WebhookEventOrigin, value: MetaTemplateStatusValue): TemplateStatusEvent {
  return {
    kind: 'template_status',
    ...origin,
    ...templateIdentityOf(value),
    event: value.event,
    reason: value.reason ?? null,
    templateCategory: value.message_template_category ?? null,
    raw: value,
  };
}

function templateCategoryEvent(origin: WebhookEventOrigin, value: MetaTemplateCategoryValue): TemplateCategoryEvent {
  return {
    kind: 'template_category',
    ...origin,
    ...templateIdentityOf(value),
    currentCategory: value.new_category,
    previousCategory: value.previous_category ?? null,
    scheduledCategory: value.correct_category ?? null,
    scheduledAt: value.category_update_timestamp === undefined ? null : dateFromUnixSeconds(value.category_update_timestamp),
    raw: value,
  };
}

function templateQualityEvent(origin: WebhookEventOrigin, value: MetaTemplateQualityValue): TemplateQualityEvent {
  return {
    kind: 'template_quality',
    ...origin,
    ...templateIdentityOf(value),
    previousQualityScore: value.previous_quality_score ?? null,
    newQualityScore: value.new_quality_score,
    raw: value,
  };
}

function phoneNumberQualityEvent(origin: WebhookEventOrigin, value: MetaPhoneNumberQualityValue): PhoneNumberQualityEvent {
  return {
    kind: 'phone_number_quality',
    ...origin,
    displayPhoneNumber: value.display_phone_number,
    event: value.event,
    currentLimit: value.current_limit ?? null,
    raw: value,
  };
}

function accountUpdateEvent(origin: WebhookEventOrigin, value: MetaAccountUpdateValue): AccountUpdateEvent {
  return { kind: 'account_update', ...origin, event: value.event, raw: value };
}
