import { countryOfPhoneNumber, routes } from '@wabridge/shared';
import { Router } from 'express';
import { findDeployment } from '../deployments/store.js';
import { DomainError } from '../domain/errors.js';
import { accountScope, installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { insertInstallation, listInstallations, presentInstallation, revokeInstallation } from './store.js';

export function installationsRouter({ db }: Services, options: MountOptions): Router {
  const router = Router();
  mountRoute(
    router,
    routes.createInstallation,
    async ({ params, body }, { caller, response }) => {
      // An account admin's request for another account's deployment is answered as for a missing one.
      if ((await findDeployment(db, params.deployment_id, accountScope(caller))) === undefined) {
        throw new DomainError('not_found', `No deployment ${params.deployment_id}.`);
      }
      const result = await insertInstallation(db, params.deployment_id, body);
      switch (result.kind) {
        case 'unknown_deployment':
          throw new DomainError('not_found', `No deployment ${params.deployment_id}.`);
        case 'installation_exists':
          throw new DomainError(
            'installation_exists',
            `${body.helpdesk} ${body.instance} is already installed on ${params.deployment_id} as ${result.existingId ?? '(unknown)'}; revoke it first to issue a new token.`,
            { installation_id: result.existingId },
          );
        case 'created':
          response.location(`/v1/installations/${result.row.id}`);
          return { ...presentInstallation(result.row), token: result.token };
      }
    },
    options,
  );
  mountRoute(
    router,
    routes.listInstallations,
    async ({ params, query }, { caller }) => {
      if ((await findDeployment(db, params.deployment_id, accountScope(caller))) === undefined) {
        throw new DomainError('not_found', `No deployment ${params.deployment_id}.`);
      }
      return listInstallations(db, params.deployment_id, query);
    },
    options,
  );
  mountRoute(
    router,
    routes.revokeInstallation,
    async ({ params }, { caller }) => {
      if (!(await revokeInstallation(db, params.installation_id, accountScope(caller)))) {
        throw new DomainError('not_found', `No installation ${params.installation_id}.`);
      }
      return undefined;
    },
    options,
  );
  mountRoute(
    router,
    routes.getInstallationContext,
    async (_input, { caller }) => {
      const installation = installationOf(caller);
      const deployment = await findDeployment(db, installation.deploymentId, undefined);
      if (deployment === undefined) throw new Error(`installation ${installation.installationId} has no deployment`);
      const { id, display_phone_number } = deployment;
      return {
        installation_id: installation.installationId,
        helpdesk: installation.helpdesk,
        deployment: { id, display_phone_number, country: countryOfPhoneNumber(display_phone_number) ?? null },
      };
    },
    options,
  );
  return router;
}
