import type { Knobs } from './knobs.js';
import { defaultKnobs } from './knobs.js';
import type { ProfilePicture, UploadSession } from './resumable-upload.js';

/** Values Meta documents for a business phone number (Graph reference: WhatsApp Business Phone Number). */
export const qualityRatings = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] as const;
/** Messaging limit tiers as the phone_number_quality_update reference lists them (TIER_2K replaced TIER_1K in 2025). */
export const messagingLimitTiers = [
  'TIER_50',
  'TIER_250',
  'TIER_1K',
  'TIER_2K',
  'TIER_10K',
  'TIER_100K',
  'TIER_UNLIMITED',
  'TIER_NOT_SET',
] as const;
export const nameStatuses = ['APPROVED', 'AVAILABLE_WITHOUT_REVIEW', 'DECLINED', 'EXPIRED', 'PENDING_REVIEW', 'NONE'] as const;
export const codeVerificationStatuses = ['VERIFIED', 'NOT_VERIFIED', 'EXPIRED'] as const;
export const throughputLevels = ['STANDARD', 'HIGH', 'NOT_APPLICABLE'] as const;

export type QualityRating = (typeof qualityRatings)[number];
export type MessagingLimitTier = (typeof messagingLimitTiers)[number];
export type NameStatus = (typeof nameStatuses)[number];
export type CodeVerificationStatus = (typeof codeVerificationStatuses)[number];
export type ThroughputLevel = (typeof throughputLevels)[number];

export interface BusinessProfile {
  about?: string;
  address?: string;
  description?: string;
  email?: string;
  profile_picture_url?: string;
  websites?: string[];
  vertical?: string;
}

/** One verification code as request_code "sent" it, by SMS or voice, in a language. */
export interface SentVerificationCode {
  code: string;
  codeMethod: 'SMS' | 'VOICE';
  language: string;
  sentAtMs: number;
}

/**
 * What Meta would do to the next sends: after accepting them, to their HTTP answer (`hang`, `error_500`, `reset`: the
 * connection reset instead of the answer); or before accepting them, refusing them (`throttle`: 130429, `pair_limit`:
 * 131056, both HTTP 400 as Meta answers them; `reset_before`: the connection reset before Meta took the request).
 */
export interface SendFault {
  mode: SendFaultMode;
  /** Sends still to be affected; undefined = every send until cleared. */
  remaining: number | undefined;
}

export const sendFaultModes = ['hang', 'error_500', 'reset', 'throttle', 'pair_limit', 'reset_before'] as const;
export type SendFaultMode = (typeof sendFaultModes)[number];

export interface PhoneNumber {
  phoneNumberId: string;
  wabaId: string;
  /** As Meta formats it in Graph answers, e.g. "+1 555-010-0000"; webhooks carry its digits only. */
  displayPhoneNumber: string;
  verifiedName: string;
  accessToken: string;
  appSecret: string;
  webhookUrl: string | undefined;
  qualityRating: QualityRating;
  messagingLimitTier: MessagingLimitTier;
  nameStatus: NameStatus;
  throughputLevel: ThroughputLevel;
  codeVerificationStatus: CodeVerificationStatus;
  registered: boolean;
  /** The two-step verification PIN, set by the first successful register. */
  pin: string | undefined;
  /** The code request_code "sends"; deterministic so scripts can verify without reading SMS. */
  verificationCode: string;
  codeRequestedAtMs: number | undefined;
  codeRequestsSinceVerification: number;
  /** Every code request_code "sent", newest last: what the owner of the number would read on the phone. */
  sentCodes: SentVerificationCode[];
  /** Wrong PINs given to register since the last right one (Meta locks after too many guesses, 133008). */
  wrongPinGuesses: number;
  profile: BusinessProfile;
  knobs: Partial<Knobs>;
  sendFault: SendFault | undefined;
  /** Times of recent Graph send calls, for the per-second throughput limit. */
  recentSendTimesMs: number[];
  /** What Meta's back office did to the number's WABA (account_update): restrictions and a ban, for health_status. */
  standing: AccountStanding;
}

export interface AccountStanding {
  /** `restriction_info` of the latest ACCOUNT_RESTRICTION: type and expiry (Unix seconds). */
  restrictions: { restriction_type: string; expiration?: number }[];
  /** DISABLED_UPDATE with `ban_info.waba_ban_state` DISABLE (REINSTATE lifts it). */
  banned: boolean;
}

export interface Customer {
  /** Phone-number identity; absent for a username-only customer. */
  waId: string | undefined;
  /** Business-scoped user id (`US.…`), present when the customer has one. */
  userId: string | undefined;
  username: string | undefined;
  name: string;
  lastInboundAtMs: number | undefined;
  /** Time of the latest inbound that came from a click-to-WhatsApp ad (carried a `referral`). */
  referralInboundAtMs: number | undefined;
  /** The referral inbound that already opened a free entry point period; one referral opens at most one. */
  freeEntryPointReferralAtMs: number | undefined;
  freeEntryPointExpiresAtMs: number | undefined;
  marketingStopped: boolean;
  /** Messages to this customer are accepted and then fail with 131026. */
  undeliverable: boolean;
  /** This customer never reads (per-customer form of the `neverRead` knob). */
  neverRead: boolean;
}

export type TemplateStatus =
  | 'APPROVED'
  | 'PENDING'
  | 'REJECTED'
  | 'PAUSED'
  | 'DISABLED'
  | 'FLAGGED'
  | 'IN_APPEAL'
  | 'PENDING_DELETION'
  | 'DELETED';
export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

/** A template component exactly as `GET /{waba-id}/message_templates` returns it. */
export type TemplateComponent = Record<string, unknown> & { type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS' };

export interface Template {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  status: TemplateStatus;
  category: TemplateCategory;
  previousCategory: TemplateCategory | undefined;
  parameterFormat: 'POSITIONAL' | 'NAMED';
  components: TemplateComponent[];
  rejectedReason: string | undefined;
}

export type PricingType = 'regular' | 'free_customer_service' | 'free_entry_point';
export interface Pricing {
  billable: boolean;
  pricing_model: 'PMP';
  type: PricingType;
  category: string;
}

export interface StatusError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
}

export interface StatusRecord {
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestampSeconds: number;
  errors?: StatusError[];
}

export interface SentMessage {
  wamid: string;
  phoneNumberId: string;
  recipientWaId: string | undefined;
  recipientUserId: string | undefined;
  /** The `to` (or `recipient`) exactly as the request gave it. */
  input: string;
  type: string;
  templateName: string | undefined;
  templateLanguage: string | undefined;
  pricing: Pricing | undefined;
  bizOpaqueCallbackData: string | undefined;
  acceptedAtMs: number;
  /** What happened to the HTTP answer: a normal 200, none at all (hang) or a 500 after accepting. */
  httpOutcome: 'answered' | 'hung' | 'error_500' | 'reset';
  /** Statuses emitted so far, in emission order. */
  statuses: StatusRecord[];
  request: unknown;
}

/** A file uploaded with `POST /{phone-number-id}/media`: Meta keeps it for the number that uploaded it, 30 days. */
export interface UploadedMedia {
  id: string;
  phoneNumberId: string;
  /** The MIME type the upload declared (the file part's type, or the `type` parameter). */
  mimeType: string;
  /** What the content turned out to be (file-type), undefined when not recognised. */
  detectedMimeType: string | undefined;
  sizeBytes: number;
  /** Hex SHA-256 of the bytes, as `GET /{media-id}` answers it. */
  sha256: string;
  filename: string | undefined;
  bytes: Buffer;
  uploadedAtMs: number;
  deleted: boolean;
}

export interface DeliveryAttempt {
  atMs: number;
  durationMs: number;
  httpStatus: number | undefined;
  error: string | undefined;
}

export interface Delivery {
  id: string;
  phoneNumberId: string;
  wabaId: string;
  url: string | undefined;
  /** The exact body bytes posted (ASCII only, see meta-json.ts). */
  body: string;
  signature: string;
  /** Webhook fields inside the body (`messages`, `user_preferences`, …). */
  fields: string[];
  duplicateOf: string | undefined;
  state: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  createdAtMs: number;
}

/** Everything the simulated Meta remembers. In memory: the sandbox is a simulator, not a store. */
export class SandboxState {
  readonly numbers = new Map<string, PhoneNumber>();
  /** Templates by WABA id. */
  readonly templates = new Map<string, Template[]>();
  /** Customers by phone number id, each keyed by `wa:<wa_id>` or `user:<user_id>` (both keys when both known). */
  readonly customers = new Map<string, Map<string, Customer>>();
  readonly messages = new Map<string, SentMessage>();
  /** Uploaded media by media id. */
  readonly media = new Map<string, UploadedMedia>();
  /** Resumable Upload sessions by id (`upload:…`, without the `?sig=` Meta appends). */
  readonly uploadSessions = new Map<string, UploadSession>();
  /** Profile pictures set from an upload's handle, by the id their URL carries. */
  readonly profilePictures = new Map<string, ProfilePicture>();
  readonly deliveries: Delivery[] = [];
  /**
   * WABAs our app is NOT subscribed to (`DELETE /{waba-id}/subscribed_apps`). A WABA is subscribed by default: a
   * sandbox number with a webhook URL stands for a number whose WABA the app already subscribed.
   */
  readonly unsubscribedWabas = new Set<string>();
  knobs: Knobs;

  constructor(private readonly knobDefaults: Knobs = defaultKnobs()) {
    this.knobs = structuredClone(knobDefaults);
  }

  clear(): void {
    this.numbers.clear();
    this.templates.clear();
    this.customers.clear();
    this.messages.clear();
    this.media.clear();
    this.uploadSessions.clear();
    this.profilePictures.clear();
    this.deliveries.length = 0;
    this.unsubscribedWabas.clear();
    this.knobs = structuredClone(this.knobDefaults);
  }

  numbersOfWaba(wabaId: string): PhoneNumber[] {
    return [...this.numbers.values()].filter((number) => number.wabaId === wabaId);
  }

  findCustomer(
    phoneNumberId: string,
    identity: { waId?: string | undefined; userId?: string | undefined },
  ): Customer | undefined {
    const customers = this.customers.get(phoneNumberId);
    if (customers === undefined) return undefined;
    return (
      (identity.waId !== undefined ? customers.get(`wa:${identity.waId}`) : undefined) ??
      (identity.userId !== undefined ? customers.get(`user:${identity.userId}`) : undefined)
    );
  }

  /** Finds the customer by either identity, creating it when unknown, and records any identity learnt. */
  upsertCustomer(
    phoneNumberId: string,
    identity: {
      waId?: string | undefined;
      userId?: string | undefined;
      username?: string | undefined;
      name?: string | undefined;
    },
  ): Customer {
    let customers = this.customers.get(phoneNumberId);
    if (customers === undefined) {
      customers = new Map();
      this.customers.set(phoneNumberId, customers);
    }
    const customer =
      this.findCustomer(phoneNumberId, identity) ??
      newCustomer(identity.name ?? identity.username ?? identity.waId ?? 'Customer');
    customer.waId ??= identity.waId;
    customer.userId ??= identity.userId;
    customer.username = identity.username ?? customer.username;
    if (identity.name !== undefined) customer.name = identity.name;
    if (customer.waId !== undefined) customers.set(`wa:${customer.waId}`, customer);
    if (customer.userId !== undefined) customers.set(`user:${customer.userId}`, customer);
    return customer;
  }

  customersOf(phoneNumberId: string): Customer[] {
    return [...new Set(this.customers.get(phoneNumberId)?.values() ?? [])];
  }
}

function newCustomer(name: string): Customer {
  return {
    waId: undefined,
    userId: undefined,
    username: undefined,
    name,
    lastInboundAtMs: undefined,
    referralInboundAtMs: undefined,
    freeEntryPointReferralAtMs: undefined,
    freeEntryPointExpiresAtMs: undefined,
    marketingStopped: false,
    undeliverable: false,
    neverRead: false,
  };
}
