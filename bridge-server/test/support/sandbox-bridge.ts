import { randomUUID } from 'node:crypto';
import type { ReservedPort } from '../../../test/support/free-port.js';
import { type Json, sandboxControl, settle as settleWorld, withKnobs } from '../../../test/support/sandbox.js';
import type { Clock } from '../../src/clock.js';
import {
  createMetaSandbox,
  type ListeningSandbox,
  type MetaSandbox,
  type MetaSandboxOptions,
} from '../../src/meta-sandbox/sandbox.js';
import type { Backend } from './backends.js';
import { type HttpAnswer, registerWithMeta, startTestBridge, type TestBridge } from './bridge.js';

/** A bridge wired to a Meta sandbox in both directions, with one account, deployment and Zendesk installation. */
export interface SandboxBridge {
  sandbox: MetaSandbox;
  sandboxServer: ListeningSandbox;
  bridge: TestBridge;
  accountName: string;
  deployment: { id: string; phone_number_id: string; waba_id: string; display_name: string };
  /** The Zendesk installation's token. */
  token: string;
  /** Waits until the sandbox, the template syncer and the webhook processor have nothing left to do. */
  settle(): Promise<void>;
  /** Calls the sandbox's control API and returns its JSON. */
  control(method: string, path: string, body?: unknown): Promise<Json>;
  /** Runs `act` with the world's number's sandbox knobs set, resetting them afterwards whatever happens. */
  withKnobs<T>(knobs: Record<string, unknown>, act: () => Promise<T>): Promise<T>;
  /** `POST /v1/messages` as the installation, with a fresh Idempotency-Key unless one is given. */
  send(json: unknown, key?: string): Promise<HttpAnswer>;
  /** The customer writes to the business (through the sandbox, so both sides see it). */
  customerWrites(phone: string, text: string, extra?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startSandboxBridge(
  backend: Backend,
  options: {
    environment?: Record<string, string>;
    sandbox?: MetaSandboxOptions;
    accountName?: string;
    clock?: Clock;
    /** The bridge's port, reserved beforehand (test/support/free-port.ts) so that PUBLIC_URL can name it. */
    port?: ReservedPort;
  } = {},
): Promise<SandboxBridge> {
  const sandbox = createMetaSandbox(options.sandbox ?? { knobs: { statusDelaysMs: { sent: 5, delivered: 10, read: 15 } } });
  const sandboxServer = await sandbox.listen(0);
  const bridge = await startTestBridge(
    backend,
    {
      META_GRAPH_URL: sandboxServer.url,
      ...(options.port === undefined ? {} : { PUBLIC_URL: options.port.url }),
      ...options.environment,
    },
    {
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.port === undefined ? {} : { listenOn: options.port.server }),
    },
  );
  const accountName = options.accountName ?? 'Sakura Shoes';
  const account = await bridge.request('POST', '/v1/accounts', { json: { name: accountName } });
  const { answer, request } = await bridge.createDeployment(
    account.body.id,
    { display_name: `${accountName} Support` },
    { sandbox },
  );
  const deployment = answer.body;
  const token = (
    await bridge.request('POST', `/v1/deployments/${deployment.id}/installations`, {
      json: { helpdesk: 'zendesk', instance: `${randomUUID().slice(0, 8)}.zendesk.com` },
    })
  ).body.token as string;
  registerWithMeta(sandbox, request, {
    display_phone_number: '+81 3-1234-0000',
    verified_name: accountName,
    webhook_url: `${bridge.url}/v1/webhooks/meta/${deployment.id}`,
  });

  const settle = () => settleWorld(sandbox, bridge.bridge);
  const control = (method: string, path: string, body?: unknown) => sandboxControl(sandboxServer.url, method, path, body);
  return {
    sandbox,
    sandboxServer,
    bridge,
    accountName,
    deployment,
    token,
    settle,
    control,
    withKnobs: (knobs, act) => withKnobs(sandboxServer.url, deployment.phone_number_id, knobs, act),
    send: (json, key = randomUUID()) =>
      bridge.request('POST', '/v1/messages', { token, json, headers: { 'idempotency-key': key } }),
    async customerWrites(phone, text, extra = {}) {
      await control('POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
        from: phone.replace(/^\+/, ''),
        text,
        ...extra,
      });
      await settle();
    },
    async close() {
      await sandboxServer.close();
      await bridge.close();
    },
  };
}
