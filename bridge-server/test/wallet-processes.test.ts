import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditWallets } from '../src/wallet/audit.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';
import { expectedPrices } from './support/rates.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, utilityConsent } from './support/wallet.js';

/** Several bridge processes on one PostgreSQL database: PGlite is one process's embedded database, so PostgreSQL only. */
const postgres = backends.filter((backend) => backend.name === 'postgres');

describe.each(postgres)('one wallet, two bridge processes, on $name', (backend) => {
  let world: SandboxBridge;
  let second: TestBridge;
  let accountId: string;
  /** The seeded utility template to a Japanese number, at this account's 100 micro-USD a point. */
  const templatePoints = expectedPrices.japan.utilityPointsAt100MicroUsd;
  const confirmation = (to: string) => ({
    to,
    template: orderConfirmationTemplate,
  });

  beforeAll(async () => {
    world = await startSandboxBridge(backend);
    second = await startTestBridge(
      backend,
      { META_GRAPH_URL: world.sandboxServer.url },
      {
        database: world.bridge.database,
        adminToken: world.bridge.adminToken,
        encryptionKey: world.bridge.config.encryptionKey,
      },
    );
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
    accountId = (await world.bridge.request('GET', '/v1/accounts', { token: world.token })).body.data[0].id;
    await world.bridge.request('PUT', '/v1/wallet/settings', {
      json: { account_id: accountId, currency: 'USD', point_price_minor: 1, point_value_micro_usd: 100 },
    });
  });
  afterAll(async () => {
    await second?.close({ keepDatabase: true });
    await world?.close();
  });

  it('never overspends when both processes send against one balance at once', async () => {
    const phones = Array.from({ length: 60 }, (_, index) => `+8190777${String(index).padStart(5, '0')}`);
    for (const phone of phones) {
      await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
        token: world.token,
        json: utilityConsent(),
      });
    }
    const bought = await world.bridge.request('POST', '/v1/wallet/purchases', {
      json: { account_id: accountId, points: templatePoints * 11, payment_reference: `pay_${randomUUID()}` },
    });
    expect(bought.status).toBe(201);
    const answers = await Promise.all(
      phones.map((phone, index) =>
        (index % 2 === 0 ? world.bridge : second).request('POST', '/v1/messages', {
          token: world.token,
          json: confirmation(phone),
          headers: { 'idempotency-key': randomUUID() },
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(11);
    expect(statuses.filter((status) => status === 402)).toHaveLength(49);
    await world.settle();
    await second.bridge.processor.drain();
    expect(await auditWallets(world.bridge.bridge.database.db)).toEqual([]);
    const wallet = (await second.request('GET', '/v1/wallet', { token: world.token })).body;
    expect(wallet).toMatchObject({ balance: 0, reserved: 0, available: 0, unit: 'point' });
  }, 120_000);
});
