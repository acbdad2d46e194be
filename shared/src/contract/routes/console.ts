import * as z from 'zod';
import { accountPath } from '../accounts.js';
import { accountId, prefixedId, timestamp } from '../common.js';
import { defineRoute, defineRoutes } from '../route.js';
import { walletOverview } from '../wallet.js';

/*
 * The admin console's sign-in, its account admins and its audit (bridge-server/src/console/). The console is a
 * browser page the bridge serves at `/`; it calls the same API as everyone else, authenticated by a session cookie
 * instead of a bearer token. Two kinds of people sign in: the operator (the bridge's administrator token, every
 * account) and an account's admin (a `wba_` credential the operator issued for one account; only that account).
 */

export const accountAdminId = prefixedId('adm', 'Account admin ID: a person who administers one account in the console.');

export const consoleSignInRequest = z
  .strictObject({
    secret: z
      .string()
      .min(1, 'must not be empty')
      .max(200)
      .meta({ description: 'The operator’s administrator token, or an account admin’s `wba_` credential.' }),
  })
  .meta({ id: 'ConsoleSignInRequest' });

export const consoleSession = z
  .object({
    kind: z.enum(['operator', 'account_admin']),
    account_id: accountId.nullable().meta({ description: 'The one account an account admin acts for; null for the operator.' }),
    account_name: z.string().nullable(),
    admin_id: accountAdminId.nullable(),
    admin_name: z.string().nullable(),
    expires_at: timestamp.meta({ description: 'When the session ends; sign in again after.' }),
  })
  .meta({ id: 'ConsoleSession', description: 'Who is signed in to the console. The session itself is an HttpOnly cookie.' });

export const createAccountAdminRequest = z
  .strictObject({ name: z.string().trim().min(1, 'must not be empty').max(200).meta({ example: 'Hanako Sato' }) })
  .meta({ id: 'CreateAccountAdminRequest' });

export const accountAdmin = z
  .object({
    id: accountAdminId,
    account_id: accountId,
    name: z.string(),
    credential_hint: z.string().meta({ description: 'The credential’s first characters, to tell credentials apart.' }),
    created_at: timestamp,
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'AccountAdmin' });

export const issuedAccountAdmin = accountAdmin
  .extend({
    credential: z.string().meta({ description: 'The sign-in credential, shown this once; the bridge keeps only its hash.' }),
  })
  .meta({ id: 'IssuedAccountAdmin' });

export const accountAdminPath = z.strictObject({ admin_id: accountAdminId });

export const auditEntry = z
  .object({
    id: z.string(),
    at: timestamp,
    actor: z.string().meta({ description: '`operator` or the account admin’s ID.' }),
    actor_name: z.string().nullable(),
    account_id: accountId.nullable().meta({ description: 'The account the actor is confined to; null for the operator.' }),
    action: z
      .string()
      .meta({ description: 'The API operation (`createDeployment`), or `signIn` / `signOut` / `signInRefused`.' }),
    target: z.string().meta({ description: 'Method and path of the request.' }),
    status: z.number().int().meta({ description: 'The HTTP status answered.' }),
  })
  .meta({ id: 'AuditEntry' });

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z
    .string()
    .regex(/^[0-9]{1,18}$/)
    .optional()
    .meta({ description: 'Entries older than this id (the last id of the previous page).' }),
});

export const consoleRoutes = defineRoutes({
  signIn: defineRoute({
    method: 'post',
    path: '/v1/console/session',
    operationId: 'signIn',
    summary:
      'Sign in to the console with the administrator token or an account admin’s credential: sets the session cookie ' +
      '(HttpOnly, SameSite=Strict, Secure over https). Refused from another origin.',
    tag: 'Console',
    auth: 'none',
    body: consoleSignInRequest,
    successStatus: 201,
    response: consoleSession,
    problems: ['validation_failed', 'invalid_token', 'too_many_auth_failures', 'cross_origin_refused'],
  }),
  getSession: defineRoute({
    method: 'get',
    path: '/v1/console/session',
    operationId: 'getSession',
    summary: 'Who the session cookie signs in, and until when.',
    tag: 'Console',
    auth: 'none',
    successStatus: 200,
    response: consoleSession,
    problems: ['session_required'],
  }),
  signOut: defineRoute({
    method: 'delete',
    path: '/v1/console/session',
    operationId: 'signOut',
    summary: 'Sign out: ends the session and clears its cookie.',
    tag: 'Console',
    auth: 'none',
    successStatus: 204,
    problems: ['cross_origin_refused'],
  }),
  createAccountAdmin: defineRoute({
    method: 'post',
    path: '/v1/accounts/{account_id}/admins',
    operationId: 'createAccountAdmin',
    summary: 'Issue an account admin: a console credential for this account only, answered once (operator only).',
    tag: 'Console',
    auth: 'admin',
    params: accountPath,
    body: createAccountAdminRequest,
    successStatus: 201,
    response: issuedAccountAdmin,
    problems: ['not_found', 'validation_failed', 'operator_required'],
  }),
  listAccountAdmins: defineRoute({
    method: 'get',
    path: '/v1/accounts/{account_id}/admins',
    operationId: 'listAccountAdmins',
    summary: 'The account’s admins, revoked ones included (operator only).',
    tag: 'Console',
    auth: 'admin',
    params: accountPath,
    successStatus: 200,
    response: z.object({ data: z.array(accountAdmin) }),
    problems: ['not_found', 'operator_required'],
  }),
  revokeAccountAdmin: defineRoute({
    method: 'delete',
    path: '/v1/account-admins/{admin_id}',
    operationId: 'revokeAccountAdmin',
    summary: 'Revoke an account admin: the credential stops working and its sessions end at once (operator only).',
    tag: 'Console',
    auth: 'admin',
    params: accountAdminPath,
    successStatus: 204,
    problems: ['not_found', 'operator_required'],
  }),
  listAudit: defineRoute({
    method: 'get',
    path: '/v1/console/audit',
    operationId: 'listAudit',
    summary:
      'What was done in the console, newest first: who, when, what, and the answer. An account admin reads its own account’s.',
    tag: 'Console',
    auth: 'admin',
    accountAdmin: true,
    query: auditQuery,
    successStatus: 200,
    response: z.object({ data: z.array(auditEntry) }),
    problems: ['validation_failed'],
  }),
  getAccountWallet: defineRoute({
    method: 'get',
    path: '/v1/accounts/{account_id}/wallet',
    operationId: 'getAccountWallet',
    summary: 'An account’s points: balance, reserved, available, whether it is low, and any unresolved payment problem.',
    tag: 'Points',
    auth: 'admin_or_installation',
    params: accountPath,
    successStatus: 200,
    response: walletOverview,
    problems: ['not_found'],
  }),
});

export type ConsoleSession = z.infer<typeof consoleSession>;
export type AccountAdmin = z.infer<typeof accountAdmin>;
export type IssuedAccountAdmin = z.infer<typeof issuedAccountAdmin>;
export type AuditEntry = z.infer<typeof auditEntry>;
