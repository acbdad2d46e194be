import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait-for.js';
import { backends, type TestDatabase } from './support/backends.js';
import { deploymentRequest, type HttpAnswer, startTestBridge, type TestBridge } from './support/bridge.js';
import { inboundText, metaJson, metaSignature, statusUpdate } from './support/meta.js';

/**
 * A TCP proxy between the bridge and PostgreSQL that the test controls: `cut()` ends every connection through it and
 * refuses new ones (what a PostgreSQL restart looks like from the bridge), `restore()` lets them through again. The
 * local PostgreSQL server, which other engineers' tests share, is never touched.
 */
async function startProxy(target: { host: string; port: number }) {
  let isCut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const postgres = backends.find((backend) => backend.name === 'postgres');

/*
 * PostgreSQL going away under load (issue 16): every request the bridge cannot store answers 503 with Retry-After
 * (Meta retries an unacknowledged webhook; the panels say "try again"), never 500; the bridge recovers by itself
 * when the database is back; nothing acknowledged is lost, nothing is applied twice.
 */
describe.skipIf(postgres === undefined)('PostgreSQL outage behind a proxy', () => {
  let database: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let bridge: TestBridge;
  let deployment: { id: string; phoneNumberId: string; appSecret: string };

  beforeAll(async () => {
    database = await (postgres as NonNullable<typeof postgres>).create();
    const direct = new URL(database.url as string);
    proxy = await startProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(direct);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    bridge = await startTestBridge(
      postgres as NonNullable<typeof postgres>,
      {},
      { database: { ...database, url: proxied.toString() } },
    );
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Outage' } });
    const request = deploymentRequest(account.body.id);
    bridge.metaKnows(request);
    const created = await bridge.request('POST', '/v1/deployments', { json: request });
    deployment = { id: created.body.id, phoneNumberId: String(request.phone_number_id), appSecret: String(request.app_secret) };
  });
  afterAll(async () => {
    await bridge?.close();
    await proxy?.close();
    await database?.drop();
  });

  const post = (body: string): Promise<HttpAnswer> =>
    bridge.request('POST', `/v1/webhooks/meta/${deployment.id}`, {
      token: null,
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, deployment.appSecret) },
    });

  it('answers 503 with Retry-After while the database is away, recovers by itself, and loses nothing acknowledged', async () => {
    const at = new Date(Date.now() - 60_000);
    const bodies = Array.from({ length: 60 }, (_, index) =>
      metaJson(
        index % 3 === 0
          ? inboundText(deployment.phoneNumberId, {
              waId: `8190800${String(index).padStart(5, '0')}`,
              id: `wamid.outage-in-${index}`,
              at,
            })
          : statusUpdate(deployment.phoneNumberId, [
              { id: `wamid.outage-out-${index}`, status: 'delivered', at, waId: `8190810${String(index).padStart(5, '0')}` },
            ]),
      ),
    );
    // 20 before, 20 during, 20 after the outage; each wave sent concurrently.
    const wave = (from: number) => Promise.all(bodies.slice(from, from + 20).map((body) => post(body)));
    const before = await wave(0);
    expect(before.map((answer) => answer.status)).toEqual(Array(20).fill(200));

    proxy.cut();
    const during = await wave(20);
    for (const answer of during) {
      // Every answer is an acknowledgement (stored before the cut took effect) or a clean 503: never a 500.
      expect([200, 503]).toContain(answer.status);
      if (answer.status === 503) {
        expect(answer.body.code).toBe('database_unavailable');
        expect(answer.headers.get('retry-after')).toBe('5');
      }
    }
    expect(during.filter((answer) => answer.status === 503).length).toBeGreaterThan(0);
    // Other routes too: an administrator's read is refused the same way.
    const read = await bridge.request('GET', '/v1/accounts');
    expect(read.status).toBe(503);

    proxy.restore();
    // Meta sends every unacknowledged webhook again; the bridge takes them once it reaches its database.
    for (const [index, answer] of during.entries()) {
      if (answer.status === 200) continue;
      const body = bodies[20 + index] as string;
      await waitFor(`webhook ${20 + index} acknowledged after the outage`, async () => (await post(body)).status === 200);
    }
    const after = await wave(40);
    expect(after.map((answer) => answer.status)).toEqual(Array(20).fill(200));

    await bridge.bridge.processor.drain(60_000);
    const db = bridge.bridge.database.db;
    const stored = await db
      .selectFrom('webhook_events')
      .select(['processed_at', 'attempts', 'dead_lettered_at'])
      .where('deployment_id', '=', deployment.id)
      .execute();
    expect(stored).toHaveLength(60);
    expect(stored.every((row) => row.processed_at !== null && row.dead_lettered_at === null)).toBe(true);
    const inbound = await db.selectFrom('inbound_messages').select('wamid').where('deployment_id', '=', deployment.id).execute();
    expect(inbound).toHaveLength(20);
    const statuses = await db.selectFrom('message_statuses').select('wamid').where('deployment_id', '=', deployment.id).execute();
    expect(statuses).toHaveLength(40);
  });
});
