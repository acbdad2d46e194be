import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { findAccount } from '../accounts/store.js';
import { DomainError } from '../domain/errors.js';
import { accountScope } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import { AuthFailureLimiter } from '../security/auth-failures.js';
import { refuseOverLimit } from '../security/authenticate.js';
import { secretsEqual } from '../security/tokens.js';
import type { Services } from '../services.js';
import { walletOverviewOf } from '../wallet/notifications.js';
import { checkOrigin, clearSessionCookie, sessionCookieOf, setSessionCookie } from './cookie.js';
import {
  actorOf,
  adminOfCredential,
  endSession,
  findSession,
  insertAccountAdmin,
  insertSession,
  listAccountAdmins,
  listAudit,
  presentAccountAdmin,
  presentSession,
  recordAudit,
  revokeAccountAdmin,
} from './store.js';

/** Sign-in, sign-out, the session, account admins, the audit, and an account's wallet for the console. */
export function consoleRouter({ db, config }: Services, options: MountOptions): Router {
  const router = Router();
  const limiter = new AuthFailureLimiter(db, config.authFailuresPerMinute);

  mountRoute(
    router,
    routes.signIn,
    async ({ body }, { request, response }) => {
      checkOrigin(request, config.publicUrl);
      const clientKey = `ip:${request.ip ?? 'unknown'}`;
      await refuseOverLimit(limiter, clientKey);
      const target = `${request.method} ${request.path}`;
      let token: string;
      if (secretsEqual(body.secret, config.adminToken)) {
        token = await insertSession(db, 'operator', null, config.consoleSessionMinutes);
      } else {
        const admin = body.secret.startsWith('wba_') ? await adminOfCredential(db, body.secret) : undefined;
        if (admin === undefined) {
          await limiter.recordFailure(clientKey);
          await recordAudit(db, { actor: 'unknown', actorName: null, accountId: null }, 'signInRefused', target, 401);
          throw new DomainError('invalid_token', 'This is neither the administrator token nor an account admin’s credential.');
        }
        token = await insertSession(db, 'account_admin', admin.id, config.consoleSessionMinutes);
      }
      const session = await findSession(db, token);
      if (session === undefined) throw new Error('the session just inserted is missing');
      await recordAudit(db, actorOf(session), 'signIn', target, 201);
      setSessionCookie(request, response, token);
      return presentSession(session);
    },
    options,
  );

  mountRoute(
    router,
    routes.getSession,
    async (_input, { request }) => {
      const token = sessionCookieOf(request);
      const session = token === undefined ? undefined : await findSession(db, token);
      if (session === undefined || !session.live) throw new DomainError('session_required', 'Sign in to the console.');
      return presentSession(session);
    },
    options,
  );

  mountRoute(
    router,
    routes.signOut,
    async (_input, { request, response }) => {
      checkOrigin(request, config.publicUrl);
      const token = sessionCookieOf(request);
      const session = token === undefined ? undefined : await findSession(db, token);
      if (token !== undefined && session?.live === true) {
        await endSession(db, token);
        await recordAudit(db, actorOf(session), 'signOut', `${request.method} ${request.path}`, 204);
      }
      clearSessionCookie(request, response);
      return undefined;
    },
    options,
  );

  mountRoute(
    router,
    routes.createAccountAdmin,
    async ({ params, body }, { response }) => {
      if ((await findAccount(db, params.account_id, undefined)) === undefined) {
        throw new DomainError('not_found', `No account ${params.account_id}.`);
      }
      const { row, credential } = await insertAccountAdmin(db, params.account_id, body.name);
      response.location(`/v1/accounts/${params.account_id}/admins`);
      return { ...presentAccountAdmin(row), credential };
    },
    options,
  );

  mountRoute(
    router,
    routes.listAccountAdmins,
    async ({ params }) => {
      if ((await findAccount(db, params.account_id, undefined)) === undefined) {
        throw new DomainError('not_found', `No account ${params.account_id}.`);
      }
      const rows = await listAccountAdmins(db, params.account_id);
      return { data: rows.map(presentAccountAdmin) };
    },
    options,
  );

  mountRoute(
    router,
    routes.revokeAccountAdmin,
    async ({ params }) => {
      if (!(await revokeAccountAdmin(db, params.admin_id))) throw new DomainError('not_found', `No admin ${params.admin_id}.`);
      return undefined;
    },
    options,
  );

  mountRoute(
    router,
    routes.listAudit,
    async ({ query }, { caller }) => ({ data: await listAudit(db, accountScope(caller), query) }),
    options,
  );

  mountRoute(
    router,
    routes.getAccountWallet,
    async ({ params }, { caller }) => {
      if ((await findAccount(db, params.account_id, accountScope(caller))) === undefined) {
        throw new DomainError('not_found', `No account ${params.account_id}.`);
      }
      return walletOverviewOf(db, params.account_id);
    },
    options,
  );
  return router;
}
