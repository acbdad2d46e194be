import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Json } from './harness.js';
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

describe('push', () => {
  it('imports resources into one ticket per thread_id and answers success per resource, in order', async () => {
    const pushed = await harness.push(instance, [resource('wamid.A1'), resource('wamid.A2', { message: 'Second' })], {
      request_id: 'req-1',
    });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toEqual({
      results: [
        { external_resource_id: 'wamid.A1', status: { code: 'success' } },
        { external_resource_id: 'wamid.A2', status: { code: 'success' } },
      ],
    });
    const [ticket, ...others] = await tickets();
    expect(others).toEqual([]);
    expect(ticket).toMatchObject({
      subject: 'Message wamid.A1',
      status: 'new',
      requester: { name: 'Hanako Yamada', external_id: 'whatsapp:+819012345678', locale: 'ja', role: 'end-user' },
      via: { channel: 'any_channel', source: { instance_id: instance.id, thread_id: 'whatsapp:+819012345678' } },
    });
    expect(ticket.comments.map((comment: Json) => [comment.external_id, comment.body, comment.public])).toEqual([
      ['wamid.A1', 'Message wamid.A1', true],
      ['wamid.A2', 'Second', true],
    ]);
    expect(ticket.comments[0].clickthrough_url).toBe(`${harness.integration.url}/clickthrough?external_id=wamid.A1`);

    await harness.push(instance, [
      resource('wamid.B1', { thread_id: 'whatsapp:+447700900123', author: { external_id: 'whatsapp:+447700900123' } }),
    ]);
    const after = await tickets();
    expect(after).toHaveLength(2);
    expect(after[1].requester.name).toBe('whatsapp:+447700900123');
  });

  it('answers already_imported for a repeated external_id, within a push and across pushes, without a second comment', async () => {
    await harness.push(instance, [resource('wamid.A1')]);
    const repeated = await harness.push(instance, [resource('wamid.A1'), resource('wamid.A2'), resource('wamid.A2')]);
    expect(repeated.body.results.map((result: Json) => result.status.code)).toEqual([
      'already_imported',
      'success',
      'already_imported',
    ]);
    const [ticket] = await tickets();
    expect(ticket.comments.map((comment: Json) => comment.external_id)).toEqual(['wamid.A1', 'wamid.A2']);
  });

  it('deduplicates concurrent pushes of one resource', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => harness.push(instance, [resource('wamid.C1')])));
    const codes = answers.map((answer) => answer.body.results[0].status.code).sort();
    expect(codes).toEqual(['already_imported', 'already_imported', 'success']);
    expect((await tickets())[0].comments).toHaveLength(1);
  });

  it('threads a reply by parent_id, and answers could_not_locate_parent_external_resource then halted', async () => {
    await harness.push(instance, [resource('wamid.A1')]);
    const answer = await harness.push(instance, [
      resource('wamid.A2', { thread_id: undefined, parent_id: 'wamid.A1' }),
      resource('wamid.A3', { thread_id: undefined, parent_id: 'wamid.unknown' }),
      resource('wamid.A4'),
    ]);
    expect(answer.body.results).toEqual([
      { external_resource_id: 'wamid.A2', status: { code: 'success' } },
      {
        external_resource_id: 'wamid.A3',
        status: { code: 'could_not_locate_parent_external_resource', description: 'wamid.unknown' },
      },
      { external_resource_id: 'wamid.A4', status: { code: 'halted' } },
    ]);
    const all = await tickets();
    expect(all).toHaveLength(1);
    expect(all[0].comments.map((comment: Json) => comment.external_id)).toEqual(['wamid.A1', 'wamid.A2']);
  });

  it('imports file_urls as attachments, and a file that cannot be fetched is a processing_error', async () => {
    const answer = await harness.push(instance, [
      resource('wamid.IMG', { file_urls: [`${harness.integration.url}/files/photo.png`] }),
      resource('wamid.BAD', { file_urls: [`${harness.integration.url}/files/missing.png`] }),
    ]);
    expect(answer.body.results[1].status).toMatchObject({ code: 'processing_error' });
    expect(answer.body.results[1].status.description).toContain('HTTP 404');
    const [ticket] = await tickets();
    expect(ticket.comments).toHaveLength(1);
    expect(ticket.comments[0].attachments).toEqual([
      expect.objectContaining({
        file_name: 'photo.png',
        content_type: 'image/png',
        size: 70,
        source_url: `${harness.integration.url}/files/photo.png`,
      }),
    ]);
  });

  it('imports an internal_note as a private comment and keeps the last allow_channelback', async () => {
    await harness.push(instance, [resource('wamid.A1'), resource('sent.1', { internal_note: true, allow_channelback: false })]);
    const [ticket] = await tickets();
    expect(ticket.comments.map((comment: Json) => comment.public)).toEqual([true, false]);
    expect(ticket.allow_channelback).toBe(false);
  });

  it('opens a follow-up ticket when the thread’s ticket is closed (create_followup_tickets)', async () => {
    await harness.push(instance, [resource('wamid.A1')]);
    const [closed] = await tickets();
    await harness.control('PATCH', `/sandbox/tickets/${closed.id}`, { status: 'closed' });
    await harness.push(instance, [resource('wamid.A2')]);
    await harness.push(instance, [resource('wamid.A3')]);
    const all = await tickets();
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({ followup_source_id: closed.id, status: 'new' });
    expect(all[1].comments.map((comment: Json) => comment.external_id)).toEqual(['wamid.A2', 'wamid.A3']);
    const events = (await harness.control('GET', '/sandbox/events')).body.data as Json[];
    const created = events.filter((event) => event.body.events[0].type_id === 'resources_created_from_external_ids');
    expect(created.map((event) => event.body.events[0].data.resource_events[0].type_id)).toEqual([
      'comment_on_new_ticket',
      'comment_on_follow_up_ticket',
      'comment_on_existing_ticket',
    ]);
  });

  it('refuses a push without a valid token (401) or for another account (403)', async () => {
    const noToken = await harness.api(
      'POST',
      '/api/v2/any_channel/push',
      { instance_push_id: instance.instance_push_id, external_resources: [] },
      null,
    );
    expect(noToken.status).toBe(401);
    expect(noToken.body.error).toBe('invalid_token');
    const wrongToken = await harness.api(
      'POST',
      '/api/v2/any_channel/push',
      { instance_push_id: instance.instance_push_id, external_resources: [] },
      'f'.repeat(64),
    );
    expect(wrongToken.status).toBe(401);
    const otherAccount = await harness.api(
      'POST',
      '/api/v2/any_channel/push',
      { instance_push_id: 'another-account', external_resources: [resource('wamid.X')] },
      instance.zendesk_access_token,
    );
    expect(otherAccount.status).toBe(403);

    await harness.control('DELETE', `/sandbox/instances/${instance.id}`);
    expect((await harness.push(instance, [resource('wamid.Y')])).status).toBe(401);
    expect(await tickets()).toEqual([]);
  });

  it('refuses what Zendesk refuses: non-ASCII or padded external_id, oversize fields, > 10 file_urls, parent_id with thread_id', async () => {
    const refusals: [Json, string][] = [
      [resource('wamid.日本'), 'external_resources[0].external_id'],
      [resource(' wamid.A1'), 'external_resources[0].external_id'],
      [resource('x'.repeat(256)), 'external_resources[0].external_id'],
      [resource('wamid.A1', { message: 'x'.repeat(65_536) }), 'external_resources[0].message'],
      [resource('wamid.A1', { message: '' }), 'external_resources[0].message'],
      [
        resource('wamid.A1', { file_urls: Array.from({ length: 11 }, (_, index) => `https://example.com/${index}.png`) }),
        'external_resources[0].file_urls',
      ],
      [resource('wamid.A1', { file_urls: ['ftp://example.com/a.png'] }), 'external_resources[0].file_urls[0]'],
      [resource('wamid.A1', { parent_id: 'wamid.A0' }), 'external_resources[0].thread_id'],
      [resource('wamid.A1', { created_at: 'yesterday' }), 'external_resources[0].created_at'],
      [resource('wamid.A1', { author: { name: 'No id' } }), 'external_resources[0].author.external_id'],
    ];
    for (const [bad, field] of refusals) {
      const answer = await harness.push(instance, [bad]);
      expect(answer.status, field).toBe(422);
      expect(answer.body.error).toBe('RecordInvalid');
      expect(Object.keys(answer.body.details), JSON.stringify(answer.body.details)).toContain(field);
    }
    const tooMany = await harness.push(
      instance,
      Array.from({ length: 257 }, (_, index) => resource(`wamid.${index}`)),
    );
    expect(tooMany.status).toBe(422);
    const noPushId = await harness.api(
      'POST',
      '/api/v2/any_channel/push',
      { external_resources: [] },
      instance.zendesk_access_token,
    );
    expect(noPushId.status).toBe(422);
    const notJson = await harness.api('POST', '/api/v2/any_channel/push', '{"instance_push_id":', instance.zendesk_access_token);
    expect(notJson.status).toBe(400);
    expect(await tickets()).toEqual([]);
  });

  it('accepts the documented limits exactly: 255-character external_id, 10 file_urls', async () => {
    const files = Array.from({ length: 10 }, (_, index) => `${harness.integration.url}/files/${index}.png`);
    const answer = await harness.push(instance, [resource('x'.repeat(255), { file_urls: files })]);
    expect(answer.body.results[0].status.code).toBe('success');
    expect((await tickets())[0].comments[0].attachments).toHaveLength(10);
  });

  it('answers 429 with Retry-After, then 503, as the push fault asks, and then works again', async () => {
    await harness.control('PUT', '/sandbox/faults/push', { mode: 'rate_limited', count: 1, retryAfterSeconds: 7 });
    const limited = await harness.push(instance, [resource('wamid.A1')]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    await harness.control('PUT', '/sandbox/faults/push', { mode: 'server_error', count: 1 });
    expect((await harness.push(instance, [resource('wamid.A1')])).status).toBe(503);
    expect(await tickets()).toEqual([]);
    const accepted = await harness.push(instance, [resource('wamid.A1')]);
    expect(accepted.body.results[0].status.code).toBe('success');
  });

  it('validates a token and records a reported channelback error', async () => {
    const valid = await harness.api(
      'POST',
      '/api/v2/any_channel/validate_token',
      { instance_push_id: instance.instance_push_id },
      instance.zendesk_access_token,
    );
    expect(valid.status).toBe(200);
    const unknown = await harness.api(
      'POST',
      '/api/v2/any_channel/channelback/report_error',
      { instance_push_id: instance.instance_push_id, external_id: 'wamid.nothing', description: 'Undeliverable' },
      instance.zendesk_access_token,
    );
    expect(unknown.status).toBe(404);
  });
});
