import type { Kysely } from 'kysely';
import * as z from 'zod';
import type { SecretBox } from '../../security/secret-box.js';
import type { Schema } from '../../storage/schema.js';
import { findLinkByName, removeLink, verifyMetadata } from './links.js';

/*
 * Event callbacks (Zendesk's event_callback_* schemas, github.com/zendesk/any_channel_json_schemas): each event has
 * type_id, timestamp, subdomain, integration_name, integration_id, data and maybe error, posted as {"events": [...]}.
 * They are not signed. Instance events carry the account's metadata, which we verify; only a verified
 * destroy_integration_instance removes a link. Other events (pull_request, resources_created_from_external_ids,
 * channelback failures) name the account by subdomain and name and are recorded as unverified.
 */

const eventSchema = z.looseObject({
  type_id: z.string().min(1).max(128),
  timestamp: z.string().max(64).optional(),
  subdomain: z.string().max(255),
  integration_name: z.string().max(255).optional(),
  integration_id: z.string().max(511).optional(),
  data: z.looseObject({ metadata: z.string().max(5000).optional(), integration_instance_name: z.string().max(255).optional() }),
  error: z.string().max(5000).optional(),
});

export const eventsBodySchema = z.object({ events: z.array(z.unknown()).max(100) });

/** Instance events whose metadata, when it verifies, speaks for the link. */
const removalTypes = new Set(['destroy_integration_instance']);

function occurredAt(timestamp: string | undefined): Date | null {
  const at = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  return Number.isNaN(at) ? null : new Date(at);
}

/** Records the events that concern a link; answers how many were recorded. Events about no link are ignored. */
export async function recordEvents(db: Kysely<Schema>, secretBox: SecretBox, events: unknown[], now: Date): Promise<number> {
  let recorded = 0;
  for (const candidate of events) {
    const parsed = eventSchema.safeParse(candidate);
    if (!parsed.success) continue;
    const event = parsed.data;
    const verified = event.data.metadata === undefined ? undefined : await verifyMetadata(db, secretBox, event.data.metadata);
    const linkId =
      verified?.linkId ??
      (event.data.integration_instance_name === undefined || event.data.metadata !== undefined
        ? undefined
        : await findLinkByName(db, event.subdomain.toLowerCase(), event.data.integration_instance_name));
    if (linkId === undefined) continue;
    await db
      .insertInto('zendesk_channel_events')
      .values({
        link_id: linkId,
        type_id: event.type_id,
        occurred_at: occurredAt(event.timestamp),
        verified: verified !== undefined,
        payload: JSON.stringify(event),
      })
      .execute();
    if (verified !== undefined && removalTypes.has(event.type_id)) await removeLink(db, linkId, now);
    recorded += 1;
  }
  return recorded;
}
