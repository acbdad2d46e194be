import type { Kysely } from 'kysely';
import type { Caller } from '../http/caller.js';
import { ProblemError, validationProblem } from '../http/problem.js';
import type { Schema } from '../storage/schema.js';

/**
 * The account a payments request acts for. An installation acts for its own account: naming another one is
 * answered like naming none that exists, so a tenant learns nothing about others. The administrator names it.
 */
export async function accountOf(
  db: Kysely<Schema>,
  caller: Caller,
  named: string | undefined,
  path: 'body.account_id' | 'query.account_id',
): Promise<string> {
  if (caller.kind === 'installation') {
    if (named !== undefined && named !== caller.accountId) throw new ProblemError('unknown_account', `No account ${named}.`);
    return caller.accountId;
  }
  if (named === undefined) {
    throw validationProblem([{ path, code: 'required', message: 'name the account (required for the administrator)' }]);
  }
  const account = await db.selectFrom('accounts').select('id').where('id', '=', named).executeTakeFirst();
  if (account === undefined) throw new ProblemError('unknown_account', `No account ${named}.`);
  return account.id;
}
