import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/storage/database.js';
import { preparedStatementLimits, preparedStatementName } from '../src/storage/prepared-statements.js';
import { backends } from './support/backends.js';

/** The statements this connection (session) holds prepared, by name, with their text. */
async function preparedOn(connection: Kysely<unknown>): Promise<Map<string, string>> {
  const rows = await sql<{ name: string; statement: string }>`
    select name, statement from pg_prepared_statements where not from_sql`.execute(connection);
  return new Map(rows.rows.map((row) => [row.name, row.statement]));
}

describe.each(backends)('prepared statements on $name', (backend) => {
  let disposable: Awaited<ReturnType<(typeof backend)['create']>>;
  let database: Database;

  beforeAll(async () => {
    disposable = await backend.create();
    // One connection, so that every statement below runs in the session whose prepared statements are read.
    database = await openDatabase({ url: disposable.url, dataDir: disposable.dataDir, poolMax: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await disposable?.drop();
  });

  it('prepares a repeated statement with parameters once per connection and reuses it', async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const statement = (value: number) => sql<{ doubled: number }>`select ${value}::int * 2 as doubled`;
    const text = statement(0).compile(db).sql;
    await db.connection().execute(async (connection) => {
      const answers = [];
      for (const value of [1, 2, 3]) answers.push((await statement(value).execute(connection)).rows[0]?.doubled);
      expect(answers).toEqual([2, 4, 6]);
      const prepared = await preparedOn(connection);
      expect(prepared.get(preparedStatementName(text))).toBe(text);
      // Named by a digest of the text: the same name in every process and on every connection.
      expect(preparedStatementName(text)).toMatch(/^wb_[\w-]{32}$/);
    });
  });

  it('leaves statements without parameters and long statements unnamed, and both still answer', async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const plain = sql<{ answer: number }>`select 41 + 1 as answer`;
    const padding = 'x'.repeat(preparedStatementLimits.textLengthMax);
    const long = sql<{ answer: number }>`select ${7}::int as answer, ${sql.lit(padding)} as padding`;
    await db.connection().execute(async (connection) => {
      expect((await plain.execute(connection)).rows[0]?.answer).toBe(42);
      expect((await long.execute(connection)).rows[0]?.answer).toBe(7);
      const prepared = [...(await preparedOn(connection)).values()];
      expect(prepared.some((text) => text.includes('41 + 1'))).toBe(false);
      expect(prepared.some((text) => text.includes(padding))).toBe(false);
      // Several statements in one text (a migration file) still run: the simple-query protocol, never prepared.
      await sql`create temporary table prepared_check (n int); insert into prepared_check values (1), (2)`.execute(connection);
      expect((await sql<{ n: number }>`select count(*)::int as n from prepared_check`.execute(connection)).rows[0]?.n).toBe(2);
    });
  });

  it("fails once when a migration elsewhere changed a prepared statement's columns, then sends it unnamed", async () => {
    const db = database.db as unknown as Kysely<unknown>;
    await db.connection().execute(async (connection) => {
      await sql`create table reshaped (id int primary key, label text)`.execute(connection);
      await sql`insert into reshaped values (1, 'one')`.execute(connection);
      const read = () => sql<Record<string, unknown>>`select * from reshaped where id = ${1}`.execute(connection);
      expect((await read()).rows[0]).toEqual({ id: 1, label: 'one' });
      expect((await read()).rows[0]).toEqual({ id: 1, label: 'one' });
      const text = sql`select * from reshaped where id = ${1}`.compile(db).sql;
      expect((await preparedOn(connection)).has(preparedStatementName(text))).toBe(true);
      // What another process's migration does during a rolling deployment.
      await sql`alter table reshaped add column note text default 'new'`.execute(connection);
      await expect(read()).rejects.toMatchObject({ code: '0A000' });
      expect((await read()).rows[0]).toEqual({ id: 1, label: 'one', note: 'new' });
      expect((await read()).rows[0]).toEqual({ id: 1, label: 'one', note: 'new' });
      expect((await preparedOn(connection)).has(preparedStatementName(text))).toBe(true);
      await sql`drop table reshaped`.execute(connection);
    });
  });

  it(`prepares at most ${preparedStatementLimits.perConnectionMax} statements per connection and sends the others unnamed`, async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const distinct = preparedStatementLimits.perConnectionMax + 20;
    await db.connection().execute(async (connection) => {
      const before = (await preparedOn(connection)).size;
      const answers: number[] = [];
      for (let index = 0; index < distinct; index += 1) {
        const row = (await sql<{ n: number }>`select ${index}::int + ${sql.lit(index)} as n`.execute(connection)).rows[0];
        answers.push(row?.n ?? -1);
      }
      expect(answers).toEqual(Array.from({ length: distinct }, (_, index) => 2 * index));
      expect(before).toBeLessThan(preparedStatementLimits.perConnectionMax);
      expect((await preparedOn(connection)).size).toBe(preparedStatementLimits.perConnectionMax);
    });
  });

  it('reads the same values on both stores: integers, timestamps, JSON, bytes, booleans, arrays', async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const at = new Date('2026-12-06T10:11:12.345Z');
    const row = (
      await sql<{ count: number; at: Date; doc: unknown; bytes: Uint8Array; yes: boolean; tags: string[]; none: null }>`
        select ${9_007_199_254_740_991}::int8 as count, ${at}::timestamptz as at, ${JSON.stringify({ a: [1, 'b'] })}::jsonb as doc,
               decode(${'00ff10'}, 'hex') as bytes, ${true}::boolean as yes, array[${'x'}, ${'y'}]::text[] as tags, null as none`.execute(
        db,
      )
    ).rows[0];
    expect(row?.count).toBe(9_007_199_254_740_991);
    expect(row?.at).toEqual(at);
    expect(row?.doc).toEqual({ a: [1, 'b'] });
    expect([...(row?.bytes ?? [])]).toEqual([0, 255, 16]);
    expect(row?.yes).toBe(true);
    expect(row?.tags).toEqual(['x', 'y']);
    expect(row?.none).toBeNull();
  });
});

describe.runIf(backends.some((backend) => backend.name === 'postgres'))('prepared statements switched off', () => {
  const postgres = backends.find((backend) => backend.name === 'postgres');
  let disposable: Awaited<ReturnType<NonNullable<typeof postgres>['create']>> | undefined;

  beforeAll(async () => {
    disposable = await postgres?.create();
  });
  afterAll(async () => {
    await disposable?.drop();
  });

  it('prepares nothing on PostgreSQL when DATABASE_PREPARED_STATEMENTS is off', async () => {
    const unprepared = await openDatabase({ url: disposable?.url, dataDir: 'memory://', poolMax: 1, preparedStatements: false });
    try {
      const db = unprepared.db as unknown as Kysely<unknown>;
      await db.connection().execute(async (connection) => {
        for (const value of [1, 2]) await sql`select ${value}::int as n`.execute(connection);
        expect((await preparedOn(connection)).size).toBe(0);
      });
    } finally {
      await unprepared.close();
    }
  });
});
