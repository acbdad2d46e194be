import { randomBytes, randomUUID } from 'node:crypto';
import { ControlError } from '../../meta-sandbox/control-errors.js';
import { findForm, formsOf } from '../common/html-form.js';
import type { OutboundError } from '../common/outbound.js';
import { isoNow, type ZendeskContext } from './context.js';
import { emitEvent } from './events.js';
import { returnPostSchema } from './schemas.js';
import type { Instance, Integration, PendingSetup } from './state.js';

/** How much of the admin UI's page the control API hands back (enough to read a form, bounded for memory). */
const adminPageCharactersMax = 64 * 1024;
/** Pages of its own (a sign-in, a choice) an admin UI may show before posting back to the return_url. */
const adminPagesMax = 3;

/** Fetches and validates an integration's manifest, as Zendesk does when the app that declares it is installed. */
export async function registerIntegration(context: ZendeskContext, manifestUrl: string): Promise<Integration> {
  let answer: Awaited<ReturnType<ZendeskContext['outbound']['request']>>;
  try {
    answer = await context.outbound.request(manifestUrl, { timeoutMs: context.knobs.outboundTimeoutMs, bytesMax: 1024 * 1024 });
  } catch (error) {
    throw new ControlError(502, 'manifest_unreachable', `GET ${manifestUrl} failed: ${(error as OutboundError).message}`);
  }
  if (answer.status !== 200)
    throw new ControlError(502, 'manifest_unreachable', `GET ${manifestUrl} answered HTTP ${answer.status}.`);
  const parsed = context.schemas.manifest.safeParse(answer.json());
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: ['manifest', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new ControlError(
      422,
      'manifest_invalid',
      `The manifest is invalid: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      issues,
    );
  }
  const integration: Integration = { id: parsed.data.id, manifestUrl, manifest: parsed.data, registeredAt: isoNow(context) };
  context.state.integrations.set(integration.id, integration);
  return integration;
}

export function returnUrlOf(context: ZendeskContext, setup: PendingSetup): string {
  return `${context.publicUrl()}/zendesk/channels/integration_service_instances/editor_finalizer/${setup.token}`;
}

export interface AdminUiVisit {
  return_url: string;
  /** What the admin UI answered: the page Zendesk would show in its iframe. */
  admin_ui: { http_status: number; content_type: string | null; body: string };
  /** The account, when the page's form was submitted automatically and accepted. */
  instance?: Instance;
  auto_submit_error?: string;
}

/**
 * An administrator opens the integration's admin UI to add an account (or edit one): Zendesk POSTs the documented
 * form (name, metadata, state, return_url, subdomain, locale, instance_push_id and, when the manifest has a
 * push_client_id, zendesk_access_token) to `admin_ui` and shows the answer in an iframe. With `autoSubmit` the
 * sandbox plays the browser and submits the page's form aimed at the return_url.
 */
export async function visitAdminUi(
  context: ZendeskContext,
  integration: Integration,
  options: { instance?: Instance; locale: string; autoSubmit: boolean; fill?: Record<string, string> },
): Promise<AdminUiVisit> {
  const { instance } = options;
  const pushEnabled = integration.manifest.push_client_id !== undefined;
  const setup: PendingSetup = {
    token: randomBytes(16).toString('hex'),
    integrationId: integration.id,
    instanceId: instance?.id,
    pushId: instance?.pushId ?? randomUUID(),
    accessToken: pushEnabled ? (instance?.accessToken ?? randomBytes(32).toString('hex')) : undefined,
    locale: options.locale,
  };
  context.state.setups.set(setup.token, setup);
  const returnUrl = returnUrlOf(context, setup);
  const fields: Record<string, string> = {
    name: instance?.name ?? '',
    metadata: instance?.metadata ?? '',
    state: instance?.state ?? '',
    return_url: returnUrl,
    subdomain: context.subdomain,
    locale: options.locale,
    instance_push_id: setup.pushId,
    ...(setup.accessToken !== undefined ? { zendesk_access_token: setup.accessToken } : {}),
  };
  let answer: Awaited<ReturnType<ZendeskContext['outbound']['request']>>;
  try {
    answer = await context.outbound.postForm(integration.manifest.urls.admin_ui, fields, context.knobs.outboundTimeoutMs);
  } catch (error) {
    throw new ControlError(502, 'admin_ui_unreachable', `POST admin_ui failed: ${(error as OutboundError).message}`);
  }
  const body = answer.text().slice(0, adminPageCharactersMax);
  const visit: AdminUiVisit = {
    return_url: returnUrl,
    admin_ui: { http_status: answer.status, content_type: answer.headers.get('content-type'), body },
  };
  if (!options.autoSubmit) return visit;
  const form = await followAdminPages(context, { url: integration.manifest.urls.admin_ui, body }, returnUrl, options.fill);
  if ('error' in form) return { ...visit, auto_submit_error: form.error };
  const finished = completeSetup(context, setup.token, form.fields);
  return 'instance' in finished ? { ...visit, instance: finished.instance } : { ...visit, auto_submit_error: finished.error };
}

/**
 * Plays the admin in the iframe: until a page has a POST form aimed at the return_url, fills the page's first POST
 * form with `fill` (what the admin would type) and submits it to its action, as a browser would. Without `fill` only
 * the first page is read (the tutorial's self-submitting page).
 */
async function followAdminPages(
  context: ZendeskContext,
  first: { url: string; body: string },
  returnUrl: string,
  fill: Record<string, string> | undefined,
): Promise<{ fields: Record<string, string> } | { error: string }> {
  let page = first;
  for (let pageNumber = 1; ; pageNumber += 1) {
    const form = findForm(page.body, returnUrl);
    if (form !== undefined) {
      return form.method === 'post' ? { fields: form.fields } : { error: 'the form aimed at the return_url is not a POST' };
    }
    const next = formsOf(page.body).find((candidate) => candidate.method === 'post');
    if (fill === undefined || next === undefined || pageNumber >= adminPagesMax) {
      return { error: 'the page has no POST form aimed at the return_url' };
    }
    const action = new URL(next.action ?? page.url, page.url).toString();
    let answer: Awaited<ReturnType<ZendeskContext['outbound']['request']>>;
    try {
      answer = await context.outbound.postForm(action, { ...next.fields, ...fill }, context.knobs.outboundTimeoutMs);
    } catch (error) {
      return { error: `POST ${action} failed: ${(error as OutboundError).message}` };
    }
    if (answer.status !== 200) return { error: `POST ${action} answered HTTP ${answer.status}` };
    page = { url: action, body: answer.text().slice(0, adminPageCharactersMax) };
  }
}

/**
 * The admin UI's post-back to the return_url: `name` and `metadata` are required, `state` optional. A new account is
 * created (or the edited one updated) and becomes active; Zendesk pulls it from then on.
 */
export function completeSetup(context: ZendeskContext, token: string, body: unknown): { instance: Instance } | { error: string } {
  const setup = context.state.setups.get(token);
  if (setup === undefined) return { error: 'This setup link is unknown or was already used.' };
  const parsed = returnPostSchema.safeParse(body);
  if (!parsed.success)
    return { error: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') };
  context.state.setups.delete(token);
  const existing = setup.instanceId === undefined ? undefined : context.state.instances.get(setup.instanceId);
  if (existing !== undefined) {
    Object.assign(existing, { name: parsed.data.name, metadata: parsed.data.metadata, metadataNeedsUpdate: false });
    if (parsed.data.state !== undefined) existing.state = parsed.data.state;
    return { instance: existing };
  }
  const instance: Instance = {
    id: context.state.newId(),
    integrationId: setup.integrationId,
    name: parsed.data.name,
    metadata: parsed.data.metadata,
    state: parsed.data.state ?? '',
    pushId: setup.pushId,
    accessToken: setup.accessToken,
    active: true,
    metadataNeedsUpdate: false,
    createdAt: isoNow(context),
    pulls: [],
    queue: Promise.resolve(),
  };
  context.state.instances.set(instance.id, instance);
  emitEvent(context, instance, 'create_integration_instance', { metadata: instance.metadata });
  return { instance };
}

/** Removing an account: its push token stops working and nothing is pulled from it any more. */
export function destroyInstance(context: ZendeskContext, instance: Instance): void {
  if (!instance.active) return;
  instance.active = false;
  emitEvent(context, instance, 'destroy_integration_instance', { metadata: instance.metadata });
}
