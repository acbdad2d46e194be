import { type RawBuilder, sql } from 'kysely';
import type { Schema } from './schema.js';

/** A column of `insertFromArrays` into `table`: its name, and its PostgreSQL type (each array's element type). */
export type ArrayColumn<Table extends keyof Schema, Row> = readonly [
  name: keyof Row & keyof Schema[Table] & string,
  type: string,
];

/**
 * `INSERT INTO table (columns) SELECT * FROM unnest($1::type[], $2::type[], …)`: many rows in one statement whose
 * text does not change with their number, one parameter per column. A multi-row VALUES list costs a query node and a
 * parameter per value (Kysely's compile was 8% of the bridge's thread applying 2,300 webhooks/s, issue 16) and
 * new text for every batch size, which cannot be prepared; this text is prepared once per connection
 * (storage/prepared-statements.ts). The caller appends its ON CONFLICT and RETURNING.
 */
export function insertFromArrays<Table extends keyof Schema & string, Row>(
  table: Table,
  columns: readonly ArrayColumn<Table, Row>[],
  rows: readonly Row[],
): RawBuilder<unknown> {
  const names = sql.join(columns.map(([name]) => sql.ref(name)));
  const arrays = sql.join(columns.map(([name, type]) => sql`${rows.map((row) => row[name] ?? null)}::${sql.raw(type)}[]`));
  return sql`insert into ${sql.table(table)} (${names}) select * from unnest(${arrays}) as rows (${names})`;
}
