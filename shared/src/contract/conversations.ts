import * as z from 'zod';
import { installationId, pageQuery, timestamp } from './common.js';
import { contactPath } from './contacts.js';
import { deploymentPath } from './deployments.js';
import { message } from './messages.js';
import { defineRoute } from './route.js';

/*
 * The conversation with one customer, both directions as one timeline, and the endpoints Zendesk's Channel framework
 * calls. Kept in its own module (the route table spreads `conversationRoutes`) so other contract work merges beside it.
 */

export const conversationMedia = z
  .object({
    kind: z.string().meta({ description: 'image, video, audio, document, sticker.' }),
    mime_type: z.string().nullable(),
    filename: z.string().nullable(),
    caption: z.string().nullable(),
  })
  .meta({ id: 'ConversationMedia' });

export const conversationEntry = z
  .object({
    id: z.string().meta({ description: 'The wamid of a customer’s message; our message id (msg_…) of one we sent.' }),
    direction: z.enum(['inbound', 'outbound']),
    at: timestamp.meta({ description: 'Meta’s timestamp of a customer’s message; when we recorded one we sent.' }),
    type: z.string().meta({ description: 'text, image, location, reaction, template… as WhatsApp names it.' }),
    text: z
      .string()
      .nullable()
      .meta({
        description:
          'What the message says in words: the text, a caption, a description of a location, contact card…; for a template ' +
          'we sent, its header text, body and footer with the values it was sent with (what the customer read).',
      }),
    media: conversationMedia.nullable(),
    wamid: z.string().nullable(),
    message: message.nullable().meta({
      description: 'For messages we sent: the message with its delivery status, timeline, error and charge.',
    }),
  })
  .meta({ id: 'ConversationEntry' });

export const conversationQuery = pageQuery.extend({
  cursor: z.string().max(400).optional().meta({ description: 'The `next_cursor` of the previous (newer) page.' }),
});

export const conversation = z
  .object({
    contact: z.object({ phone: z.string(), name: z.string().nullable() }),
    data: z.array(conversationEntry).meta({ description: 'Oldest first within the page; pages go back in time.' }),
    next_cursor: z.string().nullable().meta({ description: 'Reads older entries; null at the start of the conversation.' }),
  })
  .meta({ id: 'Conversation' });

const route = z
  .object({
    installation_ids: z.array(installationId).meta({
      description: 'The live installations that receive new conversations: the named one, or (by default) all of them.',
    }),
    explicit: z.boolean().meta({
      description: 'One installation is named by an administrator; false: every live installation of this helpdesk.',
    }),
  })
  .meta({ id: 'ConversationRoute' });

export const conversationRouting = z
  .object({
    deployment_id: z.string(),
    zendesk: route.meta({ description: 'Receives new conversations in Zendesk (pull, push).' }),
    zoho: route.meta({ description: 'Receives new conversations in Zoho Desk (channel sync).' }),
  })
  .meta({
    id: 'ConversationRouting',
    description:
      'Who receives the number’s conversations: per helpdesk, one installation of the deployment. A number installed ' +
      'in a Zendesk account and a Zoho Desk organisation at once delivers every conversation to both.',
  });

export const setConversationRoutingRequest = z
  .strictObject({
    zendesk_installation_id: installationId.nullable().optional(),
    zoho_installation_id: installationId.nullable().optional(),
  })
  .meta({
    id: 'SetConversationRoutingRequest',
    description: 'An installation id names the only receiver; null returns to the default (all); absent leaves it as it is.',
  });

const formEncoded = ['application/x-www-form-urlencoded'] as const;

export const conversationRoutes = {
  getConversation: defineRoute({
    method: 'get',
    path: '/v1/conversations/{phone}',
    operationId: 'getConversation',
    summary:
      'The conversation with a customer on the installation’s deployment: what they wrote and what was sent to them, ' +
      'with statuses and media, newest page first.',
    tag: 'Conversations',
    auth: 'installation',
    params: contactPath,
    invalidParams: 'validation_failed',
    query: conversationQuery,
    successStatus: 200,
    response: conversation,
    problems: ['validation_failed', 'installation_required'],
  }),
  getConversationRouting: defineRoute({
    method: 'get',
    path: '/v1/deployments/{deployment_id}/conversation-routing',
    operationId: 'getConversationRouting',
    summary: 'Which installation of each helpdesk receives the number’s conversations.',
    tag: 'Conversations',
    auth: 'admin',
    params: deploymentPath,
    successStatus: 200,
    response: conversationRouting,
    problems: ['not_found'],
  }),
  setConversationRouting: defineRoute({
    method: 'put',
    path: '/v1/deployments/{deployment_id}/conversation-routing',
    operationId: 'setConversationRouting',
    summary: 'Name the one installation of a helpdesk that receives the number’s conversations (null: all of them).',
    tag: 'Conversations',
    auth: 'admin',
    params: deploymentPath,
    body: setConversationRoutingRequest,
    successStatus: 200,
    response: conversationRouting,
    problems: ['validation_failed', 'not_found'],
  }),
  zendeskManifest: defineRoute({
    method: 'get',
    path: '/v1/channels/zendesk/manifest.json',
    operationId: 'getZendeskChannelManifest',
    summary: 'The Channel framework integration manifest Zendesk fetches (requirements.json → channel_integrations).',
    tag: 'Zendesk channel',
    auth: 'none',
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zendeskAdminUi: defineRoute({
    method: 'post',
    path: '/v1/channels/zendesk/admin',
    operationId: 'openZendeskChannelAdmin',
    summary: 'Zendesk’s admin UI form post (return_url, subdomain, locale, …): answers the linking page (HTML).',
    tag: 'Zendesk channel',
    auth: 'none',
    rawBody: { contentTypes: formEncoded, description: 'The form Zendesk posts to admin_ui.' },
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zendeskLink: defineRoute({
    method: 'post',
    path: '/v1/channels/zendesk/admin/link',
    operationId: 'linkZendeskChannel',
    summary: 'The linking page’s submission (installation token): answers a page that posts name and metadata to Zendesk.',
    tag: 'Zendesk channel',
    auth: 'none',
    rawBody: { contentTypes: formEncoded, description: 'The linking form.' },
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zendeskPull: defineRoute({
    method: 'post',
    path: '/v1/channels/zendesk/pull',
    operationId: 'pullZendeskChannel',
    summary: 'Zendesk’s pull (metadata, state): customers’ messages as external_resources and the next state.',
    tag: 'Zendesk channel',
    auth: 'none',
    rawBody: { contentTypes: formEncoded, description: 'metadata and state.' },
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zendeskChannelback: defineRoute({
    method: 'post',
    path: '/v1/channels/zendesk/channelback',
    operationId: 'zendeskChannelback',
    summary: 'An agent’s reply from Zendesk, sent through the send pipeline once per request_unique_identifier.',
    tag: 'Zendesk channel',
    auth: 'none',
    rawBody: { contentTypes: formEncoded, description: 'message, parent_id, recipient_id, metadata, request_unique_identifier.' },
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zendeskClickthrough: defineRoute({
    method: 'get',
    path: '/v1/channels/zendesk/clickthrough',
    operationId: 'zendeskClickthrough',
    summary: 'Where a ticket comment’s source link leads (external_id).',
    tag: 'Zendesk channel',
    auth: 'none',
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zendeskEvents: defineRoute({
    method: 'post',
    path: '/v1/channels/zendesk/events',
    operationId: 'zendeskChannelEvents',
    summary: 'Zendesk’s event callbacks; those of a linked account (verified metadata) are recorded.',
    tag: 'Zendesk channel',
    auth: 'none',
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zendeskMedia: defineRoute({
    method: 'get',
    path: '/v1/channels/zendesk/media/{link_id}/{wamid}',
    operationId: 'getZendeskChannelMedia',
    summary: 'A customer’s file for Zendesk to import, under a short-lived signed URL (expires, signature).',
    tag: 'Zendesk channel',
    auth: 'none',
    successStatus: 200,
    mountedByHand: true,
    problems: ['signed_url_invalid', 'not_found', 'meta_unavailable'],
  }),
} as const;

export type ConversationEntry = z.infer<typeof conversationEntry>;
export type Conversation = z.infer<typeof conversation>;
export type ConversationRouting = z.infer<typeof conversationRouting>;
