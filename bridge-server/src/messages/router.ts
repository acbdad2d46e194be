import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { MediaService } from '../media/service.js';
import type { Services } from '../services.js';
import { IdempotentSender } from './idempotent-send.js';
import { findMessage, listTicketMessages } from './store.js';

export function messagesRouter(services: Services, media: MediaService, options: MountOptions): Router {
  const router = Router();
  const sender = new IdempotentSender(services, media);

  mountRoute(
    router,
    routes.sendMessage,
    async ({ headers, body }, { caller, response }) => {
      const installation = installationOf(caller);
      const message = await sender.send(installation, headers['idempotency-key'], body, () => {
        response.set('Idempotent-Replayed', 'true');
      });
      response.location(`/v1/messages/${message.id}`);
      return message;
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
