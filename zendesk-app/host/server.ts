/**
 * A local stand-in for Zendesk Support around the app: a page that looks like a ticket with the app in its
 * sidebar iframe, answering the ZAF SDK's postMessage protocol (host/page/host-page.js), and a server-side
 * proxy that does what Zendesk's does for `client.request({secure: true})`: it substitutes secure settings
 * (`{{setting.installation_token}}`) into the request on the server and forwards it, so the token never
 * reaches the browser. Used by the browser end-to-end test and by `npm start`.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { settingNames } from '../definition/settings.js';
import { hostPageHtml } from './page/template.js';

export interface HostTicket {
  id: number;
  subject: string;
  requesterName: string;
  /** The requester's phone identity; null for a requester without one. */
  requesterPhone: string | null;
}

export interface HostPageOptions {
  /** The built app folder (manifest.json, translations/, assets/). */
  appDirectory: string;
  bridgeUrl: string;
  deploymentId: string;
  /** A secure setting: kept on this server, substituted by its proxy, never sent to the page. */
  installationToken: string;
  phoneField?: string;
  /** The agent's Zendesk locale (`currentUser.locale`), e.g. `en-US` or `ja`; the page's `?locale=` overrides it. */
  locale?: string;
  tickets: HostTicket[];
  /** Extra host names the proxy may call with secure settings besides the manifest's `domainWhitelist`. */
  allowedDomains?: string[];
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

interface ManifestParameter {
  name: string;
  secure?: boolean;
  scopes?: string[];
}

interface ProxyRequestBody {
  url?: unknown;
  type?: unknown;
  headers?: unknown;
  data?: unknown;
  contentType?: unknown;
  secure?: unknown;
}

const pageScript = fileURLToPath(new URL('./page/host-page.js', import.meta.url)).replace('/dist/node/host/', '/host/');

/**
 * Substitutes `{{setting.<name>}}` in header values with the secure settings whose scopes allow headers,
 * as Zendesk's proxy does for requests marked `secure: true`. Other placeholders stay as they are.
 */
export function substituteSecureSettings(
  headers: Record<string, string>,
  parameters: ManifestParameter[],
  secureValues: Record<string, string>,
): Record<string, string> {
  const allowed = new Set(parameters.filter((p) => p.secure && (p.scopes ?? []).includes('header')).map((p) => p.name));
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      value.replace(/\{\{setting\.([\w-]+)\}\}/g, (placeholder, setting: string) =>
        allowed.has(setting) && secureValues[setting] !== undefined ? secureValues[setting] : placeholder,
      ),
    ]),
  );
}

export async function startHostPage(options: HostPageOptions): Promise<RunningHostPage> {
  const manifest = JSON.parse(await readFile(join(options.appDirectory, 'manifest.json'), 'utf8')) as {
    parameters: ManifestParameter[];
    domainWhitelist?: string[];
  };
  const allowedDomains = new Set([
    ...(manifest.domainWhitelist ?? []),
    new URL(options.bridgeUrl).hostname,
    ...(options.allowedDomains ?? []),
  ]);
  const secureValues = { [settingNames.installationToken]: options.installationToken };
  // What the page (and through it the app) may know: the non-secure settings only.
  const publicSettings = {
    [settingNames.bridgeUrl]: options.bridgeUrl,
    [settingNames.deploymentId]: options.deploymentId,
    [settingNames.phoneField]: options.phoneField ?? '',
  };
  const proxied: ProxiedRequest[] = [];

  const app = express();
  app.disable('x-powered-by');
  app.get('/', (request, response) => {
    const locale = typeof request.query.locale === 'string' ? request.query.locale : (options.locale ?? 'en-US');
    const ticketId = Number(request.query.ticket ?? options.tickets[0]?.id);
    response
      .type('html')
      .send(hostPageHtml({ tickets: options.tickets, ticketId, locale, settings: publicSettings, appGuid: randomUUID() }));
  });
  app.get('/host-page.js', (_request, response) => {
    response.type('text/javascript').sendFile(pageScript);
  });
  app.use('/app', express.static(options.appDirectory, { fallthrough: false }));
  app.post('/__zaf/proxy', express.json({ limit: '512kb' }), async (request, response) => {
    const body = request.body as ProxyRequestBody;
    let target: URL;
    try {
      target = new URL(String(body.url));
    } catch {
      response.status(400).json({ error: 'url must be absolute' });
      return;
    }
    const headersFromBrowser = Object.fromEntries(
      Object.entries((body.headers ?? {}) as Record<string, unknown>).map(([name, value]) => [name, String(value)]),
    );
    // Zendesk only hands secure settings to domains the manifest whitelists, and only when asked (secure: true).
    const mayUseSecrets = body.secure === true && allowedDomains.has(target.hostname);
    const headers = mayUseSecrets
      ? substituteSecureSettings(headersFromBrowser, manifest.parameters, secureValues)
      : headersFromBrowser;
    if (typeof body.contentType === 'string') headers['Content-Type'] = body.contentType;
    const method = String(body.type ?? 'GET').toUpperCase();
    try {
      const answer = await fetch(target, {
        method,
        headers,
        ...(typeof body.data === 'string' && method !== 'GET' && method !== 'HEAD' ? { body: body.data } : {}),
      });
      const responseText = await answer.text();
      proxied.push({ url: target.href, method, headersFromBrowser, status: answer.status, responseText });
      response.json({
        status: answer.status,
        statusText: answer.statusText,
        headers: Object.fromEntries(answer.headers),
        responseText,
      });
    } catch (failure) {
      proxied.push({ url: target.href, method, headersFromBrowser, status: 0, responseText: '' });
      response.json({ status: 0, statusText: 'error', headers: {}, responseText: '', error: String(failure) });
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
