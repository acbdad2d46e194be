import type { Kysely } from 'kysely';
import * as z from 'zod';
import { receivesConversations } from '../../conversations/routing.js';
import { type FeedMessage, type FeedPosition, readConversationFeed } from '../../conversations/store.js';
import type { Schema } from '../../storage/schema.js';
import { type LinkContext, mediaSignature } from './links.js';

/*
 * Zendesk's pull (developer.zendesk.com/documentation/channel_framework/…/pull_endpoint): a form post of `metadata`
 * and `state` about every 2 minutes, answered with `external_resources` (ordered, at most 200) and the next `state`.
 * Each message is one resource: `external_id` is a customer message's wamid (our message id for the business's own),
 * so a message pulled (or pushed) twice is `already_imported`; `thread_id` is the customer on this number, so one
 * conversation stays one ticket.
 */

/** Resources per answer. Zendesk takes up to 200; fewer keeps each pull (which downloads the files) well inside its timeout. */
export const pullResourcesMax = 100;
/** Zendesk's `message` limit. */
const messageCharactersMax = 65_535;
/**
 * How long a file URL in a pull answer stays valid. Zendesk downloads the files while importing that answer; a
 * resource that fails is pulled again later with a fresh URL, so the URL only needs to outlive one import.
 */
export const mediaUrlLifetimeSeconds = 15 * 60;

const stateSchema = z.strictObject({ v: z.literal(1), xid: z.string().regex(/^\d{1,20}$/), wamid: z.string().max(512) });

export const pullFormSchema = z.object({
  metadata: z.string().max(5000),
  state: z.string().max(5000).optional(),
});

/** Where the link's pull stands; an empty or unreadable state starts where the link was made. */
export function positionOf(state: string | undefined, link: Pick<LinkContext, 'startXid'>): FeedPosition {
  if (state !== undefined && state !== '') {
    try {
      const parsed = stateSchema.parse(JSON.parse(state));
      return { xid: parsed.xid, wamid: parsed.wamid };
    } catch {
      // A state we did not write (or an old format) cannot place the cursor: start from the link, and let
      // Zendesk's deduplication by external_id answer already_imported for what it has.
    }
  }
  return { xid: link.startXid, wamid: '' };
}

export function stateOf(position: FeedPosition): string {
  return JSON.stringify({ v: 1, xid: position.xid, wamid: position.wamid });
}

/** The customer as Zendesk's end user: their WhatsApp number (or business-scoped id, for username-only users). */
export function customerExternalId(customer: FeedMessage['customer']): string {
  return customer.waId !== null ? `+${customer.waId}` : `whatsapp-user:${customer.userId}`;
}

/** One ticket per customer and number: the thread of every message between them. */
export function threadIdOf(deploymentId: string, customerId: string): string {
  return `whatsapp:${deploymentId}:${customerId}`;
}

export interface ExternalResource {
  external_id: string;
  message: string;
  thread_id: string;
  created_at: string;
  author: { external_id: string; name: string };
  allow_channelback: boolean;
  file_urls?: string[];
}

export function mediaUrl(publicUrl: string, link: LinkContext, wamid: string, nowMs: number): string {
  const expires = Math.floor(nowMs / 1000) + mediaUrlLifetimeSeconds;
  const signature = mediaSignature(link, wamid, expires);
  return `${publicUrl}/v1/channels/zendesk/media/${link.linkId}/${encodeURIComponent(wamid)}?expires=${expires}&signature=${signature}`;
}

/** The business in the ticket: the author of the messages it sent from the sidebar, the API or an automation. */
export function businessAuthor(link: Pick<LinkContext, 'deploymentId' | 'businessName'>) {
  return { external_id: `whatsapp-business:${link.deploymentId}`, name: link.businessName };
}

/**
 * One message as an external resource. A customer's is authored by them; the business's own (sent outside Zendesk's
 * composer) by the business, so the ticket holds the whole conversation. Both go to the customer's thread.
 */
export function resourceOf(message: FeedMessage, link: LinkContext, fileUrl: (wamid: string) => string): ExternalResource {
  const customerId = customerExternalId(message.customer);
  const author =
    message.direction === 'inbound'
      ? { external_id: customerId, name: message.customer.profileName ?? customerId }
      : businessAuthor(link);
  return {
    external_id: message.externalId,
    message: message.content.text.slice(0, messageCharactersMax),
    thread_id: threadIdOf(link.deploymentId, customerId),
    created_at: message.sentAt.toISOString(),
    author,
    allow_channelback: true,
    ...(message.content.media === null ? {} : { file_urls: [fileUrl(message.externalId)] }),
  };
}

/**
 * One pull: the link's next messages as resources, and the state after them (unchanged when there are none). A link
 * whose installation does not receive the deployment's conversations (conversations/routing.ts) gets nothing.
 */
export async function pull(
  db: Kysely<Schema>,
  link: LinkContext,
  state: string | undefined,
  fileUrl: (wamid: string) => string,
): Promise<{ external_resources: ExternalResource[]; state: string }> {
  const position = positionOf(state, link);
  if (!(await receivesConversations(db, link.installationId))) return { external_resources: [], state: stateOf(position) };
  const messages = await readConversationFeed(db, link.deploymentId, position, pullResourcesMax);
  const last = messages.at(-1);
  return {
    external_resources: messages.map((message) => resourceOf(message, link, fileUrl)),
    state: stateOf(last === undefined ? position : last.position),
  };
}
