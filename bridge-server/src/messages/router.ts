import { type ProblemCode, problemCatalogue, routes } from '@wabridge/shared';
import { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import { problemExtensions } from '../http/problem.js';
import type { MediaService } from '../media/service.js';
import type { Services } from '../services.js';
import { IdempotencyKeys, requestFingerprint } from './idempotency.js';
import { MessageAlreadyRecordedError, type SendContext, SendPipeline } from './pipeline.js';
import { findMessage, listTicketMessages } from './store.js';

/** Answers that depend only on the request, so a replay may give them again; others free the key. */
function isReplayable(error: DomainError): boolean {
  return problemCatalogue[error.code].status < 500 && error.code !== 'idempotency_key_in_flight';
}

export function messagesRouter(services: Services, media: MediaService, options: MountOptions): Router {
  const router = Router();
  const pipeline = new SendPipeline(services, media);
  const keys = new IdempotencyKeys(services.db, services.config.idempotencyClaimLeaseMs);

  /**
   * Sends under the message id the key reserved. A resumed key whose earlier request recorded that message (and may
   * have reached Meta) before it died is answered with it, never sent again; so is one a late original records first.
   */
  async function sendOnce(
    context: SendContext & { messageId: string },
    body: Parameters<SendPipeline['send']>[1],
    resumed: boolean,
  ) {
    const recorded = resumed ? await findMessage(services.db, context.deploymentId, context.messageId) : undefined;
    if (recorded !== undefined) return recorded;
    try {
      return await pipeline.send(context, body);
    } catch (error) {
      if (!(error instanceof MessageAlreadyRecordedError)) throw error;
      return (await findMessage(services.db, context.deploymentId, error.messageId))!;
    }
  }

  mountRoute(
    router,
    routes.sendMessage,
    async ({ headers, body }, { caller, response }) => {
      const installation = installationOf(caller);
      const key = headers['idempotency-key'];
      const claim = await keys.claim(installation.installationId, key, requestFingerprint(body));
      if (claim.kind === 'replay') {
        response.set('Idempotent-Replayed', 'true');
        if (claim.status >= 400) {
          const {
            code,
            detail,
            type: _type,
            title: _title,
            status: _status,
            instance: _instance,
            request_id: _requestId,
            ...extensions
          } = claim.body as { code: ProblemCode; detail: string } & Record<string, unknown>;
          throw new DomainError(code, detail, extensions);
        }
        return claim.body as never;
      }
      try {
        const message = await sendOnce(
          {
            accountId: installation.accountId,
            deploymentId: installation.deploymentId,
            installationId: installation.installationId,
            messageId: claim.messageId,
          },
          body,
          claim.resumed,
        );
        await keys.complete(installation.installationId, key, 202, message);
        response.location(`/v1/messages/${message.id}`);
        return message;
      } catch (error) {
        if (error instanceof DomainError && isReplayable(error)) {
          await keys.complete(installation.installationId, key, problemCatalogue[error.code].status, {
            code: error.code,
            detail: error.detail,
            ...problemExtensions(error),
          });
        } else {
          await keys.release(installation.installationId, key, claim.token);
        }
        throw error;
      }
    },
    options,
  );
  mountRoute(
    router,
    routes.getMessage,
    async ({ params }, { caller }) => {
      const message = await findMessage(services.db, installationOf(caller).deploymentId, params.message_id);
      if (message === undefined) throw new DomainError('not_found', `No message ${params.message_id}.`);
      return message;
    },
    options,
  );
  mountRoute(
    router,
    routes.listMessages,
    async ({ query }, { caller }) => ({
      data: await listTicketMessages(services.db, installationOf(caller).deploymentId, {
        helpdesk: query.ticket_helpdesk,
        id: query.ticket_id,
      }),
    }),
    options,
  );
  return router;
}
