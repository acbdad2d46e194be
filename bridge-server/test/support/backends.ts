import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  /** undefined: PGlite in `dataDir`. */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

export interface Backend {
  name: 'pglite' | 'postgres';
  /**
   * Creates an empty database for one test file. `persistent`: PGlite keeps its files in a temporary
   * directory (instead of memory) so that a second bridge can open the same database after a restart.
   */
  create(options?: { persistent?: boolean }): Promise<TestDatabase>;
}

const pglite: Backend = {
  name: 'pglite',
  async create(options) {
    if (!options?.persistent) return { url: undefined, dataDir: 'memory://', drop: async () => {} };
    const dataDir = await mkdtemp(join(tmpdir(), 'wabridge-pglite-'));
    return { url: undefined, dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) };
  },
};

function postgres(baseUrl: string): Backend {
  return {
    name: 'postgres',
    async create() {
      const name = `wabridge_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: baseUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        dataDir: 'memory://',
        async drop() {
          const client = new pg.Client({ connectionString: baseUrl });
          await client.connect();
          try {
            await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          } finally {
            await client.end();
          }
        },
      };
    },
  };
}

/**
 * The storage backends every storage-touching test runs on: embedded PGlite always, PostgreSQL when
 * TEST_DATABASE_URL names a server (set by the user, or by test/support/postgres-discovery.ts when it finds the
 * local one). Each test file gets its own fresh database.
 */
export const backends: Backend[] = [pglite, ...(process.env.TEST_DATABASE_URL ? [postgres(process.env.TEST_DATABASE_URL)] : [])];
