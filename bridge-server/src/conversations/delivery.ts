import type { Kysely, Transaction } from 'kysely';
import {
  enqueueZendeskPushes,
  enqueueZendeskPushesTo,
  zendeskPushLinkCandidates,
  zendeskPushLinksOf,
} from '../channels/zendesk/push.js';
import type { Schema } from '../storage/schema.js';

/**
 * What must reach the helpdesks when a conversation grows, written in the transaction that recorded the message (an
 * outbox): a customer's message in the webhook's transaction, one the business sent in the transaction that recorded
 * Meta's wamid. Zendesk accounts with push get a `zendesk_push` job each; pull (Zendesk) and sync (Zoho Desk) read
 * the same messages from the conversation feed (conversations/store.ts `readConversationFeed`) and need no job.
 */
export async function queueHelpdeskDelivery(
  transaction: Kysely<Schema> | Transaction<Schema>,
  deploymentId: string,
  message: { direction: 'inbound' | 'outbound'; externalId: string; accountId: string },
): Promise<void> {
  await enqueueZendeskPushes(transaction, deploymentId, message);
}

/**
 * Rows that exist when `queueHelpdeskDelivery` may have something to write for the deployment (its Zendesk push links):
 * a statement that records a message asks `exists` of it in the same round trip, and skips the delivery when there are
 * none, as for most deployments.
 */
export function helpdeskDeliveryTargets(transaction: Kysely<Schema> | Transaction<Schema>, deploymentId: string) {
  return zendeskPushLinkCandidates(transaction, deploymentId);
}

/**
 * `queueHelpdeskDelivery` for the many messages of one webhook batch: each deployment's push links are read once for
 * the batch (most deployments have none, and then a message costs no query), in the batch's transaction.
 */
export class HelpdeskDeliveries {
  readonly #links = new Map<string, Promise<string[]>>();

  constructor(private readonly transaction: Transaction<Schema>) {}

  async queue(deploymentId: string, message: { direction: 'inbound' | 'outbound'; externalId: string; accountId: string }) {
    let links = this.#links.get(deploymentId);
    if (links === undefined) {
      links = zendeskPushLinksOf(this.transaction, deploymentId);
      this.#links.set(deploymentId, links);
    }
    await enqueueZendeskPushesTo(this.transaction, await links, message);
  }
}
