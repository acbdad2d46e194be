import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { readConversation } from './store.js';

/** The panel's view of a conversation: the installation's deployment only, so a tenant sees its own customers. */
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
  return router;
}
