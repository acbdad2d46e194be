import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { type Caller, installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { findTemplateSync, listTemplates, presentSync, presentTemplate } from './store.js';
import type { TemplateSyncer } from './sync.js';

function deploymentOf(caller: Caller): string {
  return installationOf(caller).deploymentId;
}

export function templatesRouter({ db }: Services, syncer: TemplateSyncer, options: MountOptions): Router {
  const router = Router();
  mountRoute(
    router,
    routes.listTemplates,
    async ({ query }, { caller }) => {
      const rows = await listTemplates(db, deploymentOf(caller), {
        statuses: query.status?.split(',') ?? ['APPROVED'],
        language: query.language,
        category: query.category,
        search: query.q,
      });
      return { data: rows.map(presentTemplate) };
    },
    options,
  );
  mountRoute(
    router,
    routes.syncTemplates,
    async (_input, { caller, response }) => {
      const sync = await syncer.start(deploymentOf(caller), 'api');
      response.location(`/v1/templates/syncs/${sync.id}`);
      return presentSync(sync);
    },
    options,
  );
  mountRoute(
    router,
    routes.getTemplateSync,
    async ({ params }, { caller }) => {
      const sync = await findTemplateSync(db, deploymentOf(caller), params.sync_id);
      if (sync === undefined) throw new DomainError('not_found', `No template sync ${params.sync_id}.`);
      return presentSync(sync);
    },
    options,
  );
  return router;
}
