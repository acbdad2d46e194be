import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from '../src/storage/schema.js';
import { WebhookBodyPruner } from '../src/webhooks/retention.js';
import { backends } from './support/backends.js';
import { deploymentRequest, startTestBridge, type TestBridge } from './support/bridge.js';
import { inboundText, metaJson, metaSignature, statusUpdate } from './support/meta.js';

const silent = pino({ level: 'silent' });
const dayMs = 86_400_000;

/*
 * The retention rule for raw webhook bodies (issue 16, migration 0022): processed bodies older than the retention
 * are pruned, in batches, on every replica; what reconciliation and audits read (each event's own row) stays, and
 * a body not processed or dead-lettered is never pruned.
 */
describe.each(backends)('webhook body retention on $name', (backend) => {
  let bridge: TestBridge;
  let db: Kysely<Schema>;
  let deployment: { id: string; phone_number_id: string; app_secret: string };
  const now = new Date('2027-03-01T00:00:00.000Z');

  beforeAll(async () => {
    bridge = await startTestBridge(backend);
    db = bridge.bridge.database.db;
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Retention' } });
    const request = deploymentRequest(account.body.id);
    bridge.metaKnows(request);
    const created = await bridge.request('POST', '/v1/deployments', { json: request });
    deployment = {
      id: created.body.id,
      phone_number_id: String(request.phone_number_id),
      app_secret: String(request.app_secret),
    };
  });
  afterAll(async () => {
    await bridge?.close();
  });

  const post = (body: string) =>
    bridge.request('POST', `/v1/webhooks/meta/${deployment.id}`, {
      token: null,
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, deployment.app_secret) },
    });

  it('prunes processed bodies past the retention in batches, keeps the events, the unprocessed and the dead-lettered', async () => {
    const at = new Date(now.getTime() - 60 * dayMs);
    const bodies = Array.from({ length: 7 }, (_, index) =>
      metaJson(
        index % 2 === 0
          ? inboundText(deployment.phone_number_id, { waId: `81907000${index}`, id: `wamid.keep-in-${index}`, at })
          : statusUpdate(deployment.phone_number_id, [
              { id: `wamid.keep-out-${index}`, status: 'delivered', at, waId: `81907100${index}` },
            ]),
      ),
    );
    for (const body of bodies) expect((await post(body)).status).toBe(200);
    await bridge.bridge.processor.drain();
    const rows = await db
      .selectFrom('webhook_events')
      .select('id')
      .where('deployment_id', '=', deployment.id)
      .orderBy('id')
      .execute();
    const ids = rows.map((row) => row.id);
    expect(ids).toHaveLength(7);
    // Five processed 31–35 days before `now`, one processed yesterday, one dead-lettered 40 days ago (never processed).
    for (const [index, id] of ids.slice(0, 5).entries()) {
      await db
        .updateTable('webhook_events')
        .set({ processed_at: new Date(now.getTime() - (31 + index) * dayMs) })
        .where('id', '=', id)
        .execute();
    }
    await db
      .updateTable('webhook_events')
      .set({ processed_at: new Date(now.getTime() - dayMs) })
      .where('id', '=', ids[5] as number)
      .execute();
    await db
      .updateTable('webhook_events')
      .set({ processed_at: null, dead_lettered_at: new Date(now.getTime() - 40 * dayMs), attempts: 8, last_error: 'gave up' })
      .where('id', '=', ids[6] as number)
      .execute();
    const eventsBefore = await derivedRows();

    const pruner = new WebhookBodyPruner(db, silent, { retentionDays: 30, now: () => now, batchSize: 2 });
    expect(await pruner.pruneOnce()).toBe(2);
    expect(await pruner.pruneDue()).toBe(3);
    expect(await pruner.pruneDue()).toBe(0);
    const after = await db
      .selectFrom('webhook_events')
      .select(['id', 'body', 'body_pruned_at', 'body_sha256'])
      .where('deployment_id', '=', deployment.id)
      .orderBy('id')
      .execute();
    expect(after.map((row) => row.body === null)).toEqual([true, true, true, true, true, false, false]);
    expect(after.every((row) => (row.body === null) === (row.body_pruned_at !== null))).toBe(true);
    // What reconciliation and audits read is each event's own row: untouched.
    expect(await derivedRows()).toEqual(eventsBefore);

    // Meta sending a pruned body again: still recognised by its hash, stored once, applied once.
    expect((await post(bodies[0] as string)).status).toBe(200);
    await bridge.bridge.processor.drain();
    const count = await db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('deployment_id', '=', deployment.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.count)).toBe(7);
    expect(await derivedRows()).toEqual(eventsBefore);

    // The database refuses a pruned body that was never processed.
    await expect(
      db
        .updateTable('webhook_events')
        .set({ body: null })
        .where('id', '=', ids[6] as number)
        .execute(),
    ).rejects.toThrow();
  });

  async function derivedRows() {
    const inbound = await db.selectFrom('inbound_messages').select(['wamid', 'text_body']).orderBy('wamid').execute();
    const statuses = await db.selectFrom('message_statuses').select(['wamid', 'status']).orderBy('wamid').execute();
    return { inbound, statuses };
  }
});
