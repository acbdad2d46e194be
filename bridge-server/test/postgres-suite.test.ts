import pg from 'pg';
import { describe, expect, it } from 'vitest';

/**
 * Reports whether the storage tests also ran on PostgreSQL: skipped, with the reason in its name, when the run found
 * no server (see test/support/postgres-discovery.ts), so a run without one says so instead of passing quietly.
 */
const url = process.env.TEST_DATABASE_URL;
const available = url !== undefined && url !== '';
const name = available
  ? 'runs every storage test on PostgreSQL too'
  : `runs every storage test on PostgreSQL too (skipped: ${process.env.WABRIDGE_POSTGRES_UNAVAILABLE ?? 'no server'})`;

describe('the PostgreSQL suite', () => {
  it.skipIf(!available)(name, async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ server_version: string }>('show server_version');
      expect(rows[0]?.server_version).toMatch(/^\d+/);
    } finally {
      await client.end();
    }
  });
});
