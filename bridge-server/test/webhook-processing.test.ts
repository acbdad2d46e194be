import { createHash } from 'node:crypto';
import { furthestStatus } from '@wabridge/shared';
import type { Kysely, KyselyPlugin, RootOperationNode } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/database.js';
import type { Schema } from '../src/storage/schema.js';
import { WebhookProcessor } from '../src/webhooks/processor.js';
import { backends, type TestDatabase } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';
import { inboundText, metaJson, statusUpdate } from './support/meta.js';

const silent = pino({ level: 'silent' });
const minuteMs = 60_000;

async function storeBodies(db: Kysely<Schema>, deploymentId: string, bodies: string[]): Promise<void> {
  await db
    .insertInto('webhook_events')
    .values(
      bodies.map((body) => ({
        deployment_id: deploymentId,
        body: Buffer.from(body),
        body_sha256: createHash('sha256').update(body).digest('hex'),
      })),
    )
    .execute();
}

/** Steps the processors side by side until none finds anything due. */
async function processAll(processors: WebhookProcessor[]): Promise<void> {
  for (let round = 0; round < 1_000; round += 1) {
    const outcomes = await Promise.all(processors.map((processor) => processor.processBatch()));
    if (outcomes.every((outcome) => outcome === 'idle')) return;
  }
  throw new Error('the processors never ran out of work');
}

/**
 * Kills a transaction the moment it would mark webhooks processed (every effect of the batch already written):
 * what a process dying mid-batch leaves is a transaction that never commits.
 */
class DieBeforeMarkingProcessed implements KyselyPlugin {
  transformQuery({ node }: { node: RootOperationNode }): RootOperationNode {
    if (node.kind === 'UpdateQueryNode' && JSON.stringify(node.table).includes('"webhook_events"')) {
      throw new Error('simulated crash in the middle of a batch');
    }
    return node;
  }
  async transformResult<T>(args: { result: T }): Promise<T> {
    return args.result;
  }
}

describe.each(backends)('set-based webhook processing on $name', (backend) => {
  let bridge: TestBridge;
  let database: TestDatabase;
  let db: Kysely<Schema>;
  let deployment: { id: string; phone_number_id: string };

  beforeAll(async () => {
    database = await backend.create();
    bridge = await startTestBridge(backend, {}, { database });
    await bridge.bridge.processor.stop();
    db = bridge.bridge.database.db;
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Processing' } });
    deployment = (await bridge.createDeployment(account.body.id)).answer.body;
  });
  afterAll(async () => {
    await bridge?.close();
    await database?.drop();
  });

  it('applies every webhook exactly once with two processors, duplicates and a batch that dies midway', async () => {
    const at = new Date(Date.now() - 30 * minuteMs);
    const inbound = (index: number, copy: number) =>
      metaJson(
        inboundText(deployment.phone_number_id, {
          waId: `8190500${String(index % 40).padStart(5, '0')}`,
          id: `wamid.once-in-${index}`,
          at: new Date(at.getTime() + index * 1000),
          // A second delivery of the same message in another body (Meta resends; the body's bytes differ).
          text: copy === 0 ? 'こんにちは' : `こんにちは (${copy})`,
        }),
      );
    const statuses = (index: number, order: string[]) =>
      metaJson(
        statusUpdate(
          deployment.phone_number_id,
          order.map((status, step) => ({
            id: `wamid.once-out-${index}`,
            status,
            at: new Date(at.getTime() + step * 1000),
            waId: `8190600${String(index).padStart(5, '0')}`,
          })),
        ),
      );
    const bodies: string[] = [];
    for (let index = 0; index < 120; index += 1) {
      bodies.push(inbound(index, 0));
      bodies.push(statuses(index, index % 2 === 0 ? ['sent', 'delivered'] : ['read', 'sent']));
      // Duplicates of what came before: the same statuses in another order, and the same message again.
      if (index % 3 === 0) bodies.push(statuses(index, ['delivered', 'sent', 'read']));
      if (index % 4 === 0) bodies.push(inbound(index, 1));
    }
    await storeBodies(db, deployment.id, bodies);

    // A batch dies after writing its effects, before it commits: nothing of it may remain.
    const dying = new WebhookProcessor(db.withPlugin(new DieBeforeMarkingProcessed()), silent, { batchSize: 50 });
    await expect(dying.processBatch()).rejects.toThrow('simulated crash');
    expect(await db.selectFrom('message_statuses').select('wamid').execute()).toEqual([]);
    expect(await db.selectFrom('inbound_messages').select('wamid').execute()).toEqual([]);

    // Two processors on the same database, as two bridge processes would be (their own pool on PostgreSQL).
    const second =
      database.url === undefined ? undefined : await openDatabase({ url: database.url, dataDir: 'memory://', poolMax: 4 });
    try {
      const processors = [
        new WebhookProcessor(db, silent, { batchSize: 17 }),
        new WebhookProcessor(second?.db ?? db, silent, { batchSize: 23 }),
      ];
      await processAll(processors);
    } finally {
      await second?.close();
    }

    const events = await db.selectFrom('webhook_events').select(['processed_at', 'attempts', 'last_error']).execute();
    expect(events).toHaveLength(bodies.length);
    for (const event of events) expect(event).toMatchObject({ processed_at: expect.any(Date), attempts: 1, last_error: null });
    const inboundRows = await db.selectFrom('inbound_messages').select('wamid').execute();
    expect(inboundRows).toHaveLength(120);
    const statusRows = await db.selectFrom('message_statuses').select(['wamid', 'status']).execute();
    // Every third message got a read too.
    expect(statusRows).toHaveLength(120 * 2 + 40);
    // Whatever order the statuses came in and however the batches split them, the furthest never goes back.
    for (let index = 0; index < 120; index += 1) {
      const expected = index % 2 === 1 || index % 3 === 0 ? 'read' : 'delivered';
      const ofMessage = statusRows.filter((row) => row.wamid === `wamid.once-out-${index}`);
      expect(furthestStatus(ofMessage.map((row) => row.status))).toBe(expected);
    }
    // 40 customers wrote three messages each: each contact's window opens from its latest message, once.
    const contacts = await db
      .selectFrom('contacts')
      .select(['wa_id', 'last_inbound_at'])
      .where('wa_id', 'like', '8190500%')
      .orderBy('wa_id')
      .execute();
    expect(contacts).toHaveLength(40);
    for (const [index, contact] of contacts.entries()) {
      expect(contact.last_inbound_at?.getTime()).toBe(Math.floor((at.getTime() + (index + 80) * 1000) / 1000) * 1000);
    }
  });

  it('dead-letters a webhook that keeps failing, after its last allowed attempt, without holding up the others', async () => {
    const broken = JSON.stringify({ object: 'whatsapp_business_account', entry: 'not a list' });
    const healthy = (index: number) =>
      metaJson(
        statusUpdate(deployment.phone_number_id, [
          { id: `wamid.dead-${index}`, status: 'delivered', at: new Date(), waId: '819077000001' },
        ]),
      );
    await storeBodies(db, deployment.id, [healthy(0), broken, healthy(1)]);
    const processor = new WebhookProcessor(db, silent, { batchSize: 10, attemptsMax: 3 });
    const brokenRow = () =>
      db
        .selectFrom('webhook_events')
        .select(['id', 'attempts', 'dead_lettered_at', 'processed_at', 'last_error'])
        .where('body_sha256', '=', createHash('sha256').update(broken).digest('hex'))
        .executeTakeFirstOrThrow();

    expect(await processor.processBatch()).toBe('failed');
    expect(await db.selectFrom('message_statuses').select('wamid').where('wamid', 'like', 'wamid.dead-%').execute()).toHaveLength(
      2,
    );
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const row = await brokenRow();
      expect(row).toMatchObject({ attempts: attempt, processed_at: null });
      expect(row.dead_lettered_at === null).toBe(attempt < 3);
      if (attempt === 3) break;
      // Its retry is due (as if 2^attempts seconds had passed).
      await db
        .updateTable('webhook_events')
        .set({ next_attempt_at: new Date(Date.now() - 1000) })
        .where('id', '=', row.id)
        .execute();
      expect(await processor.processBatch()).toBe('failed');
    }
    const dead = await brokenRow();
    expect(dead.last_error).toContain('no longer parses');
    expect(processor.deadLetteredTotal).toBe(1);
    // Never taken again, even once due.
    await db
      .updateTable('webhook_events')
      .set({ next_attempt_at: new Date(Date.now() - 1000) })
      .where('id', '=', dead.id)
      .execute();
    expect(await processor.processBatch()).toBe('idle');
    expect((await brokenRow()).attempts).toBe(3);
    // Visible to operators on every replica.
    const metrics = await bridge.request('GET', '/metrics');
    expect(metrics.body).toMatch(/^wabridge_webhook_events_dead_lettered 1$/m);
    expect(metrics.body).toMatch(/^wabridge_webhook_events_backlog 0$/m);
  });
});
