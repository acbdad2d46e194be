import { routes } from '@wabridge/shared';
import express, { type Request, type Response, Router } from 'express';
import { DomainError } from '../../domain/errors.js';
import { type MountOptions, mountByHand } from '../../http/mount.js';
import type { MediaService } from '../../media/service.js';
import { IdempotentSender } from '../../messages/idempotent-send.js';
import { AuthFailureLimiter } from '../../security/auth-failures.js';
import type { Services } from '../../services.js';
import { bridgeVersion } from '../../version.js';
import { serveSignedFile } from '../signed-file.js';
import { ZendeskAdminUi } from './admin.js';
import { channelback, channelbackFormSchema, channelbackRefusalFor } from './channelback.js';
import { zendeskChannelbackFiles } from './channelback-files.js';
import { eventsBodySchema, recordEvents } from './events.js';
import { verifyMetadata } from './links.js';
import { signedMediaFile } from './media.js';
import { escapeHtml } from './pages.js';
import { mediaUrl, pull, pullFormSchema } from './pull.js';

/** Zendesk's forms are small; a channelback's message is up to 65,535 characters (up to 4 bytes each in UTF-8). */
const formBytesMax = 512 * 1024;
const form = express.urlencoded({ extended: false, limit: formBytesMax, type: 'application/x-www-form-urlencoded' });

/** The integration manifest (developer.zendesk.com/documentation/channel_framework/…/manifest). */
export function manifestOf(publicUrl: string, pushClientId: string | undefined) {
  const base = `${publicUrl}/v1/channels/zendesk`;
  return {
    name: 'WhatsApp (wabridge)',
    id: 'com.wabridge.zendesk.whatsapp',
    author: 'wabridge',
    version: bridgeVersion,
    // With a push client id Zendesk hands each account a push token: new messages are pushed (push.ts), and agents'
    // attachments, which "can be downloaded using the push access token", are offered (channelback_files).
    ...(pushClientId === undefined ? {} : { push_client_id: pushClientId }),
    channelback_files: pushClientId !== undefined,
    // A customer writing again after their ticket was closed opens a follow-up ticket that links to the old one.
    create_followup_tickets: true,
    urls: {
      admin_ui: `${base}/admin`,
      pull_url: `${base}/pull`,
      channelback_url: `${base}/channelback`,
      clickthrough_url: `${base}/clickthrough`,
      event_callback_url: `${base}/events`,
    },
  };
}

function zendeskError(response: Response, status: number, error: string, description: string): void {
  response.status(status).json({ error, description });
}

/** The endpoints Zendesk's Channel framework calls; see README "Zendesk channel". */
export function zendeskChannelRouter(services: Services, media: MediaService, options: Pick<MountOptions, 'mounted'>): Router {
  const router = Router();
  const { db, secretBox, config, clock } = services;
  const limiter = new AuthFailureLimiter(db, config.authFailuresPerMinute);
  const admin = new ZendeskAdminUi({
    db,
    secretBox,
    clock,
    limiter,
    publicUrl: config.publicUrl,
    returnUrlOrigins: config.zendeskChannel.returnUrlOrigins,
  });
  const sender = new IdempotentSender(services, media);
  const files = zendeskChannelbackFiles(db, secretBox, media);
  const fileUrl = (link: Parameters<typeof mediaUrl>[1]) => (wamid: string) =>
    mediaUrl(config.publicUrl, link, wamid, clock.now().getTime());
  const html = (response: Response, page: { status: number; html: string }) => {
    // The admin UI is shown in Zendesk's iframe: framing stays allowed, nothing is cached.
    response.status(page.status).type('html').send(page.html);
  };

  router.get(mountByHand(options, routes.zendeskManifest), (_request, response) => {
    response.json(manifestOf(config.publicUrl, config.zendeskChannel.pushClientId));
  });
  router.post(mountByHand(options, routes.zendeskAdminUi), form, (request, response) => {
    html(response, admin.open(request.body));
  });
  router.post(mountByHand(options, routes.zendeskLink), form, async (request: Request, response) => {
    html(response, await admin.link(request.body, `ip:${request.ip ?? 'unknown'}`));
  });
  router.post(mountByHand(options, routes.zendeskPull), form, async (request, response) => {
    const parsed = pullFormSchema.safeParse(request.body);
    if (!parsed.success) return zendeskError(response, 400, 'invalid_request', 'metadata and state are expected, form-encoded');
    const link = await verifyMetadata(db, secretBox, parsed.data.metadata);
    if (link === undefined) return zendeskError(response, 401, 'invalid_metadata', 'this metadata names no linked account');
    response.json(await pull(db, link, parsed.data.state, fileUrl(link)));
  });
  router.post(mountByHand(options, routes.zendeskChannelback), form, async (request, response) => {
    const parsed = channelbackFormSchema.safeParse(request.body);
    if (!parsed.success) return void response.status(400).type('text/plain').send('Not a channelback request.');
    const link = await verifyMetadata(db, secretBox, parsed.data.metadata);
    if (link === undefined) {
      return void response.status(401).type('text/plain').send('This Zendesk account is not linked to WhatsApp any more.');
    }
    try {
      response.json(await channelback(sender, link, parsed.data, files));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = channelbackRefusalFor(link.locale)(error);
      if (refusal.retryAfterSeconds !== undefined) response.set('Retry-After', String(refusal.retryAfterSeconds));
      (request.log ?? services.logger).info({ code: error.code, status: refusal.status }, 'channelback refused');
      response.status(refusal.status).type('text/plain').send(refusal.message);
    }
  });
  router.get(mountByHand(options, routes.zendeskClickthrough), (request, response) => {
    const externalId = typeof request.query.external_id === 'string' ? request.query.external_id.slice(0, 255) : '';
    // Opened by an agent's browser without credentials: it says where the message came from and shows nothing of it.
    response
      .type('html')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>WhatsApp</title></head><body>` +
          `<p>This comment was received on WhatsApp through wabridge.</p><p>Message: <code>${escapeHtml(externalId)}</code></p>` +
          '<p>The WhatsApp panel in the ticket shows the whole conversation.</p></body></html>',
      );
  });
  router.post(mountByHand(options, routes.zendeskEvents), express.json({ limit: formBytesMax }), async (request, response) => {
    const parsed = eventsBodySchema.safeParse(request.body);
    if (!parsed.success) return zendeskError(response, 400, 'invalid_request', 'expected {"events": [...]}');
    const recorded = await recordEvents(db, secretBox, parsed.data.events, clock.now());
    response.json({ recorded });
  });
  router.get(mountByHand(options, routes.zendeskMedia), serveSignedFile(services, signedMediaFile));
  return router;
}
