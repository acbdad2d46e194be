import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait-for.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';
import { type Tenant, twoTenants } from './support/tenants.js';

/** The console's sign-in, sessions, CSRF defence, account confinement and audit (src/console/). */
describe.each(backends)('console sign-in and sessions on $name', (backend) => {
  let bridge: TestBridge;
  let origin: string;
  let tenant: { a: Tenant; b: Tenant };

  beforeAll(async () => {
    bridge = await startTestBridge(backend);
    origin = new URL(bridge.url).origin;
    tenant = await twoTenants(bridge);
  });
  afterAll(async () => {
    await bridge?.close();
  });

  /** Signs in with `secret` from the console's own origin; answers the cookie to send back. */
  async function signIn(secret: string): Promise<string> {
    const answer = await bridge.request('POST', '/v1/console/session', { token: null, json: { secret }, headers: { origin } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const cookie = answer.headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/^wabridge_session=wbs_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    return cookie.split(';')[0] as string;
  }

  function as(cookie: string, method: string, path: string, json?: unknown) {
    return bridge.request(method, path, { token: null, headers: { cookie, origin }, ...(json === undefined ? {} : { json }) });
  }

  async function issueAdmin(accountId: string) {
    const answer = await bridge.request('POST', `/v1/accounts/${accountId}/admins`, { json: { name: 'Hanako Sato' } });
    expect(answer.status).toBe(201);
    expect(answer.body.credential).toMatch(/^wba_/);
    return answer.body as { id: string; credential: string };
  }

  it('signs the operator in with the administrator token: every account, the operator’s routes', async () => {
    const cookie = await signIn(bridge.adminToken);
    const session = await as(cookie, 'GET', '/v1/console/session');
    expect(session.body).toMatchObject({ kind: 'operator', account_id: null });
    const accounts = await as(cookie, 'GET', '/v1/accounts');
    expect(accounts.body.data.map((row: { id: string }) => row.id)).toEqual(
      expect.arrayContaining([tenant.a.accountId, tenant.b.accountId]),
    );
    expect((await as(cookie, 'POST', '/v1/accounts', { name: 'Initech' })).status).toBe(201);
  });

  it('keeps the credential only as a hash, and refuses a wrong secret', async () => {
    const admin = await issueAdmin(tenant.a.accountId);
    const rows = await sql<{ credential_sha256: string }>`SELECT credential_sha256 FROM account_admins`.execute(
      bridge.bridge.database.db,
    );
    expect(JSON.stringify(rows.rows)).not.toContain(admin.credential);
    const refused = await bridge.request('POST', '/v1/console/session', {
      token: null,
      json: { secret: `${admin.credential}x` },
      headers: { origin },
    });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('invalid_token');
  });

  it('confines an account admin to its own account: the other account answers as if it did not exist', async () => {
    const admin = await issueAdmin(tenant.a.accountId);
    const cookie = await signIn(admin.credential);
    expect((await as(cookie, 'GET', '/v1/console/session')).body).toMatchObject({
      kind: 'account_admin',
      account_id: tenant.a.accountId,
      account_name: 'Acme',
    });
    const deployments = await as(cookie, 'GET', '/v1/deployments');
    expect(deployments.body.data.map((row: { id: string }) => row.id)).toEqual([tenant.a.deploymentId]);
    const accounts = await as(cookie, 'GET', '/v1/accounts');
    expect(accounts.body.data.map((row: { id: string }) => row.id)).toEqual([tenant.a.accountId]);

    const before = await bridge.counts();
    for (const [method, path, json, status, code] of [
      ['GET', `/v1/deployments/${tenant.b.deploymentId}`, undefined, 404, 'not_found'],
      ['GET', `/v1/accounts/${tenant.b.accountId}`, undefined, 404, 'not_found'],
      ['GET', `/v1/accounts/${tenant.b.accountId}/wallet`, undefined, 404, 'not_found'],
      ['GET', `/v1/wallet/ledger?account_id=${tenant.b.accountId}`, undefined, 422, 'unknown_account'],
      ['GET', `/v1/deployments/${tenant.b.deploymentId}/installations`, undefined, 404, 'not_found'],
      [
        'POST',
        `/v1/deployments/${tenant.b.deploymentId}/installations`,
        { helpdesk: 'zendesk', instance: 'mine.zendesk.com' },
        404,
        'not_found',
      ],
      ['DELETE', `/v1/installations/${tenant.b.installationId}`, undefined, 404, 'not_found'],
      ['POST', '/v1/accounts', { name: 'Mine now' }, 403, 'operator_required'],
      ['POST', `/v1/accounts/${tenant.a.accountId}/admins`, { name: 'Another' }, 403, 'operator_required'],
      ['POST', '/v1/wallet/adjustments', { account_id: tenant.a.accountId, points: 1, reason: 'x' }, 403, 'operator_required'],
      ['GET', '/v1/templates', undefined, 403, 'installation_required'],
    ] as const) {
      const answer = await as(cookie, method, path, json);
      expect([answer.status, answer.body.code], `${method} ${path}`).toEqual([status, code]);
    }
    const created = await bridge.createDeployment(tenant.b.accountId);
    expect(created.answer.status).toBe(201);
    const foreign = await as(cookie, 'POST', '/v1/deployments', { ...created.request, phone_number_id: '99887766' });
    expect([foreign.status, foreign.body.code]).toEqual([422, 'unknown_account']);
    const after = await bridge.counts();
    expect(after.installations).toBe(before.installations);
    expect(after.accounts).toBe(before.accounts);

    // Its own account: issue and revoke an installation token.
    const issued = await as(cookie, 'POST', `/v1/deployments/${tenant.a.deploymentId}/installations`, {
      helpdesk: 'zendesk',
      instance: 'acme-two.zendesk.com',
    });
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^wbi_/);
    expect((await as(cookie, 'DELETE', `/v1/installations/${issued.body.id}`)).status).toBe(204);
    expect((await as(cookie, 'GET', `/v1/accounts/${tenant.a.accountId}/wallet`)).status).toBe(200);
  });

  it('refuses a change by cookie from another origin or with no Origin (CSRF), and reads without one', async () => {
    const cookie = await signIn(bridge.adminToken);
    const evil = await bridge.request('POST', '/v1/accounts', {
      token: null,
      json: { name: 'Evil' },
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect([evil.status, evil.body.code]).toEqual([403, 'cross_origin_refused']);
    const bare = await bridge.request('POST', '/v1/accounts', { token: null, json: { name: 'Evil' }, headers: { cookie } });
    expect([bare.status, bare.body.code]).toEqual([403, 'cross_origin_refused']);
    const signInElsewhere = await bridge.request('POST', '/v1/console/session', {
      token: null,
      json: { secret: bridge.adminToken },
      headers: { origin: 'https://evil.example' },
    });
    expect(signInElsewhere.status).toBe(403);
    expect((await bridge.request('GET', '/v1/accounts', { token: null, headers: { cookie } })).status).toBe(200);
  });

  it('ends a session at its expiry, at sign-out, and when its admin is revoked', async () => {
    const expiring = await signIn(bridge.adminToken);
    const token = expiring.split('=')[1] as string;
    const { createHash } = await import('node:crypto');
    await sql`UPDATE console_sessions SET expires_at = now() - interval '1 second'
      WHERE token_sha256 = ${createHash('sha256').update(token).digest('hex')}`.execute(bridge.bridge.database.db);
    const expired = await as(expiring, 'GET', '/v1/accounts');
    expect([expired.status, expired.body.code]).toEqual([401, 'session_required']);

    const leaving = await signIn(bridge.adminToken);
    const out = await as(leaving, 'DELETE', '/v1/console/session');
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toContain('Max-Age=0');
    expect((await as(leaving, 'GET', '/v1/console/session')).status).toBe(401);

    const admin = await issueAdmin(tenant.b.accountId);
    const revokedCookie = await signIn(admin.credential);
    expect((await bridge.request('DELETE', `/v1/account-admins/${admin.id}`)).status).toBe(204);
    expect((await as(revokedCookie, 'GET', '/v1/deployments')).status).toBe(401);
    const again = await bridge.request('POST', '/v1/console/session', {
      token: null,
      json: { secret: admin.credential },
      headers: { origin },
    });
    expect(again.status).toBe(401);
  });

  it('audits who did what and when; an account admin reads only its own account’s audit', async () => {
    const admin = await issueAdmin(tenant.b.accountId);
    const cookie = await signIn(admin.credential);
    const issued = await as(cookie, 'POST', `/v1/deployments/${tenant.b.deploymentId}/installations`, {
      helpdesk: 'zendesk',
      instance: 'globex-two.zendesk.com',
    });
    expect(issued.status).toBe(201);
    const entries = await waitFor('the installation in the audit', async () => {
      const answer = await as(cookie, 'GET', '/v1/console/audit');
      const data = answer.body.data as { action: string; actor: string; account_id: string; status: number; target: string }[];
      return data.some((entry) => entry.action === 'createInstallation') && data;
    });
    expect(entries.every((entry) => entry.account_id === tenant.b.accountId)).toBe(true);
    expect(entries.find((entry) => entry.action === 'createInstallation')).toMatchObject({
      actor: admin.id,
      status: 201,
      target: `POST /v1/deployments/${tenant.b.deploymentId}/installations`,
    });
    expect(entries.some((entry) => entry.action === 'signIn')).toBe(true);

    const operator = await signIn(bridge.adminToken);
    const all = await as(operator, 'GET', '/v1/console/audit?limit=200');
    const actions = new Set(all.body.data.map((entry: { action: string }) => entry.action));
    for (const action of ['signIn', 'signOut', 'signInRefused', 'createAccount', 'createInstallation']) {
      expect(actions, action).toContain(action);
    }
  });

  it('serves the console page at / with a strict content security policy', async () => {
    const page = await bridge.request('GET', '/', { token: null });
    expect([200, 503]).toContain(page.status);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
