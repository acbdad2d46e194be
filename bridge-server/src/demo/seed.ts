import type { DemoState } from './secrets.js';

async function call(
  bridgeUrl: string,
  adminToken: string,
  path: string,
  body: unknown,
  method: 'POST' | 'PUT' = 'POST',
): Promise<Record<string, unknown>> {
  const response = await fetch(`${bridgeUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`seeding ${path} failed: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * Seeds the demo through the public API, as an administrator would: an account, a deployment for the
 * sandbox's number, and one Zendesk and one Zoho Desk installation. Skips what an earlier run made.
 */
export async function seedDemo(bridgeUrl: string, state: DemoState): Promise<boolean> {
  if (state.accountId !== undefined && state.deploymentId !== undefined && state.installations !== undefined) return false;
  const account = await call(bridgeUrl, state.adminToken, '/v1/accounts', { name: 'Demo Trading K.K.' });
  const deployment = await call(bridgeUrl, state.adminToken, '/v1/deployments', {
    account_id: account.id,
    display_name: 'Demo Support',
    display_phone_number: state.displayPhoneNumber,
    waba_id: state.wabaId,
    phone_number_id: state.phoneNumberId,
    // The Meta sandbox's one app (meta-sandbox/resumable-upload.ts): the demo's number can take a new profile picture.
    app_id: '1000000000000001',
    access_token: state.accessToken,
    app_secret: state.appSecret,
    verify_token: state.verifyToken,
  });
  const installationsPath = `/v1/deployments/${String(deployment.id)}/installations`;
  const zendesk = await call(bridgeUrl, state.adminToken, installationsPath, {
    helpdesk: 'zendesk',
    instance: 'demo.zendesk.com',
  });
  const zoho = await call(bridgeUrl, state.adminToken, installationsPath, { helpdesk: 'zoho', instance: '60000000001' });
  // The demo customer agreed to order updates, so the utility templates may reach them.
  await call(bridgeUrl, String(zendesk.token), `/v1/contacts/${encodeURIComponent(demoCustomer)}/consents`, {
    topic: 'utility',
    state: 'opted_in',
    source: 'checkout',
    evidence: 'I agree to receive order updates from Demo Support on WhatsApp.',
  });
  state.accountId = String(account.id);
  state.deploymentId = String(deployment.id);
  state.installations = {
    zendesk: { id: String(zendesk.id), token: String(zendesk.token) },
    zoho: { id: String(zoho.id), token: String(zoho.token) },
  };
  return true;
}

/**
 * Points on out of the box: the demo account has prices (¥2 a point, a point worth one US cent of Meta's rates, 10%
 * consumption tax) and a welcome purchase of 5,000 points, so costs, the balance and buying more (the demo runs the
 * sandbox payment provider) show in the apps without any API call. Once per data directory; the purchase's
 * reference makes a repeat count once anyway.
 */
export async function seedPoints(bridgeUrl: string, state: DemoState): Promise<boolean> {
  if (state.pointsSeeded === true || state.accountId === undefined) return false;
  await call(
    bridgeUrl,
    state.adminToken,
    '/v1/wallet/settings',
    {
      account_id: state.accountId,
      currency: 'JPY',
      point_price_minor: 2,
      tax_rate_basis_points: 1_000,
      point_value_micro_usd: 10_000,
    },
    'PUT',
  );
  await call(bridgeUrl, state.adminToken, '/v1/wallet/purchases', {
    account_id: state.accountId,
    points: 5_000,
    payment_reference: 'demo-welcome-points',
  });
  state.pointsSeeded = true;
  return true;
}

/** The demo ticket's customer (ticket #101 on the Zendesk host page). */
export const demoCustomer = '+819012340001';

/** What the demo customer writes at every start. */
export const demoCustomerWrote = '注文した商品はいつ届きますか？';

/**
 * At every start, the demo customer writes through the sandbox (which signs and delivers the webhook to the
 * bridge), so their 24-hour window is open; and the bridge refreshes its copy of the sandbox's templates.
 */
export async function customerWrites(bridgeUrl: string, sandboxUrl: string, state: DemoState): Promise<void> {
  const inbound = await fetch(`${sandboxUrl}/sandbox/numbers/${state.phoneNumberId}/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: demoCustomer.slice(1), name: 'Hanako Yamada', text: demoCustomerWrote }),
  });
  if (!inbound.ok) throw new Error(`the demo customer could not write: ${inbound.status} ${await inbound.text()}`);
  const sync = await fetch(`${bridgeUrl}/v1/templates/sync`, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.installations!.zendesk.token}` },
  });
  // 409: a sync is already running (the bridge's own schedule), which is as good.
  if (!sync.ok && sync.status !== 409) throw new Error(`the template sync failed: ${sync.status} ${await sync.text()}`);
}
