import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { fileTypeFromBuffer } from 'file-type';
import type { SandboxContext } from './context.js';
import { GraphError } from './graph-errors.js';
import { newGraphId } from './ids.js';
import type { PhoneNumber, SandboxState, UploadedMedia } from './state.js';
import type { LaterFailure } from './status-scheduler.js';

/**
 * Meta's media endpoints as the sandbox plays them: `POST /{phone-number-id}/media` (upload),
 * `GET /{media-id}` (type, size, SHA-256 and a short-lived download URL), `DELETE /{media-id}`, and the rules a
 * send applies to `{id}` media.
 *
 * Sources:
 * - Meta's "Media" reference and "Supported media types" (mirrored at support.chatarchitect.com, "Media |
 *   Developer Documentation", Dec 2025): the upload's form fields `messaging_product`, `type`, `file`; the answer
 *   `{id}`; `GET /{media-id}` → `{messaging_product, url, mime_type, sha256, file_size, id}` (same shape in pywa's
 *   `get_media_url`); uploaded media ids expire after 30 days; types and caps below; the download URL needs the
 *   access token. The optional `phone_number_id` of `GET /{media-id}`: "the request will only be processed if the
 *   business phone number ID included in the query matches the ID of the business phone number that the media
 *   was uploaded on" (quoted in chatwoot/chatwoot#13319).
 * - Meta's answers, as developers reported them: a missing field, `(#100) The parameter messaging_product is
 *   required.` (Neurotech-HQ/heyoo#27); a type Meta does not take, `(#100) Param file must be a file with one of the
 *   following types: audio/aac, …, video/3gpp. Received file of type '…'.` (fbsamples/whatsapp-api-examples#10);
 *   a send naming a media id that is unknown, expired or another number's, HTTP 400 `(#100) Param image['id'] is not
 *   a valid whatsapp business account media attachment ID` without error_data (seen in many integrations, e.g.
 *   n8n's WhatsApp node branches on that sentence); media Meta cannot process accepted and then failed with 131053
 *   "Media upload error" in the status webhook, e.g. details "Audio file uploaded with mimetype as audio/ogg; …,
 *   however on processing it is of type application/octet-stream. Please choose a different file.".
 * Modelled, not documented (*uncertain*): an upload over the type's cap answers 131053 at once (Meta documents the
 * caps, not the error); the file part's own Content-Type wins over `type`; a file of the wrong kind for the
 * message (a PDF id sent as an image) fails like content Meta cannot process.
 */

const megabyte = 1024 * 1024;

/** Meta's media kinds: `sticker` is WebP only. */
export type MetaMediaKind = 'image' | 'document' | 'video' | 'audio' | 'sticker';

/**
 * What Meta takes, in the order its own error message lists the types (fbsamples/whatsapp-api-examples#10), with
 * the cap of Meta's "Supported media types" (read as binary megabytes; sticker: the animated cap, 500 KB).
 */
export const metaUploadTypes: ReadonlyMap<string, { kind: MetaMediaKind; bytesMax: number }> = new Map([
  ['audio/aac', { kind: 'audio', bytesMax: 16 * megabyte }],
  ['audio/mp4', { kind: 'audio', bytesMax: 16 * megabyte }],
  ['audio/mpeg', { kind: 'audio', bytesMax: 16 * megabyte }],
  ['audio/amr', { kind: 'audio', bytesMax: 16 * megabyte }],
  ['audio/ogg', { kind: 'audio', bytesMax: 16 * megabyte }],
  ['audio/opus', { kind: 'audio', bytesMax: 16 * megabyte }],
  ['application/vnd.ms-powerpoint', { kind: 'document', bytesMax: 100 * megabyte }],
  ['application/msword', { kind: 'document', bytesMax: 100 * megabyte }],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', { kind: 'document', bytesMax: 100 * megabyte }],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', { kind: 'document', bytesMax: 100 * megabyte }],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', { kind: 'document', bytesMax: 100 * megabyte }],
  ['application/pdf', { kind: 'document', bytesMax: 100 * megabyte }],
  ['text/plain', { kind: 'document', bytesMax: 100 * megabyte }],
  ['application/vnd.ms-excel', { kind: 'document', bytesMax: 100 * megabyte }],
  ['image/jpeg', { kind: 'image', bytesMax: 5 * megabyte }],
  ['image/png', { kind: 'image', bytesMax: 5 * megabyte }],
  ['image/webp', { kind: 'sticker', bytesMax: 500 * 1024 }],
  ['video/mp4', { kind: 'video', bytesMax: 16 * megabyte }],
  ['video/3gpp', { kind: 'video', bytesMax: 16 * megabyte }],
]);

/** The largest upload body the sandbox reads: Meta's largest media (100 MB) and room for the form around it. */
export const mediaUploadBodyBytesMax = 100 * megabyte + 64 * 1024;

/** Meta keeps uploaded media 30 days ("Media IDs returned by the API expire after 30 days"). */
export const mediaLifetimeMs = 30 * 24 * 60 * 60_000;

/** Meta's download URLs stop working after 5 minutes; the sandbox's do too. */
const downloadUrlLifetimeMs = 5 * 60_000;

/** Signs download URLs so that only URLs the sandbox handed out work (like Meta's `hash` parameter). */
const downloadSigningKey = randomBytes(32);

/** `audio/ogg; codecs=opus` → `audio/ogg`. */
function bareMimeType(value: string): string {
  return value.split(';')[0]!.trim().toLowerCase();
}

const specific = (value: string | undefined): value is string =>
  value !== undefined && value !== '' && bareMimeType(value) !== 'application/octet-stream';

/** The types of the content file-type tells apart that Meta would treat as the same (ISO media, Opus in Ogg). */
function sameContent(declared: string, detected: string): boolean {
  const family = (mime: string) =>
    ({ 'video/3gpp': 'video/mp4', 'audio/opus': 'audio/ogg', 'audio/x-m4a': 'audio/mp4', 'application/x-cfb': 'office' })[mime] ??
    mime;
  const declaredFamily = family(declared);
  const officeTypes = ['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint'];
  if (family(detected) === 'office') return officeTypes.includes(declared);
  return declaredFamily === family(detected);
}

interface UploadForm {
  messagingProduct: string | undefined;
  type: string | undefined;
  file: File | undefined;
}

const missing = (name: string) =>
  new GraphError(100, `The parameter ${name} is required.`, {
    message: `(#100) The parameter ${name} is required.`,
    omitDetails: true,
  });

async function readForm(request: Request): Promise<UploadForm> {
  const contentType = request.get('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType) || !Buffer.isBuffer(request.body)) {
    // A JSON or urlencoded body can carry the fields, never the file.
    const fields = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return { messagingProduct: text(fields.messaging_product), type: text(fields.type), file: undefined };
  }
  let form: FormData;
  try {
    form = await new Response(request.body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new GraphError(100, 'The request body is not valid multipart/form-data.');
  }
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const file = form.get('file');
  return { messagingProduct: text('messaging_product'), type: text('type'), file: file instanceof File ? file : undefined };
}

function unsupportedType(received: string): GraphError {
  const list = [...metaUploadTypes.keys()].join(', ');
  const message = `(#100) Param file must be a file with one of the following types: ${list}. Received file of type '${received}'.`;
  return new GraphError(100, message, { message, omitDetails: true });
}

/** `POST /{phone-number-id}/media`: checks the form as Meta does, keeps the file for the number, answers `{id}`. */
export async function acceptUpload(context: SandboxContext, number: PhoneNumber, request: Request): Promise<{ id: string }> {
  const form = await readForm(request);
  if (form.messagingProduct === undefined) throw missing('messaging_product');
  if (form.messagingProduct !== 'whatsapp') {
    throw new GraphError(100, `Param messaging_product must be one of {WHATSAPP} - got "${form.messagingProduct}".`);
  }
  if (form.file === undefined) throw missing('file');
  if (form.type === undefined) throw missing('type');
  const declared = bareMimeType(specific(form.file.type) ? form.file.type : form.type);
  const rule = metaUploadTypes.get(declared);
  if (rule === undefined) throw unsupportedType(declared);
  const bytes = Buffer.from(await form.file.arrayBuffer());
  if (bytes.length === 0) throw new GraphError(131053, 'The uploaded file is empty.');
  if (bytes.length > rule.bytesMax) {
    throw new GraphError(
      131053,
      `File size ${bytes.length} bytes is larger than the ${rule.bytesMax} bytes Meta accepts for ${declared}.`,
    );
  }
  const detected = await fileTypeFromBuffer(bytes);
  let id = newGraphId();
  while (context.state.media.has(id)) id = newGraphId();
  context.state.media.set(id, {
    id,
    phoneNumberId: number.phoneNumberId,
    mimeType: declared,
    detectedMimeType: detected === undefined ? undefined : bareMimeType(detected.mime),
    sizeBytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    filename: form.file.name === '' ? undefined : form.file.name,
    bytes,
    uploadedAtMs: context.now(),
    deleted: false,
  });
  return { id };
}

/** The media a token may see: live, not expired, uploaded by a number whose token it is. */
export function findLiveMedia(context: SandboxContext, mediaId: string): UploadedMedia | undefined {
  const media = context.state.media.get(mediaId);
  if (media === undefined || media.deleted || context.now() - media.uploadedAtMs > mediaLifetimeMs) return undefined;
  return media;
}

function signature(mediaId: string, expiresAtSeconds: number): string {
  return createHmac('sha256', downloadSigningKey).update(`${mediaId}:${expiresAtSeconds}`).digest('base64url');
}

/** `GET /{media-id}`, fields in Meta's order: a download URL on this sandbox valid for 5 minutes. */
export function mediaResource(context: SandboxContext, media: UploadedMedia, origin: string) {
  const expiresAtSeconds = Math.floor((context.now() + downloadUrlLifetimeMs) / 1000);
  const url = new URL('/whatsapp_business/attachments/', origin);
  url.searchParams.set('mid', media.id);
  url.searchParams.set('ext', String(expiresAtSeconds));
  url.searchParams.set('hash', signature(media.id, expiresAtSeconds));
  return {
    url: url.toString(),
    mime_type: media.mimeType,
    sha256: media.sha256,
    file_size: media.sizeBytes,
    id: media.id,
    messaging_product: 'whatsapp' as const,
  };
}

/** A download URL's media, if the URL is one the sandbox signed and it has not expired. */
export function mediaOfDownloadUrl(context: SandboxContext, query: Record<string, unknown>): UploadedMedia | undefined {
  const { mid, ext, hash } = query;
  if (typeof mid !== 'string' || typeof ext !== 'string' || typeof hash !== 'string' || !/^\d+$/.test(ext)) return undefined;
  if (signature(mid, Number(ext)) !== hash || Number(ext) * 1000 < context.now()) return undefined;
  return findLiveMedia(context, mid);
}

/** Graph's refusal of a media id that is unknown, expired, deleted or another number's. */
export function invalidMediaId(path: string): GraphError {
  const message = `(#100) Param ${path}['id'] is not a valid whatsapp business account media attachment ID`;
  return new GraphError(100, message, { message, omitDetails: true });
}

const kindLabel = { image: 'Image', document: 'Document', video: 'Video', audio: 'Audio', sticker: 'Sticker' } as const;

/**
 * The `{id}` of a media object in a send: an error now when the id cannot be used (100), or the failure Meta reports
 * later when the file is not what the message needs (131053 in a `failed` status).
 */
export function checkMediaReference(
  context: SandboxContext,
  number: PhoneNumber,
  kind: MetaMediaKind,
  mediaId: string,
  path: string,
): LaterFailure | undefined {
  const media = findLiveMedia(context, mediaId);
  if (media === undefined || media.phoneNumberId !== number.phoneNumberId) throw invalidMediaId(path);
  const declaredKind = metaUploadTypes.get(media.mimeType)?.kind;
  if (declaredKind !== kind) {
    return {
      code: 131053,
      details: `${kindLabel[kind]} message with a file uploaded as ${media.mimeType}, which is not ${kind === 'image' ? 'an' : 'a'} ${kind}. Please choose a different file.`,
    };
  }
  if (media.detectedMimeType !== undefined && !sameContent(media.mimeType, media.detectedMimeType)) {
    return {
      code: 131053,
      details: `${kindLabel[kind]} file uploaded with mimetype as ${media.mimeType}, however on processing it is of type ${media.detectedMimeType}. Please choose a different file.`,
    };
  }
  return undefined;
}

/** Media of a number, for the control API. */
export function mediaOf(state: SandboxState, phoneNumberId: string | undefined): UploadedMedia[] {
  return [...state.media.values()].filter((media) => phoneNumberId === undefined || media.phoneNumberId === phoneNumberId);
}

export function mediaView(media: UploadedMedia): Record<string, unknown> {
  return {
    id: media.id,
    phone_number_id: media.phoneNumberId,
    mime_type: media.mimeType,
    detected_mime_type: media.detectedMimeType ?? null,
    file_size: media.sizeBytes,
    sha256: media.sha256,
    filename: media.filename ?? null,
    uploaded_at: new Date(media.uploadedAtMs).toISOString(),
    expires_at: new Date(media.uploadedAtMs + mediaLifetimeMs).toISOString(),
    deleted: media.deleted,
  };
}
