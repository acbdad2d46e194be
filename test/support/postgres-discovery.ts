import pg from 'pg';

/**
 * Vitest global setup: finds the PostgreSQL server the storage tests also run on, so that `npm test` typed as the
 * README writes it runs the PostgreSQL suite wherever a server is at hand. TEST_DATABASE_URL names one; unset, the
 * conventional local server is tried (`postgres@127.0.0.1:5432`, database `test`, as on our development and CI
 * machines). Found, its URL is handed to the test workers in TEST_DATABASE_URL; not found, the PostgreSQL variants
 * are left out and `bridge-server/test/postgres-suite.test.ts` reports the suite as skipped, saying why.
 */
const localServerUrl = 'postgres://postgres@127.0.0.1:5432/test';
/** Long enough for a loaded machine to answer, short enough not to hold up a run on a machine without a server. */
const connectTimeoutMs = 3_000;

export default async function discoverPostgres(): Promise<void> {
  const configured = process.env.TEST_DATABASE_URL;
  if (configured !== undefined && configured !== '') return;
  const client = new pg.Client({ connectionString: localServerUrl, connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
    process.env.TEST_DATABASE_URL = localServerUrl;
  } catch (error) {
    process.env.WABRIDGE_POSTGRES_UNAVAILABLE = `no PostgreSQL at ${localServerUrl} (${(error as Error).message}); set TEST_DATABASE_URL to name one`;
  } finally {
    await client.end().catch(() => {});
  }
}
