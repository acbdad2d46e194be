import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { accountScope } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import { checkDeploymentCredentials } from '../numbers/credentials.js';
import type { Services } from '../services.js';
import { findDeployment, insertDeployment, listDeployments, presentDeployment, setDeploymentAppId } from './store.js';

export function deploymentsRouter({ db, secretBox, config, meta }: Services, options: MountOptions): Router {
  const router = Router();
  mountRoute(
    router,
    routes.createDeployment,
    async ({ body }, { caller, response }) => {
      // An account admin creates deployments for its own account only; another is answered as a missing account.
      const scope = accountScope(caller);
      if (scope !== undefined && body.account_id !== scope) {
        throw new DomainError('unknown_account', `There is no account ${body.account_id}.`, {
          errors: [{ path: 'body.account_id', code: 'unknown_account', message: 'no such account' }],
        });
      }
      // Once the account exists and the number is free, Meta confirms the credentials before anything is stored:
      // a wrong token is a 422 now, not a 201 whose template sync fails later with error 190.
      const result = await insertDeployment(db, secretBox, body, () => checkDeploymentCredentials(meta, body));
      switch (result.kind) {
        case 'unknown_account':
          throw new DomainError('unknown_account', `There is no account ${body.account_id}.`, {
            errors: [{ path: 'body.account_id', code: 'unknown_account', message: 'no such account' }],
          });
        case 'phone_number_id_taken':
          throw new DomainError(
            'phone_number_id_taken',
            `Phone number id ${body.phone_number_id} is already deployment ${result.existingId ?? '(unknown)'}.`,
            { deployment_id: result.existingId },
          );
        case 'created':
          response.location(`/v1/deployments/${result.row.id}`);
          return presentDeployment(result.row, config.publicUrl);
      }
    },
    options,
  );
  mountRoute(
    router,
    routes.listDeployments,
    async ({ query }, { caller }) => {
      const page = await listDeployments(db, { ...query, accountId: query.account_id, scope: accountScope(caller) });
      return { ...page, data: page.data.map((row) => presentDeployment(row, config.publicUrl)) };
    },
    options,
  );
  mountRoute(
    router,
    routes.getDeployment,
    async ({ params }, { caller }) => {
      const deployment = await findDeployment(db, params.deployment_id, accountScope(caller));
      if (deployment === undefined) throw new DomainError('not_found', `No deployment ${params.deployment_id}.`);
      return presentDeployment(deployment, config.publicUrl);
    },
    options,
  );
  mountRoute(
    router,
    routes.updateDeployment,
    async ({ params, body }, { caller }) => {
      const updated = await setDeploymentAppId(db, params.deployment_id, accountScope(caller), body.app_id);
      if (updated === undefined) throw new DomainError('not_found', `No deployment ${params.deployment_id}.`);
      return presentDeployment(updated, config.publicUrl);
    },
    options,
  );
  return router;
}
