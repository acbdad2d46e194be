import { type RawBuilder, sql } from 'kysely';
import { validationFailed } from '../domain/errors.js';

/** Keyset position: the (created_at, id) of the last row of the previous page. */
interface Position {
  createdAt: Date;
  id: string;
}

export function encodeCursor(row: { created_at: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Position | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) {
      return { createdAt: new Date(createdAt), id };
    }
  } catch {
    // Fall through to the validation problem below.
  }
  throw validationFailed([{ path: 'query.cursor', code: 'invalid_cursor', message: 'is not a cursor this API returned' }]);
}

/** `(table.created_at, table.id) > (position)`: the rows after the cursor, in the pages' order. */
export function afterPosition(table: string, position: Position): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(`${table}.created_at`)}, ${sql.ref(`${table}.id`)}) > (${position.createdAt}, ${position.id})`;
}

/** Fetch `limit + 1` rows; this turns them into a page and the cursor of the next one. */
export function toPage<Row extends { created_at: Date; id: string }, Item>(
  rows: Row[],
  limit: number,
  present: (row: Row) => Item,
) {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(present),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
  };
}
