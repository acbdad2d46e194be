import { metaWebhookVerificationQuery, routes } from '@wabridge/shared';
import express, { Router } from 'express';
import { secretContext } from '../deployments/store.js';
import { DomainError, validationFailed } from '../domain/errors.js';
import { type MountOptions, mountByHand } from '../http/mount.js';
import { secretsEqual } from '../security/tokens.js';
import type { Services } from '../services.js';
import { isShedWebhook, metaBodyLimitBytes, type WebhookReceiver } from './receiver.js';

/**
 * Mounted by hand (the contract says so): Meta signs the raw bytes and its checks come in their own order.
 * The usual POST never reaches this router: webhooks/ingress.ts answers it before Express. What it leaves here is
 * the rest: a compressed body (express.raw inflates it), a query string, a percent-encoded deployment id.
 */
export function webhooksRouter(
  { secretBox }: Services,
  receiver: WebhookReceiver,
  options: Pick<MountOptions, 'mounted'>,
): Router {
  const router = Router();

  router.get(mountByHand(options, routes.verifyMetaWebhook), async (request, response) => {
    response.locals.routePath = routes.verifyMetaWebhook.path;
    const deployment = await receiver.deploymentSecrets(request.params, request.path);
    const query = metaWebhookVerificationQuery.safeParse(request.query);
    if (!query.success) {
      throw validationFailed(
        query.error.issues.map((issue) => ({ path: `query.${issue.path.join('.')}`, code: issue.code, message: issue.message })),
      );
    }
    const verifyToken = secretBox.open(deployment.verify_token_sealed, secretContext(deployment.id, 'verify_token'));
    if (!secretsEqual(query.data['hub.verify_token'], verifyToken)) {
      throw new DomainError('invalid_verify_token', 'hub.verify_token is not the verify token registered for this deployment.');
    }
    response.status(200).type('text/plain').send(query.data['hub.challenge']);
  });

  router.post(
    mountByHand(options, routes.receiveMetaWebhook),
    express.raw({ type: () => true, limit: metaBodyLimitBytes }),
    async (request, response) => {
      response.locals.routePath = routes.receiveMetaWebhook.path;
      const body: Buffer = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      try {
        await receiver.receive(request.params, request.path, body, request.get('x-hub-signature-256'));
      } catch (error) {
        if (isShedWebhook(error)) response.locals.shed = true;
        throw error;
      }
      response.status(200).end();
    },
  );
  return router;
}
