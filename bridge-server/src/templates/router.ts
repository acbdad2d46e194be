import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { findDeployment } from '../deployments/store.js';
import { DomainError } from '../domain/errors.js';
import { accountScope, type Caller, installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import {
  findTemplateSync,
  listTemplates,
  presentSync,
  presentTemplate,
  setTemplateDisplayName,
  templateDisplayNames,
} from './store.js';
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
      const deploymentId = deploymentOf(caller);
      const [rows, displayNames] = await Promise.all([
        listTemplates(db, deploymentId, {
          statuses: query.status?.split(',') ?? ['APPROVED'],
          language: query.language,
          category: query.category,
          search: query.q,
        }),
        templateDisplayNames(db, deploymentId),
      ]);
      return { data: rows.map((row) => presentTemplate(row, displayNames.get(`${row.name}:${row.language}`) ?? null)) };
    },
    options,
  );
  mountRoute(
    router,
    routes.setTemplateDisplayName,
    async ({ params, body }, { caller }) => {
      const deployment = await findDeployment(db, params.deployment_id, accountScope(caller));
      if (deployment === undefined) throw new DomainError('not_found', `No deployment ${params.deployment_id}.`);
      await setTemplateDisplayName(
        db,
        { deploymentId: deployment.id, name: params.name, language: params.language },
        body.display_name,
      );
      return { name: params.name, language: params.language, display_name: body.display_name };
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
