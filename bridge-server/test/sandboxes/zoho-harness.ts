import type { ZohoKnobs } from '../../src/sandboxes/zoho-desk/context.js';
import {
  createZohoDeskSandbox,
  type ZohoDeskSandbox,
  type ZohoDeskSandboxOptions,
} from '../../src/sandboxes/zoho-desk/sandbox.js';
import { type Answer, call, type Json, pixelPng, StandIn } from './harness.js';

export interface ExtensionBehaviour {
  pull: (body: Json, index: number) => { status: number; body: unknown };
  push: (body: Json, index: number) => { status: number; body: unknown };
}

export interface ZohoHarness {
  sandbox: ZohoDeskSandbox;
  extensionServer: StandIn;
  behaviour: ExtensionBehaviour;
  url: string;
  extension: Json;
  control(method: string, path: string, body?: unknown): Promise<Answer>;
  pull(): Promise<Answer>;
  close(): Promise<void>;
}

/** A WhatsApp conversation as the bridge would sync it: one ticket per customer, one thread per wamid. */
export const customerTicket = (overrides: Record<string, unknown> = {}) => ({
  extId: 'whatsapp:+819012345678',
  subject: 'WhatsApp: Hanako Yamada',
  createdTime: '2026-12-05T10:00:00.000Z',
  actor: { extId: 'whatsapp:+819012345678', name: 'Hanako Yamada', phone: '+819012345678' },
  ...overrides,
});

export const customerThread = (extId: string, overrides: Record<string, unknown> = {}) => ({
  extId,
  extParentId: 'whatsapp:+819012345678',
  content: `Message ${extId}`,
  contentType: 'text/plain',
  createdTime: '2026-12-05T10:00:00.000Z',
  direction: 'in',
  actor: { extId: 'whatsapp:+819012345678', name: 'Hanako Yamada' },
  ...overrides,
});

export async function startZohoHarness(
  knobs: Partial<ZohoKnobs> = {},
  options: ZohoDeskSandboxOptions = {},
): Promise<ZohoHarness> {
  const behaviour: ExtensionBehaviour = {
    pull: () => ({ status: 200, body: { data: { tickets: [], threads: [] } } }),
    push: (_body, index) => ({ status: 200, body: { extId: `wamid.reply-${index}`, status: 'SUCCESS' } }),
  };
  const extensionServer = await StandIn.start((app, standIn) => {
    const answerWith = (path: string, pick: () => ExtensionBehaviour['pull']) =>
      app.post(path, (_request, response) => {
        const requests = standIn().requests(path);
        const given = pick()(requests.at(-1)!.json, requests.length - 1);
        response.status(given.status);
        if (typeof given.body === 'string') response.send(given.body);
        else response.json(given.body);
      });
    answerWith('/zoho/pull', () => behaviour.pull);
    answerWith('/zoho/push', () => behaviour.push);
    app.get('/files/:name', (request, response) => {
      if (request.params.name === 'missing.png') return void response.status(404).end();
      response.type('image/png').send(pixelPng);
    });
  });
  const sandbox = createZohoDeskSandbox({
    knobs: { pullIntervalMs: 0, retryDelayMsInitial: 5, retryDelayMsMax: 20, ...knobs },
    ...options,
  });
  const running = await sandbox.listen(0, '127.0.0.1');
  const control: ZohoHarness['control'] = (method, path, body) => call(`${running.url}${path}`, method, body);
  const installed = await control('POST', '/sandbox/extensions', {
    resourceName: 'WhatsApp',
    sync: { pull: `${extensionServer.url}/zoho/pull`, push: `${extensionServer.url}/zoho/push` },
    configParams: { deploymentId: 'dep_1' },
  });
  return {
    sandbox,
    extensionServer,
    behaviour,
    url: running.url,
    extension: installed.body,
    control,
    pull: () => control('POST', `/sandbox/extensions/${installed.body.id}/pull`),
    async close() {
      await running.close();
      await extensionServer.close();
    },
  };
}
