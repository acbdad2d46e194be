import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../bridge-server/src/meta-sandbox/sandbox.js';
import { openDatabase } from '../bridge-server/src/storage/database.js';
import { auditWallets } from '../bridge-server/src/wallet/audit.js';
import { backends, type TestDatabase } from '../bridge-server/test/support/backends.js';
import { deploymentRequest, registerWithMeta } from '../bridge-server/test/support/bridge.js';
import { expectedPrices } from '../bridge-server/test/support/rates.js';
import { FrontDoor } from './support/front-door.js';
import { buildWorkspace, type KillableBridge, killHard, startKillableBridge, stopGracefully } from './support/killable-bridge.js';
import { waitFor } from './support/wait-for.js';

/*
 * kill -9 in the middle of paid sends (issue 6), with real processes: the bridge is its own process, killed with
 * SIGKILL while several helpdesk clients send paid templates, then restarted on the same storage. Each client
 * retries what went unanswered with the same Idempotency-Key, as a helpdesk does; the Meta sandbox retries its
 * status webhooks while the bridge is down, as Meta does (for up to 7 days; here for about half a minute).
 *
 * What must hold afterwards: Meta received every message once (a message is recorded before Meta is called, and
 * is never sent again); every message has at most one hold and one settlement; the wallet equals its ledger;
 * points are conserved; and every request ended with one definite answer that its key answers again.
 *
 * PGlite runs with fsync off: a kill -9 of the process (not a power cut of the machine) loses nothing the
 * operating system already has, which is what this test checks. PostgreSQL is killed nowhere: only its client is.
 */

/** Concurrent helpdesk clients; each sends one paid template after another, each with its own key. */
const clientCount = 6;
/** Recipients per client, cycled: few enough to opt in quickly, more than one so sends differ. */
const recipientsPerClient = 3;
/** Kills per run, each after this many more sends were accepted: three different moments of one load. */
const killCount = 3;
const acceptedBetweenKills = 8;
/** Points bought: far more than the run spends, so every refusal would be a bug rather than an empty wallet. */
const messagesCovered = 1_000;
/** A client waits this long before asking again (the bridge is down, or the key is still in flight). */
const retryDelayMs = 150;
/**
 * How long a request may stay without a definite answer before the test gives up on it (and fails), counted from
 * when it was first sent or the bridge last came back, whichever is later: a restart slowed by a busy machine is
 * not a lost answer.
 */
const answerDeadlineMs = 25_000;

/** One answer to one attempt of a key; status 0: no answer at all (the connection failed or was cut). */
interface Answer {
  status: number;
  messageId: string | undefined;
  code: string | undefined;
  replayed: boolean;
  /** How many kills had happened when the answer arrived. */
  afterKills: number;
}

interface KeyRecord {
  key: string;
  to: string;
  answers: Answer[];
}

const isDefinite = (answer: Answer) =>
  (answer.status >= 200 && answer.status < 300) ||
  // 5xx and "still in flight" ask the client to try again; anything else is the request's final answer.
  (answer.status >= 400 && answer.status < 500 && answer.code !== 'idempotency_key_in_flight');

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

beforeAll(buildWorkspace, 180_000);

describe.each(backends)('a bridge killed with SIGKILL in the middle of paid sends, on $name', (backend) => {
  let database: TestDatabase;
  let sandbox: MetaSandbox;
  let sandboxServer: ListeningSandbox;
  let bridge: KillableBridge | undefined;
  let frontDoor: FrontDoor;
  let baseUrl: string;
  let environment: Record<string, string>;
  const adminToken = randomBytes(32).toString('hex');

  async function call(method: string, path: string, token: string, json?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the bridge's JSON field by field.
    const body: any = text === '' ? undefined : JSON.parse(text);
    return { status: response.status, headers: response.headers, body };
  }

  beforeAll(async () => {
    database = await backend.create({ persistent: true });
    sandbox = createMetaSandbox({
      knobs: {
        statusDelaysMs: { sent: 20, delivered: 40, read: 60 },
        neverRead: true,
        // No 130429 under this load: a throttled send is a different story from a crash.
        throughputMessagesPerSecond: 10_000,
        // Retries every 100 ms doubling to 500 ms, 50 attempts: about 24 s of a bridge being down.
        deliveryAttemptsMax: 50,
        retryDelayMsInitial: 100,
        retryDelayMsMax: 500,
      },
    });
    sandboxServer = await sandbox.listen(0);
    // One address for every life of the bridge: the sandbox's webhook URL and the clients' base URL stay valid.
    frontDoor = await FrontDoor.open();
    baseUrl = frontDoor.url;
    environment = {
      PORT: '0',
      PUBLIC_URL: baseUrl,
      HOST: '127.0.0.1',
      BRIDGE_ADMIN_TOKEN: adminToken,
      BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      META_GRAPH_URL: sandboxServer.url,
      TEMPLATE_SYNC_INTERVAL_MINUTES: '0',
      LOG_LEVEL: 'info',
      // A key left in flight by the killed process is resumed by a retry after 3 s (default 5 minutes).
      IDEMPOTENCY_CLAIM_LEASE_SECONDS: '3',
      DATA_DIR: database.dataDir,
      ...(database.url === undefined ? {} : { DATABASE_URL: database.url }),
    };
    bridge = await startKillableBridge(environment);
    frontDoor.forwardTo(bridge.url);
  });
  afterAll(async () => {
    if (bridge !== undefined) await stopGracefully(bridge);
    await frontDoor?.close();
    await sandboxServer?.close();
    await database?.drop();
  });

  it('loses and doubles no hold, sends nothing twice, and answers every key once', async () => {
    // Arrange: an account with point prices and points, a deployment on the sandbox, an installation, consents.
    const account = await call('POST', '/v1/accounts', adminToken, { name: 'Crash Shoes' });
    const request = deploymentRequest(account.body.id, { display_name: 'Crash Shoes Support' });
    registerWithMeta(sandbox, request);
    const deployment = (await call('POST', '/v1/deployments', adminToken, request)).body;
    const installation = await call('POST', `/v1/deployments/${deployment.id}/installations`, adminToken, {
      helpdesk: 'zendesk',
      instance: 'crash.zendesk.com',
    });
    const token = installation.body.token as string;
    sandbox.registerNumber({
      phone_number_id: deployment.phone_number_id,
      waba_id: deployment.waba_id,
      display_phone_number: '+81 3-1234-0000',
      verified_name: 'Crash Shoes',
      access_token: request.access_token as string,
      app_secret: request.app_secret as string,
      webhook_url: `${baseUrl}/v1/webhooks/meta/${deployment.id}`,
    });
    expect((await call('POST', '/v1/templates/sync', token)).status).toBe(202);
    await waitFor('the template sync', async () =>
      (await call('GET', '/v1/templates', token)).body.data.some(
        (template: { name: string }) => template.name === 'order_confirmation',
      ),
    );
    const settings = await call('PUT', '/v1/wallet/settings', adminToken, {
      account_id: account.body.id,
      currency: 'JPY',
      point_price_minor: 3,
      point_value_micro_usd: 1_000,
    });
    expect(settings.status).toBe(200);
    const phones = Array.from(
      { length: clientCount * recipientsPerClient },
      (_, index) => `+8190888${String(index).padStart(5, '0')}`,
    );
    for (const phone of phones) {
      const consent = await call('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, token, {
        topic: 'utility',
        state: 'opted_in',
        source: 'website_form',
        evidence: 'I agree to receive utility messages from Crash Shoes on WhatsApp.',
        occurred_at: new Date(Date.now() - 60_000).toISOString(),
      });
      expect(consent.status).toBe(201);
    }
    const quote = await call(
      'GET',
      `/v1/pricing/quote?to=${encodeURIComponent(phones[0]!)}&template=order_confirmation&language=ja`,
      token,
    );
    // The figure comes from the rate card (bridge-server/test/support/rates.ts), not from the bridge's quote.
    const templatePoints = expectedPrices.japan.utilityPointsAt1000MicroUsd;
    expect(quote.body.points).toBe(templatePoints);
    const boughtPoints = templatePoints * messagesCovered;
    const bought = await call('POST', '/v1/wallet/purchases', adminToken, {
      account_id: account.body.id,
      points: boughtPoints,
      payment_reference: `pay_crash_${randomBytes(6).toString('hex')}`,
    });
    expect(bought.status).toBe(201);

    // Act: clients send without pause; the bridge is killed three times while requests are in flight.
    const records: KeyRecord[] = [];
    let kills = 0;
    let inFlight = 0;
    let accepted = 0;
    let issuing = true;
    /** When the bridge last started answering (the front door forwards to it again), and whether it is down now. */
    let upSince = Date.now();
    let down = false;
    const inFlightAtKills: number[] = [];

    async function attempt(record: KeyRecord): Promise<Answer> {
      const json = {
        to: record.to,
        template: {
          name: 'order_confirmation',
          language: 'ja',
          parameters: { 'body.1': '山田', 'body.2': record.key, 'body.3': '12月1日' },
        },
      };
      inFlight += 1;
      try {
        const answer = await call('POST', '/v1/messages', token, json, { 'idempotency-key': record.key });
        return {
          status: answer.status,
          messageId: answer.status < 300 ? answer.body.id : undefined,
          code: answer.status >= 400 ? answer.body.code : undefined,
          replayed: answer.headers.get('idempotent-replayed') === 'true',
          afterKills: kills,
        };
      } catch {
        return { status: 0, messageId: undefined, code: undefined, replayed: false, afterKills: kills };
      } finally {
        inFlight -= 1;
      }
    }

    /** Asks with the same key until the answer is definite, as a helpdesk retrying an unanswered send does. */
    async function sendUntilAnswered(record: KeyRecord): Promise<void> {
      const deadline = Date.now() + answerDeadlineMs;
      for (;;) {
        const answer = await attempt(record);
        record.answers.push(answer);
        if (isDefinite(answer)) {
          if (answer.status < 300 && record.answers.filter(isDefinite).length === 1) accepted += 1;
          return;
        }
        if (!down && Date.now() > Math.max(deadline, upSince + answerDeadlineMs)) return;
        await sleep(retryDelayMs);
      }
    }

    async function client(index: number): Promise<void> {
      for (let sequence = 0; issuing; sequence += 1) {
        const record: KeyRecord = {
          key: `crash-${index}-${sequence}`,
          to: phones[index * recipientsPerClient + (sequence % recipientsPerClient)]!,
          answers: [],
        };
        records.push(record);
        await sendUntilAnswered(record);
      }
    }

    const clients = Array.from({ length: clientCount }, (_, index) => client(index));
    for (let kill = 1; kill <= killCount; kill += 1) {
      const target = accepted + acceptedBetweenKills;
      await waitFor(`${target} accepted sends`, () => accepted >= target, { timeoutMs: 30_000 });
      inFlightAtKills.push(inFlight);
      down = true;
      frontDoor.forwardTo(undefined);
      await killHard(bridge!);
      kills = kill;
      bridge = await startKillableBridge(environment);
      frontDoor.forwardTo(bridge.url);
      upSince = Date.now();
      down = false;
    }
    const target = accepted + acceptedBetweenKills;
    await waitFor(`${target} accepted sends after the last restart`, () => accepted >= target, { timeoutMs: 30_000 });
    issuing = false;
    await Promise.all(clients);

    // Every request had requests beside it in flight when the bridge died.
    expect(inFlightAtKills.every((count) => count > 0)).toBe(true);
    // Every key ended with one definite answer.
    const unanswered = records.filter((record) => !record.answers.some(isDefinite));
    expect(unanswered.map((record) => `${record.key}: ${record.answers.map((answer) => answer.code ?? answer.status)}`)).toEqual(
      [],
    );

    // Wait until Meta's statuses (retried while the bridge was down) have settled every message Meta received.
    const received = [...sandbox.state.messages.values()].filter(
      (message) => message.phoneNumberId === deployment.phone_number_id,
    );
    await waitFor(
      'every message Meta received to be captured',
      async () => {
        for (const message of received) {
          const recorded = await call('GET', `/v1/messages/${message.bizOpaqueCallbackData}`, token);
          if (recorded.body?.charge?.state !== 'captured') return false;
        }
        return true;
      },
      { timeoutMs: 30_000 },
    );

    // The answers: one definite answer per key, repeated on replay, for the same message before and after a kill.
    const definite = new Map(records.map((record) => [record.key, record.answers.find(isDefinite)!]));
    for (const record of records) {
      const answers = record.answers.filter(isDefinite);
      for (const answer of answers) {
        expect({ key: record.key, status: answer.status, messageId: answer.messageId, code: answer.code }).toEqual({
          key: record.key,
          status: answers[0]!.status,
          messageId: answers[0]!.messageId,
          code: answers[0]!.code,
        });
      }
      const first = answers[0]!;
      const replay = await attempt(record);
      expect({ key: record.key, status: replay.status, messageId: replay.messageId, code: replay.code }).toEqual({
        key: record.key,
        status: first.status,
        messageId: first.messageId,
        code: first.code,
      });
      expect(replay.replayed).toBe(true);
    }
    const acceptedIds = [...definite.values()].filter((answer) => answer.status < 300).map((answer) => answer.messageId!);
    expect(new Set(acceptedIds).size).toBe(acceptedIds.length);
    // Keys answered before a kill were answered again after it (the replay above ran after the last restart).
    expect([...definite.values()].some((answer) => answer.afterKills < killCount && answer.status < 300)).toBe(true);

    // Stop the bridge and read its storage.
    await stopGracefully(bridge!);
    bridge = undefined;
    const storage = await openDatabase({ url: database.url, dataDir: database.dataDir, poolMax: 2 });
    try {
      const db = storage.db;
      const messages = await db.selectFrom('messages').selectAll().where('deployment_id', '=', deployment.id).execute();
      const charges = await db.selectFrom('message_charges').selectAll().execute();
      const entries = await db.selectFrom('wallet_entries').selectAll().execute();
      const wallet = await db
        .selectFrom('wallets')
        .selectAll()
        .where('account_id', '=', account.body.id)
        .executeTakeFirstOrThrow();

      // Nothing sent twice: every message Meta received carries a distinct bridge message id, of a recorded message.
      const sentIds = received.map((message) => message.bizOpaqueCallbackData);
      expect(sentIds.every((id) => id?.startsWith('msg_'))).toBe(true);
      expect(new Set(sentIds).size).toBe(sentIds.length);
      const recordedIds = new Set(messages.map((message) => message.id));
      expect(sentIds.filter((id) => !recordedIds.has(id!))).toEqual([]);
      // Every accepted answer names a recorded message, and every message Meta received was accepted for one key.
      expect(acceptedIds.filter((id) => !recordedIds.has(id))).toEqual([]);
      expect(sentIds.filter((id) => !acceptedIds.includes(id!))).toEqual([]);

      // At most one hold and one settlement per message; the wallet equals the sums of its ledger.
      const entriesOf = (kind: string[]) => entries.filter((entry) => kind.includes(entry.kind)).map((entry) => entry.message_id);
      const holds = entriesOf(['hold']);
      const settlements = entriesOf(['capture', 'release']);
      expect(new Set(holds).size).toBe(holds.length);
      expect(new Set(settlements).size).toBe(settlements.length);
      expect(holds.length).toBe(messages.length);
      expect(await auditWallets(db)).toEqual([]);
      const heldPoints = charges
        .filter((charge) => charge.state === 'held')
        .reduce((sum, charge) => sum + Number(charge.points), 0);
      expect(Number(wallet.reserved_points)).toBe(heldPoints);

      // Points are conserved, and only what Meta accepted and billed was captured.
      const captured = charges.filter((charge) => charge.state === 'captured');
      const capturedPoints = captured.reduce((sum, charge) => sum + Number(charge.captured_points), 0);
      expect(Number(wallet.balance_points)).toBe(boughtPoints - capturedPoints);
      const billable = new Set(
        received.filter((message) => message.pricing?.billable === true).map((message) => message.bizOpaqueCallbackData),
      );
      expect(captured.filter((charge) => !billable.has(charge.message_id))).toEqual([]);
      expect(captured).toHaveLength(received.length);
      // A message still held is one the bridge recorded but died before handing to Meta: never sent, never billed
      // ('sending', or outcome_unknown once the stale-send sweeper has seen it).
      for (const charge of charges.filter((row) => row.state === 'held')) {
        expect(sentIds).not.toContain(charge.message_id);
        expect(['sending', 'outcome_unknown']).toContain(messages.find((message) => message.id === charge.message_id)?.state);
      }
    } finally {
      await storage.close();
    }
  });
});
