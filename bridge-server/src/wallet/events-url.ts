import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { DomainError } from '../domain/errors.js';
import { bareHost, nonPublicAddressReason, pinnedLookup, type ResolvedAddress } from '../media/address-policy.js';

/**
 * Where wallet-event webhooks may go, by the rules `media.url` follows (media/url-fetch.ts): https only unless
 * `allowHttp`, no credentials in the URL, and every address the host resolves to public unless
 * `allowPrivateAddresses`. The URL is checked when it is set (a refusal the operator sees at once) and again at every
 * delivery, which connects only to the addresses it just checked (DNS cannot answer differently in between).
 * Redirects are not followed: a receiver answers where it was told to be.
 */

export interface WebhookUrlPolicy {
  allowHttp: boolean;
  allowPrivateAddresses: boolean;
}

/** Thrown by a delivery that never got an HTTP answer; the message is what the delivery records. */
export class WebhookDeliveryError extends Error {}

const refused = (detail: string) => new DomainError('webhook_url_refused', detail);

function checkShape(url: URL, policy: WebhookUrlPolicy): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw refused('webhook_url must be https:// (plain http is not allowed on this bridge).');
  }
  if (url.username !== '' || url.password !== '') {
    throw refused('webhook_url carries credentials; verify the X-Wabridge-Signature header instead.');
  }
}

function checkAddresses(host: string, addresses: ResolvedAddress[], policy: WebhookUrlPolicy): void {
  if (policy.allowPrivateAddresses) return;
  for (const { address } of addresses) {
    const reason = nonPublicAddressReason(address);
    if (reason !== undefined) {
      throw refused(
        `The host ${host} of webhook_url resolves to ${reason}; the bridge delivers webhooks only to public addresses.`,
      );
    }
  }
}

async function resolve(host: string): Promise<ResolvedAddress[]> {
  if (isIP(host) !== 0) return [{ address: host, family: isIP(host) }];
  return lookup(host, { all: true, verbatim: true });
}

/**
 * Refuses (`webhook_url_refused`) a URL the policy forbids. A host that does not resolve now is accepted: DNS may
 * not be set up yet, and every delivery checks again.
 */
export async function checkWebhookUrl(text: string, policy: WebhookUrlPolicy): Promise<void> {
  const url = new URL(text);
  checkShape(url, policy);
  const host = bareHost(url);
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    return;
  }
  checkAddresses(host, addresses, policy);
}

/**
 * POSTs `body` to `text` and resolves with the HTTP status of the answer. Throws
 * WebhookDeliveryError when the URL is not allowed, the host does not resolve, the connection fails or no answer
 * comes within `timeoutMs`.
 */
export async function postWebhook(
  text: string,
  body: string,
  headers: Record<string, string>,
  options: WebhookUrlPolicy & { timeoutMs: number },
): Promise<number> {
  const url = new URL(text);
  const host = bareHost(url);
  let addresses: ResolvedAddress[];
  try {
    checkShape(url, options);
    addresses = await resolve(host);
    checkAddresses(host, addresses, options);
  } catch (error) {
    throw new WebhookDeliveryError(error instanceof DomainError ? error.detail : `the host ${host} could not be resolved`);
  }
  if (addresses.length === 0) throw new WebhookDeliveryError(`the host ${host} has no address`);
  const signal = AbortSignal.timeout(options.timeoutMs);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolveStatus, reject) => {
    const request = client.request(url, {
      method: 'POST',
      agent: false,
      lookup: pinnedLookup(addresses),
      signal,
      headers: {
        ...headers,
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
        'User-Agent': 'wabridge-wallet-webhook/1',
      },
    });
    request.once('response', (response) => {
      // The status is the answer; the body is drained (and a late failure of it ignored) only to free the socket.
      response.on('error', () => {});
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    });
    request.once('error', (error) => {
      reject(
        new WebhookDeliveryError(
          signal.aborted
            ? `no answer within ${options.timeoutMs} ms`
            : `could not be reached (${(error as { code?: string }).code ?? error.message})`,
        ),
      );
    });
    request.end(body);
  });
}
