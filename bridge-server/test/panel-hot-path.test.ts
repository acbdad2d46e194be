import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type TestDatabase } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';

/**
 * The panel's hot path (`GET /v1/contacts/{phone}/status`) reads the client's failures and the token's installation in
 * one query (security/authenticate.ts). Nothing about a token is kept between requests, so a revocation is refused at
 * once by every replica on the same database, and a client over the failure limit is still refused before its token is
 * looked at.
 */
describe.each(backends)('the status endpoint’s authentication on $name', (backend) => {
  let database: TestDatabase;
  const replicas: TestBridge[] = [];
  const adminToken = randomBytes(32).toString('hex');
  const encryptionKey = randomBytes(32).toString('hex');
  let deploymentId: string;

  beforeAll(async () => {
    database = await backend.create({ persistent: true });
    // Two replicas on one PostgreSQL database; PGlite is one process's database, so one bridge there.
    const count = backend.name === 'postgres' ? 2 : 1;
    for (let index = 0; index < count; index += 1) {
      replicas.push(await startTestBridge(backend, { AUTH_FAILURES_PER_MINUTE: '3' }, { database, adminToken, encryptionKey }));
    }
    const first = replicas[0] as TestBridge;
    const account = await first.request('POST', '/v1/accounts', { json: { name: 'Hot path' } });
    deploymentId = (await first.createDeployment(account.body.id)).answer.body.id;
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await database?.drop();
  });

  it('answers a live token, and refuses it on every replica as soon as it is revoked', async () => {
    const first = replicas[0] as TestBridge;
    const created = await first.request('POST', `/v1/deployments/${deploymentId}/installations`, {
      json: { helpdesk: 'zendesk', instance: 'hot-path.zendesk.com' },
    });
    const token = created.body.token as string;
    for (const replica of replicas) {
      const answer = await replica.request('GET', '/v1/contacts/+819012345678/status', { token });
      expect(answer.status).toBe(200);
      expect(answer.body.contact).toMatchObject({ phone: '+819012345678', wa_id: null });
    }
    expect((await first.request('DELETE', `/v1/installations/${created.body.id}`)).status).toBe(204);
    for (const replica of replicas) {
      const answer = await replica.request('GET', '/v1/contacts/+819012345678/status', { token });
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('token_revoked');
    }
  });

  it('refuses a client over the failure limit before looking at its token, even a valid one', async () => {
    const last = replicas.at(-1) as TestBridge;
    const created = await last.request('POST', `/v1/deployments/${deploymentId}/installations`, {
      json: { helpdesk: 'zoho', instance: '60012345678' },
    });
    const valid = created.body.token as string;
    // Three failures in this minute (the revoked token above counted as one already).
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const answer = await last.request('GET', '/v1/contacts/+819012345678/status', { token: `wbi_${'x'.repeat(40)}` });
      expect(['invalid_token', 'too_many_auth_failures']).toContain(answer.body.code);
    }
    // The failures count on the database: the other replica refuses the same client too.
    for (const replica of replicas) {
      const answer = await replica.request('GET', '/v1/contacts/+819012345678/status', { token: valid });
      expect(answer.status).toBe(429);
      expect(answer.body.code).toBe('too_many_auth_failures');
    }
  });
});
