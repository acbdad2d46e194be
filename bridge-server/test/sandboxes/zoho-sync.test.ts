import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Json } from './harness.js';
import { customerThread, customerTicket, startZohoHarness, type ZohoHarness } from './zoho-harness.js';

let harness: ZohoHarness;
beforeEach(async () => {
  harness = await startZohoHarness();
});
afterEach(async () => {
  await harness.close();
});

const tickets = async () => (await harness.control('GET', '/sandbox/tickets')).body.data as Json[];

describe('pull (the sync object)', () => {
  it('calls the pull endpoint with securityContext and orgId, creates tickets and threads, and sends back channelState', async () => {
    harness.behaviour.pull = (_body, index) =>
      index === 0
        ? {
            status: 200,
            body: {
              channelState: '{"after":"wamid.2"}',
              data: { tickets: [customerTicket()], threads: [customerThread('wamid.1'), customerThread('wamid.2')] },
            },
          }
        : { status: 200, body: { data: { tickets: [], threads: [] } } };
    const first = await harness.pull();
    expect(first.body).toMatchObject({ outcome: 'ok', channelStateSent: '', channelStateAfter: '{"after":"wamid.2"}' });
    await harness.pull();

    const [request, second] = harness.extensionServer.requests('/zoho/pull');
    expect(request?.query).toEqual({ securityContext: harness.extension.securityContext, orgId: '60001234567' });
    expect(request?.json).toEqual({ configParams: { channelState: '', deploymentId: 'dep_1' } });
    expect(second?.json.configParams.channelState).toBe('{"after":"wamid.2"}');

    const [ticket, ...others] = await tickets();
    expect(others).toEqual([]);
    expect(ticket).toMatchObject({
      extId: 'whatsapp:+819012345678',
      subject: 'WhatsApp: Hanako Yamada',
      status: 'Open',
      channel: 'WhatsApp',
      contact: { lastName: 'Hanako Yamada', phone: '+819012345678' },
    });
    expect(ticket.threads.map((thread: Json) => [thread.extId, thread.direction, thread.status, thread.author.type])).toEqual([
      ['wamid.1', 'in', 'SUCCESS', 'END_USER'],
      ['wamid.2', 'in', 'SUCCESS', 'END_USER'],
    ]);
  });

  it('deduplicates by extId: a repeated ticket is updated, a repeated thread skipped', async () => {
    const page = { data: { tickets: [customerTicket()], threads: [customerThread('wamid.1')] } };
    harness.behaviour.pull = () => ({ status: 200, body: page });
    await harness.pull();
    const again = await harness.pull();
    expect(again.body.results.map((result: Json) => [result.entity, result.outcome])).toEqual([
      ['ticket', 'updated'],
      ['thread', 'duplicate'],
    ]);
    const all = await tickets();
    expect(all).toHaveLength(1);
    expect(all[0].threads).toHaveLength(1);
  });

  it('finds a thread’s ticket through another thread, reopens a closed ticket, and downloads attachments', async () => {
    harness.behaviour.pull = () => ({
      status: 200,
      body: {
        data: {
          tickets: [customerTicket()],
          threads: [
            customerThread('wamid.1'),
            customerThread('wamid.2', {
              extParentId: 'wamid.1',
              attachments: [{ url: `${harness.extensionServer.url}/files/photo.png` }],
            }),
          ],
        },
      },
    });
    await harness.pull();
    const [ticket] = await tickets();
    expect(ticket.threads[1].attachments).toEqual([
      expect.objectContaining({
        name: 'photo.png',
        contentType: 'image/png',
        sourceUrl: `${harness.extensionServer.url}/files/photo.png`,
      }),
    ]);
    await harness.control('PATCH', `/sandbox/tickets/${ticket.id}`, { status: 'Closed' });
    harness.behaviour.pull = () => ({ status: 200, body: { data: { threads: [customerThread('wamid.3')] } } });
    await harness.pull();
    expect((await tickets())[0].status).toBe('Open');
  });

  it('keeps the cursor when a thread’s parent is unknown or its file cannot be fetched', async () => {
    harness.behaviour.pull = () => ({
      status: 200,
      body: {
        channelState: 'moved',
        data: {
          tickets: [customerTicket()],
          threads: [
            customerThread('wamid.orphan', { extParentId: 'whatsapp:+10000000000' }),
            customerThread('wamid.file', { attachments: [{ url: `${harness.extensionServer.url}/files/missing.png` }] }),
          ],
        },
      },
    });
    const pulled = await harness.pull();
    expect(pulled.body.results.map((result: Json) => result.outcome)).toEqual([
      'created',
      'parent_not_found',
      'attachment_failed',
    ]);
    expect(pulled.body.results[2].error).toContain('HTTP 404');
    expect(pulled.body.channelStateAfter).toBe('');
    expect((await tickets())[0].threads).toEqual([]);
  });

  it('refuses a malformed sync object or one over 1,000 threads, and a failing endpoint, without importing', async () => {
    const answers = [
      { status: 200, body: { data: { threads: Array.from({ length: 1_001 }, (_, index) => customerThread(`wamid.${index}`)) } } },
      { status: 200, body: { data: { tickets: [{ subject: 'no extId' }] } } },
      { status: 200, body: { data: { threads: [customerThread('wamid.1', { direction: 'sideways' })] } } },
      { status: 500, body: 'down' },
    ];
    harness.behaviour.pull = (_body, index) => answers[index]!;
    for (const _answer of answers) expect((await harness.pull()).body.outcome).toBe('failed');
    expect(await tickets()).toEqual([]);
  });
});

describe('an agent’s reply', () => {
  async function channelTicket(): Promise<Json> {
    harness.behaviour.pull = () => ({
      status: 200,
      body: { data: { tickets: [customerTicket()], threads: [customerThread('wamid.1')] } },
    });
    await harness.pull();
    return (await tickets())[0];
  }
  const reply = (ticket: Json) => harness.control('POST', `/sandbox/tickets/${ticket.id}/reply`, { content: 'We are on it' });
  const replyAfterIdle = async (ticket: Json, threadId: string) => {
    await harness.sandbox.idle();
    return (await harness.control('GET', `/sandbox/tickets/${ticket.id}`)).body.threads.find(
      (thread: Json) => thread.id === threadId,
    );
  };

  it('is stored PENDING, pushed with securityContext and orgId, then takes the delivery state the extension answers', async () => {
    const ticket = await channelTicket();
    const posted = await reply(ticket);
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ status: 'PENDING', direction: 'out' });
    const delivered = await replyAfterIdle(ticket, posted.body.id);
    expect(delivered).toMatchObject({ status: 'SUCCESS', extId: 'wamid.reply-0' });

    const [push] = harness.extensionServer.requests('/zoho/push');
    expect(push?.query).toEqual({ securityContext: harness.extension.securityContext, orgId: '60001234567' });
    expect(push?.contentType).toContain('application/json');
    expect(push?.json).toMatchObject({
      configParams: { channelState: '', deploymentId: 'dep_1' },
      resource: {
        id: posted.body.id,
        ticketId: ticket.id,
        extParentId: 'whatsapp:+819012345678',
        content: 'We are on it',
        contentType: 'text/plain',
      },
    });

    // The reply's extId is known: syncing it back is a duplicate, not a second thread.
    harness.behaviour.pull = () => ({
      status: 200,
      body: { data: { threads: [customerThread('wamid.reply-0', { direction: 'out' })] } },
    });
    expect((await harness.pull()).body.results[0].outcome).toBe('duplicate');
  });

  it('is FAILED with the reason when the extension answers FAILED, refuses, or cannot be reached', async () => {
    const ticket = await channelTicket();
    const answers = [
      { status: 200, body: { status: 'FAILED', errorMessage: 'The 24-hour window is closed.' } },
      { status: 422, body: 'not enough points' },
      { status: 200, body: { unexpected: true } },
    ];
    harness.behaviour.push = (_body, index) => answers[index]!;
    const failures = [];
    for (const _answer of answers) failures.push(await replyAfterIdle(ticket, (await reply(ticket)).body.id));
    expect(failures.map((thread) => [thread.status, thread.push.errorMessage])).toEqual([
      ['FAILED', 'The 24-hour window is closed.'],
      ['FAILED', 'not enough points'],
      ['FAILED', 'The extension answered no delivery state (extId and status).'],
    ]);
  });

  it('retries a 5xx when retries are turned on, with the same payload', async () => {
    await harness.control('PUT', '/sandbox/knobs', { replyAttemptsMax: 3 });
    const ticket = await channelTicket();
    harness.behaviour.push = (_body, index) =>
      index < 2 ? { status: 503, body: 'busy' } : { status: 200, body: { extId: 'wamid.R' } };
    const delivered = await replyAfterIdle(ticket, (await reply(ticket)).body.id);
    expect(delivered).toMatchObject({ status: 'SUCCESS', extId: 'wamid.R' });
    const bodies = harness.extensionServer.requests('/zoho/push').map((request) => request.raw);
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
  });
});
