import { createHash } from 'node:crypto';
import { furthestStatus } from '@wabridge/shared';
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMessage } from '../src/messages/store.js';
import { optinSettingsOf, saveOptinSettings } from '../src/optin/store.js';
import { newId } from '../src/security/tokens.js';
import { openDatabase } from '../src/storage/database.js';
import type { Schema } from '../src/storage/schema.js';
import { WebhookProcessor } from '../src/webhooks/processor.js';
import { backends, type TestDatabase } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';
import { adReferral, inboundText, metaJson, statusUpdate } from './support/meta.js';

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

/** Counts the INSERT statements per table a database handle issues. */
class CountInserts implements KyselyPlugin {
  readonly inserts = new Map<string, number>();
  transformQuery({ node }: { node: RootOperationNode }): RootOperationNode {
    if (node.kind === 'InsertQueryNode') {
      const table = JSON.stringify(node.into).match(/"name":"([a-z_]+)"/)?.[1] ?? '?';
      this.inserts.set(table, (this.inserts.get(table) ?? 0) + 1);
    } else if (node.kind === 'RawNode' && JSON.stringify(node).includes('"insert into "')) {
      // storage/insert-arrays.ts: `insert into <table> (…) select * from unnest(…)`, written as SQL.
      const table = JSON.stringify(node).match(/"kind":"TableNode".*?"name":"([a-z_]+)"/)?.[1] ?? '?';
      this.inserts.set(table, (this.inserts.get(table) ?? 0) + 1);
    }
    return node;
  }
  async transformResult<T>(args: { result: T }): Promise<T> {
    return args.result;
  }
}

/** Counts the SELECT … FOR UPDATE statements a database handle issues on the contacts table. */
class CountContactLocks implements KyselyPlugin {
  locks = 0;
  transformQuery({ node }: { node: RootOperationNode }): RootOperationNode {
    const text = JSON.stringify(node);
    if (node.kind === 'SelectQueryNode' && text.includes('"ForUpdate"') && JSON.stringify(node.from).includes('"contacts"'))
      this.locks += 1;
    return node;
  }
  async transformResult<T>(args: { result: T }): Promise<T> {
    return args.result;
  }
}

/** Counts the statements a database handle issues that name one of these tables anywhere, as a builder or in SQL. */
class CountStatementsNaming implements KyselyPlugin {
  statements = 0;
  constructor(private readonly tables: string[]) {}
  transformQuery({ node }: { node: RootOperationNode }): RootOperationNode {
    const text = JSON.stringify(node);
    // A statement written as SQL (the claim, the inserts from arrays) names its tables in its text.
    const names = (table: string) =>
      text.includes(`"name":"${table}"`) || (node.kind === 'RawNode' && new RegExp(`\\b${table}\\b`).test(text));
    if (this.tables.some(names)) this.statements += 1;
    return node;
  }
  async transformResult<T>(args: { result: T }): Promise<T> {
    return args.result;
  }
}

/**
 * Kills a transaction once the batch's last effect is written, before it commits: what a process dying mid-batch
 * leaves is a transaction that never commits. The claim marked the batch processed in its first statement; the
 * apply's last statement is the contacts' update (the batch has customers' messages), and it fails after it ran. A
 * dead process does nothing more: every later statement fails too.
 */
class DieAfterTheLastEffect implements KyselyPlugin {
  readonly #contactUpdates = new WeakSet<QueryId>();
  #dead = false;
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    if (this.#dead) throw new Error('simulated crash in the middle of a batch');
    if (node.kind === 'RawNode' && JSON.stringify(node).includes('UPDATE contacts SET')) this.#contactUpdates.add(queryId);
    return node;
  }
  async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#contactUpdates.has(queryId)) {
      this.#dead = true;
      throw new Error('simulated crash in the middle of a batch');
    }
    return result;
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
    const dying = new WebhookProcessor(db.withPlugin(new DieAfterTheLastEffect()), silent, { batchSize: 50 });
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

  it('applies a batch of many inbound messages from several customers of two deployments once, with their windows', async () => {
    // A second number of the same account: Meta posts one app's webhooks to one URL, so one body carries both.
    const account = await db
      .selectFrom('deployments')
      .select('account_id')
      .where('id', '=', deployment.id)
      .executeTakeFirstOrThrow();
    const created = await bridge.createDeployment(account.account_id, { display_phone_number: '+81 3-1234-5679' });
    expect(created.answer.body).toMatchObject({ id: expect.any(String) });
    const other = created.answer.body as { id: string; phone_number_id: string };
    const at = new Date(Date.now() - 20 * minuteMs);
    const second = (offset: number) => String(Math.floor(at.getTime() / 1000) + offset);
    // An existing contact (wa_id only) that this batch links to its user id and renames.
    await db
      .insertInto('contacts')
      .values({ deployment_id: deployment.id, wa_id: '819088000000', profile_name: 'Old' })
      .execute();
    const customers = Array.from({ length: 12 }, (_, index) => ({
      waId: `8190880000${String(index).padStart(2, '0')}`,
      userId: `JP.${String(index).padStart(6, '0')}`,
      number: index % 2 === 0 ? deployment.phone_number_id : other.phone_number_id,
    }));
    // Five messages a customer, out of order in the body: the window opens from the latest.
    const offsets = [3, 1, 5, 2, 4];
    const changeOf = (phoneNumberId: string) => {
      const mine = customers.filter((customer) => customer.number === phoneNumberId);
      return {
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '81345100000', phone_number_id: phoneNumberId },
          contacts: mine.map((customer) => ({
            profile: { name: `客 ${customer.waId}` },
            wa_id: customer.waId,
            user_id: customer.userId,
          })),
          messages: mine.flatMap((customer) =>
            offsets.map((offset) => ({
              from: customer.waId,
              id: `wamid.many-${customer.waId}-${offset}`,
              timestamp: second(offset),
              type: 'text',
              text: { body: customer.waId.endsWith('03') && offset === 5 ? 'STOP' : `メッセージ ${offset}` },
              // The first customer came from an ad (a free entry point opens when the business answers).
              ...(customer.waId.endsWith('00') && offset === 1 ? { referral: adReferral } : {}),
            })),
          ),
        },
      };
    };
    // The business answers the ad's customer in the same body, after its messages: the free entry point starts.
    const reply = {
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '81345100000', phone_number_id: deployment.phone_number_id },
        statuses: [{ id: 'wamid.many-reply', status: 'sent', timestamp: second(10), recipient_id: '819088000000' }],
      },
    };
    const body = {
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [changeOf(deployment.phone_number_id), changeOf(other.phone_number_id), reply] }],
    };
    // Delivered twice (Meta resends; the bytes differ), both in one batch.
    await storeBodies(db, deployment.id, [metaJson(body), JSON.stringify(body, null, 1)]);
    const counter = new CountInserts();
    const processor = new WebhookProcessor(db.withPlugin(counter), silent, { batchSize: 250 });
    expect(await processor.processBatch()).toBe('processed');
    expect(await processor.processBatch()).toBe('idle');

    const rows = await db
      .selectFrom('inbound_messages')
      .innerJoin('contacts', 'contacts.id', 'inbound_messages.contact_id')
      .select([
        'inbound_messages.wamid',
        'inbound_messages.deployment_id',
        'contacts.wa_id',
        'contacts.deployment_id as contact_deployment',
      ])
      .where('inbound_messages.wamid', 'like', 'wamid.many-%')
      .execute();
    expect(rows).toHaveLength(customers.length * offsets.length);
    for (const customer of customers) {
      const expectedDeployment = customer.number === deployment.phone_number_id ? deployment.id : other.id;
      const ofCustomer = rows.filter((row) => row.wa_id === customer.waId);
      expect(ofCustomer).toHaveLength(offsets.length);
      for (const row of ofCustomer)
        expect([row.deployment_id, row.contact_deployment]).toEqual([expectedDeployment, expectedDeployment]);
    }
    const contacts = await db.selectFrom('contacts').selectAll().where('wa_id', 'like', '8190880000%').orderBy('wa_id').execute();
    // One contact a customer (the existing one linked, not duplicated), its window from its latest message.
    expect(contacts.map((contact) => contact.wa_id)).toEqual(customers.map((customer) => customer.waId));
    for (const [index, contact] of contacts.entries()) {
      expect(contact).toMatchObject({
        user_id: customers[index]?.userId,
        profile_name: `客 ${customers[index]?.waId}`,
        deployment_id: customers[index]?.number === deployment.phone_number_id ? deployment.id : other.id,
      });
      expect(contact.last_inbound_at?.getTime()).toBe(Number(second(5)) * 1000);
    }
    expect(contacts[0]).toMatchObject({
      last_referral_inbound_at: new Date(Number(second(1)) * 1000),
      first_reply_after_referral_at: new Date(Number(second(10)) * 1000),
    });
    expect(contacts[1]).toMatchObject({ last_referral_inbound_at: null, first_reply_after_referral_at: null });
    // The keyword was applied once, though its message came twice.
    const consents = await db
      .selectFrom('consents')
      .select(['state', 'message_ref'])
      .where('phone', '=', '+819088000003')
      .execute();
    expect(consents.length).toBeGreaterThan(0);
    for (const consent of consents)
      expect(consent).toMatchObject({ state: 'opted_out', message_ref: 'wamid.many-819088000003-5' });
    // The panels' live streams hear once per statement of each customer whose conversation changed (statement-level
    // triggers, migrations 0029 and 0036: the batch's 60 messages from 12 customers are 12 events, and the business's
    // reply one more), and of every customer whose contact changed.
    const live = await db
      .selectFrom('live_events')
      .select(['kind', 'phone', 'deployment_id'])
      .where('phone', 'like', '+8190880000%')
      .execute();
    const conversations = live.filter((event) => event.kind === 'conversation');
    expect(conversations).toHaveLength(customers.length + 1);
    expect(new Set(conversations.map((event) => event.phone)).size).toBe(customers.length);
    expect(new Set(live.filter((event) => event.kind === 'contact').map((event) => event.phone)).size).toBe(customers.length);
    // Each for its customer's deployment (a consent is the account's: the STOP keyword's events name none).
    for (const event of live.filter((entry) => entry.deployment_id !== null)) {
      const customer = customers.find((entry) => `+${entry.waId}` === event.phone);
      expect(event.deployment_id).toBe(customer?.number === deployment.phone_number_id ? deployment.id : other.id);
    }
    // Set-based: one INSERT for the batch's new contacts and one for its 60 messages, not one per message.
    expect(counter.inserts.get('contacts')).toBe(1);
    expect(counter.inserts.get('inbound_messages')).toBe(1);
    const events = await db
      .selectFrom('webhook_events')
      .select(['attempts', 'processed_at'])
      .where('processed_at', 'is', null)
      .execute();
    expect(events).toEqual([]);
  });

  it("folds a batch's replies to contacts it does not hold in one locking read: the earliest answer after an ad wins", async () => {
    // Meta's timestamps are whole seconds.
    const at = new Date(Math.floor((Date.now() - 40 * minuteMs) / 1000) * 1000);
    const later = (seconds: number) => new Date(at.getTime() + seconds * 1000);
    const customers = Array.from({ length: 40 }, (_, index) => `81907700${String(index).padStart(4, '0')}`);
    // Forty customers wrote; the first came from an ad (its free entry point waits for the business's first answer).
    await storeBodies(
      db,
      deployment.id,
      customers.map((waId, index) =>
        metaJson(
          inboundText(deployment.phone_number_id, {
            waId,
            id: `wamid.replies-in-${waId}`,
            at: later(10),
            ...(index === 0 ? { referral: adReferral } : {}),
          }),
        ),
      ),
    );
    const setup = new WebhookProcessor(db, silent, { batchSize: 250 });
    expect(await setup.processBatch()).toBe('processed');
    // The business answers each of them in a later batch (no message of theirs in it). The ad's customer gets three
    // answers out of order, one of them timed before the ad's message: the earliest answer after it is the first reply.
    const sent = (waId: string, id: string, seconds: number) => ({ id, status: 'sent', at: later(seconds), waId });
    const [adCustomer = ''] = customers;
    await storeBodies(db, deployment.id, [
      metaJson(
        statusUpdate(deployment.phone_number_id, [
          sent(adCustomer, 'wamid.replies-out-a', 30),
          sent(adCustomer, 'wamid.replies-out-b', 5),
          ...customers.map((waId) => sent(waId, `wamid.replies-out-${waId}`, 40)),
          sent(adCustomer, 'wamid.replies-out-c', 20),
        ]),
      ),
    ]);
    const counter = new CountContactLocks();
    const processor = new WebhookProcessor(db.withPlugin(counter), silent, { batchSize: 250 });
    expect(await processor.processBatch()).toBe('processed');

    const contacts = await db
      .selectFrom('contacts')
      .select(['wa_id', 'last_referral_inbound_at', 'first_reply_after_referral_at'])
      .where('deployment_id', '=', deployment.id)
      .where('wa_id', 'in', customers)
      .orderBy('wa_id')
      .execute();
    expect(contacts).toHaveLength(customers.length);
    expect(contacts[0]).toEqual({
      wa_id: adCustomer,
      last_referral_inbound_at: later(10),
      first_reply_after_referral_at: later(20),
    });
    for (const contact of contacts.slice(1)) expect(contact.first_reply_after_referral_at).toBeNull();
    // 43 answers to 40 contacts: one read locks the contacts they can move, not one statement an answer.
    expect(counter.locks).toBe(1);
  });

  it('spends no statement on the charges of messages that have none, and still records their statuses', async () => {
    const at = new Date(Math.floor((Date.now() - 10 * minuteMs) / 1000) * 1000);
    // Messages of an account that is not metered: recorded without a charge, as the send pipeline records them.
    const messages = Array.from({ length: 6 }, (_, index) => ({
      id: newId('msg'),
      wamid: `wamid.unmetered-${index}`,
      waId: `8190660000${index}`,
    }));
    await db
      .insertInto('messages')
      .values(
        messages.map((message) => ({
          id: message.id,
          deployment_id: deployment.id,
          installation_id: null,
          recipient_phone: `+${message.waId}`,
          kind: 'text' as const,
          content: JSON.stringify({ text: { body: 'hello' } }),
          wamid: message.wamid,
          state: 'accepted' as const,
          source: 'bridge' as const,
        })),
      )
      .execute();
    // Priced statuses (sent, delivered, read) and a failure: each would settle a charge if there were one.
    await storeBodies(db, deployment.id, [
      metaJson(
        statusUpdate(
          deployment.phone_number_id,
          messages.flatMap((message, index) =>
            (index === 0 ? ['sent', 'failed'] : ['sent', 'delivered', 'read']).map((status) => ({
              id: message.wamid,
              status,
              at,
              waId: message.waId,
            })),
          ),
        ),
      ),
    ]);
    const counter = new CountStatementsNaming(['message_charges', 'message_billing_reports']);
    const processor = new WebhookProcessor(db.withPlugin(counter), silent, { batchSize: 250 });
    expect(await processor.processBatch()).toBe('processed');

    const statuses = await db
      .selectFrom('message_statuses')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('deployment_id', '=', deployment.id)
      .where(
        'wamid',
        'in',
        messages.map((message) => message.wamid),
      )
      .executeTakeFirstOrThrow();
    expect(Number(statuses.count)).toBe(2 + 3 * 5);
    const [first, second] = [messages[0]!, messages[1]!];
    expect((await findMessage(db, deployment.id, first.id))?.status).toBe('failed');
    expect((await findMessage(db, deployment.id, second.id))?.timeline.map((entry) => entry.status)).toEqual([
      'sent',
      'delivered',
      'read',
    ]);
    // The batch's read of the messages says which have a charge; that read is the only statement naming the tables.
    expect(counter.statements).toBe(1);
  });

  it('claims, reads and marks a batch in one statement, and wakes the job runner only after a batch that queued a job', async () => {
    const at = new Date(Date.now() - 30 * minuteMs);
    const { account_id: accountId } = await db
      .selectFrom('deployments')
      .select('account_id')
      .where('id', '=', deployment.id)
      .executeTakeFirstOrThrow();
    await saveOptinSettings(db, accountId, {
      ...optinSettingsOf(undefined),
      confirmations: { opt_out: 'You will get no more messages from us.', opt_in: null },
    });
    try {
      const counter = new CountStatementsNaming(['webhook_events']);
      let wakes = 0;
      const processor = new WebhookProcessor(db.withPlugin(counter), silent, {
        batchSize: 250,
        onCommitted: () => {
          wakes += 1;
        },
      });
      const statuses = Array.from({ length: 6 }, (_, index) =>
        metaJson(
          statusUpdate(deployment.phone_number_id, [
            { id: `wamid.wake-${index}`, status: 'delivered', at, waId: '819077000001' },
          ]),
        ),
      );
      await storeBodies(db, deployment.id, statuses);

      expect(await processor.processBatch()).toBe('processed');
      // The claim read the bodies and marked them: no other statement on the table, and no job to wake for.
      expect(counter.statements).toBe(1);
      expect(wakes).toBe(0);
      const marked = await db
        .selectFrom('webhook_events')
        .select(['processed_at', 'attempts', 'last_error'])
        .where('id', 'in', db.selectFrom('webhook_events').select('id').orderBy('id', 'desc').limit(6))
        .execute();
      expect(marked).toHaveLength(6);
      for (const row of marked) expect(row).toMatchObject({ processed_at: expect.any(Date), attempts: 1, last_error: null });

      // A customer's STOP queues its confirmation: the runner is woken once the batch has committed.
      await storeBodies(db, deployment.id, [
        metaJson(inboundText(deployment.phone_number_id, { waId: '819077000002', id: 'wamid.wake-stop', at, text: 'STOP' })),
      ]);
      expect(await processor.processBatch()).toBe('processed');
      expect(wakes).toBe(1);
      const queued = await db
        .selectFrom('jobs')
        .select('payload')
        .where('kind', '=', 'send_text')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(queued.payload)).toContain('keyword_opt_out');
    } finally {
      await db.deleteFrom('account_optin_settings').where('account_id', '=', accountId).execute();
    }
  });

  it("reads at most a batch's budget of body bytes, and applies the rest in the next batches, each once", async () => {
    const at = new Date(Date.now() - 50 * minuteMs);
    const bodies = Array.from({ length: 5 }, (_, index) =>
      metaJson(
        inboundText(deployment.phone_number_id, {
          waId: `81907755000${index}`,
          id: `wamid.bytes${index}`,
          at,
          text: `${'長い本文'.repeat(60)} ${index}`,
        }),
      ),
    );
    await storeBodies(db, deployment.id, bodies);
    const size = Buffer.byteLength(bodies[0] as string);
    // Room for two bodies a batch (the first one is always taken).
    const processor = new WebhookProcessor(db, silent, { batchSize: 250, bodyBytesPerBatch: Math.floor(size * 2.5) });
    const appliedAfterEachBatch: number[] = [];
    for (let batch = 0; batch < 3; batch += 1) {
      expect(await processor.processBatch()).toBe('processed');
      const applied = await db
        .selectFrom('inbound_messages')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('wamid', 'like', 'wamid.bytes%')
        .executeTakeFirstOrThrow();
      appliedAfterEachBatch.push(Number(applied.count));
    }
    expect(appliedAfterEachBatch).toEqual([2, 4, 5]);
    expect(await processor.processBatch()).toBe('idle');
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
