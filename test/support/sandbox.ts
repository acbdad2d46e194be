import type { MetaSandbox } from '../../bridge-server/src/meta-sandbox/sandbox.js';
import type { RunningBridge } from '../../bridge-server/src/server.js';

/** A parsed JSON answer; tests assert on it field by field, so a precise type would only add casts. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type Json = any;

/** Calls the Meta sandbox's control API (`/sandbox/…`) and returns its JSON; a refusal fails the test, naming the call. */
export async function sandboxControl(sandboxUrl: string, method: string, path: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${sandboxUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * Waits until the sandbox (statuses, webhooks and their retries), the bridge's template syncer and its webhook
 * processor have nothing left to do: what the sandbox sent has been applied. A condition, never a sleep.
 */
export async function settle(sandbox: MetaSandbox, bridge: Pick<RunningBridge, 'templateSyncer' | 'processor'>): Promise<void> {
  await sandbox.idle();
  await bridge.templateSyncer.idle();
  await bridge.processor.drain();
}

/**
 * Sets a sandbox number's knobs (faults, throughput, status delays) for the duration of `act` only: they are reset
 * in `finally`, so a failing assertion cannot leave them to the tests after it.
 */
export async function withKnobs<T>(
  sandboxUrl: string,
  phoneNumberId: string,
  knobs: Record<string, unknown>,
  act: () => Promise<T>,
): Promise<T> {
  const path = `/sandbox/numbers/${phoneNumberId}/knobs`;
  await sandboxControl(sandboxUrl, 'PUT', path, knobs);
  try {
    return await act();
  } finally {
    await sandboxControl(sandboxUrl, 'DELETE', path);
  }
}
