import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autoSubmitPage, defaultManifest, startZendeskHarness, type ZendeskHarness } from './zendesk-harness.js';

let harness: ZendeskHarness;
beforeEach(async () => {
  harness = await startZendeskHarness();
});
afterEach(async () => {
  await harness.close();
});

describe('installing the integration', () => {
  it('fetches the manifest and keeps it', async () => {
    const installed = await harness.control('POST', '/sandbox/integrations', {
      manifest_url: `${harness.integration.url}/manifest`,
    });
    expect(installed.status).toBe(201);
    expect(installed.body.id).toBe('com.example.wabridge.whatsapp');
    expect(installed.body.manifest.urls.pull_url).toBe(`${harness.integration.url}/pull`);
    expect(harness.integration.requests('/manifest')).toHaveLength(1);
  });

  it('refuses a manifest without admin_ui, or with an http URL where Zendesk requires https', async () => {
    harness.behaviour.manifest = (base) => ({ ...defaultManifest(base), urls: { pull_url: `${base}/pull` } });
    const missing = await harness.control('POST', '/sandbox/integrations', {
      manifest_url: `${harness.integration.url}/manifest`,
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('manifest_invalid');
    expect(missing.body.error.message).toContain('urls.admin_ui');

    const strict = await startZendeskHarness({}, false);
    try {
      const plain = await strict.control('POST', '/sandbox/integrations', { manifest_url: `${strict.integration.url}/manifest` });
      expect(plain.status).toBe(422);
      expect(plain.body.error.message).toContain('must be an https URL');
    } finally {
      await strict.close();
    }
  });
});

describe('the admin UI round trip', () => {
  it('posts the documented form to admin_ui and creates the account from the post-back', async () => {
    const installed = await harness.control('POST', '/sandbox/integrations', {
      manifest_url: `${harness.integration.url}/manifest`,
    });
    const visit = await harness.control('POST', `/sandbox/integrations/${installed.body.id}/instances`, { locale: 'ja' });
    expect(visit.status).toBe(200);
    expect(visit.body.instance).toBeNull();

    const [posted] = harness.integration.requests('/admin_ui');
    expect(posted?.contentType).toContain('application/x-www-form-urlencoded');
    const fields = Object.fromEntries(posted!.form);
    expect(Object.keys(fields).sort()).toEqual(
      ['instance_push_id', 'locale', 'metadata', 'name', 'return_url', 'state', 'subdomain', 'zendesk_access_token'].sort(),
    );
    expect(fields).toMatchObject({ name: '', metadata: '', state: '', locale: 'ja', subdomain: 'sandbox' });
    expect(fields.return_url).toBe(visit.body.return_url);
    expect(fields.zendesk_access_token).toMatch(/^[0-9a-f]{64}$/);

    // The admin UI's page posts name and metadata back to the return_url, as a browser would.
    const back = await fetch(fields.return_url!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Support line', metadata: '{"deployment_id":"dep_1"}', state: '{"cursor":0}' }),
    });
    expect(back.status).toBe(200);
    const instances = await harness.control('GET', '/sandbox/instances');
    expect(instances.body.data).toEqual([
      expect.objectContaining({
        name: 'Support line',
        metadata: '{"deployment_id":"dep_1"}',
        state: '{"cursor":0}',
        instance_push_id: fields.instance_push_id,
        zendesk_access_token: fields.zendesk_access_token,
        active: true,
      }),
    ]);

    const again = await fetch(fields.return_url!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Twice', metadata: '{}' }),
    });
    expect(again.status).toBe(400);
  });

  it('refuses a post-back without name, or with metadata over 5,000 characters', async () => {
    const installed = await harness.control('POST', '/sandbox/integrations', {
      manifest_url: `${harness.integration.url}/manifest`,
    });
    for (const body of [{ metadata: '{}' }, { name: 'Line', metadata: 'x'.repeat(5_001) }] as Record<string, string>[]) {
      const visit = await harness.control('POST', `/sandbox/integrations/${installed.body.id}/instances`, {});
      const back = await fetch(visit.body.return_url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
      });
      expect(back.status).toBe(400);
    }
    expect((await harness.control('GET', '/sandbox/instances')).body.data).toEqual([]);
  });

  it('submits a self-posting page on request, and sends no push token when the manifest has no push_client_id', async () => {
    harness.behaviour.manifest = (base) => {
      const { push_client_id: _ignored, ...rest } = defaultManifest(base);
      return rest;
    };
    harness.behaviour.adminPage = (form) => autoSubmitPage(form, { name: 'Line & "quotes"', metadata: '{"a":"<b>"}', state: '' });
    const instance = await harness.connect();
    expect(instance).toMatchObject({ name: 'Line & "quotes"', metadata: '{"a":"<b>"}', zendesk_access_token: null });
    expect(harness.integration.requests('/admin_ui')[0]?.form.has('zendesk_access_token')).toBe(false);
  });

  it('reopens the admin UI of an account with its current name, metadata and state', async () => {
    const instance = await harness.connect();
    harness.behaviour.adminPage = (form) => autoSubmitPage(form, { name: 'Renamed', metadata: '{"v":2}', state: '' });
    const edited = await harness.control('POST', `/sandbox/instances/${instance.id}/edit`, { auto_submit: true });
    const posted = harness.integration.requests('/admin_ui').at(-1)!.form;
    expect(posted.get('name')).toBe('Support line');
    expect(posted.get('metadata')).toBe('{"deployment_id":"dep_1"}');
    expect(posted.get('instance_push_id')).toBe(instance.instance_push_id);
    expect(edited.body.instance).toMatchObject({ id: instance.id, name: 'Renamed', metadata: '{"v":2}' });
  });
});

describe('the control API', () => {
  it('reports health, refuses unknown knobs and endpoints, and forgets everything on reset', async () => {
    await harness.connect();
    expect((await harness.control('GET', '/sandbox/health')).body).toEqual({ status: 'ok', pending_work: expect.any(Number) });
    const badKnob = await harness.control('PUT', '/sandbox/knobs', { pullIntervalMinutes: 2 });
    expect(badKnob.status).toBe(400);
    expect(badKnob.body.error.code).toBe('validation_failed');
    expect((await harness.control('PUT', '/sandbox/faults/everything', { mode: 'none' })).status).toBe(404);
    expect((await harness.control('GET', '/sandbox/nothing')).status).toBe(404);

    await harness.control('PUT', '/sandbox/knobs', { channelbackAttemptsMax: 9 });
    await harness.control('POST', '/sandbox/reset');
    expect((await harness.control('GET', '/sandbox/instances')).body.data).toEqual([]);
    expect((await harness.control('GET', '/sandbox/integrations')).body.data).toEqual([]);
    expect((await harness.control('GET', '/sandbox/knobs')).body.channelbackAttemptsMax).toBe(3);
  });

  it('tells the integration about a new account through event_callback_url', async () => {
    await harness.connect();
    await harness.sandbox.idle();
    const [event] = harness.integration.requests('/events');
    expect(event?.json.events[0]).toMatchObject({
      type_id: 'create_integration_instance',
      subdomain: 'sandbox',
      integration_id: 'com.example.wabridge.whatsapp',
      data: { integration_instance_name: 'Support line', metadata: '{"deployment_id":"dep_1"}' },
    });
  });
});
