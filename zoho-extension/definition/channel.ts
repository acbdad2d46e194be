/**
 * The source of the extension's `resources.json`: the WhatsApp channel Zoho Desk creates when the extension is
 * installed. Keys from Zoho's channel configuration guide
 * (zoho.com/desk/extensions/guide/channel-integration-configuration.html): `resourceName` (required),
 * `channelLogoPath` (required; png or jpg, at most 500 KB, a path in the app directory), `acceptAttachments`,
 * `updateRecords`, `contentTypes` (`text/plain`, `text/html`), `includeQuotedMessage`, `sync` with `push`
 * (required: where Zoho posts an agent's reply) and `pull` (called every 4 minutes), and `redirectUrl`.
 * Channel integrations are installation-specific resources (zoho.com/desk/extensions/guide/zoho-desk-resources.html).
 *
 * Inferred, not documented in what we could read: that the entry sits in a `channels` array at the top of
 * resources.json (the guide's sample code was not retrievable), and that `channelLogoPath` is written like the
 * manifest's widget paths (`/app/...`). Check both against `zet validate` of a newer toolkit or Zoho's review.
 */
import { bridgeOrigins } from './manifest.js';

export const channelLogoPath = '/app/img/channel-logo.png';
/** Zoho: "max-size : 500kb". */
export const channelLogoBytesMax = 500 * 1024;
export const channelContentTypes = ['text/plain', 'text/html'] as const;

export interface ChannelResource {
  resourceName: string;
  channelLogoPath: string;
  acceptAttachments: boolean;
  updateRecords: boolean;
  contentTypes: (typeof channelContentTypes)[number][];
  includeQuotedMessage: boolean;
  sync: { push: string; pull: string };
}

export interface Resources {
  channels: ChannelResource[];
}

/**
 * One channel: the bridge's pull and push endpoints on its first origin. Replies are plain text (WhatsApp shows no
 * HTML) without quoted history (each reply is one WhatsApp message) and without attachments (not sent from Zoho yet:
 * a refused attachment would be better than a silently dropped one, and Zoho then offers none).
 */
export function buildResources(environment: NodeJS.ProcessEnv = process.env): Resources {
  const origin = bridgeOrigins(environment)[0]!.replace(/\/+$/, '');
  return {
    channels: [
      {
        resourceName: 'wabridge_whatsapp',
        channelLogoPath,
        acceptAttachments: false,
        updateRecords: false,
        contentTypes: ['text/plain'],
        includeQuotedMessage: false,
        sync: { push: `${origin}/v1/channels/zoho/push`, pull: `${origin}/v1/channels/zoho/pull` },
      },
    ],
  };
}
