import * as z from 'zod';
import { defineRoute, defineRoutes } from '../route.js';

/*
 * Zoho Desk's channel integration (the Zoho extension's resources.json channel): the link an installation makes
 * between its Zoho Desk organisation and its deployment, and the endpoints Zoho calls with the channel's
 * `securityContext` and `orgId` (sync pull, reply push) or that it downloads files from. See README "Zoho channel".
 */

export const zohoAccountsUrl = z
  .url({ protocol: /^https?$/ })
  .max(200)
  .meta({ description: 'The Zoho accounts server of the organisation’s data centre, e.g. https://accounts.zoho.jp.' });

export const linkZohoChannelRequest = z
  .strictObject({
    security_context: z.string().min(16).max(1024).meta({
      description: 'The channel installation’s securityContext, which Zoho sends with every pull and push. Stored as a hash.',
    }),
    locale: z
      .string()
      .regex(/^[a-z]{2}([-_][A-Za-z]{2,4})?$/)
      .default('en')
      .meta({ description: 'The portal’s language: refusals shown to agents are written in it (ja or en).' }),
    oauth: z.strictObject({
      accounts_url: zohoAccountsUrl,
      client_id: z.string().min(1).max(200),
      client_secret: z.string().min(1).max(500).meta({ description: 'Sealed at rest, never returned.' }),
      refresh_token: z.string().min(1).max(500).meta({ description: 'Sealed at rest, never returned.' }),
    }),
  })
  .meta({ id: 'LinkZohoChannelRequest' });

export const zohoChannelLink = z
  .object({
    id: z.string().meta({ description: 'The link (zhl_…).' }),
    installation_id: z.string(),
    org_id: z.string(),
    api_domain: z.string().meta({ description: 'The data centre’s API domain, from Zoho’s OAuth answer.' }),
    locale: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'ZohoChannelLink' });

export const zohoChannelLinkStatus = zohoChannelLink
  .extend({ org_reachable: z.literal(true).meta({ description: 'Zoho Desk answered for the organisation just now.' }) })
  .meta({ id: 'ZohoChannelLinkStatus' });

export const zohoChannelRoutes = defineRoutes({
  linkZohoChannel: defineRoute({
    method: 'post',
    path: '/v1/channels/zoho/links',
    operationId: 'linkZohoChannel',
    summary:
      'Link the installation’s Zoho Desk organisation to its deployment: the channel’s securityContext (hashed) and an ' +
      'OAuth client (sealed), checked with Zoho (token answer’s api_domain, the org reachable). Replaces an earlier link.',
    tag: 'Zoho channel',
    auth: 'installation',
    body: linkZohoChannelRequest,
    successStatus: 201,
    response: zohoChannelLink,
    problems: [
      'validation_failed',
      'installation_required',
      'zoho_accounts_url_not_allowed',
      'zoho_oauth_refused',
      'zoho_org_not_reachable',
      'zoho_unavailable',
    ],
  }),
  getZohoChannelLink: defineRoute({
    method: 'get',
    path: '/v1/channels/zoho/link',
    operationId: 'getZohoChannelLink',
    summary:
      'The installation’s Zoho channel link, checked with Zoho now with its stored token (renewed from the refresh ' +
      'token when it expires): whether the organisation is reachable.',
    tag: 'Zoho channel',
    auth: 'installation',
    successStatus: 200,
    response: zohoChannelLinkStatus,
    problems: ['installation_required', 'not_found', 'zoho_oauth_refused', 'zoho_org_not_reachable', 'zoho_unavailable'],
  }),
  zohoChannelPull: defineRoute({
    method: 'post',
    path: '/v1/channels/zoho/pull',
    operationId: 'pullZohoChannel',
    summary:
      'Zoho’s sync pull (query securityContext, orgId; JSON configParams with channelState): customers’ messages as ' +
      'tickets and threads keyed by extId, and the next channelState.',
    tag: 'Zoho channel',
    auth: 'none',
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zohoChannelPush: defineRoute({
    method: 'post',
    path: '/v1/channels/zoho/push',
    operationId: 'pushZohoChannelReply',
    summary:
      'An agent’s reply from Zoho Desk (query securityContext, orgId; JSON resource), sent through the send pipeline ' +
      'once per Zoho thread id; answers its delivery state (SUCCESS with extId, or FAILED with the reason).',
    tag: 'Zoho channel',
    auth: 'none',
    successStatus: 200,
    mountedByHand: true,
    problems: [],
  }),
  zohoChannelMedia: defineRoute({
    method: 'get',
    path: '/v1/channels/zoho/media/{link_id}/{wamid}',
    operationId: 'getZohoChannelMedia',
    summary: 'A customer’s file for Zoho to attach, under a short-lived signed URL (expires, signature).',
    tag: 'Zoho channel',
    auth: 'none',
    successStatus: 200,
    mountedByHand: true,
    problems: ['signed_url_invalid', 'not_found', 'meta_unavailable'],
  }),
});

export type LinkZohoChannelRequest = z.infer<typeof linkZohoChannelRequest>;
export type ZohoChannelLink = z.infer<typeof zohoChannelLink>;
