import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Json = any;

/** Template display names (issue #15): set by the account's admin, listed with the templates, kept across syncs. */
describe.each(backends)('template display names on $name', (backend) => {
  let world: SandboxBridge;
  const path = (name: string, language: string, deploymentId = world.deployment.id) =>
    `/v1/deployments/${deploymentId}/templates/${encodeURIComponent(name)}/${encodeURIComponent(language)}/display-name`;
  const sync = async () => {
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
  };
  const listed = async (name: string, language: string): Promise<Json> => {
    const answer = await world.bridge.request('GET', '/v1/templates', { token: world.token });
    return answer.body.data.find((template: Json) => template.name === name && template.language === language);
  };

  beforeAll(async () => {
    world = await startSandboxBridge(backend);
    await sync();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('lists a template without one as null, then with the one the admin set, trimmed; a sync keeps it', async () => {
    expect((await listed('order_confirmation', 'ja')).display_name).toBeNull();
    const set = await world.bridge.request('PUT', path('order_confirmation', 'ja'), {
      json: { display_name: '  ご注文の確認 ' },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ name: 'order_confirmation', language: 'ja', display_name: 'ご注文の確認' });
    expect((await listed('order_confirmation', 'ja')).display_name).toBe('ご注文の確認');
    // Another language of the same name is another template.
    expect((await listed('order_confirmation', 'en_US'))?.display_name ?? null).toBeNull();
    await sync();
    expect((await listed('order_confirmation', 'ja')).display_name).toBe('ご注文の確認');
    const changed = await world.bridge.request('PUT', path('order_confirmation', 'ja'), { json: { display_name: '注文確認' } });
    expect(changed.status).toBe(200);
    expect((await listed('order_confirmation', 'ja')).display_name).toBe('注文確認');
  });

  it('removes it with null', async () => {
    await world.bridge.request('PUT', path('shipping_update', 'en_US'), { json: { display_name: 'Shipping' } });
    const removed = await world.bridge.request('PUT', path('shipping_update', 'en_US'), { json: { display_name: null } });
    expect(removed.status).toBe(200);
    expect((await listed('shipping_update', 'en_US'))?.display_name ?? null).toBeNull();
  });

  it('refuses an empty or too long name, an installation, and an unknown deployment', async () => {
    for (const display_name of ['   ', 'x'.repeat(81)]) {
      const refused = await world.bridge.request('PUT', path('order_confirmation', 'ja'), { json: { display_name } });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('validation_failed');
    }
    const asInstallation = await world.bridge.request('PUT', path('order_confirmation', 'ja'), {
      token: world.token,
      json: { display_name: 'Mine' },
    });
    expect(asInstallation.status).toBe(403);
    const unknown = await world.bridge.request('PUT', path('order_confirmation', 'ja', 'dep_000000000000000000000000'), {
      json: { display_name: 'Nobody' },
    });
    expect(unknown.status).toBe(404);
    expect((await listed('order_confirmation', 'ja')).display_name).toBe('注文確認');
  });
});
