import { readdir } from 'node:fs/promises';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/storage/database.js';
import { insertFromArrays } from '../src/storage/insert-arrays.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import type { Schema } from '../src/storage/schema.js';
import { backends } from './support/backends.js';

describe.each(backends)('storage on $name', (backend) => {
  let disposable: Awaited<ReturnType<(typeof backend)['create']>>;
  let database: Database;

  beforeAll(async () => {
    disposable = await backend.create();
    database = await openDatabase({ url: disposable.url, dataDir: disposable.dataDir, poolMax: 4 });
  });
  afterAll(async () => {
    await database?.close();
    await disposable?.drop();
  });

  it('inserts rows from one array per column exactly as they were given (insertFromArrays)', async () => {
    const awkward: (string | null)[] = [
      'plain',
      'a "quoted" word',
      'back\\slash \\"both\\"',
      '{braces, commas}',
      'NULL',
      '',
      ' spaced ',
      '日本語 ✓',
      'new\nline\ttab',
      null,
    ];
    const rows = awkward.map((text, index) => ({
      text,
      json: JSON.stringify({ text, list: [index, null, '"x"'] }),
      at: new Date(Date.UTC(2026, 11, 7, 9, 30, 0, index)),
      count: 2 ** 40 + index,
    }));
    const read = await database.db.transaction().execute(async (transaction) => {
      await sql`create temporary table array_probe (text text, json jsonb, at timestamptz(3), count bigint) on commit drop`.execute(
        transaction,
      );
      const columns = { text: 'text', json: 'jsonb', at: 'timestamptz', count: 'bigint' };
      const inserted = await sql<{
        text: string | null;
      }>`${insertFromArrays('array_probe' as never, columns as never, rows)} returning text`.execute(transaction);
      expect(inserted.rows.map((row) => row.text)).toEqual(rows.map((row) => row.text));
      return (
        await sql<{
          text: string | null;
          json: unknown;
          at: Date;
          count: string;
        }>`select text, json, at, count::text from array_probe`.execute(transaction)
      ).rows;
    });
    expect(read).toEqual(
      rows.map((row) => ({ text: row.text, json: JSON.parse(row.json), at: row.at, count: String(row.count) })),
    );
  });

  it('applies every migration once and nothing on a second run', async () => {
    const applied = await database.db
      .selectFrom('schema_migrations' as never)
      .select('name' as never)
      .execute();
    const files = (await readdir(new URL('../migrations/', import.meta.url))).filter((name) => name.endsWith('.sql')).sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(applied.map((row) => `${(row as { name: string }).name}.sql`)).toEqual(files);
    expect(await migrateToLatest(database.db)).toEqual([]);
  });

  it('documents every table with a comment', async () => {
    const tables = await sql<{ table_name: string; comment: string | null }>`
      select c.relname as table_name, obj_description(c.oid, 'pg_class') as comment
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r' and c.relname not like 'schema_migrations%'`.execute(database.db);
    expect(tables.rows.map((row) => row.table_name).sort()).toEqual([
      'account_admins',
      'account_optin_settings',
      'account_pricing_rules',
      'account_pricing_settings',
      'accounts',
      'auth_failures',
      'auto_recharge_settings',
      'automation_runs',
      'automation_settings',
      'consents',
      'console_audit',
      'console_sessions',
      'contacts',
      'deployment_events',
      'deployment_hosting_fees',
      'deployments',
      'helpdesk_connections',
      'hosting_fee_charges',
      'idempotency_keys',
      'inbound_messages',
      'installations',
      'jobs',
      'live_events',
      'media_uploads',
      'message_billing_reports',
      'message_charges',
      'message_statuses',
      'messages',
      'payment_sandbox_charges',
      'payments',
      'purchases',
      'rate_cards',
      'template_display_names',
      'template_syncs',
      'templates',
      'wallet_entries',
      'wallet_events',
      'wallet_notification_settings',
      'wallets',
      'webhook_events',
      'window_reminders',
      'zendesk_channel_events',
      'zendesk_channel_links',
      'zoho_channel_links',
    ]);
    for (const row of tables.rows) expect(row.comment?.length ?? 0, row.table_name).toBeGreaterThan(40);
  });

  it('enforces invariants in the schema, not only in the code', async () => {
    const db = database.db;
    await db.insertInto('accounts').values({ id: 'acc_aaaaaaaaaaaaaaaaaaaaaaaa', name: 'Schema' }).execute();
    const deployment = {
      id: 'dep_aaaaaaaaaaaaaaaaaaaaaaaa',
      account_id: 'acc_aaaaaaaaaaaaaaaaaaaaaaaa',
      display_name: 'Schema',
      display_phone_number: '+819012345678',
      waba_id: '12345678',
      phone_number_id: '87654321',
      business_manager_id: null,
      access_token_sealed: 'v1.x',
      app_secret_sealed: 'v1.x',
      verify_token_sealed: 'v1.x',
    };
    const refused = [
      db.insertInto('accounts').values({ id: 'acc_bad', name: 'Bad id' }),
      db.insertInto('accounts').values({ id: 'acc_bbbbbbbbbbbbbbbbbbbbbbbb', name: '' }),
      db.insertInto('deployments').values({ ...deployment, display_phone_number: '09012345678' }),
      db.insertInto('deployments').values({ ...deployment, access_token_sealed: 'plain-text-token' }),
      db.insertInto('deployments').values({ ...deployment, account_id: 'acc_cccccccccccccccccccccccc' }),
    ];
    for (const query of refused) await expect(query.execute()).rejects.toThrow();
    await db.insertInto('deployments').values(deployment).execute();
    await expect(
      db
        .insertInto('deployments')
        .values({ ...deployment, id: 'dep_bbbbbbbbbbbbbbbbbbbbbbbb' })
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    const installation = {
      deployment_id: deployment.id,
      helpdesk: 'zendesk' as const,
      instance: 'schema.zendesk.com',
      token_hint: 'wbi_x',
    };
    await db
      .insertInto('installations')
      .values({ ...installation, id: 'ins_aaaaaaaaaaaaaaaaaaaaaaaa', token_sha256: 'a'.repeat(64) })
      .execute();
    // A second live installation of the same helpdesk instance is refused by the partial unique index…
    await expect(
      db
        .insertInto('installations')
        .values({ ...installation, id: 'ins_bbbbbbbbbbbbbbbbbbbbbbbb', token_sha256: 'b'.repeat(64) })
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    // …but allowed once the first is revoked.
    await db
      .updateTable('installations')
      .set({ revoked_at: new Date(Date.now() + 1000) })
      .execute();
    await db
      .insertInto('installations')
      .values({ ...installation, id: 'ins_bbbbbbbbbbbbbbbbbbbbbbbb', token_sha256: 'b'.repeat(64) })
      .execute();
    await expect(
      db
        .insertInto('installations')
        .values({
          ...installation,
          id: 'ins_cccccccccccccccccccccccc',
          helpdesk: 'kayako' as never,
          token_sha256: 'c'.repeat(64),
        })
        .execute(),
    ).rejects.toThrow(/check/i);
  });

  it('holds media uploads to their invariants: id shape, kind agreeing with type, size, hash, file name', async () => {
    const db = database.db;
    await db.insertInto('accounts').values({ id: 'acc_mmmmmmmmmmmmmmmmmmmmmmmm', name: 'Media' }).execute();
    await db
      .insertInto('deployments')
      .values({
        id: 'dep_mmmmmmmmmmmmmmmmmmmmmmmm',
        account_id: 'acc_mmmmmmmmmmmmmmmmmmmmmmmm',
        display_name: 'Media',
        display_phone_number: '+819012345678',
        waba_id: '12345678',
        phone_number_id: '99999999',
        business_manager_id: null,
        access_token_sealed: 'v1.x',
        app_secret_sealed: 'v1.x',
        verify_token_sealed: 'v1.x',
      })
      .execute();
    await db
      .insertInto('installations')
      .values({
        id: 'ins_mmmmmmmmmmmmmmmmmmmmmmmm',
        deployment_id: 'dep_mmmmmmmmmmmmmmmmmmmmmmmm',
        helpdesk: 'zendesk',
        instance: 'media.zendesk.com',
        token_sha256: 'e'.repeat(64),
        token_hint: 'wbi_m',
      })
      .execute();
    const upload = {
      id: 'med_mmmmmmmmmmmmmmmmmmmmmmmm',
      deployment_id: 'dep_mmmmmmmmmmmmmmmmmmmmmmmm',
      installation_id: 'ins_mmmmmmmmmmmmmmmmmmmmmmmm',
      meta_media_id: '1234567890123456',
      kind: 'image' as const,
      mime_type: 'image/png',
      size_bytes: 69,
      sha256: 'a'.repeat(64),
      filename: 'pixel.png',
      source: 'upload' as const,
    };
    const refused = [
      { ...upload, id: 'med_short' },
      { ...upload, kind: 'document' as const },
      { ...upload, mime_type: 'application/zip' },
      { ...upload, size_bytes: 0 },
      { ...upload, size_bytes: 104_857_601 },
      { ...upload, sha256: 'not-a-hash' },
      { ...upload, filename: '../etc/passwd' },
      { ...upload, filename: 'a\\b.png' },
      { ...upload, filename: 'line\nbreak.png' },
      { ...upload, meta_media_id: 'abc' },
      { ...upload, source: 'email' as never },
    ];
    for (const values of refused) {
      await expect(db.insertInto('media_uploads').values(values).execute(), JSON.stringify(values)).rejects.toThrow(/check/i);
    }
    await db.insertInto('media_uploads').values(upload).execute();
    await expect(
      db
        .insertInto('media_uploads')
        .values({ ...upload, id: 'med_nnnnnnnnnnnnnnnnnnnnnnnn' })
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    // A media message names its upload; a text message does not.
    const message = {
      id: 'msg_mmmmmmmmmmmmmmmmmmmmmmmm',
      deployment_id: 'dep_mmmmmmmmmmmmmmmmmmmmmmmm',
      installation_id: 'ins_mmmmmmmmmmmmmmmmmmmmmmmm',
      recipient_phone: '+819012345678',
      kind: 'media' as const,
      content: JSON.stringify({ media: {} }),
      state: 'sending' as const,
    };
    await expect(db.insertInto('messages').values(message).execute()).rejects.toThrow(/check/i);
    await expect(
      db
        .insertInto('messages')
        .values({ ...message, kind: 'text', media_upload_id: upload.id })
        .execute(),
    ).rejects.toThrow(/check/i);
    await db
      .insertInto('messages')
      .values({ ...message, media_upload_id: upload.id })
      .execute();
    // A template's media header may be an upload (0030); a template without one has none.
    await db
      .insertInto('messages')
      .values({
        ...message,
        id: 'msg_tttttttttttttttttttttttt',
        kind: 'template',
        content: JSON.stringify({ template: { name: 'invoice_available' } }),
        template_name: 'invoice_available',
        template_language: 'en_US',
        template_category: 'UTILITY',
        media_upload_id: upload.id,
      })
      .execute();
  });

  it('reads 64-bit integers as numbers on both backends and refuses to lose precision', async () => {
    const small = await sql<{ value: number }>`select 9007199254740991::int8 as value`.execute(database.db);
    expect(small.rows[0]?.value).toBe(Number.MAX_SAFE_INTEGER);
    await expect(sql`select 9007199254740993::int8 as value`.execute(database.db)).rejects.toThrow(/safe integer/);
  });

  it('keeps timestamps to the millisecond so they round-trip through JavaScript dates', async () => {
    const result = await sql<{ at: Date }>`select '2026-11-21 09:30:00.123456+00'::timestamptz(3) as at`.execute(database.db);
    expect(result.rows[0]?.at.toISOString()).toBe('2026-11-21T09:30:00.123Z');
  });

  it('rolls a failed transaction back entirely', async () => {
    const before = await database.db.selectFrom('accounts').select('id').execute();
    await expect(
      database.db.transaction().execute(async (transaction) => {
        await transaction.insertInto('accounts').values({ id: 'acc_dddddddddddddddddddddddd', name: 'Half written' }).execute();
        await transaction.insertInto('accounts').values({ id: 'acc_bad', name: 'Breaks the transaction' }).execute();
      }),
    ).rejects.toThrow();
    expect(await database.db.selectFrom('accounts').select('id').execute()).toEqual(before);
  });

  it('runs concurrent transactions without interleaving them', async () => {
    // Each transaction reads a counter and writes it back incremented; interleaving would lose updates.
    await database.db.insertInto('accounts').values({ id: 'acc_eeeeeeeeeeeeeeeeeeeeeeee', name: '0' }).execute();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        database.db.transaction().execute(async (transaction) => {
          const row = await transaction
            .selectFrom('accounts')
            .select('name')
            .where('id', '=', 'acc_eeeeeeeeeeeeeeeeeeeeeeee')
            .forUpdate()
            .executeTakeFirstOrThrow();
          await transaction
            .updateTable('accounts')
            .set({ name: String(Number(row.name) + 1) })
            .where('id', '=', 'acc_eeeeeeeeeeeeeeeeeeeeeeee')
            .execute();
        }),
      ),
    );
    const row = await database.db
      .selectFrom('accounts')
      .select('name')
      .where('id', '=', 'acc_eeeeeeeeeeeeeeeeeeeeeeee')
      .executeTakeFirstOrThrow();
    expect(row.name).toBe('20');
  });

  it('records the live events of inbound messages by reading each customer by key, never scanning the contacts', async () => {
    const db = database.db;
    const deploymentId = 'dep_llllllllllllllllllllllll';
    await db.insertInto('accounts').values({ id: 'acc_llllllllllllllllllllllll', name: 'Live' }).execute();
    await db
      .insertInto('deployments')
      .values({
        id: deploymentId,
        account_id: 'acc_llllllllllllllllllllllll',
        display_name: 'Live',
        display_phone_number: '+819011110000',
        waba_id: '31313131',
        phone_number_id: '13131313',
        business_manager_id: null,
        access_token_sealed: 'v1.x',
        app_secret_sealed: 'v1.x',
        verify_token_sealed: 'v1.x',
      })
      .execute();
    const webhook = await db
      .insertInto('webhook_events')
      .values({ deployment_id: deploymentId, body: Buffer.from('{}'), body_sha256: 'f'.repeat(64) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const addContacts = (on: Kysely<Schema>, from: number, count: number) =>
      sql`insert into contacts (deployment_id, wa_id)
          select ${deploymentId}, (819020000000 + g)::text from generate_series(cast(${from} as integer), cast(${from + count - 1} as integer)) as g`.execute(
        on,
      );
    const contactIds = async (on: Kysely<Schema>) =>
      (await on.selectFrom('contacts').select('id').where('deployment_id', '=', deploymentId).orderBy('id').execute()).map(
        (contact) => contact.id,
      );
    const writeInbound = (on: Kysely<Schema>, ids: readonly number[], prefix: string) =>
      on
        .insertInto('inbound_messages')
        .values(
          ids.map((id) => ({
            deployment_id: deploymentId,
            wamid: `wamid.${prefix}.${id}`,
            contact_id: id,
            type: 'text',
            sent_at: new Date(),
            text_body: 'hello',
            referral: null,
            payload: JSON.stringify({ type: 'text' }),
            webhook_event_id: webhook.id,
          })),
        )
        .execute();
    /**
     * Sequential scans of contacts so far. A backend publishes its counts when it goes idle, and at once only when
     * told to: so the batch and both readings go over one connection, which flushes before each reading.
     */
    const contactScans = async (on: Kysely<Schema>) => {
      await sql`select pg_stat_force_next_flush()`.execute(on);
      const { rows } = await sql<{ scans: string }>`
        select seq_scan as scans from pg_stat_user_tables where relname = 'contacts'`.execute(on);
      return Number(rows[0]?.scans ?? 0);
    };
    // PL/pgSQL makes the trigger's plan on a connection's first batch, while there are few customers: a join planned
    // then scanned every contact for every later batch on that connection, however many contacts there came to be.
    const scans = await db.connection().execute(async (connection) => {
      await addContacts(connection, 1, 5);
      await writeInbound(connection, await contactIds(connection), 'first');
      await addContacts(connection, 100, 3_000);
      const ids = (await contactIds(connection)).slice(5, 505);
      const before = await contactScans(connection);
      await writeInbound(connection, ids, 'second');
      return (await contactScans(connection)) - before;
    });
    expect(scans).toBe(0);
    const events = await db
      .selectFrom('live_events')
      .select((eb) => eb.fn.count<number>('phone').distinct().as('phones'))
      .where('deployment_id', '=', deploymentId)
      .where('kind', '=', 'conversation')
      .executeTakeFirstOrThrow();
    expect(Number(events.phones)).toBe(505);
  });
});

describe.runIf(backends.some((backend) => backend.name === 'postgres'))(
  'several bridge replicas on one PostgreSQL database',
  () => {
    it('apply the migrations exactly once when they start together', async () => {
      const backend = backends.find((candidate) => candidate.name === 'postgres')!;
      const disposable = await backend.create();
      try {
        const replicas = await Promise.all(
          Array.from({ length: 4 }, () => openDatabase({ url: disposable.url, dataDir: 'memory://', poolMax: 2 })),
        );
        const files = (await readdir(new URL('../migrations/', import.meta.url))).filter((name) => name.endsWith('.sql'));
        const applied = await sql<{ name: string }>`select name from schema_migrations`.execute(replicas[0]!.db);
        // The primary key on name forbids duplicates; what matters is that no replica failed and every migration is there once.
        expect(applied.rows.map((row) => `${row.name}.sql`).sort()).toEqual(files.sort());
        await Promise.all(replicas.map((replica) => replica.close()));
      } finally {
        await disposable.drop();
      }
    });
  },
);
