import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyKeys } from '../src/messages/idempotency.js';
import { type Database, openDatabase } from '../src/storage/database.js';
import { backends } from './support/backends.js';

describe.each(backends)('Idempotency-Key claims on $name', (backend) => {
  let disposable: Awaited<ReturnType<(typeof backend)['create']>>;
  let database: Database;
  // Long enough that "within the lease" never depends on how fast the machine is; its end is reached by ageing the
  // claim in the database (`leaseRunsOut`), not by sleeping.
  const leaseMs = 60_000;

  beforeAll(async () => {
    disposable = await backend.create();
    database = await openDatabase({ url: disposable.url, dataDir: disposable.dataDir, poolMax: 4 });
  });
  afterAll(async () => {
    await database?.close();
    await disposable?.drop();
  });

  const keys = () => new IdempotencyKeys(database.db, leaseMs);
  /** The claim's lease ends: its start moves back past the lease, on the database's clock that the keys read. */
  const leaseRunsOut = (key: string) =>
    sql`update idempotency_keys set created_at = created_at - ${`${leaseMs + 1_000} milliseconds`}::interval
        where scope = 'ins_test' and key = ${key}`.execute(database.db);
  const stored = (key: string) =>
    database.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', 'ins_test')
      .where('key', '=', key)
      .executeTakeFirst();

  it('takes an expired key as new (its row replaced by the claim itself), and keeps a live one', async () => {
    const first = await keys().claim('ins_test', 'k-expiry', 'c'.repeat(64));
    expect(first).toMatchObject({ kind: 'new', resumed: false });
    await keys().complete('ins_test', 'k-expiry', 202, { id: 'msg_first' });
    // Live: another body under the key is refused, the same body replayed.
    await expect(keys().claim('ins_test', 'k-expiry', 'd'.repeat(64))).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect(await keys().claim('ins_test', 'k-expiry', 'c'.repeat(64))).toMatchObject({ kind: 'replay', status: 202 });
    // Expired: the key is free again, for any body, with a new message id.
    await sql`update idempotency_keys set expires_at = now() - interval '1 second'
        where scope = 'ins_test' and key = 'k-expiry'`.execute(database.db);
    const again = await keys().claim('ins_test', 'k-expiry', 'd'.repeat(64));
    expect(again).toMatchObject({ kind: 'new', resumed: false });
    expect(again.kind === 'new' && first.kind === 'new' && again.messageId !== first.messageId).toBe(true);
    expect(await stored('k-expiry')).toMatchObject({ request_sha256: 'd'.repeat(64), state: 'in_flight', response_status: null });
    expect((await stored('k-expiry'))?.expires_at.getTime()).toBeGreaterThan(Date.now());
  });

  it('tells a retry the key is in flight within the lease, and hands the same message id to one retry after it', async () => {
    const first = await keys().claim('ins_test', 'k-lease', 'a'.repeat(64));
    expect(first).toMatchObject({ kind: 'new', resumed: false });
    await expect(keys().claim('ins_test', 'k-lease', 'a'.repeat(64))).rejects.toMatchObject({
      code: 'idempotency_key_in_flight',
    });
    await leaseRunsOut('k-lease');
    const retries = await Promise.allSettled([0, 1, 2].map(() => keys().claim('ins_test', 'k-lease', 'a'.repeat(64))));
    const resumed = retries.filter((retry) => retry.status === 'fulfilled').map((retry) => retry.value);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toMatchObject({ kind: 'new', resumed: true, messageId: (first as { messageId: string }).messageId });
  });

  it('lets only the request holding the claim release the key: a request that outlived its lease cannot', async () => {
    const original = await keys().claim('ins_test', 'k-release', 'b'.repeat(64));
    await leaseRunsOut('k-release');
    const takeover = await keys().claim('ins_test', 'k-release', 'b'.repeat(64));
    if (original.kind !== 'new' || takeover.kind !== 'new') throw new Error('expected two claims');
    // The original request fails late: its release must leave the key to the takeover.
    await keys().release('ins_test', 'k-release', original.token);
    expect(await stored('k-release')).toMatchObject({ state: 'in_flight' });
    await keys().complete('ins_test', 'k-release', 202, { id: takeover.messageId });
    expect(await keys().claim('ins_test', 'k-release', 'b'.repeat(64))).toEqual({
      kind: 'replay',
      status: 202,
      body: { id: original.messageId },
    });
  });

  it('frees the key for the claim holder, so the same key can be tried again', async () => {
    const claim = await keys().claim('ins_test', 'k-free', 'c'.repeat(64));
    if (claim.kind !== 'new') throw new Error('expected a claim');
    await keys().release('ins_test', 'k-free', claim.token);
    expect(await stored('k-free')).toBeUndefined();
    expect(await keys().claim('ins_test', 'k-free', 'c'.repeat(64))).toMatchObject({ kind: 'new', resumed: false });
  });
});
