import * as z from 'zod';

/**
 * What Zoho Desk's channel integration accepts from an extension, as zod schemas: the SYNC_OBJECT answered to a
 * pull (tickets and threads keyed by `extId`, at most 1,000 of each, and the `channelState` cursor) and the answer to
 * a reply push. Fields marked "assumed" in ../README.md are the sandbox's reading where Zoho's guide is silent.
 */

/** Zoho's guide: "... max 1000" tickets and threads per SYNC_OBJECT. */
export const syncEntitiesMax = 1_000;
/** A generous bound on one thread's content (Zoho documents none for channel threads; assumed). */
export const threadContentCharactersMax = 64 * 1024;
/** Attachments per thread (assumed; Zoho's reply attachments are limited to 10 elsewhere in Desk). */
export const threadAttachmentsMax = 10;

const extIdSchema = z.string().min(1).max(255);
const dateTimeSchema = z.iso.datetime({ offset: true });

/** SYNC_ACTOR_OBJECT: who wrote it in the external service. */
export const actorSchema = z.object({
  extId: extIdSchema,
  name: z.string().min(1).max(255).optional(),
  displayName: z.string().min(1).max(255).optional(),
  email: z.email().optional(),
  phone: z.string().min(1).max(50).optional(),
  photoURL: z.url().optional(),
});

/** SYNC_TICKET_OBJECT: a conversation in the external service (e.g. extId "whatsapp:+919994411345" in Zoho's guide). */
export const syncTicketSchema = z.object({
  extId: extIdSchema,
  subject: z.string().min(1).max(255).optional(),
  createdTime: dateTimeSchema.optional(),
  actor: actorSchema.optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

/** SYNC_THREAD_OBJECT: one message; `extParentId` is its ticket's extId (or another thread's). */
export const syncThreadSchema = z.object({
  extId: extIdSchema,
  extParentId: extIdSchema,
  content: z.string().max(threadContentCharactersMax),
  contentType: z.enum(['text/plain', 'text/html']).default('text/plain'),
  createdTime: dateTimeSchema.optional(),
  direction: z.enum(['in', 'out']).default('in'),
  actor: actorSchema.optional(),
  canReply: z.boolean().optional(),
  /** Assumed shape: files the sandbox downloads and attaches, `{url, name?}`. */
  attachments: z
    .array(z.object({ url: z.url(), name: z.string().min(1).max(255).optional() }))
    .max(threadAttachmentsMax)
    .optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

export const syncObjectSchema = z.object({
  channelState: z.string().optional(),
  data: z
    .object({
      tickets: z.array(syncTicketSchema).max(syncEntitiesMax).default([]),
      threads: z.array(syncThreadSchema).max(syncEntitiesMax).default([]),
    })
    .optional(),
});
export type SyncObject = z.infer<typeof syncObjectSchema>;
export type SyncTicket = z.infer<typeof syncTicketSchema>;
export type SyncThread = z.infer<typeof syncThreadSchema>;
export type Actor = z.infer<typeof actorSchema>;

/**
 * The answer to a reply push (PUSH_REPLY_RESPONSE_OBJECT; assumed shape): the reply's id in the external service and
 * its delivery state. An answer without `status` but with `extId` counts as SUCCESS.
 */
export const pushReplyAnswerSchema = z.object({
  extId: extIdSchema.optional(),
  status: z.enum(['SUCCESS', 'FAILED']).optional(),
  errorMessage: z.string().max(1_000).optional(),
  createdTime: dateTimeSchema.optional(),
  channelState: z.string().optional(),
});
