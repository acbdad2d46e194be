import { lookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { DomainError } from '../domain/errors.js';
import { readCapped, sniffBytes } from '../http/read-capped.js';
import { bareHost, nonPublicAddressReason, pinnedLookup, type ResolvedAddress } from './address-policy.js';
import type { ReceivedFile } from './check.js';

/**
 * Downloads `media.url` for the bridge to check and upload, without letting the caller aim the bridge at places only
 * it can reach (SSRF):
 * - https only, unless `allowHttp`; no credentials in the URL;
 * - the host is resolved once and every address it resolves to must be public (address-policy.ts) unless
 *   `allowPrivateAddresses`; the connection then goes to exactly those addresses (a pinned lookup), so DNS cannot
 *   answer differently between the check and the connection (rebinding); an IP literal is checked as itself;
 * - at most `redirectsMax` redirects, each target checked by the same rules; a redirect to http from https is
 *   refused like any http URL;
 * - one deadline for everything (`timeoutMs`); reading stops past `capBytes` (the kind's limit);
 * - no cookies, no compression (`Accept-Encoding: identity`: the bytes must be the file), no connection reuse.
 */

export interface UrlFetchPolicy {
  allowHttp: boolean;
  allowPrivateAddresses: boolean;
  timeoutMs: number;
  redirectsMax: number;
}

export interface UrlFetchOptions {
  /** Resolves a host name to all its addresses (tests inject one). */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** Why an address may not be fetched from, undefined when it may (address-policy.ts; tests inject one). */
  addressReason?: (address: string) => string | undefined;
}

const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

const refused = (detail: string, extensions: Record<string, unknown> = {}) =>
  new DomainError('media_url_refused', detail, extensions);
const failed = (detail: string) => new DomainError('media_url_failed', detail);

const resolveAll = async (hostname: string): Promise<ResolvedAddress[]> => lookup(hostname, { all: true, verbatim: true });

function checkUrl(url: URL, policy: UrlFetchPolicy, hop: number): void {
  const where = hop === 0 ? 'media.url' : `Redirect ${hop} of media.url`;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw refused(`${where} must be https:// (plain http is not allowed on this bridge).`);
  }
  if (url.username !== '' || url.password !== '') {
    throw refused(`${where} carries credentials; give a URL that needs none (a signed link, for instance).`);
  }
}

async function resolveChecked(url: URL, policy: UrlFetchPolicy, options: UrlFetchOptions): Promise<ResolvedAddress[]> {
  const host = bareHost(url);
  let addresses: ResolvedAddress[];
  if (isIP(host) !== 0) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await (options.resolve ?? resolveAll)(host);
    } catch {
      throw failed(`The host ${host} of media.url could not be resolved.`);
    }
    if (addresses.length === 0) throw failed(`The host ${host} of media.url has no address.`);
  }
  if (!policy.allowPrivateAddresses) {
    // Every address, not just the first: a client could be given any of them.
    for (const { address } of addresses) {
      const reason = (options.addressReason ?? nonPublicAddressReason)(address);
      if (reason !== undefined) {
        throw refused(`The host ${host} resolves to ${reason}; the bridge fetches media only from public addresses.`, { host });
      }
    }
  }
  return addresses;
}

function get(url: URL, addresses: ResolvedAddress[], signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: 'GET',
      agent: false,
      lookup: pinnedLookup(addresses),
      signal,
      headers: { Accept: '*/*', 'Accept-Encoding': 'identity', 'User-Agent': 'wabridge-media-fetch/1' },
    });
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
}

/** `attachment; filename="report.pdf"` or `filename*=UTF-8''r%C3%A9sum%C3%A9.pdf` → the name, if one is given. */
export function filenameOfContentDisposition(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended !== null) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      return undefined;
    }
  }
  return /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/
    .exec(header)
    ?.slice(1)
    .find((value) => value !== undefined);
}

function lastPathSegment(url: URL): string | undefined {
  const segment = url.pathname.split('/').at(-1);
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A usable display name: no path, no control characters, at most 240 characters. */
function cleanFilename(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const base = name.split(/[/\\]/).at(-1) ?? '';
  return base === '' || base.length > 240 || /\p{Cc}/u.test(base) ? undefined : base;
}

/**
 * Fetches the file at `url` (at most `capBytes` of it). Throws `media_url_refused` (422) for what the rules forbid,
 * `media_url_failed` (502) when the server could not deliver it (unresolvable, unreachable, not 200, too slow).
 */
export async function downloadMedia(
  url: string,
  capBytes: number,
  policy: UrlFetchPolicy,
  options: UrlFetchOptions = {},
): Promise<ReceivedFile & { finalUrl: string }> {
  const signal = AbortSignal.timeout(policy.timeoutMs);
  let current = new URL(url);
  for (let hop = 0; ; hop += 1) {
    checkUrl(current, policy, hop);
    const addresses = await resolveChecked(current, policy, options);
    let response: IncomingMessage;
    try {
      response = await get(current, addresses, signal);
    } catch (error) {
      throw signal.aborted
        ? failed(`media.url did not answer within ${policy.timeoutMs} ms.`)
        : failed(`media.url could not be reached (${(error as { code?: string }).code ?? (error as Error).message}).`);
    }
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (redirectStatuses.has(status) && location !== undefined) {
      response.destroy();
      if (hop >= policy.redirectsMax) {
        throw refused(`media.url redirects more than ${policy.redirectsMax} times.`);
      }
      try {
        current = new URL(location, current);
      } catch {
        throw failed(`media.url redirects to something that is not a URL (${location.slice(0, 200)}).`);
      }
      continue;
    }
    if (status !== 200) {
      response.destroy();
      throw failed(`media.url answered HTTP ${status}; it must answer 200 with the file.`);
    }
    return readFile(response, current, capBytes, signal, policy.timeoutMs);
  }
}

async function readFile(
  response: IncomingMessage,
  url: URL,
  capBytes: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<ReceivedFile & { finalUrl: string }> {
  const lengthHeader = response.headers['content-length'];
  const announcedBytes = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  // Announced as too large: read only enough to say what it is, for a precise refusal.
  const readBytes = announcedBytes !== undefined && announcedBytes > capBytes ? Math.min(capBytes, sniffBytes) : capBytes;
  let read: Awaited<ReturnType<typeof readCapped>>;
  try {
    read = await readCapped(response, readBytes, 'destroy');
  } catch {
    throw signal.aborted
      ? failed(`media.url did not finish within ${timeoutMs} ms.`)
      : failed('The connection to media.url broke while downloading.');
  } finally {
    if (!response.complete) response.destroy();
  }
  return {
    bytes: read.bytes,
    complete: read.complete,
    sizeBytes: read.complete ? read.bytes.length : announcedBytes,
    contentType: response.headers['content-type'],
    contentTypeSource: 'The server’s Content-Type',
    filename: undefined,
    filenameGuess: cleanFilename(filenameOfContentDisposition(response.headers['content-disposition']) ?? lastPathSegment(url)),
    finalUrl: url.toString(),
  };
}
