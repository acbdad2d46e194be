import * as z from 'zod';
import { customerPhoneNumber, deploymentId, prefixedId, timestamp } from './common.js';
import { helpdesk } from './installations.js';
import { mediaUploadId, messageMedia, sendMediaContent } from './media.js';

// The media contract lives in media.ts; re-exported here so the package entry point (which lists the contract
// modules) carries it without another line there.
export * from './media.js';

export const messageId = prefixedId('msg', 'Message ID: a message sent through the bridge.');

export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters without spaces')
  .meta({ description: 'A key the client makes per intended send (a UUID); the same key never sends twice.' });

const templateValue = z.union([
  z.string().max(4096),
  z.strictObject({ link: z.url({ protocol: /^https$/ }) }),
  z.strictObject({ id: z.string().regex(/^\d{1,32}$/) }),
  // A header's file uploaded to the bridge (POST /v1/media, or the panel's upload token): sent as its Meta media id.
  z.strictObject({ upload_id: mediaUploadId }),
]);

export const sendMessageRequest = z
  .strictObject({
    to: customerPhoneNumber,
    text: z
      .strictObject({
        body: z.string().min(1, 'must not be empty').max(4096),
        preview_url: z.boolean().optional(),
      })
      .optional()
      .meta({ description: 'A free-form reply: only inside the customer service window.' }),
    template: z
      .strictObject({
        name: z.string().min(1).max(512),
        language: z.string().min(2).max(16).meta({ example: 'ja' }),
        parameters: z.record(z.string().max(100), templateValue).default({}).meta({
          description: 'Values keyed as the template’s `parameters` list them (`body.1`, `body.order_id`, `header.media`…).',
        }),
      })
      .optional(),
    media: sendMediaContent.optional(),
    ticket: z.strictObject({ helpdesk, id: z.string().min(1).max(128) }).optional(),
  })
  .superRefine((request, context) => {
    const kinds = [request.text, request.template, request.media].filter((part) => part !== undefined).length;
    if (kinds !== 1) {
      context.addIssue({
        code: 'custom',
        path: [],
        message: 'give exactly one of text, template or media',
        params: { problem: 'one_content_required' },
      });
    }
  })
  .meta({ id: 'SendMessageRequest' });

export const messageError = z
  .object({
    code: z.number().int().nullable().meta({ description: 'Meta’s error code (131047, 131026…); null for our own.' }),
    title: z.string(),
    details: z.string().nullable(),
    reason: z.string().meta({ description: 'Stable machine reason the apps translate.' }),
  })
  .meta({ id: 'MessageError' });

export const messageCharge = z
  .object({
    points: z.number().int().min(0).meta({ description: 'Points held, captured or released; 0 when free.' }),
    state: z.enum(['held', 'expired', 'captured', 'released', 'free']).meta({
      description:
        'held: reserved at the send, waiting for Meta’s pricing; captured: Meta billed it (points deducted); released: ' +
        'free after all or failed (points returned); free: nothing was ever held; expired: Meta had not priced it in ' +
        'time, so the points were returned (if Meta bills it later, it is captured from the balance then).',
    }),
    captured_points: z.number().int().min(0).nullable().meta({
      description: 'Points deducted on capture: differs from `points` when Meta billed another category.',
    }),
    free_reason: z.string().nullable(),
    category: z.string().meta({ description: 'Our category at the send.' }),
    market: z.string(),
    meta_category: z.string().nullable().meta({ description: 'The category Meta reported, once it has.' }),
    category_mismatch: z.boolean(),
  })
  .meta({ id: 'MessageCharge' });

export const message = z
  .object({
    id: messageId,
    deployment_id: deploymentId,
    to: z.string().meta({ description: 'E.164.' }),
    kind: z.enum(['text', 'media', 'template']),
    state: z.enum(['sending', 'accepted', 'outcome_unknown', 'failed']).meta({
      description:
        'sending: recorded, Meta not yet answered; accepted: Meta gave a wamid; outcome_unknown: Meta did not answer and ' +
        'a status webhook will tell; failed: Meta refused it or failed to deliver it.',
    }),
    status: z.enum(['accepted', 'sent', 'delivered', 'read', 'played', 'failed']).nullable().meta({
      description: 'How far delivery got, from Meta’s status webhooks (the furthest reported, whatever their order).',
    }),
    wamid: z.string().nullable(),
    template: z.object({ name: z.string(), language: z.string(), category: z.string().nullable() }).nullable(),
    text: z.string().nullable(),
    media: messageMedia.nullable().meta({ description: 'For media messages: the file sent and its caption.' }),
    ticket: z.object({ helpdesk, id: z.string() }).nullable(),
    source: z.enum(['agent', 'bridge', 'zendesk_automation', 'zoho_workflow']).meta({
      description:
        'Who asked for it: an agent (the panel or the API), the bridge itself (a confirmation reply), or a helpdesk ' +
        'automation (a Zendesk trigger or automation, a Zoho Desk workflow rule), named in `automation`.',
    }),
    automation: z.string().nullable().meta({ description: 'The automation that sent it (or was refused), for automated sends.' }),
    error: messageError.nullable(),
    charge: messageCharge
      .nullable()
      .meta({ description: 'What the message costs in points; null when the account is not metered.' }),
    timeline: z
      .array(z.object({ status: z.string(), at: timestamp }))
      .meta({ description: 'Statuses as Meta reported them, by time.' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Message' });

export const messagePath = z.strictObject({ message_id: messageId });

export const messagesQuery = z.strictObject({
  ticket_helpdesk: helpdesk,
  ticket_id: z.string().min(1).max(128),
});

export const messageList = z.object({ data: z.array(message) }).meta({ id: 'MessageList' });

export type SendMessageRequest = z.infer<typeof sendMessageRequest>;
export type Message = z.infer<typeof message>;
