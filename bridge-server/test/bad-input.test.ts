import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalsLeaving } from '../../test/support/problems.js';
import { backends } from './support/backends.js';
import { deploymentRequest, type HttpAnswer, startTestBridge, type TestBridge } from './support/bridge.js';
import { inboundText, metaJson, metaSignature } from './support/meta.js';

const runNode = (args: string[]) => promisify(execFile)(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });

/*
 * Inputs found by trying to break the bridge (issue 16): each one used to answer 500 or store something other
 * than what was sent. Each must now be a problem+json 4xx with a stable code, and leave nothing stored.
 */
describe.each(backends)('bad input on $name', (backend) => {
  let bridge: TestBridge;
  interface Tenant {
    accountId: string;
    deploymentId: string;
    phoneNumberId: string;
    appSecret: string;
    token: string;
  }
  const tenant = { a: {} as Tenant, b: {} as Tenant };
  const db = () => bridge.bridge.database.db;
  type CountedTable =
    | 'accounts'
    | 'consents'
    | 'wallet_entries'
    | 'webhook_events'
    | 'account_optin_settings'
    | 'account_pricing_settings';
  const countOf = async (table: CountedTable) =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow()
      ).count,
    );
  const storedState = async () => ({
    accounts: await countOf('accounts'),
    consents: await countOf('consents'),
    wallet: await countOf('wallet_entries'),
    webhooks: await countOf('webhook_events'),
    optinSettings: await countOf('account_optin_settings'),
    pricingSettings: await countOf('account_pricing_settings'),
  });
  const expectRefused = refusalsLeaving(storedState);
  /** A request with raw bytes and headers, as a client that does not go through fetch's string bodies would send it. */
  async function raw(method: string, path: string, body: Uint8Array, headers: Record<string, string>): Promise<HttpAnswer> {
    const response = await fetch(`${bridge.url}${path}`, { method, headers, body });
    const text = await response.text();
    const isJson = /json/.test(response.headers.get('content-type') ?? '');
    return { status: response.status, headers: response.headers, body: isJson && text ? JSON.parse(text) : text };
  }

  beforeAll(async () => {
    bridge = await startTestBridge(backend);
    for (const [key, name] of [
      ['a', 'Acme'],
      ['b', 'Globex'],
    ] as const) {
      const account = await bridge.request('POST', '/v1/accounts', { json: { name } });
      const request = deploymentRequest(account.body.id);
      bridge.metaKnows(request);
      const deployment = await bridge.request('POST', '/v1/deployments', { json: request });
      const installation = await bridge.request('POST', `/v1/deployments/${deployment.body.id}/installations`, {
        json: { helpdesk: 'zendesk', instance: `${name.toLowerCase()}.zendesk.com` },
      });
      tenant[key] = {
        accountId: account.body.id,
        deploymentId: deployment.body.id,
        phoneNumberId: String(request.phone_number_id),
        appSecret: String(request.app_secret),
        token: installation.body.token,
      };
    }
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it('answers a path parameter with bad percent-encoding with 400 invalid_url, with or without a token', async () => {
    await expectRefused('invalid_url', 400, () => bridge.request('GET', '/v1/accounts/%zz', { token: null }));
    await expectRefused('invalid_url', 400, () => bridge.request('GET', '/v1/accounts/%zz'));
    await expectRefused('invalid_url', 400, () =>
      bridge.request('GET', '/v1/contacts/%E0%A4%A/status', { token: tenant.a.token }),
    );
    await expectRefused('invalid_url', 400, () =>
      bridge.request('POST', '/v1/webhooks/meta/%zz', {
        token: null,
        body: '{}',
        headers: { 'content-type': 'application/json' },
      }),
    );
  });

  it('refuses a Content-Encoding the body does not have (400) and one the bridge does not support (415)', async () => {
    const json = new TextEncoder().encode(JSON.stringify({ name: 'Initech' }));
    const send = (encoding: string, body: Uint8Array = json) =>
      raw('POST', '/v1/accounts', body, {
        authorization: `Bearer ${bridge.adminToken}`,
        'content-type': 'application/json',
        'content-encoding': encoding,
      });
    await expectRefused('invalid_content_encoding', 400, () => send('gzip'));
    await expectRefused('invalid_content_encoding', 400, () => send('br'));
    await expectRefused('invalid_content_encoding', 400, () => send('deflate'));
    await expectRefused('unsupported_content_encoding', 415, () => send('compress'));
    // Raw bodies (the consent import, Meta's webhooks) are read by another parser: the same answers.
    await expectRefused('invalid_content_encoding', 400, () =>
      raw('POST', '/v1/consents/import', json, {
        authorization: `Bearer ${tenant.a.token}`,
        'content-type': 'text/csv',
        'content-encoding': 'gzip',
      }),
    );
    // A body that is compressed as it says is read as usual.
    const created = await send('gzip', gzipSync(json));
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('Initech');
  });

  /**
   * Asks /healthz again and again, each time as soon as the last answer came, until `work` settles: how many answers
   * came while it ran, and the slowest (printed, not asserted: timings belong to benchmarks).
   */
  async function healthzWhile(work: Promise<unknown>): Promise<{ answersDuring: number; slowestMs: number }> {
    let done = false;
    void work.finally(() => {
      done = true;
    });
    let slowestMs = 0;
    let answersDuring = 0;
    while (!done) {
      const startedMs = performance.now();
      expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
      if (!done) answersDuring += 1;
      slowestMs = Math.max(slowestMs, performance.now() - startedMs);
    }
    return { answersDuring, slowestMs };
  }

  /** POSTs `blankLineCount` line feeds as text/csv from a child process, and returns the answer. */
  async function postFromAnotherProcess(path: string, blankLineCount: number, token: string): Promise<HttpAnswer> {
    const script = `
      const body = new Uint8Array(${blankLineCount}).fill(10);
      fetch(${JSON.stringify(`${bridge.url}${path}`)}, {
        method: 'POST',
        headers: { authorization: ${JSON.stringify(`Bearer ${token}`)}, 'content-type': 'text/csv' },
        body,
      }).then(async (response) => {
        process.stdout.write(JSON.stringify({ status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() }));
      });`;
    const { stdout } = await runNode(['-e', script]);
    const answer = JSON.parse(stdout) as { status: number; headers: Record<string, string>; body: string };
    const headers = new Headers(answer.headers);
    const isJson = /json/.test(headers.get('content-type') ?? '');
    return { status: answer.status, headers, body: isJson ? JSON.parse(answer.body) : answer.body };
  }

  it('stops reading a consent file of 30 MB of blank lines at the line limit, and keeps answering /healthz', async () => {
    const heapBeforeBytes = process.memoryUsage().heapUsed;
    const startedMs = performance.now();
    // Sent from another process, so that building and sending 30 MB does not count against the bridge's turns.
    const importing = expectRefused('invalid_consent_file', 422, () =>
      postFromAnotherProcess('/v1/consents/import', 30 * 1024 * 1024, tenant.a.token),
    );
    const { answersDuring, slowestMs: slowestHealthzMs } = await healthzWhile(importing);
    const problem = await importing;
    const tookMs = performance.now() - startedMs;
    const heapGrowthBytes = process.memoryUsage().heapUsed - heapBeforeBytes;
    console.info(
      `30 MB of blank lines: refused in ${tookMs.toFixed(0)} ms, /healthz answered ${answersDuring} times meanwhile ` +
        `(slowest ${slowestHealthzMs.toFixed(1)} ms), ` +
        `heap growth ${(heapGrowthBytes / 1024 / 1024).toFixed(1)} MB (the 30 MB body included)`,
    );
    expect(problem.errors).toEqual([expect.objectContaining({ code: 'too_many_rows' })]);
    // Before, 5 MB held the event loop until the whole body was parsed: /healthz could not answer during the import.
    // Read in turns, the bridge answers other requests between them (the time it takes is printed above).
    expect(answersDuring).toBeGreaterThan(1);
  });

  it('imports a large valid consent file read in pieces (gzip too) while /healthz keeps answering', async () => {
    const header = 'phone,topic,state,source,evidence,occurred_at';
    const rows = Array.from(
      { length: 20_000 },
      (_, index) =>
        `+8190${10_000_000 + index},utility,opted_in,checkout,"I agree to receive updates from Acme on WhatsApp",2025-12-01T10:00:00Z`,
    );
    const file = new TextEncoder().encode([header, ...rows].join('\r\n'));
    const consentsBefore = await countOf('consents');
    const startedMs = performance.now();
    const importing = raw('POST', '/v1/consents/import', gzipSync(file), {
      authorization: `Bearer ${tenant.a.token}`,
      'content-type': 'text/csv',
      'content-encoding': 'gzip',
    });
    const { answersDuring, slowestMs: slowestHealthzMs } = await healthzWhile(importing);
    const answer = await importing;
    console.info(
      `20,000 rows (${(file.length / 1024 / 1024).toFixed(1)} MB, gzip): imported in ${(performance.now() - startedMs).toFixed(0)} ms, ` +
        `/healthz answered ${answersDuring} times meanwhile (slowest ${slowestHealthzMs.toFixed(1)} ms)`,
    );
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ imported: 20_000 });
    expect(await countOf('consents')).toBe(consentsBefore + 20_000);
  });

  it('refuses invalid UTF-8 in a JSON body instead of storing replacement characters', async () => {
    // "Caf\xe9": Latin-1, not UTF-8.
    const latin1 = Uint8Array.from([...new TextEncoder().encode('{"name":"Caf'), 0xe9, ...new TextEncoder().encode('"}')]);
    const answer = await expectRefused('invalid_json', 400, () =>
      raw('POST', '/v1/accounts', latin1, { authorization: `Bearer ${bridge.adminToken}`, 'content-type': 'application/json' }),
    );
    expect(answer.detail).toMatch(/UTF-8/);
  });

  it('refuses U+0000 and lone surrogates in any text that would reach the database (422 validation_failed)', async () => {
    const admin = (method: string, path: string, json: unknown) => bridge.request(method, path, { json });
    const installation = (method: string, path: string, json?: unknown) =>
      bridge.request(method, path, { token: tenant.a.token, ...(json === undefined ? {} : { json }) });
    const nul = 'Acme\u0000Corp';
    const issue = (path: string) => ({
      errors: expect.arrayContaining([expect.objectContaining({ path, code: 'invalid_text' })]),
    });
    expect(await expectRefused('validation_failed', 422, () => admin('POST', '/v1/accounts', { name: nul }))).toMatchObject(
      issue('body.name'),
    );
    expect(
      await expectRefused('validation_failed', 422, () => admin('POST', '/v1/accounts', { name: 'Acme \ud800 Corp' })),
    ).toMatchObject(issue('body.name'));
    expect(
      await expectRefused('validation_failed', 422, () =>
        installation('POST', `/v1/contacts/${encodeURIComponent('+819011112222')}/consents`, {
          topic: 'utility',
          state: 'opted_in',
          source: 'website_form',
          evidence: `I agree to receive updates from Acme on WhatsApp.${nul}`,
        }),
      ),
    ).toMatchObject(issue('body.evidence'));
    expect(
      await expectRefused('validation_failed', 422, () =>
        installation('PUT', '/v1/optin-topics', { topics: [{ id: 'newsletter', label: `News${nul}` }], template_rules: [] }),
      ),
    ).toMatchObject(issue('body.topics[0].label'));
    expect(
      await expectRefused('validation_failed', 422, () =>
        admin('POST', '/v1/wallet/adjustments', {
          account_id: tenant.a.accountId,
          points: 10,
          reason: `goodwill${nul}`,
          reference: 'adj-nul-1',
        }),
      ),
    ).toMatchObject({ code: 'validation_failed' });
    expect(
      await expectRefused('validation_failed', 422, () =>
        installation('POST', '/v1/messages', {
          to: '+819011112222',
          text: { body: `hello${nul}` },
          ticket: { helpdesk: 'zendesk', id: `1${nul}` },
        }),
      ),
    ).toMatchObject({ code: 'validation_failed' });
    expect(
      await expectRefused('validation_failed', 422, () =>
        bridge.request('GET', `/v1/consents/export?topic=${encodeURIComponent(nul)}`, { token: tenant.a.token }),
      ),
    ).toMatchObject(issue('query.topic'));
  });

  it('bounds what a purchase may be priced at, so that the largest purchase the contract accepts is exact', async () => {
    const admin = (method: string, path: string, json: unknown) => bridge.request(method, path, { json });
    await expectRefused('validation_failed', 422, () =>
      admin('PUT', '/v1/wallet/settings', {
        account_id: tenant.b.accountId,
        currency: 'JPY',
        point_price_minor: Number.MAX_SAFE_INTEGER,
        point_value_micro_usd: 1_000,
      }),
    );
    // The extremes the contract accepts: every amount of the receipt is exact.
    const settings = await admin('PUT', '/v1/wallet/settings', {
      account_id: tenant.b.accountId,
      currency: 'JPY',
      point_price_minor: 1_000_000,
      fee_percent_basis_points: 10_000,
      tax_rate_basis_points: 10_000,
      point_value_micro_usd: 1_000_000_000,
    });
    expect(settings.status).toBe(200);
    const purchase = await admin('POST', '/v1/wallet/purchases', {
      account_id: tenant.b.accountId,
      points: 1_000_000_000,
      payment_reference: 'largest-purchase',
    });
    expect(purchase.status).toBe(201);
    const subtotal = 1_000_000_000 * 1_000_000;
    expect(purchase.body).toMatchObject({ subtotal, fee: subtotal, tax: 2 * subtotal, total: 4 * subtotal });
    expect(Number.isSafeInteger(purchase.body.total)).toBe(true);
  });

  it('refuses a webhook signed by one deployment that names the number of another, and counts it', async () => {
    const body = metaJson(inboundText(tenant.b.phoneNumberId, { waId: '819011112222', id: 'wamid.FOREIGN1', at: new Date() }));
    const metricBefore = await foreignMetric();
    await expectRefused('foreign_phone_number', 403, () =>
      bridge.request('POST', `/v1/webhooks/meta/${tenant.a.deploymentId}`, {
        token: null,
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, tenant.a.appSecret) },
      }),
    );
    expect(await foreignMetric()).toBe(metricBefore + 1);
    // The same event for A's own number is taken.
    const own = metaJson(inboundText(tenant.a.phoneNumberId, { waId: '819011112222', id: 'wamid.OWN1', at: new Date() }));
    const taken = await bridge.request('POST', `/v1/webhooks/meta/${tenant.a.deploymentId}`, {
      token: null,
      body: own,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(own, tenant.a.appSecret) },
    });
    expect(taken.status).toBe(200);
    // Nor can a malformed change carry B's number past the check: the frame names it, whether or not it parses.
    const stored = await countOf('webhook_events');
    const hidden = metaJson({
      object: 'whatsapp_business_account',
      entry: [{ id: 'waba', changes: [{ field: 'messages', value: { metadata: { phone_number_id: tenant.b.phoneNumberId } } }] }],
    });
    await expectRefused('foreign_phone_number', 403, () =>
      bridge.request('POST', `/v1/webhooks/meta/${tenant.a.deploymentId}`, {
        token: null,
        body: hidden,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(hidden, tenant.a.appSecret) },
      }),
    );
    expect(await countOf('webhook_events')).toBe(stored);
  });

  it('keeps a customer message with U+0000 or a lone surrogate, cleaned to U+FFFD, instead of failing it until dead-lettered', async () => {
    const body = metaJson(
      inboundText(tenant.a.phoneNumberId, {
        waId: '819011113333',
        name: 'Ann\uD800',
        id: 'wamid.NUL1',
        at: new Date(),
        text: 'Hi\u0000there \uDC00!',
      }),
    );
    expect(body).toContain('\\u0000');
    const answer = await bridge.request('POST', `/v1/webhooks/meta/${tenant.a.deploymentId}`, {
      token: null,
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, tenant.a.appSecret) },
    });
    expect(answer.status).toBe(200);
    await bridge.bridge.processor.drain();
    const stored = await db()
      .selectFrom('inbound_messages')
      .innerJoin('webhook_events', 'webhook_events.id', 'inbound_messages.webhook_event_id')
      .select(['text_body', 'webhook_events.last_error', 'webhook_events.processed_at', 'webhook_events.body'])
      .where('wamid', '=', 'wamid.NUL1')
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ text_body: 'Hi\uFFFDthere \uFFFD!', last_error: null });
    expect(stored.processed_at).not.toBeNull();
    // The body is kept as Meta sent it.
    expect(Buffer.from(stored.body ?? []).toString('utf8')).toBe(body);
    const contact = await db()
      .selectFrom('contacts')
      .select('profile_name')
      .where('wa_id', '=', '819011113333')
      .executeTakeFirst();
    expect(contact?.profile_name).toBe('Ann\uFFFD');
  });

  async function foreignMetric(): Promise<number> {
    const metrics = await bridge.request('GET', '/metrics');
    const line = String(metrics.body)
      .split('\n')
      .find((text) => text.startsWith('wabridge_webhooks_foreign_number_total'));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  }
});
