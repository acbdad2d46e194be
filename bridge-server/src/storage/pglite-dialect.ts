import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import type { PGliteThread } from './pglite-thread.js';

/**
 * How long a query may wait for PGlite's single connection. PGlite runs one statement at a time, so
 * the dialect hands its connection to one holder at a time (a whole transaction holds it). A wait this
 * long means a holder is stuck — most likely code that queried `db` from inside a transaction, which
 * would deadlock here while working on PostgreSQL: fail loudly instead of hanging.
 */
const connectionWaitMsMax = 15_000;

/** A first-come, first-served lock around PGlite's single connection. */
class ConnectionLock {
  #tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => released);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`waited ${connectionWaitMsMax} ms for the PGlite connection (query issued inside a transaction?)`)),
        connectionWaitMsMax,
      );
    });
    try {
      await Promise.race([previous, timeout]);
    } catch (error) {
      // Give our turn away once it comes, so the queue keeps moving.
      void previous.then(release);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return release;
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(
    private readonly client: pg.Client,
    readonly release: () => void,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // The same node-postgres client code as on PostgreSQL, over PGlite's wire protocol: the same values come back
    // on both stores, statements without parameters go through the simple-query protocol (several at once, as
    // migration files hold), and repeated ones are prepared once (prepared-statements.ts).
    const outcome = (await this.client.query(compiledQuery.sql, [...compiledQuery.parameters])) as
      | pg.QueryResult
      | pg.QueryResult[];
    const result = Array.isArray(outcome) ? outcome.at(-1) : outcome;
    const rows = (result?.rows ?? []) as R[];
    const counted = result !== undefined && ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command);
    return counted ? { rows, numAffectedRows: BigInt(result.rowCount ?? 0) } : { rows };
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported; the generator only throws.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on PGlite');
  }
}

class PGliteDriver implements Driver {
  readonly #lock = new ConnectionLock();

  constructor(
    private readonly database: Pick<PGliteThread, 'close'>,
    private readonly client: pg.Client,
  ) {}

  async init(): Promise<void> {
    await this.client.connect();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#lock.acquire();
    return new PGliteConnection(this.client, release);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const options = [
      settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
      settings.accessMode ?? '',
    ].filter(Boolean);
    await this.#run(connection, `start transaction ${options.join(' ')}`);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#run(connection, 'commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#run(connection, 'rollback');
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PGliteConnection).release();
  }

  async destroy(): Promise<void> {
    await this.client.end();
    await this.database.close();
  }

  async #run(connection: DatabaseConnection, statement: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(statement));
  }
}

/** Kysely dialect for an embedded PGlite database: PostgreSQL's SQL, adapter and introspection. */
export class PGliteDialect implements Dialect {
  /**
   * `client`: a node-postgres client over `database` (a PGliteThreadConnection, pglite-thread.ts), with the type parsers
   * PostgreSQL's pool uses; only this dialect queries through it, one holder at a time.
   */
  constructor(
    private readonly database: Pick<PGliteThread, 'close'>,
    private readonly client: pg.Client,
  ) {}

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.database, this.client);
  }

  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
