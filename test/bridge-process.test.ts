import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningScript, runScript, waitForOutput } from './support/processes.js';

/** Waits for the bridge's "listening" log line and returns its URL. */
async function listeningUrl(bridge: RunningScript): Promise<string> {
  const [line] = await waitForOutput(bridge, /^.*"bridge listening".*$/m);
  return `http://127.0.0.1:${JSON.parse(line).port}`;
}

const runBridge = (environment: Record<string, string>) => runScript('bridge', environment);

describe('the bridge as a process (npm run bridge)', () => {
  let dataDirectory: string;
  const environment = {
    PORT: '0',
    HOST: '127.0.0.1',
    BRIDGE_ADMIN_TOKEN: randomBytes(32).toString('hex'),
    BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  };

  beforeAll(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), 'wabridge-process-'));
  });
  afterAll(async () => {
    await rm(dataDirectory, { recursive: true, force: true });
  });

  it('serves the API over HTTP, stops cleanly on SIGTERM, and keeps its data across restarts', async () => {
    const first = runBridge({ ...environment, DATA_DIR: dataDirectory });
    const url = await listeningUrl(first);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ok' });
    const created = await fetch(`${url}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${environment.BRIDGE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Survives restarts' }),
    });
    expect(created.status).toBe(201);
    const account = (await created.json()) as { id: string };
    const refused = await fetch(`${url}/v1/accounts`, { headers: { authorization: 'Bearer wbi_wrong' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    first.child.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await first.exited);
    expect(first.output()).toContain('"bridge stopped"');
    expect(first.output()).not.toContain(environment.BRIDGE_ADMIN_TOKEN);

    const second = runBridge({ ...environment, DATA_DIR: dataDirectory });
    const secondUrl = await listeningUrl(second);
    const read = await fetch(`${secondUrl}/v1/accounts/${account.id}`, {
      headers: { authorization: `Bearer ${environment.BRIDGE_ADMIN_TOKEN}` },
    });
    expect(((await read.json()) as { name: string }).name).toBe('Survives restarts');
    second.child.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await second.exited);
    expect(second.output()).toContain('"bridge stopped"');
  });

  it('refuses to start without its configuration, saying what is missing', async () => {
    const bridge = runBridge({ PORT: '0', BRIDGE_ENCRYPTION_KEY: 'too-short' });
    expect(await bridge.exited).not.toBe(0);
    expect(bridge.output()).toContain('BRIDGE_ADMIN_TOKEN is required');
    expect(bridge.output()).toContain('BRIDGE_ENCRYPTION_KEY must be 32 random bytes written as 64 hexadecimal characters');
  });
});
