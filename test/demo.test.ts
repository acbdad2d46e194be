import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript, waitForOutput } from './support/processes.js';
import { waitFor } from './support/wait-for.js';

/** The demo prints localhost URLs for people; its servers listen on 127.0.0.1, which localhost may not resolve to first. */
const viaIpv4 = (url: string) => url.replace('//localhost:', '//127.0.0.1:');

describe('the demo (npm start, the README’s first command)', () => {
  let dataDirectory: string;
  beforeAll(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), 'wabridge-demo-'));
  });
  afterAll(async () => {
    await rm(dataDirectory, { recursive: true, force: true });
  });

  /** Starts `npm start` with every port 0 (each server binds a free one itself) and reads its URLs from what it prints. */
  async function startDemo() {
    const demo = runScript('start', {
      PORT: '0',
      META_SANDBOX_PORT: '0',
      DEMO_PORT: '0',
      ZENDESK_HOST_PORT: '0',
      ZOHO_HOST_PORT: '0',
      DATA_DIR: dataDirectory,
    });
    // npm start builds first (tsc, the admin console, the Zendesk app, the Zoho extension): on a busy two-core machine
    // that alone can take two minutes, so the deadline that turns a demo that never starts into a failure is generous.
    await waitForOutput(demo, /Press Ctrl\+C to stop/, 300_000);
    const printed = (label: string) => demo.output().match(new RegExp(`${label}\\s+(http://\\S+)`))?.[1];
    const urls = {
      page: printed('Demo page'),
      bridge: printed('Bridge API'),
      sandbox: printed('Meta sandbox'),
      zendesk: printed('Zendesk sidebar'),
      zoho: printed('Zoho Desk panel'),
    };
    for (const [name, url] of Object.entries(urls)) expect(url, name).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):[1-9]\d*$/);
    const deploymentId = demo.output().match(/Deployment ID\s+(dep_\w+)/)?.[1];
    const zendeskToken = demo.output().match(/Zendesk token\s+(wbi_\S+)/)?.[1];
    const zohoToken = demo.output().match(/Zoho Desk token\s+(wbi_\S+)/)?.[1];
    return { demo, urls: urls as Record<keyof typeof urls, string>, deploymentId, zendeskToken, zohoToken };
  }

  it('runs the bridge and the Meta sandbox, seeds once, serves its page, and restarts onto the same data', async () => {
    const first = await startDemo();
    expect(first.demo.output()).toContain('seeded a demo account');
    const bridgeUrl = first.urls.bridge;
    const deployments = await fetch(`${bridgeUrl}/v1/deployments`, {
      headers: { authorization: `Bearer ${first.zendeskToken}` },
    });
    expect(((await deployments.json()) as { data: { id: string }[] }).data.map((deployment) => deployment.id)).toEqual([
      first.deploymentId,
    ]);
    const sandbox = await fetch(`${first.urls.sandbox}/sandbox/numbers`);
    expect(sandbox.status).toBe(200);
    const page = await (await fetch(`${viaIpv4(first.urls.page)}/`)).text();
    expect(page).toContain(first.deploymentId);
    expect(page).toContain('<span class="status">ready</span>');
    expect(page).not.toContain(first.zendeskToken);
    // The admin console, built by npm start and served by the bridge at /, linked from the demo page.
    expect(page).toContain(`href="${bridgeUrl}/"`);
    const consolePage = await fetch(`${viaIpv4(bridgeUrl)}/`);
    expect({ status: consolePage.status, root: (await consolePage.text()).includes('<div id="root">') }).toEqual({
      status: 200,
      root: true,
    });
    // The Zendesk app on its local host page, linked from the demo page; the token stays on the server.
    const zendeskUrl = first.urls.zendesk;
    expect(zendeskUrl).toMatch(/^http:\/\/localhost:/);
    expect(page).toContain(`href="${zendeskUrl}"`);
    const ticketPage = await (await fetch(`${viaIpv4(zendeskUrl)}/`)).text();
    expect(ticketPage).toContain('Hanako Yamada');
    expect(ticketPage).not.toContain(first.zendeskToken);
    // The Zoho Desk extension on its local host page, on the same bridge; its token stays on that server too.
    const zohoUrl = first.urls.zoho;
    expect(page).toContain(`href="${zohoUrl}"`);
    const zohoPage = await (await fetch(`${viaIpv4(zohoUrl)}/`)).text();
    expect(zohoPage).toContain('Hanako Yamada');
    expect(zohoPage).not.toContain(first.zohoToken);
    expect(zohoPage).not.toContain(first.zendeskToken);
    const status = await fetch(`${bridgeUrl}/v1/contacts/%2B819012340001/status`, {
      headers: { authorization: `Bearer ${first.zendeskToken}` },
    });
    expect(((await status.json()) as { window: { state: string } }).window.state).toBe('open');
    // Points on out of the box: prices set and welcome points bought, so quotes answer (no 409 pricing_not_configured).
    const wallet = await fetch(`${bridgeUrl}/v1/wallet`, { headers: { authorization: `Bearer ${first.zohoToken}` } });
    expect(((await wallet.json()) as { balance: number }).balance).toBe(5_000);
    const quote = await fetch(`${bridgeUrl}/v1/pricing/quote?to=%2B819012340002&template=shipping_update&language=en_US`, {
      headers: { authorization: `Bearer ${first.zendeskToken}` },
    });
    expect(quote.status).toBe(200);
    expect(((await quote.json()) as { points: number }).points).toBeGreaterThan(0);
    // One page: both helpdesks framed side by side, and the customer's phone. Writing as ticket #102's customer (who
    // never wrote) goes through the sandbox's signed webhook and opens their window in the bridge.
    expect(page).toContain(`<iframe class="helpdesk" title="Zendesk Support" src="${zendeskUrl}"`);
    expect(page).toContain(`<iframe class="helpdesk" title="Zoho Desk" src="${zohoUrl}"`);
    const demoPage = viaIpv4(first.urls.page);
    const refused = await fetch(`${demoPage}/phone/1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '  ' }),
    });
    expect(refused.status).toBe(400);
    const wrote = await fetch(`${demoPage}/phone/1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Can I have the invoice?', from_ad: true }),
    });
    expect(wrote.status).toBe(204);
    const window = await waitFor('the window of ticket #102’s customer to open', async () => {
      const answer = await fetch(`${bridgeUrl}/v1/contacts/%2B819012340002/status`, {
        headers: { authorization: `Bearer ${first.zohoToken}` },
      });
      const body = (await answer.json()) as { window: { state: string; free_entry_point?: unknown } };
      return body.window.state === 'open' && body.window;
    });
    expect(window.state).toBe('open');
    const phone = (await (await fetch(`${demoPage}/phone/1/messages`)).json()) as {
      messages: { direction: string; text: string }[];
    };
    expect(phone.messages).toContainEqual(expect.objectContaining({ direction: 'in', text: 'Can I have the invoice?' }));
    expect((await stat(join(dataDirectory, 'demo.json'))).mode & 0o077).toBe(0);
    first.demo.child.kill('SIGINT');
    expect([0, 'SIGINT']).toContain(await first.demo.exited);

    const second = await startDemo();
    expect(second.demo.output()).not.toContain('seeded a demo account');
    expect(second.deploymentId).toBe(first.deploymentId);
    expect(JSON.parse(await readFile(join(dataDirectory, 'demo.json'), 'utf8')).deploymentId).toBe(first.deploymentId);
    const walletAgain = await fetch(`${second.urls.bridge}/v1/wallet`, {
      headers: { authorization: `Bearer ${second.zohoToken}` },
    });
    expect(((await walletAgain.json()) as { balance: number }).balance).toBe(5_000);
    second.demo.child.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await second.demo.exited);
    // Two `npm start`s, each building the bridge and both apps: minutes on a loaded 2-core machine.
  }, 900_000);
});
