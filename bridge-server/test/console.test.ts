import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxControl } from '../../test/support/sandbox.js';
import { waitFor } from '../../test/support/wait-for.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';
import { png } from './support/media-files.js';
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
      ['GET', `/v1/templates?deployment_id=${tenant.b.deploymentId}`, undefined, 404, 'not_found'],
      ['GET', `/v1/optin-topics?account_id=${tenant.b.accountId}`, undefined, 422, 'unknown_account'],
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

  describe('the account routes the console pages use (templates, opt-in, consents, profile)', () => {
    const csvHeader = 'phone,topic,state,source,evidence,occurred_at';
    const consentLine = (phone: string, business: string) =>
      `${phone},utility,opted_in,checkout,"I agree to receive updates from ${business} on WhatsApp",2025-12-01T10:00:00Z`;
    function importCsv(cookie: string, query: string, lines: string[]) {
      return bridge.request('POST', `/v1/consents/import${query}`, {
        token: null,
        body: [csvHeader, ...lines].join('\n'),
        headers: { cookie, origin, 'content-type': 'text/csv' },
      });
    }

    it('lets the operator act on a named deployment or account, and requires it to be named', async () => {
      const cookie = await signIn(bridge.adminToken);
      const deployment = `deployment_id=${tenant.a.deploymentId}`;
      const unnamed = await as(cookie, 'GET', '/v1/templates');
      expect([unnamed.status, unnamed.body.code, unnamed.body.errors?.[0]?.path]).toEqual([
        422,
        'validation_failed',
        'query.deployment_id',
      ]);
      expect((await as(cookie, 'GET', '/v1/optin-topics')).body.errors?.[0]?.path).toBe('query.account_id');
      expect((await as(cookie, 'GET', '/v1/templates?deployment_id=dep_000000000000000000000000')).status).toBe(404);

      const started = await as(cookie, 'POST', `/v1/templates/sync?${deployment}`);
      expect([started.status, started.body.deployment_id]).toEqual([202, tenant.a.deploymentId]);
      const done = await waitFor('the sync to finish', async () => {
        const sync = await as(cookie, 'GET', `/v1/templates/syncs/${started.body.id}?${deployment}`);
        return sync.body.state !== 'running' && sync.body;
      });
      expect(done).toMatchObject({ state: 'succeeded', error: null });
      expect(done.templates_seen).toBeGreaterThan(0);
      // The sync belongs to its deployment: asked under another one, it does not exist.
      const elsewhere = await as(cookie, 'GET', `/v1/templates/syncs/${started.body.id}?deployment_id=${tenant.b.deploymentId}`);
      expect(elsewhere.status).toBe(404);
      const listed = await as(cookie, 'GET', `/v1/templates?${deployment}&status=APPROVED,REJECTED,PAUSED`);
      const statuses = new Set(listed.body.data.map((row: { status: string }) => row.status));
      expect(statuses).toEqual(new Set(['APPROVED', 'REJECTED', 'PAUSED']));
      // The installation of the other tenant still sees its own deployment's (none synced), never this one's.
      const otherInstallation = await bridge.request('GET', `/v1/templates?deployment_id=${tenant.a.deploymentId}`, {
        token: tenant.b.token,
      });
      expect([otherInstallation.status, otherInstallation.body.code]).toEqual([404, 'not_found']);

      const settings = await as(cookie, 'GET', `/v1/optin-topics?account_id=${tenant.a.accountId}`);
      expect(settings.status).toBe(200);
      const changed = await as(cookie, 'PUT', `/v1/optin-topics?account_id=${tenant.a.accountId}`, {
        topics: [{ id: 'newsletter', label: 'Monthly newsletter' }],
        template_rules: settings.body.template_rules,
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body.topics).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'newsletter' })]));
      // The other account's settings are untouched, and its installation reads its own.
      const others = await bridge.request('GET', '/v1/optin-topics', { token: tenant.b.token });
      expect(others.body.topics.map((topic: { id: string }) => topic.id)).not.toContain('newsletter');
    });

    it('imports, lists and exports an account’s consents as the operator and as its account admin, never another’s', async () => {
      const operator = await signIn(bridge.adminToken);
      const imported = await importCsv(operator, `?account_id=${tenant.a.accountId}`, [consentLine('+819011110001', 'Acme')]);
      expect([imported.status, imported.body]).toEqual([201, { imported: 1 }]);

      const admin = await issueAdmin(tenant.a.accountId);
      const cookie = await signIn(admin.credential);
      const before = await bridge.counts();
      const bad = await importCsv(cookie, '', [consentLine('+819011110002', 'Acme'), consentLine('0901234', 'Acme')]);
      expect([bad.status, bad.body.code]).toEqual([422, 'invalid_consent_file']);
      expect(bad.body.errors).toEqual([expect.objectContaining({ line: 3, code: 'invalid_phone_number' })]);
      const foreign = await importCsv(cookie, `?account_id=${tenant.b.accountId}`, [consentLine('+819011110003', 'Globex')]);
      expect([foreign.status, foreign.body.code]).toEqual([422, 'unknown_account']);
      expect((await bridge.counts()).consents).toBe(before.consents);

      const good = await importCsv(cookie, '', [consentLine('+819011110004', 'Acme')]);
      expect([good.status, good.body]).toEqual([201, { imported: 1 }]);
      const audit = await as(cookie, 'GET', '/v1/consents?limit=2');
      expect(audit.body.data.map((row: { phone: string }) => row.phone)).toEqual(['+819011110004', '+819011110001']);
      const filtered = await as(cookie, 'GET', `/v1/consents?phone=${encodeURIComponent('+819011110001')}`);
      expect(filtered.body.data).toHaveLength(1);
      const exported = await as(cookie, 'GET', '/v1/consents/export');
      expect(exported.status).toBe(200);
      expect(String(exported.body)).toContain('+819011110004');
      expect((await as(cookie, 'GET', `/v1/consents/export?account_id=${tenant.b.accountId}`)).body.code).toBe('unknown_account');
      expect((await as(cookie, 'GET', `/v1/consents?account_id=${tenant.b.accountId}`)).body.code).toBe('unknown_account');
      // Globex sees none of Acme's consents.
      const globex = await bridge.request('GET', '/v1/consents', { token: tenant.b.token });
      expect(globex.body.data).toEqual([]);
    });

    it('lets an account admin edit its own number’s business profile, not another account’s', async () => {
      const admin = await issueAdmin(tenant.a.accountId);
      const cookie = await signIn(admin.credential);
      const own = await as(cookie, 'PATCH', `/v1/deployments/${tenant.a.deploymentId}/profile`, { about: 'Open 9–17' });
      expect([own.status, own.body.about]).toEqual([200, 'Open 9–17']);
      const foreign = await as(cookie, 'PATCH', `/v1/deployments/${tenant.b.deploymentId}/profile`, { about: 'Mine' });
      expect([foreign.status, foreign.body.code]).toEqual([404, 'not_found']);
      const installation = await bridge.request('PATCH', `/v1/deployments/${tenant.a.deploymentId}/profile`, {
        token: tenant.a.token,
        json: { about: 'Agent' },
      });
      expect([installation.status, installation.body.code]).toEqual([403, 'admin_required']);
    });

    it('lets an account admin give its own number’s app id and picture, never another account’s', async () => {
      const admin = await issueAdmin(tenant.a.accountId);
      const cookie = await signIn(admin.credential);
      const appId = { app_id: '1000000000000001' };
      const picture = (deploymentId: string) =>
        bridge.request('PUT', `/v1/deployments/${deploymentId}/profile/picture`, {
          token: null,
          body: png(),
          headers: { cookie, origin, 'content-type': 'image/png' },
        });
      const foreign = await as(cookie, 'PATCH', `/v1/deployments/${tenant.b.deploymentId}`, appId);
      expect([foreign.status, foreign.body.code]).toEqual([404, 'not_found']);
      const foreignPicture = await picture(tenant.b.deploymentId);
      expect([foreignPicture.status, foreignPicture.body.code]).toEqual([404, 'not_found']);
      const unchanged = await bridge.request('GET', `/v1/deployments/${tenant.b.deploymentId}`);
      expect(unchanged.body.app_id).toBeNull();

      expect((await as(cookie, 'PATCH', `/v1/deployments/${tenant.a.deploymentId}`, appId)).body.app_id).toBe(appId.app_id);
      const own = await picture(tenant.a.deploymentId);
      expect(own.status, JSON.stringify(own.body)).toBe(200);
      expect(own.body.profile_picture_url).toEqual(expect.any(String));
      const installation = await bridge.request('PUT', `/v1/deployments/${tenant.a.deploymentId}/profile/picture`, {
        token: tenant.a.token,
        body: png(),
        headers: { 'content-type': 'image/png' },
      });
      expect([installation.status, installation.body.code]).toEqual([403, 'admin_required']);
    });

    it('lets an account admin register its own account’s number with a code, never another account’s', async () => {
      const own = await bridge.createDeployment(tenant.a.accountId);
      const foreign = await bridge.createDeployment(tenant.b.accountId);
      const unregistered = { registered: false, code_verification_status: 'NOT_VERIFIED', verification_code: '515151' } as const;
      bridge.metaKnows(own.request, unregistered);
      bridge.metaKnows(foreign.request, unregistered);
      const codesSent = async (phoneNumberId: unknown) =>
        (await sandboxControl(bridge.config.metaGraphUrl, 'GET', `/sandbox/numbers/${phoneNumberId}/verification-codes`)).data;
      const admin = await issueAdmin(tenant.a.accountId);
      const cookie = await signIn(admin.credential);

      // Another account's number: every step answers as if it did not exist, and Meta is never asked.
      const elsewhere = `/v1/deployments/${foreign.answer.body.id}/registration`;
      for (const [path, json] of [
        [`${elsewhere}/code`, { code_method: 'SMS', language: 'ja' }],
        [`${elsewhere}/verify`, { code: '515151' }],
        [elsewhere, { pin: '246810' }],
      ] as const) {
        const refused = await as(cookie, 'POST', path, json);
        expect([refused.status, refused.body.code], path).toEqual([404, 'not_found']);
      }
      expect(await codesSent(foreign.request.phone_number_id)).toEqual([]);
      const metaSide = await sandboxControl(
        bridge.config.metaGraphUrl,
        'GET',
        `/sandbox/numbers/${foreign.request.phone_number_id}`,
      );
      expect(metaSide).toMatchObject({ registered: false, pin_set: false });

      // Its own number: the whole flow.
      const path = `/v1/deployments/${own.answer.body.id}/registration`;
      const requested = await as(cookie, 'POST', `${path}/code`, { code_method: 'SMS', language: 'ja' });
      expect([requested.status, requested.body.step]).toEqual([200, 'code_requested']);
      expect(await codesSent(own.request.phone_number_id)).toEqual([expect.objectContaining({ code: '515151' })]);
      expect((await as(cookie, 'POST', `${path}/verify`, { code: '515 151' })).status).toBe(200);
      expect((await as(cookie, 'POST', path, { pin: '246810' })).body).toEqual({ step: 'registered' });
      // An installation of the same account still cannot register: that stays with its admins.
      const installation = await bridge.request('POST', `${path}/code`, {
        token: tenant.a.token,
        json: { code_method: 'SMS', language: 'ja' },
      });
      expect([installation.status, installation.body.code]).toEqual([403, 'admin_required']);
      // Each step is in the audit (recorded once its answer is sent).
      await waitFor('the registration in the audit', async () => {
        const audit = await as(cookie, 'GET', '/v1/console/audit');
        const actions = audit.body.data.map((entry: { action: string }) => entry.action);
        return ['requestVerificationCode', 'verifyVerificationCode', 'registerNumber'].every((step) => actions.includes(step));
      });
    });
  });

  it('serves the console page at / with a strict content security policy', async () => {
    const page = await bridge.request('GET', '/', { token: null });
    expect([200, 503]).toContain(page.status);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // The number's profile picture: WhatsApp's picture host, and the Meta sandbox this bridge talks to.
    const images = /img-src ([^;]+);/.exec(page.headers.get('content-security-policy') ?? '')?.[1]?.split(' ');
    expect(images).toEqual(["'self'", 'data:', 'https://pps.whatsapp.net', new URL(bridge.config.metaGraphUrl).origin]);
  });
});
