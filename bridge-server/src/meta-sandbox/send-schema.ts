import * as z from 'zod';

/**
 * The body of `POST /{phone-number-id}/messages`, as the Cloud API reference describes it. Unknown keys are
 * let through (Meta ignores many optional ones); the rules that need the template are in template-rules.ts.
 */

const mediaObject = z
  .object({
    id: z.string().min(1).optional(),
    link: z.url({ protocol: /^https?$/ }).optional(),
    caption: z.string().max(1024).optional(),
    filename: z.string().max(240).optional(),
  })
  .refine((media) => (media.id === undefined) !== (media.link === undefined), 'give exactly one of id or link');

const lowerCase = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);

const parameterName = z.string().optional();
export const templateParameterSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string(), parameter_name: parameterName }),
  z.object({
    type: z.literal('currency'),
    currency: z.object({ fallback_value: z.string(), code: z.string().length(3), amount_1000: z.number() }),
    parameter_name: parameterName,
  }),
  z.object({ type: z.literal('date_time'), date_time: z.object({ fallback_value: z.string() }), parameter_name: parameterName }),
  z.object({ type: z.literal('image'), image: mediaObject }),
  z.object({ type: z.literal('document'), document: mediaObject }),
  z.object({ type: z.literal('video'), video: mediaObject }),
  z.object({ type: z.literal('payload'), payload: z.string() }),
  z.object({ type: z.literal('coupon_code'), coupon_code: z.string().min(1).max(15) }),
]);
export type TemplateParameter = z.infer<typeof templateParameterSchema>;

export const templateComponentSchema = z.object({
  type: z.preprocess(lowerCase, z.enum(['header', 'body', 'button'])),
  sub_type: z.preprocess(lowerCase, z.enum(['quick_reply', 'url', 'copy_code'])).optional(),
  // Meta's examples send the index as a string ("0"); numbers are accepted too.
  index: z.coerce.number().int().min(0).max(9).optional(),
  parameters: z.array(templateParameterSchema).default([]),
});
export type TemplateSendComponent = z.infer<typeof templateComponentSchema>;

const templateSchema = z.object({
  name: z.string().min(1).max(512),
  language: z.object({ code: z.string().min(2), policy: z.literal('deterministic').optional() }),
  components: z.array(templateComponentSchema).default([]),
});

export const freeFormTypes = [
  'text',
  'image',
  'document',
  'video',
  'audio',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'reaction',
] as const;

export const sendMessageSchema = z.object({
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.enum(['individual']).optional(),
  /** The customer's phone number, in any common notation ("+81 90-1234-5678"). */
  to: z.string().min(1).optional(),
  /** A business-scoped user id (`US.…`), for customers known only by username (2026). */
  recipient: z
    .string()
    .regex(/^[A-Z]{2}\.\d+$/, 'must be a business-scoped user id like US.1349…')
    .optional(),
  type: z.enum([...freeFormTypes, 'template']).default('text'),
  text: z.object({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() }).optional(),
  image: mediaObject.optional(),
  document: mediaObject.optional(),
  video: mediaObject.optional(),
  audio: mediaObject.optional(),
  sticker: mediaObject.optional(),
  location: z.object({ latitude: z.number(), longitude: z.number() }).loose().optional(),
  contacts: z.array(z.record(z.string(), z.unknown())).min(1).optional(),
  interactive: z.object({ type: z.string() }).loose().optional(),
  reaction: z.object({ message_id: z.string(), emoji: z.string() }).optional(),
  template: templateSchema.optional(),
  context: z.object({ message_id: z.string().min(1) }).optional(),
  /** Echoed in every status of this message; Meta caps it at 512 characters. */
  biz_opaque_callback_data: z.string().max(512).optional(),
});
export type SendMessageRequest = z.infer<typeof sendMessageSchema>;
