import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot, runScript, waitForOutput } from './support/processes.js';
import { waitFor } from './support/wait-for.js';

const screenshots = join(repositoryRoot, 'test-results');

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
    expect(page).toContain(`href="${bridgeUrl}/?lang=en"`);
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
    // The terminal stays readable: the sidebar's probe of a free-form reply to #102's customer, whose window is closed,
    // is a 409 on every load of that ticket, and no warning. A 404 is one: once it is printed, a 409 would have been too.
    const asZendesk = { authorization: `Bearer ${first.zendeskToken}` };
    const probe = await fetch(`${bridgeUrl}/v1/pricing/quote?to=%2B819012340002&text=1`, { headers: asZendesk });
    expect(probe.status).toBe(409);
    expect((await fetch(`${bridgeUrl}/v1/no-such-route`, { headers: asZendesk })).status).toBe(404);
    await waitForOutput(first.demo, /"msg":"GET 404"/);
    expect(first.demo.output()).not.toContain('GET 409');
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
    const post = (path: string, body: unknown) =>
      fetch(`${demoPage}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // A photo from the phone reaches the bridge as WhatsApp delivers images: a media id the bridge fetches from Meta.
    expect((await post('/phone/1/photo', { caption: 'The invoice I got' })).status).toBe(204);
    const image = await waitFor('the photo in the conversation with #102’s customer', async () => {
      const answer = await fetch(`${bridgeUrl}/v1/conversations/%2B819012340002`, { headers: asZendesk });
      const body = (await answer.json()) as { data: { type: string; media: unknown }[] };
      return body.data.find((entry) => entry.type === 'image');
    });
    expect(image.media).toMatchObject({ kind: 'image', mime_type: 'image/png', caption: 'The invoice I got' });
    expect((await fetch(`${demoPage}/phone/photo.png`)).headers.get('content-type')).toBe('image/png');
    // The demo clock: a day later the window #101's customer opened at start is closed, in the bridge and in Meta.
    const windowOf = async (phone: string) => {
      const answer = await fetch(`${bridgeUrl}/v1/contacts/${encodeURIComponent(phone)}/status`, { headers: asZendesk });
      return ((await answer.json()) as { window: { state: string } }).window.state;
    };
    expect(await windowOf('+819012340001')).toBe('open');
    expect((await post('/clock/advance', { minutes: 0 })).status).toBe(400);
    expect((await post('/clock/advance', { minutes: 24 * 60 })).status).toBe(204);
    expect(await windowOf('+819012340001')).toBe('closed');
    expect(await (await fetch(`${demoPage}/clock`)).json()).toMatchObject({ advanced_minutes: 24 * 60 });
    const { phoneNumberId } = JSON.parse(await readFile(join(dataDirectory, 'demo.json'), 'utf8'));
    const sandboxCustomers = (await (await fetch(`${first.urls.sandbox}/sandbox/numbers/${phoneNumberId}/customers`)).json()) as {
      data: { wa_id: string; window_open: boolean }[];
    };
    expect(sandboxCustomers.data.find((customer) => customer.wa_id === '819012340001')?.window_open).toBe(false);
    expect(await (await fetch(`${demoPage}/`)).text()).toContain('moved forward 24 h');
    // The page and both helpdesks in Japanese.
    const japanese = await (await fetch(`${demoPage}/?locale=ja`)).text();
    expect(japanese).toContain('<html lang="ja">');
    expect(japanese).toContain(`<iframe class="helpdesk" title="Zendesk Support" src="${zendeskUrl}/?locale=ja"`);
    expect(japanese).toContain(`<iframe class="helpdesk" title="Zoho Desk" src="${zohoUrl}/?locale=ja"`);
    expect(japanese).toContain('お客様の WhatsApp');
    expect(japanese).toContain('24 時間 進めています');
    await screenshotDemoPage(demoPage);
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
    // The clock kept how far it was moved, as the database kept the times it moved back.
    expect(await (await fetch(`${viaIpv4(second.urls.page)}/clock`)).json()).toMatchObject({ advanced_minutes: 24 * 60 });
    second.demo.child.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await second.demo.exited);
    // Two `npm start`s, each building the bridge and both apps: minutes on a loaded 2-core machine.
  }, 900_000);
});

/**
 * The demo page as a newcomer sees it, in English and Japanese (test-results/demo-en.png, demo-ja.png): both helpdesks
 * with their sidebars, the phone with the photo, the clock moved forward. The page must not scroll sideways.
 */
async function screenshotDemoPage(demoPage: string): Promise<void> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    await mkdir(screenshots, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    for (const [locale, windowHeading, photoButton] of [
      ['en', 'Conversation window', 'Send a photo'],
      ['ja', '会話ウィンドウ', '写真を送信'],
    ] as const) {
      await page.goto(`${demoPage}/?locale=${locale}`);
      await page.getByRole('button', { name: photoButton }).waitFor();
      for (const helpdesk of ['Zendesk Support', 'Zoho Desk']) {
        // The sidebar app inside the host page inside the demo page.
        const sidebar = page.frameLocator(`iframe[title="${helpdesk}"]`).frameLocator('aside iframe');
        await sidebar.getByText(windowHeading, { exact: true }).first().waitFor({ timeout: 60_000 });
      }
      // #102's customer, who sent the photo.
      await page.selectOption('#customer', '1');
      await page.locator('img.photo').first().waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await page.screenshot({ path: join(screenshots, `demo-${locale}.png`) });
    }
  } finally {
    await browser.close();
  }
}
