import * as z from 'zod';

/**
 * Outgoing messages: what the bridge may send, validated before the call, and the body of
 * `POST /{phone-number-id}/messages` built from it. Limits from the Cloud API send reference (text body
 * 4,096 characters, media caption 1,024, `biz_opaque_callback_data` 512) and PLATFORM.md.
 */

/**
 * `+` and 7–15 digits (E.164's length range). Only the shape: which numbers are real is decided where
 * customers are stored (shared/phone.ts); the client only makes sure Meta gets an unambiguous number.
 */
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +819012345678');

const replyTo = z.string().min(1).optional();

export const textMessageSchema = z.strictObject({
  type: z.literal('text'),
  to: e164,
  body: z.string().min(1).max(4_096),
  /** Let WhatsApp render a preview of the first URL in the body. */
  previewUrl: z.boolean().optional(),
  /** The wamid of the message this one answers (shown as a quote). */
  replyToWamid: replyTo,
});

/** A media object is either uploaded to Meta (`id`) or fetched by Meta from a public `link`. */
const mediaSource = z.union([
  z.strictObject({ link: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }) }),
  z.strictObject({ id: z.string().regex(/^\d{1,32}$/, 'must be a Meta media id') }),
]);

const caption = z.string().min(1).max(1_024).optional();

export const imageMessageSchema = z.strictObject({
  type: z.literal('image'),
  to: e164,
  media: mediaSource,
  caption,
  replyToWamid: replyTo,
});
export const videoMessageSchema = z.strictObject({
  type: z.literal('video'),
  to: e164,
  media: mediaSource,
  caption,
  replyToWamid: replyTo,
});
export const documentMessageSchema = z.strictObject({
  type: z.literal('document'),
  to: e164,
  media: mediaSource,
  caption,
  /** What the customer sees as the file name; WhatsApp uses the extension to pick an icon. */
  filename: z.string().min(1).max(240).optional(),
  replyToWamid: replyTo,
});
/** Audio has neither caption nor filename on WhatsApp; strictObject refuses them rather than dropping them. */
export const audioMessageSchema = z.strictObject({
  type: z.literal('audio'),
  to: e164,
  media: mediaSource,
  replyToWamid: replyTo,
});

/**
 * Template components in Meta's own shape (`{type:"body", parameters:[{type:"text", text}]}`), checked only
 * loosely here: the template feature builds them from the template's definition, and Meta checks them fully
 * (132000, 132012).
 */
export const templateComponentSchema = z.looseObject({
  type: z.enum(['header', 'body', 'button']),
  sub_type: z.enum(['quick_reply', 'url', 'copy_code']).optional(),
  index: z.union([z.string().regex(/^\d$/), z.int().min(0).max(9)]).optional(),
  parameters: z.array(z.looseObject({ type: z.string().min(1) })),
});

export const templateMessageSchema = z.strictObject({
  type: z.literal('template'),
  to: e164,
  template: z.strictObject({
    name: z.string().min(1).max(512),
    /** Meta's language code of the approved translation, e.g. `en_US`, `ja`. */
    languageCode: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a language code such as en_US'),
    components: z.array(templateComponentSchema).default([]),
  }),
  replyToWamid: replyTo,
});

/** Discriminated on `type`, so an invalid message gets the issues of its own kind, not of every kind. */
export const outboundMessageSchema = z.discriminatedUnion('type', [
  textMessageSchema,
  imageMessageSchema,
  videoMessageSchema,
  documentMessageSchema,
  audioMessageSchema,
  templateMessageSchema,
]);

export type TextMessage = z.input<typeof textMessageSchema>;
export type MediaMessage =
  | z.input<typeof imageMessageSchema>
  | z.input<typeof videoMessageSchema>
  | z.input<typeof documentMessageSchema>
  | z.input<typeof audioMessageSchema>;
export type TemplateMessage = z.input<typeof templateMessageSchema>;
export type TemplateComponent = z.input<typeof templateComponentSchema>;
export type OutboundMessage = z.input<typeof outboundMessageSchema>;
type ParsedMessage = z.output<typeof outboundMessageSchema>;

/**
 * Our id for the send, echoed by Meta in every status webhook of the message (Cloud API:
 * `biz_opaque_callback_data`, at most 512 characters). Required: it is how a send whose answer we never saw
 * is matched to its wamid later.
 */
export const bizOpaqueCallbackDataSchema = z.string().min(1).max(512);

function typePayload(message: ParsedMessage): Record<string, unknown> {
  switch (message.type) {
    case 'text':
      return { text: { body: message.body, ...(message.previewUrl !== undefined ? { preview_url: message.previewUrl } : {}) } };
    case 'template':
      return {
        template: {
          name: message.template.name,
          language: { code: message.template.languageCode },
          components: message.template.components,
        },
      };
    case 'document':
      return { document: { ...message.media, caption: message.caption, filename: message.filename } };
    case 'image':
    case 'video':
      return { [message.type]: { ...message.media, caption: message.caption } };
    case 'audio':
      return { audio: { ...message.media } };
  }
}

/** `{messaging_product, recipient_type, to, type, <type>: …, context?, biz_opaque_callback_data}`. */
export function sendMessageBody(message: ParsedMessage, bizOpaqueCallbackData: string): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: message.to,
    type: message.type,
    ...typePayload(message),
    ...(message.replyToWamid !== undefined ? { context: { message_id: message.replyToWamid } } : {}),
    biz_opaque_callback_data: bizOpaqueCallbackData,
  };
}
