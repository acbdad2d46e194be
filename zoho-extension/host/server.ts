/**
 * A local stand-in for Zoho Desk around the extension: a page that looks like a ticket with the widget in its right
 * panel iframe, a stand-in for Zoho's client SDK inside that iframe (host/page/zohodesk-sdk.js; Zoho's own is loaded
 * from its CDN, which is out of reach here, so the widget page is served with the SDK's address swapped), and a
 * server-side request proxy that does what Zoho's does for `ZOHODESK.request`: it forwards only to white-listed
 * origins, substitutes `{{name}}` config placeholders (the secure installation token included) on the server, and
 * answers with the JSON-string envelope Zoho resolves with. The token never reaches the browser. Used by the
 * browser end-to-end test and for demos (`npm run host -w zoho-extension`).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { configNames } from '../definition/config.js';
import { zohoSdkUrl } from '../scripts/checks.js';
import { hostPageHtml } from './page/template.js';

export interface HostTicket {
  /** Zoho's ticket id (a long number, as a string). */
  id: string;
  /** The ticket number agents see (#101). */
  number: number;
  subject: string;
  contactName: string;
  /** The contact's mobile; null for a contact without one. */
  mobile: string | null;
}

export interface HostPageOptions {
  /** The built extension folder (plugin-manifest.json, resources.json, app/). */
  extensionDirectory: string;
  bridgeUrl: string;
  deploymentId: string;
  /** A secure config parameter: kept on this server, substituted by its proxy, never sent to the page. */
  installationToken: string;
  phoneField?: string;
  /** The agent's Zoho Desk language code (`App.locale`), e.g. `en` or `ja`; the page's `?locale=` overrides it. */
  locale?: string;
  tickets: HostTicket[];
  /** The portal (org) id the page reports. */
  orgId?: string;
  /** Origins the proxy may call besides the manifest's `whiteListedDomains` (the local, plain-http bridge). */
  allowedOrigins?: string[];
  port?: number;
  hostname?: string;
}

/** One request the proxy forwarded, as the browser sent it (placeholders, not secrets). */
export interface ProxiedRequest {
  url: string;
  method: string;
  headersFromBrowser: Record<string, string>;
  status: number;
  /** The answer's body as received (0 status: empty), for tests that check it against the bridge's contract. */
  responseText: string;
}

export interface RunningHostPage {
  url: string;
  server: Server;
  proxied: ProxiedRequest[];
  close(): Promise<void>;
}

interface ManifestConfig {
  name: string;
  secure?: boolean;
}

const pageFile = (name: string) =>
  fileURLToPath(new URL(`./page/${name}`, import.meta.url)).replace('/dist/node/host/', '/host/');

/** Replaces `{{name}}` with the value of config parameter `name`; unknown placeholders stay as they are. */
export function substitutePlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([A-Za-z][A-Za-z0-9_-]*)\}\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}

/** What Zoho's proxy resolves `ZOHODESK.request` with: a JSON string, for every HTTP status. */
export function zohoEnvelope(status: number, headers: Record<string, string>, responseText: string): string {
  let statusMessage: unknown = responseText;
  try {
    statusMessage = responseText === '' ? '' : JSON.parse(responseText);
  } catch {
    // Not JSON: Zoho hands text through as text.
  }
  return JSON.stringify({ statusCode: status, responseHeaders: headers, response: JSON.stringify({ statusMessage }) });
}

export async function startHostPage(options: HostPageOptions): Promise<RunningHostPage> {
  const manifest = JSON.parse(await readFile(join(options.extensionDirectory, 'plugin-manifest.json'), 'utf8')) as {
    config: ManifestConfig[];
    whiteListedDomains?: string[];
  };
  const allowedOrigins = new Set([
    ...(manifest.whiteListedDomains ?? []).map((origin) => new URL(origin).origin),
    new URL(options.bridgeUrl).origin,
    ...(options.allowedOrigins ?? []),
  ]);
  const configValues: Record<string, string> = {
    [configNames.bridgeUrl]: options.bridgeUrl,
    [configNames.deploymentId]: options.deploymentId,
    [configNames.installationToken]: options.installationToken,
    [configNames.phoneField]: options.phoneField ?? '',
  };
  // What the page (and through it the widget) may know: the non-secure parameters only, as `extension.config` lists them.
  const publicConfig = manifest.config
    .filter((parameter) => parameter.secure !== true)
    .map((parameter) => ({ name: parameter.name, value: configValues[parameter.name] ?? '' }));
  const widgetHtml = (await readFile(join(options.extensionDirectory, 'app/widget.html'), 'utf8')).replace(
    zohoSdkUrl,
    '/zoho-sdk/ZohoDeskClientSDK.js',
  );
  const proxied: ProxiedRequest[] = [];

  const app = express();
  app.disable('x-powered-by');
  app.get('/', (request, response) => {
    const locale = typeof request.query.locale === 'string' ? request.query.locale : (options.locale ?? 'en');
    const ticketId = typeof request.query.ticket === 'string' ? request.query.ticket : options.tickets[0]?.id;
    response.type('html').send(
      hostPageHtml({
        tickets: options.tickets,
        ticketId: ticketId ?? '',
        locale,
        config: publicConfig,
        orgId: options.orgId ?? '60001234567',
        widgetId: randomUUID(),
      }),
    );
  });
  app.get('/host-page.js', (_request, response) => response.type('text/javascript').sendFile(pageFile('host-page.js')));
  app.get('/zoho-sdk/ZohoDeskClientSDK.js', (_request, response) =>
    response.type('text/javascript').sendFile(pageFile('zohodesk-sdk.js')),
  );
  app.get('/app/widget.html', (_request, response) => response.type('html').send(widgetHtml));
  app.use('/app', express.static(join(options.extensionDirectory, 'app'), { fallthrough: false }));
  app.post('/__zoho/request', express.json({ limit: '512kb' }), async (request, response) => {
    const body = request.body as { url?: unknown; type?: unknown; headers?: unknown; postBody?: unknown };
    let target: URL;
    try {
      target = new URL(String(body.url));
    } catch {
      response.status(400).json({ error: 'url must be absolute' });
      return;
    }
    // Zoho's proxy only calls domains the manifest white-lists.
    if (!allowedOrigins.has(target.origin)) {
      response.status(403).json({ error: `${target.origin} is not in whiteListedDomains` });
      return;
    }
    const headersFromBrowser = Object.fromEntries(
      Object.entries((body.headers ?? {}) as Record<string, unknown>).map(([name, value]) => [name, String(value)]),
    );
    const headers = Object.fromEntries(
      Object.entries(headersFromBrowser).map(([name, value]) => [name, substitutePlaceholders(value, configValues)]),
    );
    const method = String(body.type ?? 'GET').toUpperCase();
    const sendsBody = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
    try {
      const answer = await fetch(target, {
        method,
        headers,
        ...(sendsBody ? { body: JSON.stringify(body.postBody ?? {}) } : {}),
      });
      const responseText = await answer.text();
      proxied.push({ url: target.href, method, headersFromBrowser, status: answer.status, responseText });
      response.type('text/plain').send(zohoEnvelope(answer.status, Object.fromEntries(answer.headers), responseText));
    } catch (failure) {
      proxied.push({ url: target.href, method, headersFromBrowser, status: 0, responseText: '' });
      response.status(502).json({ error: String(failure) });
    }
  });

  const server = app.listen(options.port ?? 0, options.hostname ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.hostname ?? '127.0.0.1'}:${port}`,
    server,
    proxied,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
