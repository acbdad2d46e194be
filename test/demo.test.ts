import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runScript, waitForOutput } from './support/processes.js';

describe('the demo (npm start, the README’s first command)', () => {
  let dataDirectory: string;
  beforeAll(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), 'wabridge-demo-'));
  });
  afterAll(async () => {
    await rm(dataDirectory, { recursive: true, force: true });
  });

  async function startDemo() {
    const ports = {
      PORT: String(await freePort()),
      META_SANDBOX_PORT: String(await freePort()),
      DEMO_PORT: String(await freePort()),
      ZENDESK_HOST_PORT: String(await freePort()),
    };
    const demo = runScript('start', { ...ports, DATA_DIR: dataDirectory });
    await waitForOutput(demo, /Press Ctrl\+C to stop/);
    const deploymentId = demo.output().match(/Deployment ID\s+(dep_\w+)/)?.[1];
    const zendeskToken = demo.output().match(/Zendesk token\s+(wbi_\S+)/)?.[1];
    return { demo, ports, deploymentId, zendeskToken };
  }

  it('runs the bridge and the Meta sandbox, seeds once, serves its page, and restarts onto the same data', async () => {
    const first = await startDemo();
    expect(first.demo.output()).toContain('seeded a demo account');
    const bridgeUrl = `http://127.0.0.1:${first.ports.PORT}`;
    const deployments = await fetch(`${bridgeUrl}/v1/deployments`, {
      headers: { authorization: `Bearer ${first.zendeskToken}` },
    });
    expect(((await deployments.json()) as { data: { id: string }[] }).data.map((deployment) => deployment.id)).toEqual([
      first.deploymentId,
    ]);
    const sandbox = await fetch(`http://127.0.0.1:${first.ports.META_SANDBOX_PORT}/sandbox/numbers`);
    expect(sandbox.status).toBe(200);
    const page = await (await fetch(`http://127.0.0.1:${first.ports.DEMO_PORT}/`)).text();
    expect(page).toContain(first.deploymentId);
    expect(page).toContain('<span class="status">ready</span>');
    expect(page).not.toContain(first.zendeskToken);
    // The Zendesk app on its local host page, linked from the demo page; the token stays on the server.
    const zendeskUrl = first.demo.output().match(/Zendesk sidebar\s+(http:\/\/\S+)/)?.[1];
    expect(zendeskUrl).toBe(`http://localhost:${first.ports.ZENDESK_HOST_PORT}`);
    expect(page).toContain(`href="${zendeskUrl}"`);
    const ticketPage = await (await fetch(`http://127.0.0.1:${first.ports.ZENDESK_HOST_PORT}/`)).text();
    expect(ticketPage).toContain('Hanako Yamada');
    expect(ticketPage).not.toContain(first.zendeskToken);
    const status = await fetch(`${bridgeUrl}/v1/contacts/%2B819012340001/status`, {
      headers: { authorization: `Bearer ${first.zendeskToken}` },
    });
    expect(((await status.json()) as { window: { state: string } }).window.state).toBe('open');
    expect((await stat(join(dataDirectory, 'demo.json'))).mode & 0o077).toBe(0);
    first.demo.child.kill('SIGINT');
    expect([0, 'SIGINT']).toContain(await first.demo.exited);

    const second = await startDemo();
    expect(second.demo.output()).not.toContain('seeded a demo account');
    expect(second.deploymentId).toBe(first.deploymentId);
    expect(JSON.parse(await readFile(join(dataDirectory, 'demo.json'), 'utf8')).deploymentId).toBe(first.deploymentId);
    second.demo.child.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await second.demo.exited);
  });
});
