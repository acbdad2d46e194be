import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { readConversationRouting, setConversationRouting } from './routing.js';
import { readConversation } from './store.js';

/**
 * The panel's view of a conversation (the installation's deployment only, so a tenant sees its own customers), and
 * the administrators' routing of conversations to installations.
 */
export function conversationsRouter(services: Services, options: MountOptions): Router {
  const router = Router();
  mountRoute(
    router,
    routes.getConversation,
    async ({ params, query }, { caller }) =>
      readConversation(services.db, installationOf(caller).deploymentId, params.phone, {
        limit: query.limit,
        cursor: query.cursor,
      }),
    options,
  );
  mountRoute(
    router,
    routes.getConversationRouting,
    async ({ params }) => {
      const routing = await readConversationRouting(services.db, params.deployment_id);
      if (routing === undefined) throw new DomainError('not_found', `No deployment ${params.deployment_id}.`);
      return routing;
    },
    options,
  );
  mountRoute(
    router,
    routes.setConversationRouting,
    async ({ params, body }) =>
      setConversationRouting(services.db, params.deployment_id, {
        ...(body.zendesk_installation_id === undefined ? {} : { zendesk: body.zendesk_installation_id }),
        ...(body.zoho_installation_id === undefined ? {} : { zoho: body.zoho_installation_id }),
      }),
    options,
  );
  return router;
}
