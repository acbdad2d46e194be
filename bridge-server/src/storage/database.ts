import { mkdir } from 'node:fs/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrate.js';
import { PGliteDialect } from './pglite-dialect.js';
import { PGliteThread, PGliteThreadConnection } from './pglite-thread.js';
import { prepareRepeatedStatements } from './prepared-statements.js';
import type { Schema } from './schema.js';

export type Backend = 'pglite' | 'postgres';

export interface Database {
  readonly db: Kysely<Schema>;
  readonly backend: Backend;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…` for PostgreSQL; undefined for embedded PGlite in `dataDir`. */
  url: string | undefined;
  /** A directory for PGlite's files, or `memory://` for a throw-away in-memory database. */
  dataDir: string;
  poolMax: number;
  /**
   * Named prepared statements for repeated statements (default true; prepared-statements.ts). PostgreSQL only: off
   * behind a pooler that cannot keep them (PgBouncer's transaction mode before 1.21). PGlite always prepares them.
   */
  preparedStatements?: boolean;
  /**
   * Told about a connection's errors outside a query: on PostgreSQL an idle or checked-out connection the server ended
   * (a restart, a dropped connection), which the pool replaces; on PGlite a failure of PGlite itself.
   */
  onConnectionError?: (error: Error) => void;
}

const int8Oid = 20;

/**
 * 64-bit integers (counts, and later amounts of points) arrive as numbers on both backends (node-postgres reads
 * both, see pglite-dialect.ts): it would give strings. Anything beyond 2^53 would lose precision, so it fails loudly.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} exceeds the safe integer range`);
  return value;
}

/** node-postgres's parsers, with int8 as a number: the same on both stores. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8Oid ? parseInt8 : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

function openPostgres(
  url: string,
  poolMax: number,
  preparedStatements: boolean,
  onConnectionError: (error: Error) => void,
): Kysely<Schema> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, types });
  // An idle client whose connection the server ends emits 'error' on the pool; unhandled, it would end the
  // process. The pool discards that client and the next query opens a fresh connection.
  pool.on('error', onConnectionError);
  // A client checked out (a transaction between two statements) whose connection ends emits 'error' on itself, where
  // the pool listens no more: unhandled, a PostgreSQL restart would end the bridge (found by
  // test/database-outage.test.ts). The statement in flight or the next one fails instead, and the request answers
  // 503; the pool discards the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', onConnectionError);
    if (preparedStatements) prepareRepeatedStatements(client);
  });
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}

async function openPGlite(dataDir: string, onConnectionError: (error: Error) => void): Promise<Kysely<Schema>> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const thread = await PGliteThread.open(dataDir);
  // node-postgres's client over the thread's wire protocol (pglite-thread.ts): `connection` replaces its socket.
  const client = new pg.Client({ connection: new PGliteThreadConnection(thread), types } as pg.ClientConfig);
  client.on('error', onConnectionError);
  prepareRepeatedStatements(client);
  return new Kysely<Schema>({ dialect: new PGliteDialect(thread, client) });
}

/** Opens the configured database and brings its schema up to date before anything else uses it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const backend: Backend = options.url === undefined ? 'pglite' : 'postgres';
  const onConnectionError = options.onConnectionError ?? (() => {});
  const db =
    options.url === undefined
      ? await openPGlite(options.dataDir, onConnectionError)
      : openPostgres(options.url, options.poolMax, options.preparedStatements ?? true, onConnectionError);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    db,
    backend,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
