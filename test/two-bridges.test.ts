import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../bridge-server/src/meta-sandbox/sandbox.js';
import { backends, type TestDatabase } from '../bridge-server/test/support/backends.js';
import { deploymentRequest, registerWithMeta } from '../bridge-server/test/support/bridge.js';
import { inboundText, metaJson, metaSignature, statusUpdate } from '../bridge-server/test/support/meta.js';
import { buildWorkspace, type KillableBridge, startKillableBridge, stopGracefully } from './support/killable-bridge.js';
import { waitFor } from './support/wait-for.js';

/*
 * Two bridge processes on one PostgreSQL database behind a round-robin (issue 16): a burst of webhooks, each body sent
 * to one process and some to both (Meta resends), is stored once per body and applied exactly once, whichever process
 * received it and whichever process's processor claimed it (FOR UPDATE SKIP LOCKED shares the batches).
 */

beforeAll(buildWorkspace, 180_000);

const postgres = backends.filter((backend) => backend.name === 'postgres');

describe.each(postgres)('two bridge processes on one $name database', (backend) => {
  let database: TestDatabase;
  let meta: MetaSandbox;
  let metaServer: ListeningSandbox;
  const bridges: KillableBridge[] = [];
  let client: pg.Client;
  const adminToken = randomBytes(32).toString('hex');

  beforeAll(async () => {
    database = await backend.create({ persistent: true });
    meta = createMetaSandbox();
    metaServer = await meta.listen(0);
    const environment = {
      PORT: '0',
      HOST: '127.0.0.1',
      BRIDGE_ADMIN_TOKEN: adminToken,
      BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      META_GRAPH_URL: metaServer.url,
      TEMPLATE_SYNC_INTERVAL_MINUTES: '0',
      LOG_LEVEL: 'info',
      DATA_DIR: database.dataDir,
      DATABASE_URL: database.url as string,
    };
    // One after the other: the first applies the migrations.
    bridges.push(await startKillableBridge(environment));
    bridges.push(await startKillableBridge(environment));
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  }, 120_000);
  afterAll(async () => {
    for (const bridge of bridges) await stopGracefully(bridge);
    await client?.end();
    await metaServer?.close();
    await database?.drop();
  });

  async function admin(path: string, body: unknown): Promise<Record<string, string>> {
    const response = await fetch(`${bridges[0]?.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, string>;
  }

  const count = async (query: string, values: unknown[] = []) => Number((await client.query(query, values)).rows[0]?.count);

  it('applies every webhook of a burst exactly once, whichever process received or claimed it', async () => {
    const account = await admin('/v1/accounts', { name: 'Two processes' });
    const request = deploymentRequest(account.id as string);
    registerWithMeta(meta, request);
    const deployment = await admin('/v1/deployments', request);
    const number = request.phone_number_id as string;
    const at = new Date(Date.now() - 10 * 60_000);
    const customers = 40;
    const bodies: string[] = [];
    for (let index = 0; index < 400; index += 1) {
      const waId = `8190770${String(index % customers).padStart(5, '0')}`;
      bodies.push(
        metaJson(inboundText(number, { waId, id: `wamid.two-in-${index}`, at: new Date(at.getTime() + index * 1000) })),
      );
      bodies.push(
        metaJson(
          statusUpdate(number, [
            { id: `wamid.two-out-${index}`, status: 'sent', at, waId },
            { id: `wamid.two-out-${index}`, status: 'delivered', at: new Date(at.getTime() + 1000), waId },
          ]),
        ),
      );
    }
    const post = async (body: string, bridge: KillableBridge) => {
      const response = await fetch(`${bridge.url}/v1/webhooks/meta/${deployment.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, request.app_secret as string) },
        body,
      });
      await response.arrayBuffer();
      return response.status;
    };
    // Round-robin over the two processes, all at once; every fifth body also reaches the other process (a resend).
    const statuses = await Promise.all(
      bodies.flatMap((body, index) => [
        post(body, bridges[index % 2] as KillableBridge),
        ...(index % 5 === 0 ? [post(body, bridges[(index + 1) % 2] as KillableBridge)] : []),
      ]),
    );
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    await waitFor(
      'every stored webhook applied',
      async () => (await count('select count(*) from webhook_events where processed_at is null')) === 0,
      { timeoutMs: 120_000 },
    );
    // Stored once per body, applied once each, none failed.
    expect(await count('select count(*) from webhook_events')).toBe(bodies.length);
    expect(
      await count('select count(*) from webhook_events where attempts = 1 and last_error is null and dead_lettered_at is null'),
    ).toBe(bodies.length);
    expect(await count('select count(*) from inbound_messages where wamid like $1', ['wamid.two-in-%'])).toBe(400);
    expect(await count('select count(*) from message_statuses where wamid like $1', ['wamid.two-out-%'])).toBe(800);
    // One contact a customer, its window from its latest message (customer c last wrote at index 360 + c).
    const contacts = await client.query<{ wa_id: string; last_inbound_at: Date }>(
      'select wa_id, last_inbound_at from contacts where wa_id like $1 order by wa_id',
      ['8190770%'],
    );
    expect(contacts.rows).toHaveLength(customers);
    for (const [index, contact] of contacts.rows.entries()) {
      expect(contact.last_inbound_at.getTime()).toBe(Math.floor((at.getTime() + (360 + index) * 1000) / 1000) * 1000);
    }
    // Both processes stayed up throughout.
    for (const bridge of bridges) expect(bridge.child.exitCode).toBeNull();
  });
});
