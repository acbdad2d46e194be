/**
 * Problems of linking a Zoho Desk portal to a deployment (the WhatsApp channel of the Zoho extension), spread into the
 * problem catalogue (errors.ts). Zoho's own refusals (its OAuth server, its Desk API) are translated into these so
 * that an admin reads what to do.
 */
export const zohoChannelProblemCatalogue = {
  zoho_accounts_url_not_allowed: {
    status: 422,
    title: 'This is not a Zoho accounts server the bridge calls (https://accounts.zoho.<data centre>).',
  },
  zoho_oauth_refused: {
    status: 422,
    title: 'Zoho refused the OAuth client or its refresh token: create a new one with the Desk scopes in Zoho’s API console.',
  },
  zoho_org_not_reachable: {
    status: 422,
    title: 'The Zoho OAuth token does not reach this Zoho Desk organisation (the installation’s org id).',
  },
  zoho_unavailable: { status: 503, title: 'Zoho could not be reached or kept failing; nothing was linked.' },
} as const satisfies Record<string, { status: number; title: string }>;
