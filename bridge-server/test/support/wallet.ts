import { messagesBody, metaJson, metaSignature } from './meta.js';
import type { SandboxBridge } from './sandbox-bridge.js';

/** What the wallet tests send and record, written once. */

/** A customer's opt-in to the utility topic, as a website form records it a minute ago: paid templates need it. */
export const utilityConsent = () => ({
  topic: 'utility',
  state: 'opted_in',
  source: 'website_form',
  evidence: 'I agree to receive utility messages from Sakura Shoes on WhatsApp.',
  occurred_at: new Date(Date.now() - 60_000).toISOString(),
});

/** The seeded utility template the wallet tests pay for, with its values. */
export const orderConfirmationTemplate = {
  name: 'order_confirmation',
  language: 'ja',
  parameters: { 'body.1': '山田', 'body.2': 'ORD-1', 'body.3': '12月1日' },
};

/** Which deployment a status is about, and the app secret Meta signs its webhooks with. */
export interface StatusTarget {
  deploymentId: string;
  phoneNumberId: string;
  appSecret: string;
}

/** The deployment a sandbox bridge's world was set up with, as a StatusTarget. */
export function worldNumber(world: SandboxBridge): StatusTarget {
  const phoneNumberId = world.deployment.phone_number_id;
  return {
    deploymentId: world.deployment.id,
    phoneNumberId,
    appSecret: world.sandbox.state.numbers.get(phoneNumberId)!.appSecret,
  };
}

/**
 * Meta's status for a message the bridge sent (carrying our id, as Meta echoes it), signed as Meta signs it, with
 * `pricing` (or none) and, for `failed`, Meta's error; posted to the bridge and applied before this resolves.
 */
export async function postMetaStatus(
  world: SandboxBridge,
  number: StatusTarget,
  message: { id: string; wamid: string; to: string },
  status: string,
  pricing: Record<string, unknown> | null,
  at = new Date(),
): Promise<void> {
  const body = metaJson(
    messagesBody(number.phoneNumberId, {
      statuses: [
        {
          id: message.wamid,
          status,
          timestamp: String(Math.floor(at.getTime() / 1000)),
          recipient_id: message.to.slice(1),
          biz_opaque_callback_data: message.id,
          ...(pricing === null ? {} : { pricing }),
          ...(status === 'failed' ? { errors: [{ code: 131026, title: 'Message undeliverable' }] } : {}),
        },
      ],
    }),
  );
  const response = await fetch(`${world.bridge.url}/v1/webhooks/meta/${number.deploymentId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, number.appSecret) },
    body,
  });
  if (response.status !== 200) throw new Error(`the bridge answered ${response.status} to a signed status`);
  await world.bridge.bridge.processor.drain();
}
