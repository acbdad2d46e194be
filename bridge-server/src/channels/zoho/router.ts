import { routes } from '@wabridge/shared';
import express, { type Request, Router } from 'express';
import * as z from 'zod';
import { DomainError } from '../../domain/errors.js';
import { installationOf } from '../../http/caller.js';
import { type MountOptions, mountByHand, mountRoute } from '../../http/mount.js';
import { installationInstance } from '../../installations/store.js';
import type { MediaService } from '../../media/service.js';
import { IdempotentSender } from '../../messages/idempotent-send.js';
import type { Services } from '../../services.js';
import { serveSignedFile } from '../signed-file.js';
import { createZohoLink, findZohoLink, findZohoLinkOfInstallation, zohoTokens } from './links.js';
import { zohoSignedFile } from './media.js';
import { accessTokenRenewalMarginMs, allowedAccountsUrl, deskGet, refreshAccessToken, type ZohoHttp } from './oauth.js';
import { pullBodySchema, zohoMediaUrl, zohoPull } from './pull.js';
import { pushBodySchema, zohoReply } from './push.js';

/** A pull's body is config params; a push's, one reply of up to 65,535 characters (4 bytes each at most). */
const json = express.json({ limit: 512 * 1024, type: () => true });

const organizationsSchema = z.object({ data: z.array(z.object({ id: z.union([z.string(), z.number()]) })) });

export interface ZohoChannelOptions {
  /** Zoho's HTTP (tests inject waiting). */
  http?: Partial<Pick<ZohoHttp, 'fetch' | 'sleep'>>;
}

/** The endpoints of the Zoho Desk channel; see README "Zoho channel". */
export function zohoChannelRouter(
  services: Services,
  media: MediaService,
  options: MountOptions,
  channel: ZohoChannelOptions = {},
): Router {
  const router = Router();
  const { db, secretBox, config, clock } = services;
  const http: ZohoHttp = {
    fetch: channel.http?.fetch ?? fetch,
    sleep: channel.http?.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: () => clock.now(),
    extraAccountsUrls: config.zohoChannel.accountsUrls,
  };
  const sender = new IdempotentSender(services, media);
  const linkOf = (request: Request) => findZohoLink(db, secretBox, request.query.securityContext, request.query.orgId);
  const unknownChannel = { errorCode: 'INVALID_CHANNEL', message: 'This channel is not linked to WhatsApp (any more).' };

  mountRoute(
    router,
    routes.linkZohoChannel,
    async ({ body }, { caller }) => {
      const installation = installationOf(caller);
      if (installation.helpdesk !== 'zoho') {
        throw new DomainError('validation_failed', 'Only a Zoho Desk installation links a Zoho channel.', {
          errors: [{ path: 'auth', code: 'not_zoho', message: 'the installation is not a Zoho Desk one' }],
        });
      }
      const instance = await installationInstance(db, installation.installationId);
      const client = {
        accountsUrl: allowedAccountsUrl(http, body.oauth.accounts_url),
        clientId: body.oauth.client_id,
        clientSecret: body.oauth.client_secret,
        refreshToken: body.oauth.refresh_token,
      };
      const token = await refreshAccessToken(http, client);
      // The token must reach the installation's organisation: another org's credentials would link nothing useful.
      const organizations = organizationsSchema.safeParse(
        await deskGet(
          http,
          { current: async () => token, renew: () => refreshAccessToken(http, client) },
          {
            path: '/organizations',
            orgId: undefined,
          },
        ),
      );
      if (!organizations.success || !organizations.data.data.some((org) => String(org.id) === instance.instance)) {
        throw new DomainError('zoho_org_not_reachable', `The token does not reach Zoho Desk organisation ${instance.instance}.`);
      }
      const link = await createZohoLink(
        db,
        secretBox,
        {
          installationId: installation.installationId,
          orgId: instance.instance,
          locale: body.locale,
          securityContext: body.security_context,
          client,
          token,
        },
        clock.now(),
      );
      return {
        id: link.id,
        installation_id: installation.installationId,
        org_id: instance.instance,
        api_domain: token.apiDomain,
        locale: body.locale,
        created_at: link.createdAt.toISOString(),
      };
    },
    options,
  );
  mountRoute(
    router,
    routes.getZohoChannelLink,
    async (_input, { caller }) => {
      const installation = installationOf(caller);
      const link = await findZohoLinkOfInstallation(db, secretBox, installation.installationId);
      if (link === undefined) throw new DomainError('not_found', 'This installation has no Zoho channel link.');
      const tokens = zohoTokens({ db, secretBox, http, renewalMarginMs: accessTokenRenewalMarginMs }, link.linkId);
      await deskGet(http, tokens, { path: '/organizations', orgId: undefined });
      const token = await tokens.current();
      return {
        id: link.linkId,
        installation_id: link.installationId,
        org_id: link.orgId,
        api_domain: token.apiDomain,
        locale: link.locale,
        created_at: link.createdAt.toISOString(),
        org_reachable: true as const,
      };
    },
    options,
  );
  router.post(mountByHand(options, routes.zohoChannelPull), json, async (request, response) => {
    const link = await linkOf(request);
    if (link === undefined) return void response.status(401).json(unknownChannel);
    const parsed = pullBodySchema.safeParse(request.body ?? {});
    if (!parsed.success)
      return void response.status(400).json({ errorCode: 'INVALID_DATA', message: 'Expected {configParams}.' });
    const fileUrl = (wamid: string) => zohoMediaUrl(config.publicUrl, link, wamid, clock.now().getTime());
    response.json(await zohoPull(db, link, parsed.data.configParams.channelState, fileUrl));
  });
  router.post(mountByHand(options, routes.zohoChannelPush), json, async (request, response) => {
    const link = await linkOf(request);
    if (link === undefined) return void response.status(401).json(unknownChannel);
    const parsed = pushBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      return void response.json({ status: 'FAILED', errorMessage: 'The reply did not reach the bridge as expected.' });
    }
    const state = await zohoReply(sender, link, parsed.data);
    (request.log ?? services.logger).info({ link: link.linkId, status: state.httpStatus }, 'zoho reply push answered');
    if (state.httpStatus === 200) return void response.json(state.body);
    if (state.retryAfterSeconds !== undefined) response.set('Retry-After', String(state.retryAfterSeconds));
    response.status(503).type('text/plain').send(state.text);
  });
  router.get(mountByHand(options, routes.zohoChannelMedia), serveSignedFile(services, zohoSignedFile));
  return router;
}
