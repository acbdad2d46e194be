import type { Account } from '@wabridge/shared';
import type { Kysely, Selectable } from 'kysely';
import { newId } from '../security/tokens.js';
import { afterPosition, decodeCursor, toPage } from '../storage/pagination.js';
import type { Schema } from '../storage/schema.js';

type AccountRow = Selectable<Schema['accounts']>;

export function presentAccount(row: AccountRow): Account {
  return { id: row.id, name: row.name, created_at: row.created_at.toISOString() };
}

export async function insertAccount(db: Kysely<Schema>, name: string): Promise<AccountRow> {
  return db
    .insertInto('accounts')
    .values({ id: newId('acc'), name })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** `scope`: the only account an installation may see; undefined for the administrator. */
export async function findAccount(db: Kysely<Schema>, id: string, scope: string | undefined): Promise<AccountRow | undefined> {
  let query = db.selectFrom('accounts').selectAll().where('id', '=', id);
  if (scope !== undefined) query = query.where('id', '=', scope);
  return query.executeTakeFirst();
}

export async function listAccounts(
  db: Kysely<Schema>,
  options: { limit: number; cursor?: string | undefined; scope: string | undefined },
) {
  const position = decodeCursor(options.cursor);
  let query = db
    .selectFrom('accounts')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(options.limit + 1);
  if (options.scope !== undefined) query = query.where('id', '=', options.scope);
  if (position !== undefined) query = query.where(afterPosition('accounts', position));
  return toPage(await query.execute(), options.limit, presentAccount);
}
