import * as z from 'zod';
import { timestamp } from '../common.js';
import { contactPath } from '../contacts.js';
import { defineRoute, defineRoutes } from '../route.js';

/*
 * The panel's live stream (issue #11). The installation token never reaches the browser, and EventSource cannot set
 * headers; so the panel asks, through the helpdesk's secure proxy (installation token), for a stream token: short-lived,
 * read-only, bound to one installation, its account and deployment, and one customer, usable only on that customer's
 * event stream. The stream is server-sent events (text/event-stream) carrying invalidations: which of the panel's
 * readings changed (the conversation, the contact's window and opt-in, the wallet), which the panel then reads again
 * through the proxy. Each event's id is a stream position; a reconnection sends it back (Last-Event-ID, or
 * `last_event_id` for a new EventSource) and misses nothing.
 */

/** A stream position: `<transaction id>.<event id>`, both decimal. */
export const livePosition = z
  .string()
  .regex(/^\d{1,20}\.\d{1,20}$/)
  .meta({ description: 'A stream position as the stream’s event ids give it (`<xid>.<id>`).' });

export const streamToken = z
  .object({
    token: z.string().meta({ description: 'The stream token (`wbs_…`): read-only, for this customer’s stream only.' }),
    expires_at: timestamp.meta({ description: 'When the token stops opening streams; an open stream ends then too.' }),
    stream_url: z.string().meta({
      description: 'The stream’s absolute URL with the token (and the position) in its query: what EventSource opens.',
    }),
    position: livePosition.meta({ description: 'The stream position when the token was issued: events after it are sent.' }),
  })
  .meta({ id: 'StreamToken' });

export const liveEventsQuery = z.strictObject({
  token: z.string().max(1000).meta({ description: 'A stream token for this customer (EventSource cannot send headers).' }),
  last_event_id: livePosition.optional().meta({
    description: 'Resume after this position (a new EventSource; a reconnecting one sends the Last-Event-ID header).',
  }),
});

/** One invalidation, the `data` of an event named `change`. */
export const liveChange = z
  .object({
    kind: z.enum(['conversation', 'contact', 'wallet']).meta({
      description:
        'conversation: a message either way or a delivery status; contact: the window, Stop/Resume, a consent; wallet: points.',
    }),
  })
  .meta({ id: 'LiveChange' });

export const liveRoutes = defineRoutes({
  createStreamToken: defineRoute({
    method: 'post',
    path: '/v1/conversations/{phone}/stream-tokens',
    operationId: 'createStreamToken',
    summary: 'A short-lived, read-only token for the live stream of one customer’s conversation (for the panel’s EventSource).',
    tag: 'Conversations',
    auth: 'installation',
    params: contactPath,
    invalidParams: 'validation_failed',
    successStatus: 201,
    response: streamToken,
    problems: ['validation_failed', 'installation_required'],
  }),
  conversationEvents: defineRoute({
    method: 'get',
    path: '/v1/conversations/{phone}/events',
    operationId: 'streamConversationEvents',
    summary:
      'Server-sent events (text/event-stream) for one customer: `ready`, then `change` events ({kind}) with positions as ids, ' +
      'comments as heartbeats, and `expired` when the token ends.',
    tag: 'Conversations',
    auth: 'none',
    mountedByHand: true,
    query: liveEventsQuery,
    successStatus: 200,
    problems: ['stream_token_invalid', 'validation_failed'],
  }),
});

export type StreamToken = z.infer<typeof streamToken>;
export type LiveChange = z.infer<typeof liveChange>;
