import type { ZendeskKnobs } from '../../src/sandboxes/zendesk/context.js';
import { createZendeskSandbox, type ZendeskSandbox } from '../../src/sandboxes/zendesk/sandbox.js';
import { type Answer, call, escapeHtml, type Json, pixelPng, StandIn } from './harness.js';

/** One answer of the stand-in; `hangUp` drops the connection without answering (a network error). */
export interface StandInAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  hangUp?: boolean;
}

/** What the stand-in integration answers; tests replace these to play a misbehaving or refusing bridge. */
export interface IntegrationBehaviour {
  manifest: (base: string) => Json;
  /** The page answered to the admin UI POST; by default the tutorial's self-submitting form. */
  adminPage: (form: URLSearchParams) => string;
  pull: (form: URLSearchParams, index: number) => StandInAnswer;
  channelback: (form: URLSearchParams, index: number) => StandInAnswer;
}

export const defaultManifest = (base: string) => ({
  name: 'WhatsApp (stand-in)',
  id: 'com.example.wabridge.whatsapp',
  author: 'wabridge tests',
  version: 'v1',
  push_client_id: 'wabridge_push',
  channelback_files: true,
  create_followup_tickets: true,
  urls: {
    admin_ui: `${base}/admin_ui`,
    pull_url: `${base}/pull`,
    channelback_url: `${base}/channelback`,
    clickthrough_url: `${base}/clickthrough`,
    event_callback_url: `${base}/events`,
  },
});

export const autoSubmitPage = (
  form: URLSearchParams,
  fields = { name: 'Support line', metadata: '{"deployment_id":"dep_1"}', state: '' },
) =>
  `<!doctype html><html><body><form id="finish" method="post" action="${escapeHtml(form.get('return_url') ?? '')}">` +
  Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('') +
  `</form><script>document.forms.finish.submit()</script></body></html>`;

export interface ZendeskHarness {
  sandbox: ZendeskSandbox;
  integration: StandIn;
  behaviour: IntegrationBehaviour;
  url: string;
  control(method: string, path: string, body?: unknown): Promise<Answer>;
  /** A call to Zendesk's API with a bearer token (null: none). */
  api(method: string, path: string, body: unknown, token: string | null): Promise<Answer>;
  /** Installs the stand-in integration and adds one account through the admin UI; answers the account. */
  connect(): Promise<Json>;
  push(instance: Json, resources: unknown[], extra?: Record<string, unknown>): Promise<Answer>;
  close(): Promise<void>;
}

/** An inbound WhatsApp message as the bridge would push it: wamid as external_id, one thread per customer. */
export function resource(externalId: string, overrides: Record<string, unknown> = {}): Json {
  return {
    external_id: externalId,
    message: `Message ${externalId}`,
    thread_id: 'whatsapp:+819012345678',
    created_at: '2026-12-05T10:00:00Z',
    author: { external_id: 'whatsapp:+819012345678', name: 'Hanako Yamada', locale: 'ja' },
    allow_channelback: true,
    ...overrides,
  };
}

export async function startZendeskHarness(knobs: Partial<ZendeskKnobs> = {}, allowPlainHttp = true): Promise<ZendeskHarness> {
  const behaviour: IntegrationBehaviour = {
    manifest: defaultManifest,
    adminPage: (form) => autoSubmitPage(form),
    pull: () => ({ status: 200, body: { external_resources: [] } }),
    channelback: (_form, index) => ({ status: 200, body: { external_id: `wamid.reply-${index}`, allow_channelback: true } }),
  };
  const integration = await StandIn.start((app, standIn) => {
    app.get('/manifest', (_request, response) => {
      response.json(behaviour.manifest(standIn().url));
    });
    app.post('/admin_ui', (_request, response) => {
      response.type('html').send(behaviour.adminPage(standIn().requests('/admin_ui').at(-1)!.form));
    });
    const answerWith = (path: string, pick: () => IntegrationBehaviour['pull']) =>
      app.post(path, (_request, response) => {
        const requests = standIn().requests(path);
        const given = pick()(requests.at(-1)!.form, requests.length - 1);
        if (given.hangUp === true) return void response.socket?.destroy();
        response.status(given.status).set(given.headers ?? {});
        if (typeof given.body === 'string') response.send(given.body);
        else response.json(given.body);
      });
    answerWith('/pull', () => behaviour.pull);
    answerWith('/channelback', () => behaviour.channelback);
    app.post('/events', (_request, response) => {
      response.status(200).end();
    });
    app.get('/files/:name', (request, response) => {
      if (request.params.name === 'missing.png') return void response.status(404).end();
      response.type('image/png').send(pixelPng);
    });
  });
  const sandbox = createZendeskSandbox({
    allowPlainHttp,
    knobs: { pullIntervalMs: 0, retryDelayMsInitial: 5, retryDelayMsMax: 20, ...knobs },
  });
  const running = await sandbox.listen(0, '127.0.0.1');
  const control: ZendeskHarness['control'] = (method, path, body) => call(`${running.url}${path}`, method, body);
  const api: ZendeskHarness['api'] = (method, path, body, token) =>
    call(`${running.url}${path}`, method, body, token === null ? {} : { Authorization: `Bearer ${token}` });
  return {
    sandbox,
    integration,
    behaviour,
    url: running.url,
    control,
    api,
    async connect() {
      const installed = await control('POST', '/sandbox/integrations', { manifest_url: `${integration.url}/manifest` });
      if (installed.status !== 201) throw new Error(`install failed: ${installed.text}`);
      const visit = await control('POST', `/sandbox/integrations/${installed.body.id}/instances`, { auto_submit: true });
      if (visit.body?.instance == null) throw new Error(`admin UI failed: ${visit.text}`);
      return visit.body.instance;
    },
    push: (instance, resources, extra = {}) =>
      api(
        'POST',
        '/api/v2/any_channel/push',
        { instance_push_id: instance.instance_push_id, external_resources: resources, ...extra },
        instance.zendesk_access_token,
      ),
    async close() {
      await running.close();
      await integration.close();
    },
  };
}
