import { describe, expect, it } from 'vitest';
import { BridgeRequestError } from '../src/client/index.js';
import { routes } from '../src/contract/routes.js';
import { hostClient, panelRouteTable } from '../src/panel/api.js';
import type { HelpdeskHost } from '../src/panel/host.js';

/*
 * The panel's client knows only the routes the panel calls (src/panel/api.ts), so that the helpdesk apps' bundles do
 * not carry the whole contract. Each must be the contract's own definition, not a copy that could drift from what the
 * bridge serves.
 */
describe('the panel’s route table', () => {
  it('holds the contract’s own definitions of the routes the panel calls', () => {
    const names = Object.keys(panelRouteTable);
    expect(names.length).toBeGreaterThanOrEqual(13);
    for (const name of names)
      expect(panelRouteTable[name as keyof typeof panelRouteTable]).toBe(routes[name as keyof typeof routes]);
  });

  it('lets the panel call no route outside it, sending nothing', async () => {
    const sent: unknown[] = [];
    const host = {
      request: async (request: unknown) => {
        sent.push(request);
        return { status: 200, body: {} };
      },
    } as unknown as HelpdeskHost;
    const client = hostClient(host) as unknown as { call(name: string): Promise<unknown> };
    await expect(client.call('listAccounts')).rejects.toThrow(/no route listAccounts/);
    await expect(client.call('getWallet')).rejects.toBeInstanceOf(BridgeRequestError);
    expect(sent).toHaveLength(1);
  });
});
