import type { Kysely } from 'kysely';
import * as z from 'zod';
import { receivesConversations } from '../../conversations/routing.js';
import { type FeedMessage, readConversationFeed } from '../../conversations/store.js';
import type { Schema } from '../../storage/schema.js';
import { customerExternalId, positionOf, stateOf } from '../zendesk/pull.js';
import { type ZohoLinkContext, zohoMediaSignature } from './links.js';

/*
 * Zoho's sync pull (zoho.com/desk/extensions/guide/channel-integration-sync.html): "every 4 minutes" Zoho posts to
 * the channel's sync.pull, and we answer a SYNC_OBJECT `{channelState, data: {tickets, threads}}` (at most 1,000 of
 * each). One ticket per customer, `extId` = `whatsapp:<E.164>` (the guide's own example: "whatsapp:+919994411345"),
 * repeated with every batch the customer appears in so that its threads always find it (a repeat updates it); one
 * thread per message, `extId` = the wamid (our message id for the business's own), so a message pulled twice is stored once. `channelState` is the same
 * transaction-safe cursor as the Zendesk pull (recorded_xid, wamid): it never passes a message whose transaction may
 * still commit, and Zoho keeps the old state when a thread of the answer could not be stored, so that page comes again.
 *
 * Inferred (the guide shows the objects' names, not every field): the request is a POST with securityContext and
 * orgId in the query and `{configParams}` as JSON, as the documented push is; thread fields `extParentId`, `content`,
 * `contentType`, `direction`, `actor`, `attachments: [{url, name}]`. See bridge-server/src/sandboxes/README.md.
 */

/** Messages per answer: Zoho takes 1,000; fewer keeps one pull (which downloads the files) well inside its timeout. */
export const zohoPullThreadsMax = 100;
/** How long a file URL stays valid: Zoho downloads while importing the answer; a failed page comes again, re-signed. */
export const zohoMediaUrlLifetimeSeconds = 15 * 60;
/** A generous bound on one thread's content (the sandbox's; Zoho documents none for channel threads). */
const contentCharactersMax = 64 * 1024;

export const pullBodySchema = z.object({
  configParams: z
    .object({ channelState: z.string().max(5000).optional() })
    .loose()
    .default({}),
});

interface SyncActor {
  extId: string;
  name: string;
  phone?: string;
}

/** The ticket a customer's messages belong to on a deployment: one per customer, whatever the batch. */
export const ticketExtIdOf = (customer: FeedMessage['customer']) => `whatsapp:${customerExternalId(customer)}`;

export function zohoMediaUrl(publicUrl: string, link: ZohoLinkContext, wamid: string, nowMs: number): string {
  const expires = Math.floor(nowMs / 1000) + zohoMediaUrlLifetimeSeconds;
  const signature = zohoMediaSignature(link, wamid, expires);
  return `${publicUrl}/v1/channels/zoho/media/${link.linkId}/${encodeURIComponent(wamid)}?expires=${expires}&signature=${signature}`;
}

function actorOf(customer: FeedMessage['customer']): SyncActor {
  const extId = ticketExtIdOf(customer);
  const number = customer.waId === null ? undefined : `+${customer.waId}`;
  return { extId, name: customer.profileName ?? number ?? extId, ...(number === undefined ? {} : { phone: number }) };
}

/**
 * One message as a thread of the customer's ticket: theirs `in`, authored by them; the business's own (sent from the
 * sidebar, the API or an automation, not from Zoho's composer) `out`, authored by the business, so that the ticket
 * holds the whole conversation.
 */
function threadOf(message: FeedMessage, link: ZohoLinkContext, fileUrl: (wamid: string) => string) {
  const media = message.content.media;
  const inbound = message.direction === 'inbound';
  return {
    extId: message.externalId,
    extParentId: ticketExtIdOf(message.customer),
    content: message.content.text.slice(0, contentCharactersMax),
    contentType: 'text/plain' as const,
    createdTime: message.sentAt.toISOString(),
    direction: inbound ? ('in' as const) : ('out' as const),
    actor: inbound
      ? actorOf(message.customer)
      : { extId: `whatsapp-business:${link.deploymentId}`, name: link.businessName.slice(0, 255) },
    canReply: true,
    ...(media === null
      ? {}
      : { attachments: [{ url: fileUrl(message.externalId), ...(media.filename === null ? {} : { name: media.filename }) }] }),
  };
}

/** One pull: the link's next messages as tickets and threads, and the channelState after them. */
export async function zohoPull(
  db: Kysely<Schema>,
  link: ZohoLinkContext,
  channelState: string | undefined,
  fileUrl: (wamid: string) => string,
) {
  const position = positionOf(channelState, link);
  // Routing (conversations/routing.ts): when the deployment names another Zoho Desk installation, this channel receives
  // nothing and keeps its cursor, so that what was written meanwhile comes once it is routed here again.
  if (!(await receivesConversations(db, link.installationId))) {
    return { channelState: stateOf(position), data: { tickets: [], threads: [] } };
  }
  const messages = await readConversationFeed(db, link.deploymentId, position, zohoPullThreadsMax);
  const tickets = new Map<string, { extId: string; subject: string; createdTime: string; actor: SyncActor }>();
  for (const message of messages) {
    const actor = actorOf(message.customer);
    if (!tickets.has(actor.extId)) {
      tickets.set(actor.extId, {
        extId: actor.extId,
        subject: `WhatsApp: ${actor.name}`.slice(0, 255),
        createdTime: message.sentAt.toISOString(),
        actor,
      });
    }
  }
  const last = messages.at(-1);
  return {
    channelState: stateOf(last === undefined ? position : last.position),
    data: { tickets: [...tickets.values()], threads: messages.map((message) => threadOf(message, link, fileUrl)) },
  };
}
