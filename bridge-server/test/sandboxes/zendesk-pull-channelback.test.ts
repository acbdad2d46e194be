import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, pixelPng, waitFor } from './harness.js';
import { resource, startZendeskHarness, type ZendeskHarness } from './zendesk-harness.js';

let harness: ZendeskHarness;
let instance: Json;
beforeEach(async () => {
  harness = await startZendeskHarness();
  instance = await harness.connect();
});
afterEach(async () => {
  await harness.close();
});

const tickets = async () => (await harness.control('GET', '/sandbox/tickets')).body.data as Json[];
const pull = () => harness.control('POST', `/sandbox/instances/${instance.id}/pull`);

describe('pull', () => {
  it('posts metadata and state form-encoded, imports the answer and keeps the new state as the cursor', async () => {
    harness.behaviour.pull = (form) =>
      form.get('state') === ''
        ? { status: 200, body: { external_resources: [resource('wamid.P1'), resource('wamid.P2')], state: '{"after":2}' } }
        : { status: 200, body: { external_resources: [] } };
    const first = await pull();
    expect(first.body).toMatchObject({ outcome: 'ok', stateSent: '', stateAfter: '{"after":2}' });
    const second = await pull();
    expect(second.body).toMatchObject({ outcome: 'ok', stateSent: '{"after":2}', stateAfter: '{"after":2}' });

    const [request] = harness.integration.requests('/pull');
    expect(request?.contentType).toContain('application/x-www-form-urlencoded');
    expect(Object.fromEntries(request!.form)).toEqual({ metadata: '{"deployment_id":"dep_1"}', state: '' });
    expect((await tickets())[0].comments.map((comment: Json) => comment.external_id)).toEqual(['wamid.P1', 'wamid.P2']);
  });

  it('reports repeats as already_imported in the pull_request event, and keeps the cursor when a resource failed', async () => {
    await harness.push(instance, [resource('wamid.P1')]);
    harness.behaviour.pull = () => ({
      status: 200,
      body: {
        external_resources: [
          resource('wamid.P1'),
          resource('wamid.P2', { file_urls: [`${harness.integration.url}/files/missing.png`] }),
        ],
        state: '{"after":2}',
      },
    });
    const pulled = await pull();
    expect(pulled.body.results.map((result: Json) => result.status.code)).toEqual(['already_imported', 'processing_error']);
    expect(pulled.body.stateAfter).toBe('');
    await harness.sandbox.idle();
    const events = (await harness.control('GET', '/sandbox/events')).body.data as Json[];
    const pullEvent = events.find((event) => event.body.events[0].type_id === 'pull_request');
    expect(pullEvent.body.events[0].data.duplicate_external_ids).toEqual([
      { external_id: 'wamid.P1', request_id: expect.any(String) },
    ]);
    expect(harness.integration.requests('/events').length).toBe(events.length);
  });

  it('records a failed pull (5xx, invalid answer, more than 200 resources) and imports nothing', async () => {
    const answers = [
      { status: 500, body: { error: 'down' } },
      { status: 200, body: { resources: [] } },
      { status: 200, body: { external_resources: Array.from({ length: 201 }, (_, index) => resource(`wamid.${index}`)) } },
      { status: 200, body: { external_resources: [], state: 'x'.repeat(5_001) } },
    ];
    harness.behaviour.pull = (_form, index) => answers[index]!;
    for (const _answer of answers) expect((await pull()).body.outcome).toBe('failed');
    expect(await tickets()).toEqual([]);
    const account = await harness.control('GET', `/sandbox/instances/${instance.id}`);
    expect(account.body.pulls.map((record: Json) => record.error)).toEqual([
      'HTTP 500',
      expect.stringContaining('external_resources'),
      expect.stringContaining('external_resources'),
      expect.stringContaining('state'),
    ]);
  });

  it('polls on its own at the configured interval', async () => {
    await harness.control('PUT', '/sandbox/knobs', { pullIntervalMs: 20 });
    await waitFor('two pulls', () => harness.integration.requests('/pull').length >= 2);
    await harness.control('PUT', '/sandbox/knobs', { pullIntervalMs: 0 });
  });
});

describe('channelback', () => {
  async function channelTicket(): Promise<Json> {
    await harness.push(instance, [resource('wamid.A1'), resource('wamid.A2')]);
    return (await tickets())[0];
  }
  const reply = (ticket: Json, body: Record<string, unknown> = { body: 'We are on it' }) =>
    harness.control('POST', `/sandbox/tickets/${ticket.id}/comments`, body);
  const commentAfterIdle = async (ticket: Json, commentId: number) => {
    await harness.sandbox.idle();
    const view = await harness.control('GET', `/sandbox/tickets/${ticket.id}`);
    return view.body.comments.find((comment: Json) => comment.id === commentId);
  };

  it('posts the documented form fields and records the answered external_id on the comment', async () => {
    const ticket = await channelTicket();
    const posted = await reply(ticket, {
      body: 'Here is the invoice',
      attachments: [{ file_name: 'invoice.png', content_type: 'image/png', content_base64: pixelPng.toString('base64') }],
    });
    expect(posted.status).toBe(201);
    const comment = await commentAfterIdle(ticket, posted.body.id);
    expect(comment.channelback).toMatchObject({ status: 'sent', external_id: 'wamid.reply-0', error: null });
    expect(comment.external_id).toBe('wamid.reply-0');

    const [request] = harness.integration.requests('/channelback');
    expect(request?.contentType).toContain('application/x-www-form-urlencoded');
    expect(request!.raw).toContain('file_urls%5B%5D=');
    const fields = Object.fromEntries(request!.form);
    expect(fields).toMatchObject({
      message: 'Here is the invoice',
      parent_id: 'wamid.A2',
      recipient_id: 'whatsapp:+819012345678',
      thread_id: 'whatsapp:+819012345678',
      metadata: '{"deployment_id":"dep_1"}',
      request_unique_identifier: comment.channelback.request_unique_identifier,
    });
    // The file is downloadable with the account's push token, and only with it.
    const fileUrl = request!.form.getAll('file_urls[]')[0]!;
    const withToken = await fetch(fileUrl, { headers: { Authorization: `Bearer ${instance.zendesk_access_token}` } });
    expect(withToken.status).toBe(200);
    expect(Buffer.from(await withToken.arrayBuffer())).toEqual(pixelPng);
    expect((await fetch(fileUrl)).status).toBe(401);

    // The reply's id is now known: pushing it back (an echo) is already_imported.
    const echo = await harness.push(instance, [resource('wamid.reply-0')]);
    expect(echo.body.results[0].status.code).toBe('already_imported');
  });

  it('retries on 5xx, 429 (honouring Retry-After) and network errors with the same request_unique_identifier', async () => {
    const ticket = await channelTicket();
    harness.behaviour.channelback = (_form, index) =>
      [
        { status: 503, body: 'busy' },
        { status: 0, body: '', hangUp: true },
        { status: 429, body: '', headers: { 'Retry-After': '0' } },
        { status: 200, body: { external_id: 'wamid.R' } },
      ][index]!;
    await harness.control('PUT', '/sandbox/knobs', { channelbackAttemptsMax: 4 });
    const posted = await reply(ticket);
    const comment = await commentAfterIdle(ticket, posted.body.id);
    expect(comment.channelback.status).toBe('sent');
    expect(comment.channelback.attempts.map((attempt: Json) => attempt.httpStatus ?? 'no answer')).toEqual([
      503,
      'no answer',
      429,
      200,
    ]);
    const identifiers = harness.integration
      .requests('/channelback')
      .map((request) => request.form.get('request_unique_identifier'));
    expect(identifiers).toHaveLength(4);
    expect(new Set(identifiers).size).toBe(1);
  });

  it('shows the integration’s refusal to the agent without retrying a 4xx', async () => {
    const ticket = await channelTicket();
    harness.behaviour.channelback = () => ({ status: 422, body: { error: 'The 24-hour window is closed.' } });
    const comment = await commentAfterIdle(ticket, (await reply(ticket)).body.id);
    expect(comment.channelback).toMatchObject({
      status: 'failed',
      error: { httpStatus: 422, message: '{"error":"The 24-hour window is closed."}' },
    });
    expect(harness.integration.requests('/channelback')).toHaveLength(1);
  });

  it('gives up after the attempts and fails an answer without external_id', async () => {
    const ticket = await channelTicket();
    harness.behaviour.channelback = () => ({ status: 500, body: 'still down' });
    const failed = await commentAfterIdle(ticket, (await reply(ticket)).body.id);
    expect(failed.channelback).toMatchObject({ status: 'failed', error: { httpStatus: 500, message: 'still down' } });
    expect(failed.channelback.attempts).toHaveLength(3);

    harness.behaviour.channelback = () => ({ status: 200, body: { external_id: 'wamid. padded ' } });
    const invalid = await commentAfterIdle(ticket, (await reply(ticket)).body.id);
    expect(invalid.channelback.status).toBe('failed');
    expect(invalid.channelback.error.message).toContain('Invalid channelback answer');
  });

  it('sends nothing for internal notes, or after allow_channelback false', async () => {
    const ticket = await channelTicket();
    await reply(ticket, { body: 'note', public: false });
    await harness.push(instance, [resource('wamid.A3', { allow_channelback: false })]);
    const blocked = await reply(ticket, { body: 'cannot go' });
    await harness.sandbox.idle();
    expect(blocked.body.channelback).toBeNull();
    expect(harness.integration.requests('/channelback')).toEqual([]);
  });

  it('records an error the integration reports after answering', async () => {
    const ticket = await channelTicket();
    const posted = await reply(ticket);
    await harness.sandbox.idle();
    const reported = await harness.api(
      'POST',
      '/api/v2/any_channel/channelback/report_error',
      {
        instance_push_id: instance.instance_push_id,
        external_id: 'wamid.reply-0',
        description: 'Undeliverable',
        request_id: 'r1',
      },
      instance.zendesk_access_token,
    );
    expect(reported.status).toBe(200);
    const comment = await commentAfterIdle(ticket, posted.body.id);
    expect(comment.channelback.reported_error).toEqual({ description: 'Undeliverable', requestId: 'r1' });
  });
});
