import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/storage/database.js';
import { PGliteThread, PGliteThreadConnection } from '../src/storage/pglite-thread.js';

/** Turns of this thread's event loop until `work` settles. */
async function turnsWhile(work: Promise<unknown>): Promise<number> {
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  let turns = 0;
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve));
    turns += 1;
  }
  await done;
  return turns;
}

describe('embedded PGlite on its own thread (storage/pglite-thread.ts)', () => {
  let directory: string;
  let database: Database;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'wabridge-pglite-thread-'));
    database = await openDatabase({ url: undefined, dataDir: join(directory, 'data'), poolMax: 1 });
  });
  afterAll(async () => {
    await database.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('runs SQL off the bridge thread: its event loop keeps turning while a long statement runs', async () => {
    // About a second of PostgreSQL's work. On the bridge's own thread (before), the loop did not turn once meanwhile:
    // the WebAssembly ran inside one call.
    const long = sql<{ total: string }>`select sum(n)::text as total from generate_series(1, 3000000) as n`.execute(database.db);
    const turns = await turnsWhile(long);
    expect((await long).rows[0]?.total).toBe('4500001500000');
    expect(turns).toBeGreaterThan(20);
  });

  it('gives back errors, values and transactions as PostgreSQL does', async () => {
    await sql`create table thread_probe (id int primary key, note text, at timestamptz, big bigint, raw bytea)`.execute(
      database.db,
    );
    const at = new Date('2026-12-07T01:02:03.456Z');
    await sql`insert into thread_probe values (1, ${'こんにちは'}, ${at}, ${2 ** 40}, ${Buffer.from([0, 1, 255])})`.execute(
      database.db,
    );
    const duplicate = await sql`insert into thread_probe (id) values (1)`.execute(database.db).catch((error) => error);
    expect(duplicate).toMatchObject({ code: '23505', constraint: 'thread_probe_pkey' });
    await expect(
      database.db.transaction().execute(async (transaction) => {
        await sql`insert into thread_probe (id) values (2)`.execute(transaction);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const { rows } = await sql<{
      id: number;
      note: string;
      at: Date;
      big: number;
      raw: Buffer;
    }>`select * from thread_probe order by id`.execute(database.db);
    expect(rows).toEqual([{ id: 1, note: 'こんにちは', at, big: 2 ** 40, raw: Buffer.from([0, 1, 255]) }]);
  });

  it('fails a parameterised statement alone and goes on with the next', async () => {
    const divided = await sql`select 1 / ${0}::int as quotient`.execute(database.db).catch((error) => error);
    expect(divided).toMatchObject({ code: '22012' });
    const { rows } = await sql<{ sum: number }>`select ${2}::int + ${3}::int as sum`.execute(database.db);
    expect(rows).toEqual([{ sum: 5 }]);
  });

  it('closes with a statement still running: that statement fails, and no failure of the database is reported', async () => {
    const failures: Error[] = [];
    const closing = await openDatabase({
      url: undefined,
      dataDir: 'memory://',
      poolMax: 1,
      onConnectionError: (error) => failures.push(error),
    });
    const long = sql`select sum(n) from generate_series(1, 3000000) as n`.execute(closing.db).then(
      () => 'answered',
      (error: Error) => error.message,
    );
    // Sent to the thread within this turn (its lock and the client answer in microtasks): one turn later it runs there.
    await new Promise((resolve) => setImmediate(resolve));
    await closing.close();
    expect(await long).toMatch(/terminated/i);
    // The statement's answer came after the client had ended: once read as an unexpected message, a false alarm.
    expect(failures).toEqual([]);
  });

  it('fails what is pending and what comes next when its thread dies, without hanging', async () => {
    const thread = await PGliteThread.open('memory://');
    const client = new pg.Client({ connection: new PGliteThreadConnection(thread) } as pg.ClientConfig);
    const failures: Error[] = [];
    client.on('error', (error) => failures.push(error));
    await client.connect();
    expect((await client.query('select $1::int as one', [1])).rows).toEqual([{ one: 1 }]);
    const pending = client.query('select sum(n) from generate_series(1, 3000000) as n');
    await thread.abort();
    await expect(pending).rejects.toThrow(/thread ended/);
    await expect(client.query('select 1')).rejects.toThrow();
    expect(failures.map((failure) => failure.message)).toEqual([expect.stringMatching(/thread ended/)]);
  });

  it('closes within its deadline even while a statement runs on', async () => {
    const thread = await PGliteThread.open('memory://');
    const client = new pg.Client({ connection: new PGliteThreadConnection(thread) } as pg.ClientConfig);
    client.on('error', () => {});
    await client.connect();
    const sleeping = client.query('select pg_sleep(60)');
    sleeping.catch(() => {});
    await new Promise((resolve) => setImmediate(resolve));
    // Waited for, this test would time out (30 s) long before the statement ended.
    await thread.close(200);
    await expect(sleeping).rejects.toThrow();
  });

  it('keeps what was written for the next process', async () => {
    const dataDir = join(directory, 'reopened');
    const first = await openDatabase({ url: undefined, dataDir, poolMax: 1 });
    await sql`create table kept (note text)`.execute(first.db);
    await sql`insert into kept values ('after a clean close')`.execute(first.db);
    await first.close();
    const second = await openDatabase({ url: undefined, dataDir, poolMax: 1 });
    try {
      const { rows } = await sql<{ note: string }>`select note from kept`.execute(second.db);
      expect(rows).toEqual([{ note: 'after a clean close' }]);
    } finally {
      await second.close();
    }
  });

  it('refuses to open a data directory that is not a database, saying so', async () => {
    const notADatabase = join(directory, 'not-a-database');
    await mkdir(notADatabase);
    await writeFile(join(notADatabase, 'PG_VERSION'), '9\n');
    await expect(openDatabase({ url: undefined, dataDir: notADatabase, poolMax: 1 })).rejects.toThrow(
      /the embedded database failed: .*PGlite failed to initialize/,
    );
  });
});
