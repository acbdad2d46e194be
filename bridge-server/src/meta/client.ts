import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { fetchExchange, type HttpExchange, undiciExchange } from '../http/exchange.js';
import {
  MetaOutcomeUnknownError,
  MetaRequestInvalidError,
  MetaResponseInvalidError,
  MetaSendOutcomeUnknownError,
} from './errors.js';
import { bizOpaqueCallbackDataSchema, type OutboundMessage, outboundMessageSchema, sendMessageBody } from './messages.js';
import {
  type BusinessProfile,
  type BusinessProfileUpdate,
  businessProfileFields,
  businessProfileResponseSchema,
  businessProfileUpdateSchema,
  defaultTemplateFields,
  type HealthStatus,
  healthStatusSchema,
  type MediaInfo,
  type MessageTemplate,
  type MessageTemplateStatus,
  mediaInfoSchema,
  type PhoneNumberStatus,
  phoneNumberStatusFields,
  phoneNumberStatusSchema,
  requiredTemplateFields,
  type SentMessage,
  sendMessageResponseSchema,
  subscribedAppsSchema,
  successSchema,
  templatesPageSchema,
  uploadedMediaSchema,
  wabaPhoneNumbersSchema,
} from './resources.js';
import { type CallRepeatability, defaultRetryPolicy, type RetryPolicy, retryPolicySchema, runWithRetries } from './retry.js';
import { type GraphRequest, graphAttempt, type MetaClientLogger, type TransportSettings } from './transport.js';

/**
 * The bridge's typed client of Meta's Graph API (WhatsApp Cloud API). One client serves every deployment:
 * each call takes that deployment's access token, which travels only in the Authorization header and is
 * never logged. Inputs are validated before any call; answers are validated with zod; failures are the typed
 * errors of errors.ts; retries follow retry.ts (never a second send of the same message).
 *
 * Meta has no idempotency-key header. The send's key is `biz_opaque_callback_data` (our message id), which
 * Meta echoes in every status webhook of the message: that is how a send whose answer was lost is reconciled.
 */

/**
 * Cloud API calls normally answer well under a second; 10 s leaves room for Meta's slow tail while keeping a
 * stuck connection from holding a send worker (or an agent's request) much longer than the ~10 s a helpdesk
 * waits for a webhook answer.
 */
const timeoutMsDefault = 10_000;

/**
 * Templates per page. The template edge is rate-limited (about 200 calls per hour per app and WABA,
 * PLATFORM.md), so pages should be large; 100 keeps each answer to a few hundred KB, since every template
 * carries its components.
 */
const templatePageSizeDefault = 100;
/** The sandbox refuses larger pages; Meta documents no maximum for this edge, so we stay within the sandbox's. */
const templatePageSizeMax = 1_000;
/**
 * A guard against a paging loop Meta might answer by mistake. At the default page size this allows 100,000
 * templates, far above the few thousand a WABA may hold.
 */
const templatePagesMax = 1_000;

/**
 * A media upload carries a whole file, up to 100 MB (Meta's largest media, documents): 60 s covers the bridge's
 * default 20 MB limit at under 3 Mbit/s upstream.
 */
const uploadTimeoutMsDefault = 60_000;
/** Meta's largest uploadable media (documents, 100 MB in Meta's "Supported media types"), read as binary megabytes. */
const mediaUploadBytesMax = 100 * 1024 * 1024;

export interface MetaGraphClientOptions {
  /** `https://graph.facebook.com`, or the Meta sandbox's URL in tests and development. */
  baseUrl: string;
  /** Graph API version such as `v24.0`. */
  apiVersion: string;
  /** How calls reach Meta: undici's keep-alive pool by default (`undiciExchange`). */
  exchange?: HttpExchange;
  /** A scripted fetch instead of an exchange, for tests that answer with `Response`s. */
  fetch?: typeof fetch;
  /** Timeout of one HTTP exchange (connect, request, whole answer). */
  timeoutMs?: number;
  /** Timeout of one media upload exchange (default 60 s). */
  uploadTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  logger?: MetaClientLogger;
  /** Injected in tests to observe and skip backoff waits. */
  sleep?: (delayMs: number) => Promise<void>;
  /** Source of backoff jitter in [0, 1); injected in tests for exact delays. */
  random?: () => number;
}

export interface ListMessageTemplatesOptions {
  /** Page size, 1–1,000 (default 100). */
  limit?: number;
  /** Only templates in this status (Graph's `status` filter). */
  status?: MessageTemplateStatus;
  /**
   * Fields to ask for. `name, language, status, category` (and the id) are always asked for; the default adds
   * `parameter_format, components, previous_category, rejected_reason`.
   */
  fields?: string[];
}

export interface MessageTemplatePage {
  /** Counts from 1. */
  pageNumber: number;
  templates: MessageTemplate[];
}

export interface ListAllMessageTemplatesOptions extends ListMessageTemplatesOptions {
  /** Called after each page, e.g. to report the progress of a long sync. */
  onPage?: (page: MessageTemplatePage & { templatesSoFar: number }) => void | Promise<void>;
}

/** A file to upload: its bytes, the MIME type to declare to Meta, and the file name Meta records. */
export interface MediaFile {
  bytes: Uint8Array;
  mimeType: string;
  filename: string;
}

/** A file for the Resumable Upload API: its bytes, MIME type (one Meta takes there) and name. */
export interface ResumableFile {
  bytes: Uint8Array;
  mimeType: 'image/jpeg' | 'image/png';
  filename: string;
}

export interface VerificationCodeRequest {
  codeMethod: 'SMS' | 'VOICE';
  /** Language of the SMS or call, such as `en_US`. */
  language: string;
}

// ---------------------------------------------------------------------------------------------------
// Input checks

const graphId = z.string().regex(/^\d{1,32}$/, 'must be a numeric Graph id');
// Printable ASCII only: anything else cannot go into an HTTP header, and fetch would fail after we had
// started the call. The message never echoes the token: it is a secret, and errors end up in logs.
const accessTokenSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,4096}$/, 'must be a non-empty access token of printable characters without spaces');
const pinSchema = z.string().regex(/^\d{6}$/, 'must be the 6-digit two-step verification PIN');
// Codes are often shown split (123-456 or 123 456); people copy them that way.
const verificationCodeSchema = z
  .string()
  .transform((code) => code.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'must be the 6-digit code Meta sent'));
const verificationCodeRequestSchema = z.strictObject({
  codeMethod: z.enum(['SMS', 'VOICE']),
  language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a language code such as en_US'),
});
/** A guard against a paging loop on the WABA's numbers: 10 pages of 100 is far above Meta's numbers per WABA. */
const wabaNumberPagesMax = 10;

/** Graph's `appsecret_proof`: the hex HMAC-SHA256 of the access token, keyed by the app secret. */
function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

const listTemplatesOptionsSchema = z.object({
  limit: z.int().min(1).max(templatePageSizeMax).default(templatePageSizeDefault),
  status: z
    .string()
    .regex(/^[A-Z_]+$/)
    .optional(),
  fields: z.array(z.string().regex(/^[a-z_]+(\{[a-z_,]+\})?$/, 'must be a Graph field name')).optional(),
});

const resumableFileSchema = z.strictObject({
  bytes: z.instanceof(Uint8Array).refine((bytes) => bytes.length > 0, 'must not be empty'),
  mimeType: z.enum(['image/jpeg', 'image/png']),
  filename: z.string().regex(/^[\w.-]{1,200}$/, 'must be a plain file name (letters, digits, dots, dashes)'),
});
/** `{id: "upload:…"}`: the session Meta opened. */
const uploadSessionSchema = z.looseObject({ id: z.string().regex(/^upload:[^/\s]+$/, 'must be an upload session id') });
/** `{h: "…"}`: the uploaded file's handle. */
const uploadedHandleSchema = z.looseObject({ h: z.string().min(1) });

const mediaFileSchema = z.strictObject({
  bytes: z
    .instanceof(Uint8Array)
    .refine((bytes) => bytes.byteLength >= 1, 'must not be empty')
    .refine((bytes) => bytes.byteLength <= mediaUploadBytesMax, `must be at most ${mediaUploadBytesMax} bytes (Meta's limit)`),
  mimeType: z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/, 'must be a MIME type such as image/jpeg, without parameters'),
  // The name goes into a multipart header: no control characters (fetch's FormData escapes quotes itself), and no
  // path, since it names a file, not a place.
  filename: z
    .string()
    .min(1)
    .max(240)
    .regex(/^[^\\/\p{Cc}]+$/u, 'must be a file name without slashes or control characters'),
});
const mediaInfoOptionsSchema = z.strictObject({ phoneNumberId: graphId.optional() });

function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new MetaRequestInvalidError(
    parsed.error.issues.map((issue) => `${[what, ...issue.path.map(String)].join('.')}: ${issue.message}`),
  );
}

const clientOptionsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'must look like v24.0'),
  timeoutMs: z.int().min(1).max(600_000),
  uploadTimeoutMs: z.int().min(1).max(600_000),
});

function afterParameterOf(link: string): string | undefined {
  try {
    return new URL(link).searchParams.get('after') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Where the next page starts: `cursors.after`, or the `after` of Graph's `next` link. Undefined on the last page. */
function nextCursor(page: z.output<typeof templatesPageSchema>): string | undefined {
  const next = page.paging?.next;
  if (next === undefined) return undefined;
  const after = page.paging?.cursors?.after ?? afterParameterOf(next);
  if (after === undefined || after === '') throw new MetaResponseInvalidError(200, 'paging.next without an after cursor');
  return after;
}

export class MetaGraphClient {
  private readonly transport: TransportSettings;
  private readonly uploadTimeoutMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly sleep: (delayMs: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: MetaGraphClientOptions) {
    const checked = parseInput(
      clientOptionsSchema,
      {
        ...options,
        timeoutMs: options.timeoutMs ?? timeoutMsDefault,
        uploadTimeoutMs: options.uploadTimeoutMs ?? uploadTimeoutMsDefault,
      },
      'options',
    );
    this.uploadTimeoutMs = checked.uploadTimeoutMs;
    this.transport = {
      baseUrl: checked.baseUrl,
      apiVersion: checked.apiVersion,
      exchange: options.exchange ?? (options.fetch === undefined ? undiciExchange() : fetchExchange(options.fetch)),
      timeoutMs: checked.timeoutMs,
      logger: options.logger,
    };
    const retryOverrides = Object.entries(options.retry ?? {}).filter(([, value]) => value !== undefined);
    this.retryPolicy = parseInput(
      retryPolicySchema,
      { ...defaultRetryPolicy, ...Object.fromEntries(retryOverrides) },
      'options.retry',
    );
    this.sleep = options.sleep ?? ((delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)));
    this.random = options.random ?? Math.random;
  }

  /**
   * `POST /{phone-number-id}/messages`. Resolves once Meta accepted the message (accepted, not delivered:
   * statuses follow as webhooks). `bizOpaqueCallbackData` (our message id) rides along and comes back in
   * every status. Throws MetaApiError when Meta refused it, MetaSendOutcomeUnknownError when we cannot know
   * whether it was accepted (never retried), MetaNetworkError when Meta was never reached.
   */
  async sendMessage(
    accessToken: string,
    phoneNumberId: string,
    message: OutboundMessage,
    options: { bizOpaqueCallbackData: string },
  ): Promise<SentMessage> {
    this.checkToken(accessToken);
    parseInput(graphId, phoneNumberId, 'phoneNumberId');
    const parsed = parseInput(outboundMessageSchema, message, 'message');
    const callbackData = parseInput(bizOpaqueCallbackDataSchema, options.bizOpaqueCallbackData, 'bizOpaqueCallbackData');
    const request: GraphRequest = {
      method: 'POST',
      pathSegments: [phoneNumberId, 'messages'],
      body: sendMessageBody(parsed, callbackData),
    };
    const answer = await this.call(accessToken, request, sendMessageResponseSchema, 'at_most_once', (cause, attempts) => {
      return new MetaSendOutcomeUnknownError(phoneNumberId, callbackData, attempts, { cause });
    });
    const [accepted] = answer.messages as [(typeof answer.messages)[number]];
    return { wamid: accepted.id, waId: answer.contacts?.[0]?.wa_id, messageStatus: accepted.message_status };
  }

  /**
   * `POST /{phone-number-id}/media` as multipart/form-data (`messaging_product=whatsapp`, `type`, `file`): the file is
   * stored by Meta for this number, for 30 days, and its id can be sent in `image|document|video|audio: {id}`.
   *
   * Retries: an upload is not idempotent (each call makes a new media object), but a duplicate is harmless: it is
   * never sent, costs nothing, and Meta deletes it after 30 days. Still, an upload whose outcome is unknown (timeout,
   * connection reset, 5xx, unreadable answer) is NOT repeated here: the body is a whole file, repeating it into a slow
   * or failing Meta adds load where it hurts, and the caller holds a request open meanwhile. It throws
   * MetaOutcomeUnknownError instead; the caller may repeat the whole operation, and a duplicate costs nothing. Refusals
   * that prove nothing was stored (a Graph rate limit answered below HTTP 500, a connection never made) are retried
   * like any call. Meta's refusals of the file itself (100 for a type it does not take, 131053) are MetaApiError.
   */
  async uploadMedia(accessToken: string, phoneNumberId: string, file: MediaFile): Promise<{ id: string }> {
    this.checkToken(accessToken);
    parseInput(graphId, phoneNumberId, 'phoneNumberId');
    const checked = parseInput(mediaFileSchema, file, 'file');
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', checked.mimeType);
    form.set('file', new Blob([new Uint8Array(checked.bytes)], { type: checked.mimeType }), checked.filename);
    const request: GraphRequest = {
      method: 'POST',
      pathSegments: [phoneNumberId, 'media'],
      form,
      timeoutMs: this.uploadTimeoutMs,
    };
    const answer = await this.call(accessToken, request, uploadedMediaSchema, 'at_most_once', (cause, attempts) => {
      return new MetaOutcomeUnknownError('POST media (a media upload)', attempts, { cause });
    });
    return { id: answer.id };
  }

  /**
   * `GET /{media-id}`: the uploaded file's type, size, SHA-256 and a download URL valid for a few minutes. With
   * `phoneNumberId`, Meta answers only if the media was uploaded on that number.
   */
  async getMediaInfo(accessToken: string, mediaId: string, options: { phoneNumberId?: string } = {}): Promise<MediaInfo> {
    this.checkToken(accessToken);
    parseInput(graphId, mediaId, 'mediaId');
    const { phoneNumberId } = parseInput(mediaInfoOptionsSchema, options, 'options');
    const request: GraphRequest = { method: 'GET', pathSegments: [mediaId], query: { phone_number_id: phoneNumberId } };
    const info = await this.call(accessToken, request, mediaInfoSchema, 'repeatable');
    return { mediaId: info.id, url: info.url, mimeType: info.mime_type, sha256: info.sha256, sizeBytes: info.file_size };
  }

  /**
   * `DELETE /{media-id}`: Meta forgets an uploaded file. With `phoneNumberId`, only a file of that number. Repeatable:
   * deleting twice deletes once (the second answers error 100, which the caller may take as done).
   */
  async deleteMedia(accessToken: string, mediaId: string, options: { phoneNumberId?: string } = {}): Promise<void> {
    this.checkToken(accessToken);
    parseInput(graphId, mediaId, 'mediaId');
    const { phoneNumberId } = parseInput(mediaInfoOptionsSchema, options, 'options');
    const request: GraphRequest = { method: 'DELETE', pathSegments: [mediaId], query: { phone_number_id: phoneNumberId } };
    await this.call(accessToken, request, successSchema, 'repeatable');
  }

  /**
   * `GET /{waba-id}/message_templates`, page by page. Each next page is asked for with our own URL and the
   * `after` cursor rather than by following Graph's `next` link: that link may carry the access token in its
   * query string and names a host we did not choose.
   */
  async *messageTemplatePages(
    accessToken: string,
    wabaId: string,
    options: ListMessageTemplatesOptions = {},
  ): AsyncGenerator<MessageTemplatePage, void, undefined> {
    this.checkToken(accessToken);
    parseInput(graphId, wabaId, 'wabaId');
    const { limit, status, fields } = parseInput(listTemplatesOptionsSchema, options, 'options');
    const fieldList = [...new Set([...requiredTemplateFields, ...(fields ?? defaultTemplateFields)])].join(',');
    const cursorsSeen = new Set<string>();
    let after: string | undefined;
    for (let pageNumber = 1; pageNumber <= templatePagesMax; pageNumber += 1) {
      const query = { fields: fieldList, limit: String(limit), status, after };
      const request: GraphRequest = { method: 'GET', pathSegments: [wabaId, 'message_templates'], query };
      const page = await this.call(accessToken, request, templatesPageSchema, 'repeatable');
      yield { pageNumber, templates: page.data };
      after = nextCursor(page);
      if (after === undefined) return;
      if (cursorsSeen.has(after)) throw new MetaResponseInvalidError(200, 'a paging cursor came back twice');
      cursorsSeen.add(after);
    }
    throw new MetaResponseInvalidError(200, `more than ${templatePagesMax} pages of templates`);
  }

  /** Every template of the WABA, all pages followed. */
  async listMessageTemplates(
    accessToken: string,
    wabaId: string,
    options: ListAllMessageTemplatesOptions = {},
  ): Promise<MessageTemplate[]> {
    const { onPage, ...listOptions } = options;
    const templates: MessageTemplate[] = [];
    for await (const page of this.messageTemplatePages(accessToken, wabaId, listOptions)) {
      templates.push(...page.templates);
      await onPage?.({ ...page, templatesSoFar: templates.length });
    }
    return templates;
  }

  /**
   * `POST /{phone-number-id}/request_code`. At most once: each call sends an SMS or a call to the number's
   * owner, and Meta limits how many codes may be requested (136024).
   */
  async requestVerificationCode(accessToken: string, phoneNumberId: string, request: VerificationCodeRequest): Promise<void> {
    const { codeMethod, language } = parseInput(verificationCodeRequestSchema, request, 'request');
    await this.action(accessToken, phoneNumberId, 'request_code', { code_method: codeMethod, language }, 'at_most_once');
  }

  /** `POST /{phone-number-id}/verify_code`. At most once: a code is used up, so a repeat after success fails (136025). */
  async verifyCode(accessToken: string, phoneNumberId: string, code: string): Promise<void> {
    const checkedCode = parseInput(verificationCodeSchema, code, 'code');
    await this.action(accessToken, phoneNumberId, 'verify_code', { code: checkedCode }, 'at_most_once');
  }

  /** `POST /{phone-number-id}/register` with the two-step PIN. Repeatable: registering again with the same PIN is harmless. */
  async register(accessToken: string, phoneNumberId: string, pin: string): Promise<void> {
    const checkedPin = parseInput(pinSchema, pin, 'pin');
    await this.action(accessToken, phoneNumberId, 'register', { messaging_product: 'whatsapp', pin: checkedPin }, 'repeatable');
  }

  /** `GET /{phone-number-id}/whatsapp_business_profile`. */
  async getBusinessProfile(accessToken: string, phoneNumberId: string): Promise<BusinessProfile> {
    this.checkToken(accessToken);
    parseInput(graphId, phoneNumberId, 'phoneNumberId');
    const request: GraphRequest = {
      method: 'GET',
      pathSegments: [phoneNumberId, 'whatsapp_business_profile'],
      query: { fields: businessProfileFields.join(',') },
    };
    const answer = await this.call(accessToken, request, businessProfileResponseSchema, 'repeatable');
    const [profile] = answer.data as [(typeof answer.data)[number]];
    return {
      about: profile.about,
      address: profile.address,
      description: profile.description,
      email: profile.email,
      profilePictureUrl: profile.profile_picture_url,
      websites: profile.websites ?? [],
      vertical: profile.vertical,
    };
  }

  /** `POST /{phone-number-id}/whatsapp_business_profile`; only the given fields change. Repeatable: it sets values. */
  async updateBusinessProfile(accessToken: string, phoneNumberId: string, profile: BusinessProfileUpdate): Promise<void> {
    const { profilePictureHandle, ...fields } = parseInput(businessProfileUpdateSchema, profile, 'profile');
    const body = {
      messaging_product: 'whatsapp',
      ...fields,
      ...(profilePictureHandle !== undefined ? { profile_picture_handle: profilePictureHandle } : {}),
    };
    await this.action(accessToken, phoneNumberId, 'whatsapp_business_profile', body, 'repeatable');
  }

  /**
   * Uploads a file through Meta's Resumable Upload API and answers its handle (what `profile_picture_handle` takes).
   * Graph API guide "Upload a file" (developers.facebook.com/docs/graph-api/guides/upload): first
   * `POST /{app-id}/uploads?file_length=&file_type=&file_name=` opens a session on the app (`{id: "upload:…"}`, the id
   * possibly carrying a `?sig=` parameter); then `POST /{upload-session-id}` with the token as `Authorization: OAuth`
   * and the offset as the header `file_offset` (neither works as a query parameter), the bytes as the body, answers
   * `{h: handle}`. The whole file goes at offset 0: a profile picture is at most 5 MB.
   */
  async uploadResumable(accessToken: string, appId: string, file: ResumableFile): Promise<{ handle: string }> {
    this.checkToken(accessToken);
    parseInput(graphId, appId, 'appId');
    const checked = parseInput(resumableFileSchema, file, 'file');
    const opened = await this.call(
      accessToken,
      {
        method: 'POST',
        pathSegments: [appId, 'uploads'],
        query: {
          file_length: String(checked.bytes.length),
          file_type: checked.mimeType,
          file_name: checked.filename,
        },
      },
      uploadSessionSchema,
      // Opening a session changes nothing anyone sees: an extra one is harmless, so it may be repeated.
      'repeatable',
    );
    const [sessionPath, sessionQuery = ''] = opened.id.split('?', 2) as [string, string?];
    const request: GraphRequest = {
      method: 'POST',
      pathSegments: [sessionPath],
      query: Object.fromEntries(new URLSearchParams(sessionQuery)),
      bytes: checked.bytes,
      headers: { file_offset: '0', 'Content-Type': checked.mimeType },
      authorizationScheme: 'OAuth',
      timeoutMs: this.uploadTimeoutMs,
    };
    const uploaded = await this.call(accessToken, request, uploadedHandleSchema, 'at_most_once', (cause, attempts) => {
      return new MetaOutcomeUnknownError('POST upload session (a file upload)', attempts, { cause });
    });
    return { handle: uploaded.h };
  }

  /**
   * `GET /{phone-number-id}?fields=…`: the number's name, quality, limits and verification state. With `appSecret`,
   * the call carries `appsecret_proof` (HMAC-SHA256 of the token keyed by the secret), which Graph checks whenever it
   * is given: a secret of another app is refused, so this also proves the secret belongs to the token's app.
   */
  async getPhoneNumberStatus(
    accessToken: string,
    phoneNumberId: string,
    options: { appSecret?: string } = {},
  ): Promise<PhoneNumberStatus> {
    this.checkToken(accessToken);
    parseInput(graphId, phoneNumberId, 'phoneNumberId');
    const request: GraphRequest = {
      method: 'GET',
      pathSegments: [phoneNumberId],
      query: {
        fields: phoneNumberStatusFields.join(','),
        appsecret_proof: options.appSecret === undefined ? undefined : appSecretProof(accessToken, options.appSecret),
      },
    };
    const number = await this.call(accessToken, request, phoneNumberStatusSchema, 'repeatable');
    return {
      phoneNumberId: number.id,
      displayPhoneNumber: number.display_phone_number,
      verifiedName: number.verified_name,
      qualityRating: number.quality_rating,
      messagingLimitTier: number.messaging_limit_tier,
      nameStatus: number.name_status,
      codeVerificationStatus: number.code_verification_status,
      throughputLevel: number.throughput?.level,
      status: number.status,
      platformType: number.platform_type,
    };
  }

  /**
   * Whether `phoneNumberId` is one of the WABA's numbers (`GET /{waba-id}/phone_numbers`, every page). A WABA holds
   * a handful of numbers (Meta allows up to 20 per WABA by default), so one page of 100 is nearly always all.
   */
  async wabaHasPhoneNumber(accessToken: string, wabaId: string, phoneNumberId: string): Promise<boolean> {
    this.checkToken(accessToken);
    parseInput(graphId, wabaId, 'wabaId');
    parseInput(graphId, phoneNumberId, 'phoneNumberId');
    let after: string | undefined;
    for (let pageNumber = 1; pageNumber <= wabaNumberPagesMax; pageNumber += 1) {
      const query = { fields: 'id', limit: '100', after };
      const request: GraphRequest = { method: 'GET', pathSegments: [wabaId, 'phone_numbers'], query };
      const page = await this.call(accessToken, request, wabaPhoneNumbersSchema, 'repeatable');
      if (page.data.some((number) => number.id === phoneNumberId)) return true;
      const next = page.paging?.next;
      after = next === undefined ? undefined : afterParameterOf(next);
      if (after === undefined) return false;
    }
    return false;
  }

  /** Whether any app is subscribed to the WABA's webhooks (`GET /{waba-id}/subscribed_apps`). */
  async wabaHasSubscribedApp(accessToken: string, wabaId: string): Promise<boolean> {
    this.checkToken(accessToken);
    parseInput(graphId, wabaId, 'wabaId');
    const request: GraphRequest = { method: 'GET', pathSegments: [wabaId, 'subscribed_apps'] };
    const answer = await this.call(accessToken, request, subscribedAppsSchema, 'repeatable');
    return answer.data.length > 0;
  }

  /** Whether a send through the number would succeed, per node (`GET /{phone-number-id}?fields=health_status`). */
  async getHealthStatus(accessToken: string, phoneNumberId: string): Promise<HealthStatus> {
    this.checkToken(accessToken);
    parseInput(graphId, phoneNumberId, 'phoneNumberId');
    const request: GraphRequest = { method: 'GET', pathSegments: [phoneNumberId], query: { fields: 'health_status' } };
    return (await this.call(accessToken, request, healthStatusSchema, 'repeatable')).health_status;
  }

  private checkToken(accessToken: string): void {
    parseInput(accessTokenSchema, accessToken, 'accessToken');
  }

  /** A POST to an edge of the number that answers `{success: true}`. */
  private async action(
    accessToken: string,
    phoneNumberId: string,
    edge: string,
    body: Record<string, unknown>,
    repeatability: CallRepeatability,
  ): Promise<void> {
    this.checkToken(accessToken);
    parseInput(graphId, phoneNumberId, 'phoneNumberId');
    const request: GraphRequest = { method: 'POST', pathSegments: [phoneNumberId, edge], body };
    await this.call(accessToken, request, successSchema, repeatability, (cause, attempts) => {
      return new MetaOutcomeUnknownError(`POST ${edge}`, attempts, { cause });
    });
  }

  /** One logical call: attempts with retries, each answer checked against `schema`. */
  private call<S extends z.ZodType>(
    accessToken: string,
    request: GraphRequest,
    schema: S,
    repeatability: CallRepeatability,
    outcomeUnknown: (cause: unknown, attempts: number) => Error = (cause, attempts) =>
      new MetaOutcomeUnknownError(`${request.method} ${request.pathSegments.at(-1)}`, attempts, { cause }),
  ): Promise<z.output<S>> {
    return runWithRetries({
      repeatability,
      policy: this.retryPolicy,
      sleep: this.sleep,
      random: this.random,
      outcomeUnknown,
      attempt: async (attemptNumber) => {
        const answer = await graphAttempt(this.transport, accessToken, request, attemptNumber);
        const parsed = schema.safeParse(answer.body);
        if (!parsed.success) throw new MetaResponseInvalidError(answer.httpStatus, z.prettifyError(parsed.error));
        return parsed.data;
      },
    });
  }
}
