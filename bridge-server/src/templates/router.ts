import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { findDeployment } from '../deployments/store.js';
import { DomainError } from '../domain/errors.js';
import { accountScope, actingDeployment } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { coalescedPerTurn } from '../storage/turn-batch.js';
import {
  findTemplateSync,
  listTemplates,
  presentSync,
  presentTemplate,
  setTemplateDisplayName,
  type TemplateFilters,
  templateDisplayNames,
} from './store.js';
import type { TemplateSyncer } from './sync.js';

/**
 * The deployment's templates: an installation's own, or the one the operator or an account admin names in
 * `deployment_id` (http/caller.ts actingDeployment: another account's answers 404, like one that does not exist).
 */
export function templatesRouter({ db }: Services, syncer: TemplateSyncer, options: MountOptions): Router {
  const router = Router();
  const deploymentOf = async (caller: Parameters<typeof actingDeployment>[1], named: string | undefined) =>
    (await actingDeployment(db, caller, named)).deploymentId;
  // Panels of one deployment opening the picker in the same turn read its templates once (storage/turn-batch.ts).
  const listingOf = coalescedPerTurn(
    ({ deploymentId, filters }: { deploymentId: string; filters: TemplateFilters }) =>
      Promise.all([listTemplates(db, deploymentId, filters), templateDisplayNames(db, deploymentId)]),
    ({ deploymentId, filters }) =>
      JSON.stringify([deploymentId, filters.statuses, filters.language, filters.category, filters.search]),
  );
  mountRoute(
    router,
    routes.listTemplates,
    async ({ query }, { caller }) => {
      const deploymentId = await deploymentOf(caller, query.deployment_id);
      const [rows, displayNames] = await listingOf({
        deploymentId,
        filters: {
          statuses: query.status?.split(',') ?? ['APPROVED'],
          language: query.language,
          category: query.category,
          search: query.q,
        },
      });
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
    async ({ query }, { caller, response }) => {
      const sync = await syncer.start(await deploymentOf(caller, query.deployment_id), 'api');
      response.location(`/v1/templates/syncs/${sync.id}`);
      return presentSync(sync);
    },
    options,
  );
  mountRoute(
    router,
    routes.getTemplateSync,
    async ({ params, query }, { caller }) => {
      const sync = await findTemplateSync(db, await deploymentOf(caller, query.deployment_id), params.sync_id);
      if (sync === undefined) throw new DomainError('not_found', `No template sync ${params.sync_id}.`);
      return presentSync(sync);
    },
    options,
  );
  return router;
}
