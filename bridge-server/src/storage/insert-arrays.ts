import { type RawBuilder, sql } from 'kysely';
import type { Schema } from './schema.js';

/**
 * The columns of `insertFromArrays` into `table`: every field of its rows, each with its PostgreSQL type (the
 * element type of its array). A field the table lacks, or a field left out, does not compile: a column forgotten here
 * would otherwise be written as null without a word.
 */
export type ArrayColumns<Table extends keyof Schema, Row> = {
  readonly [Name in keyof Row]-?: Name extends keyof Schema[Table] ? string : never;
};

/**
 * `INSERT INTO table (columns) SELECT * FROM unnest($1::type[], $2::type[], …)`: many rows in one statement whose
 * text does not change with their number, one parameter per column. A multi-row VALUES list costs a query node and a
 * parameter per value (Kysely's compile was 8% of the bridge's thread applying 2,300 webhooks/s, issue 16) and
 * new text for every batch size, which cannot be prepared; this text is prepared once per connection
 * (storage/prepared-statements.ts). The caller appends its ON CONFLICT and RETURNING.
 */
export function insertFromArrays<Table extends keyof Schema & string, Row>(
  table: Table,
  columns: ArrayColumns<Table, Row>,
  rows: readonly Row[],
): RawBuilder<unknown> {
  const typed = Object.entries(columns) as [keyof Row & string, string][];
  const names = sql.join(typed.map(([name]) => sql.ref(name)));
  const arrays = sql.join(typed.map(([name, type]) => sql`${rows.map((row) => row[name] ?? null)}::${sql.raw(type)}[]`));
  return sql`insert into ${sql.table(table)} (${names}) select * from unnest(${arrays}) as rows (${names})`;
}
