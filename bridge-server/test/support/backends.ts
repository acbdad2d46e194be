import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface Backend {
  name: 'pglite' | 'postgres';
  /** Creates an empty database for one test file; returns its URL (undefined: in-memory PGlite) and a disposer. */
  create(): Promise<{ url: string | undefined; dataDir: string; drop(): Promise<void> }>;
}

const pglite: Backend = {
  name: 'pglite',
  async create() {
    return { url: undefined, dataDir: 'memory://', drop: async () => {} };
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
 * TEST_DATABASE_URL is set (CI sets it). Each test file gets its own fresh database.
 */
export const backends: Backend[] = [pglite, ...(process.env.TEST_DATABASE_URL ? [postgres(process.env.TEST_DATABASE_URL)] : [])];
