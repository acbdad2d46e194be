import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, sandboxControl } from '../../../test/support/sandbox.js';
import type { Clock } from '../../src/clock.js';
import type { ListeningServer } from '../../src/sandboxes/common/server.js';
import { createZendeskSandbox, type ZendeskSandbox } from '../../src/sandboxes/zendesk/sandbox.js';
import { backends } from '../support/backends.js';
import { startTestBridge, type TestBridge } from '../support/bridge.js';
import { type SandboxBridge, startSandboxBridge } from '../support/sandbox-bridge.js';
import { orderConfirmationTemplate, utilityConsent } from '../support/wallet.js';

/**
 * Window reminders with two bridge replicas on one PostgreSQL database: both scan at the same moment, one reminder
 * (one note on the ticket) comes of it. The clock both replicas decide with is moved, never slept on.
 */
const postgres = backends.find((backend) => backend.name === 'postgres');

describe.skipIf(postgres === undefined)('window reminders with two replicas on PostgreSQL', () => {
  let world: SandboxBridge;
  let replica: TestBridge;
  let zendesk: ZendeskSandbox;
  let zendeskServer: ListeningServer;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  const customer = '+818012345680';
  const zd = (method: string, path: string, body?: unknown) => sandboxControl(zendeskServer.url, method, path, body);
  const notesOn = async (ticketId: string): Promise<Json[]> =>
    (await zd('GET', `/sandbox/tickets/${ticketId}`)).comments.filter((comment: Json) => !comment.public);
  const replicas = () => [world.bridge.bridge, replica.bridge];
  /** The customer writes now, as the replicas' clock has it (Meta's timestamps are whole seconds). */
  const customerWrites = (phone: string, text: string) =>
    world.customerWrites(phone, text, { timestamp: Math.floor(clock.now().getTime() / 1000) });

  beforeAll(async () => {
    world = await startSandboxBridge(postgres!, { clock });
    replica = await startTestBridge(
      postgres!,
      { META_GRAPH_URL: world.sandboxServer.url },
      {
        database: world.bridge.database,
        adminToken: world.bridge.adminToken,
        encryptionKey: world.bridge.config.encryptionKey,
        clock,
      },
    );
    await world.bridge.request('POST', '/v1/templates/sync', { token: world.token });
    await world.settle();
    await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(customer)}/consents`, {
      token: world.token,
      json: utilityConsent(),
    });
    zendesk = createZendeskSandbox({ allowPlainHttp: true, knobs: { pullIntervalMs: 0 } });
    zendeskServer = await zendesk.listen(0);
    const installation = await world.bridge.bridge.database.db
      .selectFrom('installations')
      .select('id')
      .where('deployment_id', '=', world.deployment.id)
      .executeTakeFirstOrThrow();
    const apiToken = await zd('POST', '/sandbox/api-tokens', { email: 'wabridge@acme.test' });
    await world.bridge.request('PUT', `/v1/installations/${installation.id}/helpdesk-connection`, {
      json: {
        api_url: zendeskServer.url,
        locale: 'en',
        zendesk: { email: apiToken.email, api_token: apiToken.token, webhook_secret: 'reminder-test-secret' },
      },
    });
  });
  afterAll(async () => {
    await zendeskServer?.close();
    zendesk?.stop();
    await replica?.close({ keepDatabase: true });
    await world?.close();
  });

  it('writes one reminder per window on the open ticket where the customer wrote last, whichever replica scans', async () => {
    const settings = await replica.request('PUT', '/v1/automation-settings', {
      token: world.token,
      json: { window_reminder_minutes: 30 },
    });
    expect(settings.body).toEqual({ window_reminder_minutes: 30 });
    const ticketId = String((await zd('POST', '/sandbox/tickets', { subject: 'Order ORD-3' })).id);
    // An agent wrote to the customer from the ticket; then the customer answered: they wrote last.
    const sent = await world.send({
      to: customer,
      template: orderConfirmationTemplate,
      ticket: { helpdesk: 'zendesk', id: ticketId },
    });
    expect(sent.status).toBe(202);
    await world.settle();
    offsetMs += 1_000;
    await customerWrites(customer, 'When will it arrive?');
    const scanAll = () => Promise.all(replicas().map((bridge) => bridge.windowReminders.scan()));

    // Not yet: the window closes in 24 hours, the reminder is for its last 30 minutes.
    expect(await scanAll()).toEqual([0, 0]);
    offsetMs += (24 * 60 - 31) * 60_000;
    expect(await scanAll()).toEqual([0, 0]);

    offsetMs += 2 * 60_000;
    const written = await scanAll();
    expect(written.sort()).toEqual([0, 1]);
    expect(await scanAll()).toEqual([0, 0]);
    await Promise.all(replicas().map((bridge) => bridge.jobs.drain()));
    const notes = await notesOn(ticketId);
    expect(notes).toHaveLength(1);
    expect(notes[0].body).toMatch(/the customer's 24-hour window closes in 29 minutes .* and the customer wrote last\.$/);

    // The panel's notice, from either replica.
    const notice = await replica.request('GET', `/v1/contacts/${encodeURIComponent(customer)}/window-reminder`, {
      token: world.token,
    });
    expect(notice.body.reminder).toMatchObject({ phone: customer, ticket: { helpdesk: 'zendesk', id: ticketId } });

    // A new window (the customer writes again) is reminded again, once; an answered one is not.
    offsetMs += 60_000;
    await customerWrites(customer, 'Hello?');
    offsetMs += (24 * 60 - 29) * 60_000;
    expect((await scanAll()).sort()).toEqual([0, 1]);
    await Promise.all(replicas().map((bridge) => bridge.jobs.drain()));
    expect(await notesOn(ticketId)).toHaveLength(2);
  });

  it('skips a ticket that is no longer open, and customers the business answered', async () => {
    const ticketId = String((await zd('POST', '/sandbox/tickets', { subject: 'Order ORD-4' })).id);
    const other = '+818012345681';
    await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(other)}/consents`, {
      token: world.token,
      json: utilityConsent(),
    });
    await world.send({ to: other, template: orderConfirmationTemplate, ticket: { helpdesk: 'zendesk', id: ticketId } });
    await world.settle();
    offsetMs += 1_000;
    await customerWrites(other, 'Thanks');
    await zd('PATCH', `/sandbox/tickets/${ticketId}`, { status: 'solved' });
    // Another customer wrote, and the business answered (by text, inside the window): the business wrote last.
    const answered = '+818012345682';
    const answeredTicket = String((await zd('POST', '/sandbox/tickets', { subject: 'Order ORD-5' })).id);
    await customerWrites(answered, 'Is it in stock?');
    offsetMs += 2_000;
    const reply = await world.send({ to: answered, text: { body: 'Yes!' }, ticket: { helpdesk: 'zendesk', id: answeredTicket } });
    expect(reply.status).toBe(202);
    await world.settle();
    // The database dates the reply by its own clock, which the test's clock runs ahead of: dated as the replicas see it.
    await sql`update messages set created_at = ${clock.now()} where id = ${reply.body.id}`.execute(
      world.bridge.bridge.database.db,
    );
    offsetMs += (24 * 60 - 20) * 60_000;
    expect((await Promise.all(replicas().map((bridge) => bridge.windowReminders.scan()))).sort()).toEqual([0, 1]);
    await Promise.all(replicas().map((bridge) => bridge.jobs.drain()));
    // The job asked Zendesk first: the ticket is solved, so nothing is written.
    expect(await notesOn(ticketId)).toEqual([]);
    expect(await notesOn(answeredTicket)).toEqual([]);
    const job = await world.bridge.bridge.database.db
      .selectFrom('jobs')
      .select(['status', 'last_error'])
      .where('kind', '=', 'helpdesk_note')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(job).toEqual({ status: 'done', last_error: 'the ticket is no longer open' });
  });
});
