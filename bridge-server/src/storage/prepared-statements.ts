import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Named prepared statements for the statements a connection sends again and again (issue 16, test/BENCHMARKS.md
 * session 10). node-postgres sends every parameterised statement unnamed, so the database parses and plans it on every
 * call: on the panels' hot path that was about two thirds of PostgreSQL's CPU, and on embedded PGlite, half of each
 * statement's time. Named, a statement is parsed once per connection and then
 * only bound and executed; node-postgres remembers per connection which names it has prepared.
 *
 * Only statements with parameters are named (those without may hold several statements, as migrations do, and go
 * through the simple-query protocol), and only short ones: a batch's multi-row VALUES changes its text with its size,
 * and preparing each size would only fill the server's memory. A connection prepares at most `perConnectionMax`
 * statements; past that, the others are sent unnamed as before. Behind a pooler that does not keep a server connection
 * per client (PgBouncer's transaction mode before 1.21), named statements fail: `DATABASE_PREPARED_STATEMENTS=off`.
 *
 * Plans: PostgreSQL's default (`plan_cache_mode = auto`) plans the first five executions for their values, then may
 * keep one plan for any values until the table's statistics change. On a table that has never been analysed (a fresh
 * database, its first minute) that plan can be poor: once, on the sends benchmark's new database, the read of a message
 * by id went through another index of the deployment's messages for the whole run (0.8 ms a read; 0.04 ms in a later
 * run). Forcing a plan per execution (`force_custom_plan`) avoids it but costs PostgreSQL about as much CPU as
 * preparing saves on the panels' reads (test/BENCHMARKS.md, session 10), so the default stays, as with every driver
 * that prepares statements.
 *
 * Schema changes: a prepared statement's result columns are fixed when it is parsed. When another process's migration
 * changes them (a column added to a table read with `select *`, during a rolling deployment), PostgreSQL refuses
 * every later execution of it on that connection ("cached plan must not change result type", 0A000). So that
 * statement fails once, and the connection sends it unnamed from then on, as before preparing: parsed afresh, with
 * the new columns. (Not retried at once: the failure has aborted the transaction it ran in, if any.)
 */
export const preparedStatementLimits = {
  /** Statements one connection keeps prepared. */
  perConnectionMax: 256,
  /** Longer texts are sent unnamed. */
  textLengthMax: 4_096,
  /** Names remembered per process (texts beyond it are hashed on every call). */
  namesMax: 10_000,
} as const;

const names = new Map<string, string>();

/** The statement's name: a digest of its text, the same in every process and on every connection. */
export function preparedStatementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `wb_${createHash('sha256').update(text).digest('base64url').slice(0, 32)}`;
    if (names.size < preparedStatementLimits.namesMax) names.set(text, name);
  }
  return name;
}

type Query = (...args: unknown[]) => unknown;

/** Makes `client.query(text, values)` send `text` as a named prepared statement when it qualifies (see above). */
export function prepareRepeatedStatements(client: pg.ClientBase): void {
  const prepared = new Set<string>();
  /** Statements whose result columns changed after they were prepared here: sent unnamed from then on. */
  const outdated = new Set<string>();
  const target = client as unknown as { query: Query };
  const query: Query = target.query.bind(client);
  target.query = (...args: unknown[]) => {
    const [text, values] = args;
    if (
      args.length === 2 &&
      typeof text === 'string' &&
      Array.isArray(values) &&
      values.length > 0 &&
      text.length <= preparedStatementLimits.textLengthMax
    ) {
      const name = preparedStatementName(text);
      if (!outdated.has(name) && (prepared.has(name) || prepared.size < preparedStatementLimits.perConnectionMax)) {
        prepared.add(name);
        return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
          if (isResultTypeChanged(error)) outdated.add(name);
          throw error;
        });
      }
    }
    return query(...args);
  };
}

function isResultTypeChanged(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === '0A000' && typeof message === 'string' && message.includes('must not change result type');
}
