import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { accountScope } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { findAccount, insertAccount, listAccounts, presentAccount } from './store.js';

export function accountsRouter({ db }: Services, options: MountOptions): Router {
  const router = Router();
  mountRoute(
    router,
    routes.createAccount,
    async ({ body }, { response }) => {
      const account = await insertAccount(db, body.name);
      response.location(`/v1/accounts/${account.id}`);
      return presentAccount(account);
    },
    options,
  );
  mountRoute(
    router,
    routes.listAccounts,
    async ({ query }, { caller }) => listAccounts(db, { ...query, scope: accountScope(caller) }),
    options,
  );
  mountRoute(
    router,
    routes.getAccount,
    async ({ params }, { caller }) => {
      const account = await findAccount(db, params.account_id, accountScope(caller));
      if (account === undefined) throw new DomainError('not_found', `No account ${params.account_id}.`);
      return presentAccount(account);
    },
    options,
  );
  return router;
}
