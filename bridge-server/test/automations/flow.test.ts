import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, sandboxControl } from '../../../test/support/sandbox.js';
import { zendeskSignature } from '../../src/automations/zendesk-signature.js';
import type { ListeningServer } from '../../src/sandboxes/common/server.js';
import { createZendeskSandbox, type ZendeskSandbox } from '../../src/sandboxes/zendesk/sandbox.js';
import { createZohoDeskSandbox, type ZohoDeskSandbox } from '../../src/sandboxes/zoho-desk/sandbox.js';
import { backends } from '../support/backends.js';
import { type SandboxBridge, startSandboxBridge } from '../support/sandbox-bridge.js';
import { orderConfirmationTemplate, utilityConsent } from '../support/wallet.js';

/**
 * The whole path of a helpdesk automation: a Zendesk trigger's signed webhook (or a Zoho Desk workflow rule's call)
 * → the bridge accepts it once → the send job sends through the agent's pipeline to the Meta sandbox → Meta's
 * statuses come back → the note job writes the outcome as an internal note on the fake helpdesk's ticket.
 */

/** The signing secret of Zendesk's own verification example (https://developer.zendesk.com/documentation/webhooks/verifying/). */
const webhookSecret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';

describe.each(backends)('helpdesk automations on $name', (backend) => {
  let world: SandboxBridge;
  let zendesk: ZendeskSandbox;
  let zendeskServer: ListeningServer;
  let zoho: ZohoDeskSandbox;
  let zohoServer: ListeningServer;
  let host: string;
  let zohoToken: string;
  const db = () => world.bridge.bridge.database.db;
  const jobs = () => world.bridge.bridge.jobs;
  const zd = (method: string, path: string, body?: unknown) => sandboxControl(zendeskServer.url, method, path, body);
  const zh = (method: string, path: string, body?: unknown) => sandboxControl(zohoServer.url, method, path, body);
  const customer = '+818012345670';

  /** A Zendesk ticket whose requester is `phone`. */
  const zendeskTicket = async (subject = 'Order ORD-1') => String((await zd('POST', '/sandbox/tickets', { subject })).id);
  /** The ticket's internal notes, as an agent sees them. */
  const notesOn = async (ticketId: string): Promise<Json[]> =>
    (await zd('GET', `/sandbox/tickets/${ticketId}`)).comments.filter((comment: Json) => !comment.public);
  /** What Meta (the sandbox) accepted for this number's customers. */
  const metaMessages = async (): Promise<Json[]> =>
    (await world.control('GET', `/sandbox/messages?phone_number_id=${world.deployment.phone_number_id}`)).data;

  /** A delivery as our trigger renders it. */
  const delivery = (ticketId: string, overrides: Record<string, unknown> = {}) => ({
    ticket_url: `${host}/agent/tickets/${ticketId}`,
    ticket_id: ticketId,
    ticket_updated_at: `2026-12-05T20:00:0${Math.floor(Math.random() * 10)}Z-${randomUUID()}`,
    automation: 'wa_send_order_confirmation',
    phone: customer,
    template: orderConfirmationTemplate.name,
    language: orderConfirmationTemplate.language,
    parameters: orderConfirmationTemplate.parameters,
    ...overrides,
  });
  /** Posts a delivery as Zendesk does: the exact bytes, signed with the secret at `timestamp`. */
  const deliver = (body: unknown, options: { secret?: string; timestamp?: string; bytes?: string } = {}) => {
    const text = options.bytes ?? JSON.stringify(body);
    const timestamp = options.timestamp ?? new Date().toISOString();
    return world.bridge.request('POST', '/v1/automations/zendesk', {
      token: null,
      body: text,
      headers: {
        'content-type': 'application/json',
        'x-zendesk-webhook-signature': zendeskSignature(options.secret ?? webhookSecret, timestamp, text),
        'x-zendesk-webhook-signature-timestamp': timestamp,
      },
    });
  };
  /**
   * Lets every job run to its end: sends, Meta's statuses, notes. A note job that ran while its message was still
   * waiting for Meta's answer is retried a second later: its time is brought forward in the database, no sleep.
   */
  const runAll = async () => {
    await jobs().drain();
    await world.settle();
    await db()
      .updateTable('jobs')
      .set({ next_attempt_at: sql`now()` })
      .where('kind', '=', 'helpdesk_note')
      .where('status', '=', 'queued')
      .where('last_error', 'like', '%waiting for Meta%')
      .execute();
    await jobs().drain();
  };

  beforeAll(async () => {
    world = await startSandboxBridge(backend);
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
    const accountId = (await world.bridge.request('GET', '/v1/accounts', { token: world.token })).body.data[0].id;
    const settings = await world.bridge.request('PUT', '/v1/wallet/settings', {
      json: {
        account_id: accountId,
        currency: 'JPY',
        point_price_minor: 3,
        tax_rate_basis_points: 1_000,
        point_value_micro_usd: 1_000,
      },
    });
    expect(settings.status).toBe(200);
    const bought = await world.bridge.request('POST', '/v1/wallet/purchases', {
      json: { account_id: accountId, points: 1_000, payment_reference: `pay_${randomUUID()}` },
    });
    expect(bought.status).toBe(201);
    const consent = await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(customer)}/consents`, {
      token: world.token,
      json: utilityConsent(),
    });
    expect(consent.status).toBe(201);

    zendesk = createZendeskSandbox({ allowPlainHttp: true, knobs: { pullIntervalMs: 0 } });
    zendeskServer = await zendesk.listen(0);
    zoho = createZohoDeskSandbox({ knobs: { pullIntervalMs: 0 } });
    zohoServer = await zoho.listen(0);

    const installations = await db()
      .selectFrom('installations')
      .select(['id', 'instance'])
      .where('deployment_id', '=', world.deployment.id)
      .execute();
    const zendeskInstallation = installations[0]!;
    host = zendeskInstallation.instance;
    const apiToken = await zd('POST', '/sandbox/api-tokens', { email: 'wabridge@acme.test' });
    const connected = await world.bridge.request('PUT', `/v1/installations/${zendeskInstallation.id}/helpdesk-connection`, {
      json: {
        api_url: zendeskServer.url,
        locale: 'en',
        zendesk: { email: apiToken.email, api_token: apiToken.token, webhook_secret: webhookSecret },
      },
    });
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ helpdesk: 'zendesk', webhook_secret_set: true, locale: 'en' });
    expect(JSON.stringify(connected.body)).not.toContain(apiToken.token);
    expect(JSON.stringify(connected.body)).not.toContain(webhookSecret);

    const zohoInstallation = await world.bridge.request('POST', `/v1/deployments/${world.deployment.id}/installations`, {
      json: { helpdesk: 'zoho', instance: '60001234567' },
    });
    zohoToken = zohoInstallation.body.token;
    const client = await zh('POST', '/sandbox/oauth/clients');
    const zohoConnected = await world.bridge.request('PUT', `/v1/installations/${zohoInstallation.body.id}/helpdesk-connection`, {
      json: { api_url: zohoServer.url, locale: 'ja', zoho: { accounts_url: zohoServer.url, ...client } },
    });
    expect(zohoConnected.status).toBe(200);
  });
  afterAll(async () => {
    await zendeskServer?.close();
    await zohoServer?.close();
    zendesk?.stop();
    zoho?.stop();
    await world?.close();
  });

  it('keeps helpdesk credentials and the webhook secret sealed at rest', async () => {
    const rows = await db().selectFrom('helpdesk_connections').selectAll().execute();
    for (const row of rows) {
      expect(row.credentials_sealed).toMatch(/^v1\./);
      expect(row.credentials_sealed).not.toContain('wabridge@acme.test');
    }
    expect(rows.find((row) => row.webhook_secret_sealed !== null)?.webhook_secret_sealed).not.toContain(webhookSecret);
    expect(world.bridge.logs()).not.toContain(webhookSecret);
  });

  it('refuses deliveries Zendesk did not sign: wrong secret, stale, tampered, unsigned, another account', async () => {
    const ticketId = await zendeskTicket();
    const body = delivery(ticketId);
    const before = await world.bridge.counts();
    const wrong = await deliver(body, { secret: 'another-tenant-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'invalid_automation_signature' });
    const stale = await deliver(body, { timestamp: new Date(Date.now() - 6 * 60_000).toISOString() });
    expect(stale.body).toMatchObject({ code: 'invalid_automation_signature', detail: expect.stringContaining('5 minutes') });
    const timestamp = new Date().toISOString();
    const signed = JSON.stringify(body);
    const tampered = await world.bridge.request('POST', '/v1/automations/zendesk', {
      token: null,
      body: signed.replace(customer, '+818012345679'),
      headers: {
        'content-type': 'application/json',
        'x-zendesk-webhook-signature': zendeskSignature(webhookSecret, timestamp, signed),
        'x-zendesk-webhook-signature-timestamp': timestamp,
      },
    });
    expect(tampered.status).toBe(401);
    const unsigned = await world.bridge.request('POST', '/v1/automations/zendesk', { token: null, json: body });
    expect(unsigned.status).toBe(401);
    // Another Zendesk account (no installation of ours there) cannot borrow this tenant's secret.
    const foreign = await deliver({ ...body, ticket_url: `other.zendesk.com/agent/tickets/${ticketId}` });
    expect(foreign.status).toBe(401);
    expect(await world.bridge.counts()).toEqual(before);
    // A signed body that is not a valid delivery is a validation problem, by field.
    const invalid = await deliver({ ...body, template: 'Order Update!' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ path: 'body.template' })]);
  });

  it('sends once per delivery, through Meta, and notes the template and its points on the ticket', async () => {
    const ticketId = await zendeskTicket();
    const body = delivery(ticketId);
    const sentBefore = (await metaMessages()).length;
    const first = await deliver(body);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ state: 'queued', ticket_id: ticketId, automation: 'wa_send_order_confirmation' });
    // Zendesk retries the same delivery (signed afresh): the same run answers, nothing new is queued.
    const repeat = await deliver(body);
    expect(repeat.status).toBe(202);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body.id).toBe(first.body.id);
    await runAll();
    // Once the job ran, a further repeat still sends nothing.
    expect((await deliver(body)).body).toMatchObject({ id: first.body.id, state: 'sent' });
    await runAll();

    const sent = (await metaMessages()).slice(sentBefore);
    expect(sent).toHaveLength(1);
    const history = await world.bridge.request('GET', `/v1/messages?ticket_helpdesk=zendesk&ticket_id=${ticketId}`, {
      token: world.token,
    });
    expect(history.body.data).toHaveLength(1);
    const message = history.body.data[0];
    expect(message).toMatchObject({
      source: 'zendesk_automation',
      automation: 'wa_send_order_confirmation',
      template: { name: 'order_confirmation' },
      state: 'accepted',
    });
    expect(['delivered', 'read']).toContain(message.status);
    const notes = await notesOn(ticketId);
    expect(notes).toHaveLength(1);
    expect(notes[0].body).toBe(
      `WhatsApp (wabridge): Template order_confirmation sent — ${message.charge.points} points (automation: wa_send_order_confirmation)`,
    );
    expect(message.charge.points).toBeGreaterThan(0);
  });

  it('reads a national number on the ticket in the deployment’s country (its display number is Japanese)', async () => {
    const ticketId = await zendeskTicket();
    // The customer's +81 80-1234-5670 as a Japanese agent types it.
    expect((await deliver(delivery(ticketId, { phone: '080-1234-5670' }))).status).toBe(202);
    await runAll();
    const history = await world.bridge.request('GET', `/v1/messages?ticket_helpdesk=zendesk&ticket_id=${ticketId}`, {
      token: world.token,
    });
    expect(history.body.data).toEqual([expect.objectContaining({ to: customer, state: 'accepted' })]);
  });

  it('writes each refusal on the ticket and sends nothing', async () => {
    // Meta pauses a template (its quality dropped): the bridge learns it from Meta's webhook.
    await world.control('POST', `/sandbox/wabas/${world.deployment.waba_id}/template-status`, {
      name: 'payment_received',
      language: 'en',
      event: 'PAUSED',
      reason: 'LOW_QUALITY',
    });
    await world.settle();
    const sentBefore = (await metaMessages()).length;
    const stranger = '+818012345671';
    const cases: { overrides: Record<string, unknown>; note: string; history: string | null }[] = [
      {
        overrides: { phone: stranger },
        note: 'Not sent: no opt-in for utility',
        history: 'opt_in_required',
      },
      {
        overrides: { template: undefined, language: undefined, parameters: {}, text: 'Your order shipped' },
        note: 'Not sent: the 24-hour window is closed, so free text cannot be sent (use a template)',
        history: 'window_closed',
      },
      {
        overrides: { template: 'payment_received', language: 'en', parameters: { 'body.1': '$1', 'body.2': 'May 1' } },
        note: 'Not sent: template payment_received is PAUSED',
        history: 'template_not_approved',
      },
      {
        overrides: { phone: '' },
        note: 'Not sent: the requester has no valid WhatsApp number',
        history: null,
      },
    ];
    for (const { overrides, note, history } of cases) {
      const ticketId = await zendeskTicket();
      expect((await deliver(delivery(ticketId, overrides))).status).toBe(202);
      await runAll();
      const notes = await notesOn(ticketId);
      expect(notes.map((comment: Json) => comment.body)).toEqual([expect.stringContaining(note)]);
      const recorded = await world.bridge.request('GET', `/v1/messages?ticket_helpdesk=zendesk&ticket_id=${ticketId}`, {
        token: world.token,
      });
      if (history === null) expect(recorded.body.data).toEqual([]);
      else
        expect(recorded.body.data).toEqual([
          expect.objectContaining({
            state: 'failed',
            source: 'zendesk_automation',
            error: expect.objectContaining({ reason: history }),
          }),
        ]);
    }

    // Not enough points: the wallet is emptied by an operator's adjustment, then refilled.
    const wallet = (await world.bridge.request('GET', '/v1/wallet', { token: world.token })).body;
    const accountId = (await world.bridge.request('GET', '/v1/accounts', { token: world.token })).body.data[0].id;
    const adjust = (delta: number) =>
      db()
        .insertInto('wallet_entries')
        .values({
          account_id: accountId,
          kind: 'adjustment',
          balance_delta_points: delta,
          reserved_delta_points: 0,
          reason: 'test',
        })
        .execute();
    await adjust(-wallet.available);
    try {
      const ticketId = await zendeskTicket();
      expect((await deliver(delivery(ticketId))).status).toBe(202);
      await runAll();
      expect((await notesOn(ticketId)).map((comment: Json) => comment.body)).toEqual([
        expect.stringMatching(/Not sent: not enough points \(\d+ needed, 0 available\)/),
      ]);
    } finally {
      await adjust(wallet.available);
    }
    expect(await metaMessages()).toHaveLength(sentBefore);
  });

  it("honours the helpdesk's Retry-After and Zendesk's per-ticket update limit", async () => {
    const noteJobs = () => db().selectFrom('jobs').selectAll().where('kind', '=', 'helpdesk_note').orderBy('id', 'desc').limit(1);
    const ticketId = await zendeskTicket();
    await zd('PUT', '/sandbox/faults/tickets', { mode: 'rate_limited', count: 1, retryAfterSeconds: 7 });
    expect((await deliver(delivery(ticketId, { phone: '' }))).status).toBe(202);
    await jobs().drain();
    const waiting = await noteJobs().executeTakeFirstOrThrow();
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1 });
    expect(waiting.last_error).toContain('429');
    // Retry-After: 7 seconds, on the database's clock.
    const { rows } = await sql<{ wait_ms: number }>`
      select extract(epoch from next_attempt_at - updated_at)::float8 * 1000 as wait_ms from jobs where id = ${waiting.id}`.execute(
      db(),
    );
    expect(Number(rows[0]!.wait_ms)).toBeGreaterThanOrEqual(7_000);
    // Its time comes (aged in the database, no sleep): the note is written.
    await db().updateTable('jobs').set({ next_attempt_at: sql`now()` }).where('id', '=', waiting.id).execute();
    await jobs().drain();
    expect(await notesOn(ticketId)).toHaveLength(1);

    // Zendesk allows a user so many updates of one ticket per 10 minutes: past it, 429 until the window moves on.
    await zd('PUT', '/sandbox/knobs', { ticketUpdatesPerTenMinutes: 1 });
    try {
      expect((await deliver(delivery(ticketId, { phone: '' }))).status).toBe(202);
      await jobs().drain();
      const limited = await noteJobs().executeTakeFirstOrThrow();
      expect(limited.status).toBe('queued');
      expect(limited.last_error).toContain('30 updates per 10 minutes');
      const { rows: limitedRows } = await sql<{ wait_ms: number }>`
        select extract(epoch from next_attempt_at - updated_at)::float8 * 1000 as wait_ms from jobs where id = ${limited.id}`.execute(
        db(),
      );
      expect(Number(limitedRows[0]!.wait_ms)).toBeGreaterThan(60_000);
      expect(await notesOn(ticketId)).toHaveLength(1);
    } finally {
      await zd('PUT', '/sandbox/knobs', { ticketUpdatesPerTenMinutes: 30 });
    }
  });

  it('takes Zoho Desk workflow rules with the installation token and comments the outcome in Japanese', async () => {
    const ticket = await zh('POST', '/sandbox/tickets', { subject: '注文 ORD-2', phone: customer });
    const body = {
      ticket_id: ticket.id,
      ticket_modified_at: ticket.modifiedTime,
      automation: 'order_update',
      phone: customer,
      template: orderConfirmationTemplate.name,
      language: orderConfirmationTemplate.language,
      parameters: orderConfirmationTemplate.parameters,
    };
    const call = (token: string) => world.bridge.request('POST', '/v1/automations/zoho', { token, json: body });
    // A Zendesk installation's token is not a Zoho Desk installation's.
    expect((await call(world.token)).body).toMatchObject({ code: 'installation_required' });
    expect((await world.bridge.request('POST', '/v1/automations/zoho', { token: null, json: body })).status).toBe(401);
    const accepted = await call(zohoToken);
    expect(accepted.status).toBe(202);
    const repeat = await call(zohoToken);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    await runAll();
    const comments = (await zh('GET', `/sandbox/tickets/${ticket.id}`)).comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ isPublic: false });
    expect(comments[0].content).toMatch(
      /^WhatsApp（wabridge）: テンプレート order_confirmation を送信しました — \d+ ポイント（自動化: order_update）$/,
    );
    const history = await world.bridge.request('GET', `/v1/messages?ticket_helpdesk=zoho&ticket_id=${ticket.id}`, {
      token: zohoToken,
    });
    expect(history.body.data).toEqual([expect.objectContaining({ source: 'zoho_workflow', automation: 'order_update' })]);
  });
});
