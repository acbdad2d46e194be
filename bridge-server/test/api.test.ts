import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalsLeaving } from '../../test/support/problems.js';
import { SecretBox } from '../src/security/secret-box.js';
import { sha256Hex } from '../src/security/tokens.js';
import { backends } from './support/backends.js';
import { deploymentRequest, startTestBridge, type TestBridge } from './support/bridge.js';
import { type Tenant, twoTenants } from './support/tenants.js';

describe.each(backends)('bridge API on $name', (backend) => {
  let bridge: TestBridge;
  /** Two tenants, each with a deployment and a Zendesk installation. */
  let tenant: { a: Tenant; b: Tenant };

  beforeAll(async () => {
    bridge = await startTestBridge(backend);
    tenant = await twoTenants(bridge);
  });
  afterAll(async () => {
    await bridge?.close();
  });

  const refused = refusalsLeaving(() => bridge.counts());
  /** Sends a request that must be refused with `code`, and asserts that storage did not change. */
  const expectRefused = (
    code: string,
    status: number,
    method: string,
    path: string,
    options?: Parameters<TestBridge['request']>[2],
  ) => refused(code, status, () => bridge.request(method, path, options));

  describe('operations', () => {
    it('answers liveness and readiness', async () => {
      expect((await bridge.request('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
      expect((await bridge.request('GET', '/readyz', { token: null })).body).toEqual({ status: 'ok' });
    });

    it('serves the OpenAPI document generated from the contract', async () => {
      const answer = await bridge.request('GET', '/openapi.json', { token: null });
      expect(answer.status).toBe(200);
      expect(answer.body.openapi).toBe('3.1.0');
      expect(Object.keys(answer.body.paths)).toEqual(
        expect.arrayContaining(['/v1/accounts', '/v1/deployments', '/v1/deployments/{deployment_id}/installations']),
      );
      expect(answer.body.paths['/v1/deployments'].post.responses['409'].description).toContain('phone_number_id_taken');
      expect(answer.body.components.schemas.Problem).toBeDefined();
    });

    it('describes each problem type at its type URI', async () => {
      const answer = await bridge.request('GET', '/problems/invalid_token', { token: null });
      expect(answer.body).toMatchObject({ code: 'invalid_token', status: 401 });
      await expectRefused('not_found', 404, 'GET', '/problems/no_such_code', { token: null });
    });

    it('exposes Prometheus metrics labelled by contract route', async () => {
      await bridge.request('GET', `/v1/deployments/${tenant.a.deploymentId}`);
      const answer = await bridge.request('GET', '/metrics', { token: null });
      expect(answer.headers.get('content-type')).toContain('text/plain');
      expect(answer.body).toMatch(
        /wabridge_http_requests_total\{route="\/v1\/deployments\/\{deployment_id\}",method="GET",status="200"\} \d+/,
      );
      expect(answer.body).toContain('wabridge_http_request_duration_seconds_bucket');
      expect(answer.body).not.toContain(tenant.a.deploymentId);
    });

    it('echoes a well-formed X-Request-Id and puts it in problems', async () => {
      const answer = await bridge.request('GET', '/v1/nowhere', { headers: { 'x-request-id': 'trace-42' } });
      expect(answer.headers.get('x-request-id')).toBe('trace-42');
      expect(answer.body.request_id).toBe('trace-42');
      const generated = await bridge.request('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers unknown routes with 404 and wrong methods with 405 and Allow', async () => {
      await expectRefused('not_found', 404, 'GET', '/v1/nothing-here');
      const refused = await bridge.request('PUT', '/v1/accounts');
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')).toBe('POST, GET');
      expect(refused.body.code).toBe('method_not_allowed');
    });
  });

  describe('accounts', () => {
    it('creates an account with a Location header', async () => {
      const answer = await bridge.request('POST', '/v1/accounts', { json: { name: '  Initech  ' } });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        id: expect.stringMatching(/^acc_[0-9a-z]{24}$/),
        name: 'Initech',
        created_at: expect.any(String),
      });
      expect(answer.headers.get('location')).toBe(`/v1/accounts/${answer.body.id}`);
      expect((await bridge.request('GET', `/v1/accounts/${answer.body.id}`)).body).toEqual(answer.body);
    });

    it('pages through accounts with cursors, each exactly once', async () => {
      for (let index = 0; index < 5; index += 1)
        await bridge.request('POST', '/v1/accounts', { json: { name: `Paged ${index}` } });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const answer = await bridge.request('GET', `/v1/accounts${query}`);
        expect(answer.status).toBe(200);
        expect(answer.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...answer.body.data.map((account: { id: string }) => account.id));
        cursor = answer.body.next_cursor;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBeGreaterThanOrEqual(4);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining([tenant.a.accountId, tenant.b.accountId]));
      expect(seen.length).toBe((await bridge.counts()).accounts);
    });

    it.each([
      ['an empty name', { name: '' }, 'body.name', 'too_small'],
      ['a name of the wrong type', { name: 42 }, 'body.name', 'invalid_type'],
      ['an unknown field', { name: 'X', plan: 'gold' }, 'body', 'unknown_field'],
      ['a missing name', {}, 'body.name', 'required'],
      ['a too long name', { name: 'x'.repeat(201) }, 'body.name', 'too_big'],
      ['an array instead of an object', [{ name: 'X' }], 'body', 'invalid_type'],
    ])('refuses %s', async (_case, json, path, issueCode) => {
      const problem = await expectRefused('validation_failed', 422, 'POST', '/v1/accounts', { json });
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path, code: issueCode })]));
    });

    it('says a missing field is required, not zod’s “expected string, received undefined”', async () => {
      const problem = await expectRefused('validation_failed', 422, 'POST', '/v1/accounts', { json: {} });
      expect(problem.errors).toEqual([{ path: 'body.name', code: 'required', message: 'required' }]);
      // A present value of the wrong type still says what was expected.
      const wrong = await expectRefused('validation_failed', 422, 'POST', '/v1/accounts', { json: { name: null } });
      expect(wrong.errors).toEqual([expect.objectContaining({ path: 'body.name', code: 'invalid_type' })]);
      expect(wrong.errors[0].message).toMatch(/expected string/);
    });

    it('refuses malformed JSON, missing bodies, other media types and oversize bodies', async () => {
      await expectRefused('invalid_json', 400, 'POST', '/v1/accounts', {
        body: '{"name": "Acme",',
        headers: { 'content-type': 'application/json' },
      });
      await expectRefused('validation_failed', 422, 'POST', '/v1/accounts', { headers: { 'content-type': 'application/json' } });
      await expectRefused('unsupported_media_type', 415, 'POST', '/v1/accounts', {
        body: 'name=Acme',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      await expectRefused('unsupported_media_type', 415, 'POST', '/v1/accounts', { body: '{"name":"Acme"}' });
      await expectRefused('payload_too_large', 413, 'POST', '/v1/accounts', { json: { name: 'x'.repeat(300 * 1024) } });
    });

    it('refuses bad query parameters', async () => {
      const problem = await expectRefused('validation_failed', 422, 'GET', '/v1/accounts?limit=0');
      expect(problem.errors[0].path).toBe('query.limit');
      await expectRefused('validation_failed', 422, 'GET', '/v1/accounts?limit=abc');
      await expectRefused('validation_failed', 422, 'GET', '/v1/accounts?cursor=not-a-cursor');
      await expectRefused('validation_failed', 422, 'GET', '/v1/accounts?color=blue');
    });

    it('confines an installation to its own account', async () => {
      const own = await bridge.request('GET', '/v1/accounts', { token: tenant.a.token });
      expect(own.body.data.map((account: { id: string }) => account.id)).toEqual([tenant.a.accountId]);
      expect((await bridge.request('GET', `/v1/accounts/${tenant.a.accountId}`, { token: tenant.a.token })).status).toBe(200);
      await expectRefused('not_found', 404, 'GET', `/v1/accounts/${tenant.b.accountId}`, { token: tenant.a.token });
      await expectRefused('admin_required', 403, 'POST', '/v1/accounts', { token: tenant.a.token, json: { name: 'Sneaky' } });
    });

    it('answers 404 for malformed and unknown ids alike', async () => {
      await expectRefused('not_found', 404, 'GET', '/v1/accounts/acc_doesnotexist');
      await expectRefused('not_found', 404, 'GET', '/v1/accounts/acc_000000000000000000000000');
    });
  });

  describe('deployments', () => {
    it('creates a deployment: E.164 number, webhook URL, and no secret in the answer', async () => {
      const request = deploymentRequest(tenant.a.accountId, {
        display_phone_number: '+55 11 91234-5678',
        business_manager_id: '987654321',
      });
      bridge.metaKnows(request);
      const answer = await bridge.request('POST', '/v1/deployments', { json: request });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        id: expect.stringMatching(/^dep_[0-9a-z]{24}$/),
        account_id: tenant.a.accountId,
        display_phone_number: '+5511912345678',
        business_manager_id: '987654321',
        webhook_url: `https://bridge.example.test/v1/webhooks/meta/${answer.body.id}`,
      });
      expect(answer.headers.get('location')).toBe(`/v1/deployments/${answer.body.id}`);
      const text = JSON.stringify(answer.body);
      for (const secret of [request.access_token, request.app_secret, request.verify_token]) expect(text).not.toContain(secret);
      expect(Object.keys(answer.body)).not.toEqual(expect.arrayContaining(['access_token']));
    });

    it('stores secrets sealed with the encryption key, bound to their row and column', async () => {
      const { answer: created, request } = await bridge.createDeployment(tenant.a.accountId);
      const row = await bridge.bridge.database.db
        .selectFrom('deployments')
        .selectAll()
        .where('id', '=', created.body.id)
        .executeTakeFirstOrThrow();
      const rowText = JSON.stringify(row);
      for (const secret of [request.access_token, request.app_secret, request.verify_token])
        expect(rowText).not.toContain(secret);
      const box = new SecretBox(bridge.config.encryptionKey);
      expect(box.open(row.access_token_sealed, `deployment:${row.id}:access_token`)).toBe(request.access_token);
      expect(box.open(row.app_secret_sealed, `deployment:${row.id}:app_secret`)).toBe(request.app_secret);
      expect(() => box.open(row.app_secret_sealed, `deployment:${row.id}:access_token`)).toThrow(/authentication/);
    });

    it.each([
      ['no country code', '03-1234-5678', 'must start with +'],
      ['too few digits', '+81 12', 'not'],
      ['letters', '+81 abc def', 'not'],
      ['an unassigned range', '+1 555 0100', 'not a valid phone number'],
      ['an empty string', '', 'must start with +'],
    ])('refuses a phone number with %s', async (_case, number, message) => {
      const problem = await expectRefused('validation_failed', 422, 'POST', '/v1/deployments', {
        json: deploymentRequest(tenant.a.accountId, { display_phone_number: number }),
      });
      expect(problem.errors).toEqual([
        expect.objectContaining({
          path: 'body.display_phone_number',
          code: 'invalid_phone_number',
          message: expect.stringContaining(message),
        }),
      ]);
    });

    it.each([
      ['waba_id', 'WABA-1', 'invalid_format'],
      ['phone_number_id', 12345678, 'invalid_type'],
      ['app_secret', 'not-hex-and-too-short', 'invalid_format'],
      ['access_token', 'has spaces in it', 'invalid_format'],
      ['verify_token', 'short', 'too_small'],
      ['display_name', ' ', 'too_small'],
      ['account_id', 'acme', 'invalid_format'],
    ])('refuses a bad %s', async (field, value, issueCode) => {
      const problem = await expectRefused('validation_failed', 422, 'POST', '/v1/deployments', {
        json: deploymentRequest(tenant.a.accountId, { [field]: value }),
      });
      expect(problem.errors).toEqual([expect.objectContaining({ path: `body.${field}`, code: issueCode })]);
    });

    it('refuses an unknown account and a phone-number id already registered', async () => {
      await expectRefused('unknown_account', 422, 'POST', '/v1/deployments', {
        json: deploymentRequest('acc_000000000000000000000000'),
      });
      const existing = await bridge.request('GET', `/v1/deployments/${tenant.b.deploymentId}`);
      const problem = await expectRefused('phone_number_id_taken', 409, 'POST', '/v1/deployments', {
        json: deploymentRequest(tenant.a.accountId, { phone_number_id: existing.body.phone_number_id }),
      });
      expect(problem.deployment_id).toBe(tenant.b.deploymentId);
    });

    it('registers a phone-number id once when two requests race', async () => {
      const request = deploymentRequest(tenant.a.accountId);
      bridge.metaKnows(request);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => bridge.request('POST', '/v1/deployments', { json: request })),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409]);
    });

    it('lets an installation read its own account’s deployments only', async () => {
      expect((await bridge.request('GET', `/v1/deployments/${tenant.a.deploymentId}`, { token: tenant.a.token })).status).toBe(
        200,
      );
      await expectRefused('not_found', 404, 'GET', `/v1/deployments/${tenant.b.deploymentId}`, { token: tenant.a.token });
      const listed = await bridge.request('GET', '/v1/deployments', { token: tenant.a.token });
      expect(listed.body.data.every((deployment: { account_id: string }) => deployment.account_id === tenant.a.accountId)).toBe(
        true,
      );
      const filtered = await bridge.request('GET', `/v1/deployments?account_id=${tenant.b.accountId}`, { token: tenant.a.token });
      expect(filtered.body.data).toEqual([]);
      await expectRefused('admin_required', 403, 'POST', '/v1/deployments', {
        token: tenant.a.token,
        json: deploymentRequest(tenant.a.accountId),
      });
    });

    it('lists every deployment for the administrator, filterable by account', async () => {
      const all = await bridge.request('GET', '/v1/deployments?limit=200');
      expect(all.body.data.length).toBe((await bridge.counts()).deployments);
      const ofB = await bridge.request('GET', `/v1/deployments?account_id=${tenant.b.accountId}`);
      expect(ofB.body.data.map((deployment: { id: string }) => deployment.id)).toEqual([tenant.b.deploymentId]);
    });
  });

  describe('installations', () => {
    it('issues a token once, stores only its hash, and normalises the instance', async () => {
      const answer = await bridge.request('POST', `/v1/deployments/${tenant.a.deploymentId}/installations`, {
        json: { helpdesk: 'zoho', instance: ' 60012345678 ' },
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        id: expect.stringMatching(/^ins_/),
        deployment_id: tenant.a.deploymentId,
        account_id: tenant.a.accountId,
        helpdesk: 'zoho',
        instance: '60012345678',
        token: expect.stringMatching(/^wbi_[A-Za-z0-9_-]{43}$/),
        revoked_at: null,
      });
      expect(answer.body.token.startsWith(answer.body.token_hint)).toBe(true);
      const row = await bridge.bridge.database.db
        .selectFrom('installations')
        .selectAll()
        .where('id', '=', answer.body.id)
        .executeTakeFirstOrThrow();
      expect(row.token_sha256).toBe(sha256Hex(answer.body.token));
      expect(JSON.stringify(row)).not.toContain(answer.body.token);
      const listed = await bridge.request('GET', `/v1/deployments/${tenant.a.deploymentId}/installations`);
      expect(JSON.stringify(listed.body)).not.toContain(answer.body.token);
      expect(listed.body.data.map((installation: { id: string }) => installation.id)).toContain(answer.body.id);
      const zendesk = await bridge.request('POST', `/v1/deployments/${tenant.a.deploymentId}/installations`, {
        json: { helpdesk: 'zendesk', instance: 'Support.Zendesk.com' },
      });
      expect(zendesk.body.instance).toBe('support.zendesk.com');
    });

    it.each([
      ['zendesk', 'acme.zendesk.co', 'must be the Zendesk host'],
      ['zendesk', 'https://acme.zendesk.com', 'must be the Zendesk host'],
      ['zoho', 'acme', 'numeric Zoho Desk organisation id'],
    ])('refuses a %s instance %s', async (helpdesk, instance, message) => {
      const problem = await expectRefused(
        'validation_failed',
        422,
        'POST',
        `/v1/deployments/${tenant.a.deploymentId}/installations`,
        {
          json: { helpdesk, instance },
        },
      );
      expect(problem.errors[0]).toMatchObject({ path: 'body.instance', message: expect.stringContaining(message) });
    });

    it('refuses an unknown helpdesk, an unknown deployment and a second live installation', async () => {
      await expectRefused('validation_failed', 422, 'POST', `/v1/deployments/${tenant.a.deploymentId}/installations`, {
        json: { helpdesk: 'freshdesk', instance: 'acme' },
      });
      await expectRefused('not_found', 404, 'POST', '/v1/deployments/dep_000000000000000000000000/installations', {
        json: { helpdesk: 'zendesk', instance: 'acme.zendesk.com' },
      });
      const problem = await expectRefused(
        'installation_exists',
        409,
        'POST',
        `/v1/deployments/${tenant.a.deploymentId}/installations`,
        {
          json: { helpdesk: 'zendesk', instance: 'acme.zendesk.com' },
        },
      );
      expect(problem.installation_id).toBe(tenant.a.installationId);
    });

    it('revokes a token at once, idempotently, and allows a fresh installation afterwards', async () => {
      const created = await bridge.request('POST', `/v1/deployments/${tenant.b.deploymentId}/installations`, {
        json: { helpdesk: 'zendesk', instance: 'globex-eu.zendesk.com' },
      });
      const token = created.body.token;
      expect((await bridge.request('GET', `/v1/deployments/${tenant.b.deploymentId}`, { token })).status).toBe(200);
      expect((await bridge.request('DELETE', `/v1/installations/${created.body.id}`)).status).toBe(204);
      await expectRefused('token_revoked', 401, 'GET', `/v1/deployments/${tenant.b.deploymentId}`, { token });
      expect((await bridge.request('DELETE', `/v1/installations/${created.body.id}`)).status).toBe(204);
      await expectRefused('not_found', 404, 'DELETE', '/v1/installations/ins_000000000000000000000000');
      const again = await bridge.request('POST', `/v1/deployments/${tenant.b.deploymentId}/installations`, {
        json: { helpdesk: 'zendesk', instance: 'globex-eu.zendesk.com' },
      });
      expect(again.status).toBe(201);
      expect(again.body.token).not.toBe(token);
      const listed = await bridge.request('GET', `/v1/deployments/${tenant.b.deploymentId}/installations`);
      const revoked = listed.body.data.find((installation: { id: string }) => installation.id === created.body.id);
      expect(revoked.revoked_at).toEqual(expect.any(String));
    });

    it('keeps installations admin-only', async () => {
      await expectRefused('admin_required', 403, 'GET', `/v1/deployments/${tenant.a.deploymentId}/installations`, {
        token: tenant.a.token,
      });
      await expectRefused('admin_required', 403, 'DELETE', `/v1/installations/${tenant.b.installationId}`, {
        token: tenant.a.token,
      });
    });

    it('tells an installation its own context: its business number and that number’s country', async () => {
      const answer = await bridge.request('GET', '/v1/installation', { token: tenant.a.token });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        installation_id: tenant.a.installationId,
        helpdesk: 'zendesk',
        deployment: { id: tenant.a.deploymentId, display_phone_number: expect.any(String), country: 'JP' },
      });
      await expectRefused('installation_required', 403, 'GET', '/v1/installation');
    });
  });

  describe('authentication', () => {
    it.each([
      ['no Authorization header', {}, 'unauthorized'],
      ['a Basic scheme', { authorization: 'Basic YWRtaW46YWRtaW4=' }, 'unauthorized'],
      ['an empty bearer token', { authorization: 'Bearer ' }, 'unauthorized'],
    ])('refuses %s with a Bearer challenge', async (_case, headers, code) => {
      const answer = await bridge.request('GET', '/v1/deployments', { token: null, headers });
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe(code);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="wabridge"');
    });

    it('refuses tokens the bridge did not issue', async () => {
      await expectRefused('invalid_token', 401, 'GET', '/v1/deployments', { token: 'wbi_forged-token-value' });
      await expectRefused('invalid_token', 401, 'GET', '/v1/deployments', { token: `${bridge.adminToken}x` });
    });

    it('never writes tokens, secrets or bodies to the logs', async () => {
      const { request } = await bridge.createDeployment(tenant.a.accountId);
      await bridge.request('GET', '/v1/deployments?hub.verify_token=s3cr3t-verify', { token: tenant.a.token });
      const logs = bridge.logs();
      expect(logs).toContain('"url":"/v1/deployments"');
      for (const secret of [
        bridge.adminToken,
        tenant.a.token,
        request.access_token,
        request.app_secret,
        request.verify_token,
        's3cr3t-verify',
      ]) {
        expect(logs).not.toContain(secret as string);
      }
    });
  });
});

describe.each(backends)('failed-authentication limit on $name', (backend) => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge(backend, { AUTH_FAILURES_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it('locks a client out after the limit, even with a good token, and says when to retry', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await bridge.request('GET', '/v1/accounts', { token: `wbi_guess-${attempt}` })).status).toBe(401);
    }
    const locked = await bridge.request('GET', '/v1/accounts', { token: 'wbi_guess-4' });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('too_many_auth_failures');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await bridge.request('GET', '/v1/accounts')).status).toBe(429);
    // Routes without authentication stay reachable.
    expect((await bridge.request('GET', '/healthz', { token: null })).status).toBe(200);
  });
});
