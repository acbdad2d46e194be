import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHostPage, startHostPage, substitutePlaceholders, zohoEnvelope } from '../host/server.js';
import { extensionFiles } from '../scripts/extension-files.js';
import { readZohoAnswer } from '../src/zoho/zoho-answer.js';

const token = `wbi_${'Z9y8X7w6'.repeat(5)}`;

describe('the local Zoho Desk host page', () => {
  let folder: string;
  let bridge: Server;
  let bridgeUrl: string;
  let hostPage: RunningHostPage;
  const seenByBridge: { method?: string; authorization?: string; body: string }[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'wabridge-zoho-host-'));
    const files = {
      ...extensionFiles({}),
      'app/widget.html': '<script src="https://js.zohostatic.com/support/developer_sdk/v1/js/ZohoDeskClientSDK.min.js"></script>',
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(folder, path)), { recursive: true });
      await writeFile(join(folder, path), content);
    }
    // A bridge that answers what it was sent.
    bridge = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seenByBridge.push({ method: request.method, authorization: request.headers.authorization, body });
        response.writeHead(request.url === '/v1/missing' ? 404 : 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ path: request.url }));
      });
    });
    await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
    bridgeUrl = `http://127.0.0.1:${(bridge.address() as AddressInfo).port}`;
    hostPage = await startHostPage({
      extensionDirectory: folder,
      bridgeUrl,
      deploymentId: 'dep_1',
      installationToken: token,
      tickets: [],
    });
  });
  afterAll(async () => {
    await hostPage?.close();
    await new Promise((resolve) => bridge?.close(resolve));
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const proxy = (request: unknown) =>
    fetch(`${hostPage.url}/__zoho/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });

  it('substitutes the secure token on the server and answers as Zoho does, for errors too', async () => {
    const answer = await proxy({
      url: `${bridgeUrl}/v1/messages`,
      type: 'POST',
      headers: { Authorization: 'Bearer {{installation_token}}', 'Content-Type': 'application/json' },
      postBody: { to: '+819012340001' },
    });
    expect(readZohoAnswer(await answer.text())).toEqual({ status: 200, body: { path: '/v1/messages' } });
    expect(seenByBridge.at(-1)).toEqual({ method: 'POST', authorization: `Bearer ${token}`, body: '{"to":"+819012340001"}' });
    expect(hostPage.proxied.at(-1)?.headersFromBrowser.Authorization).toBe('Bearer {{installation_token}}');
    const missing = await proxy({ url: `${bridgeUrl}/v1/missing`, type: 'GET', headers: {} });
    expect(readZohoAnswer(await missing.text())).toEqual({ status: 404, body: { path: '/v1/missing' } });
  });

  it('refuses origins the manifest does not white-list, and serves the widget with the stand-in SDK', async () => {
    const refused = await proxy({
      url: 'https://elsewhere.example/v1/x',
      type: 'GET',
      headers: { Authorization: 'Bearer {{installation_token}}' },
    });
    expect(refused.status).toBe(403);
    const widget = await (await fetch(`${hostPage.url}/app/widget.html`)).text();
    expect(widget).toContain('/zoho-sdk/ZohoDeskClientSDK.js');
    expect(widget).not.toContain('zohostatic');
  });

  it('replaces only placeholders of known parameters, and wraps any body in the envelope', () => {
    expect(substitutePlaceholders('{{a}} {{b}} {{1}}', { a: 'x' })).toBe('x {{b}} {{1}}');
    expect(readZohoAnswer(zohoEnvelope(204, {}, ''))).toEqual({ status: 204, body: null });
    expect(readZohoAnswer(zohoEnvelope(502, {}, 'Bad gateway'))).toEqual({ status: 502, body: 'Bad gateway' });
  });
});
