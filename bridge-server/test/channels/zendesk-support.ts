import { randomBytes } from 'node:crypto';
import { findForm } from '../../src/sandboxes/common/html-form.js';
import { sha256Hex } from '../../src/security/tokens.js';
import { messagesBody, metaJson, metaSignature } from '../support/meta.js';
import type { SandboxBridge } from '../support/sandbox-bridge.js';

/** What the tests of the Zendesk channel do to a bridge, written once. */

export interface FormAnswer {
  status: number;
  text: string;
  contentType: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
  json: () => any;
}

/** POSTs form-encoded fields, as Zendesk posts to admin_ui, pull_url and channelback_url. */
export async function postForm(url: string, fields: Record<string, string | string[]>): Promise<FormAnswer> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const text = await response.text();
  return { status: response.status, text, contentType: response.headers.get('content-type'), json: () => JSON.parse(text) };
}

/** The Zendesk subdomain of a world's installation (`<subdomain>.zendesk.com`). */
export async function subdomainOf(world: SandboxBridge, token: string): Promise<string> {
  const row = await world.bridge.bridge.database.db
    .selectFrom('installations')
    .select('instance')
    .where('token_sha256', '=', sha256Hex(token))
    .executeTakeFirstOrThrow();
  return row.instance.replace(/\.zendesk\.com$/, '');
}

export const returnUrlFor = (subdomain: string) =>
  `https://${subdomain}.zendesk.com/zendesk/channels/integration_service_instances/editor_finalizer/${randomBytes(8).toString('hex')}`;

/** Zendesk's admin UI post, then the admin's submission of the linking form; answers the final page and its form. */
export async function linkThroughAdminUi(
  bridgeUrl: string,
  options: { subdomain: string; token: string; locale?: string; pushToken?: string; name?: string; returnUrl?: string },
) {
  const returnUrl = options.returnUrl ?? returnUrlFor(options.subdomain);
  const opened = await postForm(`${bridgeUrl}/v1/channels/zendesk/admin`, {
    return_url: returnUrl,
    subdomain: options.subdomain,
    locale: options.locale ?? 'en-US',
    name: '',
    metadata: '',
    state: '',
    instance_push_id: 'push-id-1',
    ...(options.pushToken === undefined ? {} : { zendesk_access_token: options.pushToken }),
  });
  const linkForm = findForm(opened.text, 'https://bridge.example.test/v1/channels/zendesk/admin/link');
  if (linkForm === undefined) return { opened, linked: undefined, returned: undefined };
  const linked = await postForm(`${bridgeUrl}/v1/channels/zendesk/admin/link`, {
    setup: linkForm.fields.setup ?? '',
    name: options.name ?? 'WhatsApp Japan',
    installation_token: options.token,
  });
  return { opened, linked, returned: findForm(linked.text, returnUrl) };
}

/** Links the world's Zendesk installation and answers the metadata Zendesk would keep. */
export async function linkedMetadata(world: SandboxBridge, token = world.token, locale = 'en-US'): Promise<string> {
  const { returned } = await linkThroughAdminUi(world.bridge.url, { subdomain: await subdomainOf(world, token), token, locale });
  if (returned?.fields.metadata === undefined) throw new Error('linking failed');
  return returned.fields.metadata;
}

/**
 * A customer's image, as Meta reports it: the file is put in the Meta sandbox's media store (where the bridge
 * downloads it with the deployment's token) and the signed webhook is posted to the bridge and applied.
 */
export async function customerSendsImage(
  world: SandboxBridge,
  options: { waId: string; wamid: string; bytes: Buffer; caption?: string },
): Promise<void> {
  const phoneNumberId = world.deployment.phone_number_id;
  const mediaId = String(1_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
  world.sandbox.state.media.set(mediaId, {
    id: mediaId,
    phoneNumberId,
    mimeType: 'image/png',
    detectedMimeType: 'image/png',
    sizeBytes: options.bytes.length,
    sha256: 'unused',
    filename: undefined,
    bytes: options.bytes,
    uploadedAtMs: Date.now(),
    deleted: false,
  });
  const body = metaJson(
    messagesBody(phoneNumberId, {
      contacts: [{ profile: { name: 'Hanako Yamada' }, wa_id: options.waId }],
      messages: [
        {
          from: options.waId,
          id: options.wamid,
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'image',
          image: {
            id: mediaId,
            mime_type: 'image/png',
            sha256: 'unused',
            ...(options.caption ? { caption: options.caption } : {}),
          },
        },
      ],
    }),
  );
  const appSecret = world.sandbox.state.numbers.get(phoneNumberId)!.appSecret;
  const response = await fetch(`${world.bridge.url}/v1/webhooks/meta/${world.deployment.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, appSecret) },
    body,
  });
  if (response.status !== 200) throw new Error(`the bridge answered ${response.status} to a signed webhook`);
  await world.bridge.bridge.processor.drain();
}

/** A path of the bridge from a URL built on its PUBLIC_URL (https://bridge.example.test in tests). */
export const onBridge = (bridgeUrl: string, publicUrl: string) => publicUrl.replace('https://bridge.example.test', bridgeUrl);
