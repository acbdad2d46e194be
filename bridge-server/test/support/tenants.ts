import type { TestBridge } from './bridge.js';

/** A tenant of the bridge for tests: an account with a deployment and a Zendesk installation. */
export interface Tenant {
  accountId: string;
  deploymentId: string;
  installationId: string;
  token: string;
}

/** Two tenants, Acme (`a`) and Globex (`b`), made through the API as the administrator. */
export async function twoTenants(bridge: TestBridge): Promise<{ a: Tenant; b: Tenant }> {
  const made: Tenant[] = [];
  for (const name of ['Acme', 'Globex']) {
    const account = await bridge.request('POST', '/v1/accounts', { json: { name } });
    const deployment = (await bridge.createDeployment(account.body.id)).answer;
    const installation = await bridge.request('POST', `/v1/deployments/${deployment.body.id}/installations`, {
      json: { helpdesk: 'zendesk', instance: `${name.toLowerCase()}.zendesk.com` },
    });
    made.push({
      accountId: account.body.id,
      deploymentId: deployment.body.id,
      installationId: installation.body.id,
      token: installation.body.token,
    });
  }
  return { a: made[0] as Tenant, b: made[1] as Tenant };
}
