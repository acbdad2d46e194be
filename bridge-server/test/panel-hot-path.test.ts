import { randomBytes } from 'node:crypto';
import { windowState } from '@wabridge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentReminder } from '../src/automations/reminders.js';
import { readContactStatusesAlong } from '../src/contacts/status-read.js';
import { activityOf, findContactByPhone, findContactsByPhone } from '../src/contacts/store.js';
import { accountStandingOf, numberSendingOf } from '../src/numbers/health.js';
import { readStoredHealth } from '../src/numbers/health-store.js';
import { consentRecordsOf, loadOptinSettings, saveOptinSettings } from '../src/optin/store.js';
import { sha256Hex } from '../src/security/tokens.js';
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

/**
 * The status endpoint's five reads in one statement (contacts/status-read.ts) answer what the five functions answer
 * alone: with and without a contact, settings, consents and a window reminder; the number's standing as the health
 * read folds it (number-cannot-send.test.ts covers it with Meta's account webhooks).
 */
describe.each(backends)('the status endpoint’s one read on $name', (backend) => {
  let bridge: TestBridge;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await backend.create();
    bridge = await startTestBridge(backend, {}, { database });
  });
  afterAll(async () => {
    await bridge?.close();
    await database?.drop();
  });

  it('reads the contact, opt-in settings, consents and reminder as the separate reads do', async () => {
    const db = bridge.bridge.database.db;
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'One read' } });
    const accountId = account.body.id as string;
    const deploymentId = (await bridge.createDeployment(accountId)).answer.body.id as string;
    const installation = await bridge.request('POST', `/v1/deployments/${deploymentId}/installations`, {
      json: { helpdesk: 'zendesk', instance: 'one-read.zendesk.com' },
    });
    const now = new Date();
    // As the endpoint reads: along with the lookup of the installation's token.
    const lookup = { clientKey: 'ip:one-read', windowStart: now, tokenSha256: sha256Hex(installation.body.token as string) };
    const readAll = async (phones: string[]) =>
      (
        await readContactStatusesAlong(
          db,
          phones.map((phone) => ({ lookup, phone, now })),
        )
      ).map(({ found, read }) => {
        expect(found.installation?.deployment_id).toBe(deploymentId);
        return read;
      });
    const read = async (phone: string) => (await readAll([phone]))[0];
    const separately = async (phone: string) => {
      const contact = await findContactByPhone(db, deploymentId, phone);
      const open = windowState(activityOf(contact), now).state === 'open';
      return {
        contact,
        settings: await loadOptinSettings(db, accountId),
        records: await consentRecordsOf(db, accountId, phone),
        reminder: await currentReminder(db, deploymentId, phone, now),
        number: numberSendingOf(accountStandingOf((await readStoredHealth(db, deploymentId, accountId)).events, now), { open }),
      };
    };

    // Nobody wrote: no contact, the default settings, no consent, no reminder.
    expect(await read('+819055550000')).toEqual(await separately('+819055550000'));

    const phone = '+819055550001';
    const at = (minutesAgo: number) => new Date(Math.floor(now.getTime() / 1000) * 1000 - minutesAgo * 60_000 + 123);
    await db
      .insertInto('contacts')
      .values({
        deployment_id: deploymentId,
        wa_id: phone.slice(1),
        user_id: 'JP.555',
        profile_name: '山田 花子',
        last_inbound_at: at(30),
        last_referral_inbound_at: at(40),
        first_reply_after_referral_at: at(35),
        marketing_preference: 'stop',
        marketing_preference_at: at(20),
      })
      .execute();
    await saveOptinSettings(db, accountId, {
      ...(await loadOptinSettings(db, accountId)),
      configuredBusinessNames: ['さくら靴店'],
    });
    for (const [minutesAgo, state] of [
      [90, 'opted_in'],
      [10, 'opted_out'],
    ] as const) {
      await db
        .insertInto('consents')
        .values({
          account_id: accountId,
          phone,
          topic: 'marketing',
          state,
          source: 'import',
          evidence: `imported ${minutesAgo} minutes ago`,
          occurred_at: at(minutesAgo),
        })
        .execute();
    }
    await db
      .insertInto('window_reminders')
      .values({
        deployment_id: deploymentId,
        recipient_phone: phone,
        window_opened_at: at(30),
        installation_id: installation.body.id as string,
        ticket_id: '4242',
        closes_at: new Date(now.getTime() + 23 * 60 * 60_000),
      })
      .execute();
    const one = await read(phone);
    expect(one).toEqual(await separately(phone));
    if (one === undefined) throw new Error('unreachable: compared above');
    // The quote's contacts, many in one statement, as findContactByPhone reads each.
    const phones = [phone, '+819055550000', phone];
    expect(
      await findContactsByPhone(
        db,
        phones.map((phoneE164) => ({ deploymentId, phoneE164 })),
      ),
    ).toEqual(await Promise.all(phones.map((each) => findContactByPhone(db, deploymentId, each))));
    expect((await findContactsByPhone(db, [{ deploymentId, phoneE164: phone }]))[0]?.profile_name).toBe('山田 花子');
    // Several panels in one statement: each key's answer is its own, in the keys' order.
    expect(await readAll([phone, '+819055550000', phone])).toEqual([
      await separately(phone),
      await separately('+819055550000'),
      await separately(phone),
    ]);
    // A token that names no installation reads nothing, whatever the other keys of its statement read.
    const stranger = { ...lookup, tokenSha256: sha256Hex(`wbi_${'z'.repeat(40)}`) };
    const [strangers, ours] = await readContactStatusesAlong(db, [
      { lookup: stranger, phone, now },
      { lookup, phone, now },
    ]);
    expect(strangers).toEqual({ found: { failures: 0, installation: undefined }, read: undefined });
    expect(ours?.read).toEqual(await separately(phone));
    expect(one.contact?.profile_name).toBe('山田 花子');
    expect(one.records.map((record) => record.state)).toEqual(['opted_in', 'opted_out']);
    expect(one.reminder?.ticket).toEqual({ helpdesk: 'zendesk', id: '4242' });
    expect(one.settings.configuredBusinessNames).toEqual(['さくら靴店']);

    const status = await bridge.request('GET', `/v1/contacts/${encodeURIComponent(phone)}/status`, {
      token: installation.body.token as string,
    });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      contact: { phone, wa_id: phone.slice(1), user_id: 'JP.555', name: '山田 花子' },
      window: { state: 'open', opened_at: at(30).toISOString() },
      window_reminder: { ticket: { helpdesk: 'zendesk', id: '4242' } },
    });
  });
});

/**
 * Requests that arrive together are authenticated and read in shared statements (storage/turn-batch.ts): each still gets
 * its own caller and its own account's data. Two accounts know the same phone under different names and consents;
 * their panels, a revoked token and a wrong one ask all at once, interleaved, and each is answered as if alone.
 */
describe.each(backends)('panels asking at once on $name', (backend) => {
  let bridge: TestBridge;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await backend.create();
    bridge = await startTestBridge(backend, { AUTH_FAILURES_PER_MINUTE: '1000' }, { database });
  });
  afterAll(async () => {
    await bridge?.close();
    await database?.drop();
  });

  it('answers each request for its own caller and account, whatever else shares its statement', async () => {
    const db = bridge.bridge.database.db;
    const phone = '+819066660001';
    const tenants: { accountId: string; token: string; name: string; consent: 'opted_in' | 'opted_out' }[] = [];
    for (const [name, consent] of [
      ['東京の客', 'opted_in'],
      ['大阪の客', 'opted_out'],
    ] as const) {
      const account = await bridge.request('POST', '/v1/accounts', { json: { name: `Tenant ${name}` } });
      const deploymentId = (await bridge.createDeployment(account.body.id)).answer.body.id as string;
      const installation = await bridge.request('POST', `/v1/deployments/${deploymentId}/installations`, {
        json: { helpdesk: 'zendesk', instance: `tenant-${tenants.length}.zendesk.com` },
      });
      await db
        .insertInto('contacts')
        .values({ deployment_id: deploymentId, wa_id: phone.slice(1), profile_name: name, last_inbound_at: new Date() })
        .execute();
      await db
        .insertInto('consents')
        .values({
          account_id: account.body.id,
          phone,
          topic: 'marketing',
          state: consent,
          source: 'import',
          evidence: name,
          occurred_at: new Date(),
        })
        .execute();
      tenants.push({ accountId: account.body.id as string, token: installation.body.token as string, name, consent });
    }
    const [tokyo, osaka] = tenants as [(typeof tenants)[number], (typeof tenants)[number]];
    // Only Tokyo's account has point prices: its quotes are priced, Osaka's refused, whatever shares their reads.
    const prices = await bridge.request('PUT', '/v1/wallet/settings', {
      json: { account_id: tokyo.accountId, currency: 'JPY', point_price_minor: 1, point_value_micro_usd: 6_500 },
    });
    expect(prices.status).toBe(200);
    const gone = (await bridge.request('POST', '/v1/accounts', { json: { name: 'Gone' } })).body.id as string;
    const revoked = await bridge.request(
      'POST',
      `/v1/deployments/${(await bridge.createDeployment(gone)).answer.body.id}/installations`,
      { json: { helpdesk: 'zoho', instance: '60099999999' } },
    );
    expect((await bridge.request('DELETE', `/v1/installations/${revoked.body.id}`)).status).toBe(204);

    const askers = [tokyo.token, osaka.token, revoked.body.token as string, `wbi_${'y'.repeat(40)}`];
    const asked = Array.from({ length: 32 }, (_, index) => askers[index % askers.length] as string);
    // Three rounds: the first opens the connections, the later ones reuse them and arrive together, so that their
    // authentications and reads share statements (the second and third rounds' batches held 24–32 requests here).
    for (let round = 0; round < 3; round += 1) {
      const answers = await Promise.all(
        asked.map((token) => bridge.request('GET', `/v1/contacts/${encodeURIComponent(phone)}/status`, { token })),
      );
      answers.forEach((answer, index) => {
        const tenant = [tokyo, osaka][index % askers.length];
        if (tenant !== undefined) {
          expect(answer.status).toBe(200);
          expect(answer.body.contact.name).toBe(tenant.name);
          expect(answer.body.opt_in.marketing.state).toBe(tenant.consent);
        } else {
          expect(answer.status).toBe(401);
          expect(answer.body.code).toBe(index % askers.length === 2 ? 'token_revoked' : 'invalid_token');
        }
      });
    }
    for (let round = 0; round < 3; round += 1) {
      const quotes = await Promise.all(
        [tokyo, osaka, tokyo, osaka, tokyo, osaka].map(({ token }) =>
          bridge.request('GET', `/v1/pricing/quote?${new URLSearchParams({ to: phone, text: '1' })}`, { token }),
        ),
      );
      quotes.forEach((answer, index) => {
        if (index % 2 === 0) {
          expect(answer.status).toBe(200);
          // Tokyo's customer wrote just now: a free-form reply is inside the window.
          expect(answer.body.points).toBe(0);
        } else {
          expect(answer.status).toBe(409);
          expect(answer.body.code).toBe('pricing_not_configured');
        }
      });
    }
  });
});
