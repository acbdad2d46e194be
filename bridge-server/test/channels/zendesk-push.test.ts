import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.js';
import { reservePort } from '../../../test/support/free-port.js';
import { sandboxControl } from '../../../test/support/sandbox.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { createZendeskSandbox, type ZendeskSandbox } from '../../src/sandboxes/zendesk/sandbox.js';
import { pixelPng } from '../sandboxes/harness.js';
import { backends } from '../support/backends.js';
import { messagesBody, metaJson, metaSignature } from '../support/meta.js';
import { type SandboxBridge, startSandboxBridge } from '../support/sandbox-bridge.js';
import { customerSendsImage } from './zendesk-support.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Json = any;

/**
 * Push: with a push client id in the manifest, Zendesk hands the admin UI a push token, and every message of the
 * conversation (the customer's, and the business's own from the sidebar) reaches the ticket through a zendesk_push
 * job, without a pull. Duplicated webhooks, 429 with Retry-After and 5xx leave every message exactly once in the ticket;
 * a message Zendesk refuses for a day is a dead job the administrator sees.
 */
describe.each(backends)('Zendesk push on $name', (backend) => {
  let world: SandboxBridge;
  let zendesk: ZendeskSandbox;
  let zendeskUrl: string;
  let closeZendesk: () => Promise<void>;
  let instance: Json;
  let installation: Json;
  const clock = new TestClock(new Date());
  const subdomain = 'momiji';
  const hanako = '819022220001';
  const control = (method: string, path: string, body?: unknown) => sandboxControl(zendeskUrl, method, path, body);
  const db = () => world.bridge.bridge.database.db;
  const tickets = async (): Promise<Json[]> => (await control('GET', `/sandbox/tickets?instance_id=${instance.id}`)).data;
  const commentsOf = async (phone: string): Promise<Json[]> => {
    const ticket = (await tickets()).find((candidate) => candidate.requester?.external_id === `+${phone}`);
    if (ticket === undefined) return [];
    return (await control('GET', `/sandbox/tickets/${ticket.id}`)).comments;
  };
  const pushJobs = async () => db().selectFrom('jobs').selectAll().where('kind', '=', 'zendesk_push').orderBy('id').execute();
  const jobsSettled = () =>
    waitFor('the push jobs to settle', async () => {
      const jobs = await pushJobs();
      return jobs.every((job) => job.status === 'done' || job.status === 'dead') ? jobs : undefined;
    });
  /** A webhook of a customer's text with a given wamid, as Meta posts it (Meta may post it more than once). */
  const postText = async (wamid: string, text: string) => {
    const phoneNumberId = world.deployment.phone_number_id;
    const body = metaJson(
      messagesBody(phoneNumberId, {
        contacts: [{ profile: { name: 'Hanako Yamada' }, wa_id: hanako }],
        messages: [
          { from: hanako, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } },
        ],
      }),
    );
    const appSecret = world.sandbox.state.numbers.get(phoneNumberId)!.appSecret;
    const response = await fetch(`${world.bridge.url}/v1/webhooks/meta/${world.deployment.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, appSecret) },
      body,
    });
    expect(response.status).toBe(200);
    await world.bridge.bridge.processor.drain();
  };

  beforeAll(async () => {
    zendesk = createZendeskSandbox({ allowPlainHttp: true, subdomain, knobs: { pullIntervalMs: 0, retryDelayMsInitial: 5 } });
    const running = await zendesk.listen(0, '127.0.0.1');
    zendeskUrl = running.url;
    closeZendesk = () => running.close();
    world = await startSandboxBridge(backend, {
      port: await reservePort(),
      clock,
      environment: {
        ZENDESK_RETURN_URL_ORIGINS: zendeskUrl,
        ZENDESK_PUSH_CLIENT_ID: 'wabridge_push',
      },
    });
    installation = (
      await world.bridge.request('POST', `/v1/deployments/${world.deployment.id}/installations`, {
        json: { helpdesk: 'zendesk', instance: `${subdomain}.zendesk.com` },
      })
    ).body;
    const integration = await control('POST', '/sandbox/integrations', {
      manifest_url: `${world.bridge.url}/v1/channels/zendesk/manifest.json`,
    });
    expect(integration.manifest).toMatchObject({ push_client_id: 'wabridge_push', channelback_files: true });
    const visit = await control('POST', `/sandbox/integrations/${integration.id}/instances`, {
      auto_submit: true,
      fill: { installation_token: installation.token, name: 'Momiji WhatsApp' },
    });
    expect(visit.auto_submit_error).toBeUndefined();
    instance = visit.instance;
  });
  afterAll(async () => {
    await closeZendesk?.();
    await world?.close();
  });

  it('pushes the customer’s text and image into one ticket without a pull, the push token sealed at rest', async () => {
    await world.customerWrites(`+${hanako}`, 'サイズ交換をお願いします');
    await customerSendsImage(world, { waId: hanako, wamid: 'wamid.push-image-1', bytes: pixelPng, caption: 'この靴です' });
    const comments = await waitFor('both messages in the ticket', async () => {
      const found = await commentsOf(hanako);
      return found.length === 2 ? found : undefined;
    });
    expect(comments.map((comment) => comment.body)).toEqual(['サイズ交換をお願いします', 'この靴です\n[Image]']);
    expect(comments[1].attachments).toEqual([expect.objectContaining({ content_type: 'image/png', size: pixelPng.length })]);
    expect((await control('GET', `/sandbox/instances/${instance.id}`)).pulls ?? []).toEqual([]);
    const jobs = await jobsSettled();
    expect(jobs.map((job) => job.status)).toEqual(['done', 'done']);
    const link = await db().selectFrom('zendesk_channel_links').selectAll().executeTakeFirstOrThrow();
    expect(link.push_token_sealed).not.toBeNull();
    expect(link.push_token_sealed).not.toContain(instance.zendesk_access_token);
    // A pull of the same messages imports nothing twice.
    const pull = await control('POST', `/sandbox/instances/${instance.id}/pull`);
    expect(pull.results.map((result: Json) => result.status.code)).toEqual(['already_imported', 'already_imported']);
    expect(await commentsOf(hanako)).toHaveLength(2);
  });

  it('makes one job and one comment of a webhook Meta delivers three times', async () => {
    const wamid = `wamid.push-dup-${randomUUID()}`;
    for (let time = 0; time < 3; time += 1) await postText(wamid, '届いていますか？');
    await jobsSettled();
    const jobs = (await pushJobs()).filter((job) => (job.payload as Json).external_id === wamid);
    expect(jobs).toHaveLength(1);
    const comments = await waitFor('the comment', async () => {
      const found = await commentsOf(hanako);
      return found.some((comment) => comment.external_id === wamid) ? found : undefined;
    });
    expect(comments.filter((comment) => comment.external_id === wamid)).toHaveLength(1);
  });

  it('puts the business’s messages from the sidebar in the ticket, and an agent’s reply only once', async () => {
    const sent = await world.bridge.request('POST', '/v1/messages', {
      token: world.token,
      json: { to: `+${hanako}`, text: { body: 'Thank you, we will exchange them.' } },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect(sent.status).toBe(202);
    const fromSidebar = await waitFor('the sidebar’s message in the ticket', async () =>
      (await commentsOf(hanako)).find((comment) => comment.external_id === sent.body.id),
    );
    expect(fromSidebar.body).toBe('Thank you, we will exchange them.');
    expect(fromSidebar.author.external_id).toBe(`whatsapp-business:${world.deployment.id}`);

    const ticket = (await tickets()).find((candidate) => candidate.requester?.external_id === `+${hanako}`);
    const before = world.sandbox.state.messages.size;
    const reply = await control('POST', `/sandbox/tickets/${ticket.id}/comments`, { body: 'The new pair ships today.' });
    const channelback = await waitFor('the channelback', async () => {
      const comment = (await control('GET', `/sandbox/tickets/${ticket.id}`)).comments.find((item: Json) => item.id === reply.id);
      return comment.channelback.status === 'pending' ? undefined : comment.channelback;
    });
    expect(channelback.status).toBe('sent');
    expect(world.sandbox.state.messages.size).toBe(before + 1);
    expect([...world.sandbox.state.messages.values()].at(-1)).toMatchObject({ recipientWaId: hanako, type: 'text' });
    await jobsSettled();
    // The agent's reply is on the ticket already: no push of it, and no second comment from a pull.
    expect((await pushJobs()).some((job) => (job.payload as Json).external_id === channelback.external_id)).toBe(false);
    await control('POST', `/sandbox/instances/${instance.id}/pull`);
    const bodies = (await commentsOf(hanako)).map((comment) => comment.body);
    expect(bodies.filter((body) => body === 'The new pair ships today.')).toHaveLength(1);
  });

  it('puts a file the business sent from the sidebar in the ticket as the file, not only its name', async () => {
    const uploaded = await fetch(`${world.bridge.url}/v1/media?filename=label.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.token}`, 'content-type': 'image/png' },
      body: new Uint8Array(pixelPng),
    });
    expect(uploaded.status).toBe(201);
    const upload = (await uploaded.json()) as Json;
    const sent = await world.bridge.request('POST', '/v1/messages', {
      token: world.token,
      json: { to: `+${hanako}`, media: { kind: 'image', upload_id: upload.id, caption: 'Your return label' } },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect(sent.status).toBe(202);
    const comment = await waitFor('the sidebar’s file in the ticket', async () =>
      (await commentsOf(hanako)).find((candidate) => candidate.external_id === sent.body.id),
    );
    expect(comment.author.external_id).toBe(`whatsapp-business:${world.deployment.id}`);
    expect(comment.attachments).toEqual([expect.objectContaining({ content_type: 'image/png', size: pixelPng.length })]);
  });

  it('sends an agent’s attachment as WhatsApp media, downloaded from Zendesk with the push token', async () => {
    const ticket = (await tickets()).find((candidate) => candidate.requester?.external_id === `+${hanako}`);
    const before = world.sandbox.state.messages.size;
    const reply = await control('POST', `/sandbox/tickets/${ticket.id}/comments`, {
      body: 'Here is the label',
      attachments: [{ file_name: 'label.png', content_type: 'image/png', content_base64: pixelPng.toString('base64') }],
    });
    const channelback = await waitFor('the channelback with a file', async () => {
      const comment = (await control('GET', `/sandbox/tickets/${ticket.id}`)).comments.find((item: Json) => item.id === reply.id);
      return comment.channelback.status === 'pending' ? undefined : comment.channelback;
    });
    expect(channelback).toMatchObject({ status: 'sent', error: null });
    const sent = [...world.sandbox.state.messages.values()].slice(before);
    expect(sent.map((message) => message.type)).toEqual(['text', 'image']);
    expect(sent.every((message) => message.recipientWaId === hanako)).toBe(true);
    const uploads = await db().selectFrom('media_uploads').select(['kind', 'mime_type', 'size_bytes']).execute();
    expect(uploads).toContainEqual({ kind: 'image', mime_type: 'image/png', size_bytes: pixelPng.length });
  });

  it('waits as long as Zendesk’s 429 Retry-After says, backs off on 5xx, and delivers once', async () => {
    await control('PUT', '/sandbox/faults/push', { mode: 'rate_limited', count: 1, retryAfterSeconds: 120 });
    await world.customerWrites(`+${hanako}`, 'Rate limited message');
    const limited = await waitFor('the rate-limited attempt', async () => {
      const job = (await pushJobs()).at(-1)!;
      return job.status === 'queued' && job.attempts === 1 ? job : undefined;
    });
    expect(limited.last_error).toContain('429');
    const waitMs = limited.next_attempt_at.getTime() - limited.updated_at.getTime();
    expect(waitMs).toBeGreaterThanOrEqual(119_000);
    expect(waitMs).toBeLessThanOrEqual(121_000);

    await control('PUT', '/sandbox/faults/push', { mode: 'server_error', count: 2, httpStatus: 503 });
    // The retries' own backoff (1 s, 2 s…) is not waited for: each poll makes the job due now.
    await waitFor('the push through two 503s', async () => {
      await sql`update jobs set next_attempt_at = now() where id = ${limited.id} and status = 'queued'`.execute(db());
      world.bridge.bridge.jobs.wake();
      const job = (await pushJobs()).find((candidate) => candidate.id === limited.id)!;
      return job.status === 'done' ? job : undefined;
    });
    const done = (await pushJobs()).find((candidate) => candidate.id === limited.id)!;
    expect(done).toMatchObject({ status: 'done', attempts: 4 });
    expect((await commentsOf(hanako)).filter((comment) => comment.body === 'Rate limited message')).toHaveLength(1);
  });

  it('gives a push up after a day: a dead job in GET /v1/jobs, and pull still delivers the message', async () => {
    await control('PUT', '/sandbox/faults/push', { mode: 'server_error', httpStatus: 502 });
    try {
      await world.customerWrites(`+${hanako}`, 'Zendesk is down');
      const first = await waitFor('the failed attempt', async () => {
        const job = (await pushJobs()).at(-1)!;
        return job.status === 'queued' ? job : undefined;
      });
      // A day after the message was queued, on the bridge's clock.
      clock.set(new Date(first.created_at.getTime() + 24 * 60 * 60_000 + 1_000));
      await sql`update jobs set next_attempt_at = now() where id = ${first.id}`.execute(db());
      world.bridge.bridge.jobs.wake();
      await waitFor('the dead job', async () => {
        const job = (await pushJobs()).find((candidate) => candidate.id === first.id)!;
        return job.status === 'dead' ? job : undefined;
      });
      const dead = await world.bridge.request('GET', '/v1/jobs?kind=zendesk_push&status=dead');
      expect(dead.body.data).toEqual([
        expect.objectContaining({ id: String(first.id), last_error: expect.stringContaining('not delivered by push for a day') }),
      ]);
    } finally {
      await control('PUT', '/sandbox/faults/push', { mode: 'none' });
      clock.set(new Date());
    }
    const pull = await control('POST', `/sandbox/instances/${instance.id}/pull`);
    expect(pull.results.map((result: Json) => result.status.code)).toContain('success');
    expect((await commentsOf(hanako)).filter((comment) => comment.body === 'Zendesk is down')).toHaveLength(1);
  });

  it('routes conversations explicitly: another installation named, this account receives nothing', async () => {
    const routing = await world.bridge.request('GET', `/v1/deployments/${world.deployment.id}/conversation-routing`);
    expect(routing.body.zendesk).toEqual({ installation_ids: expect.arrayContaining([installation.id]), explicit: false });
    const other = (await world.bridge.request('GET', `/v1/deployments/${world.deployment.id}/installations`)).body.data.find(
      (candidate: Json) => candidate.id !== installation.id && candidate.helpdesk === 'zendesk',
    );
    const named = await world.bridge.request('PUT', `/v1/deployments/${world.deployment.id}/conversation-routing`, {
      json: { zendesk_installation_id: other.id },
    });
    expect(named.status).toBe(200);
    expect(named.body.zendesk).toEqual({ installation_ids: [other.id], explicit: true });
    const jobsBefore = (await pushJobs()).length;
    await world.customerWrites(`+${hanako}`, 'Routed elsewhere');
    expect((await pushJobs()).length).toBe(jobsBefore);
    expect((await control('POST', `/sandbox/instances/${instance.id}/pull`)).results).toEqual([]);

    // Only an administrator routes, and only to a live installation of that helpdesk on this deployment.
    const byInstallation = await world.bridge.request('PUT', `/v1/deployments/${world.deployment.id}/conversation-routing`, {
      token: world.token,
      json: { zendesk_installation_id: installation.id },
    });
    expect(byInstallation.status).toBe(403);
    const wrongHelpdesk = await world.bridge.request('PUT', `/v1/deployments/${world.deployment.id}/conversation-routing`, {
      json: { zoho_installation_id: installation.id },
    });
    expect(wrongHelpdesk.status).toBe(422);
    expect(wrongHelpdesk.body.errors[0].code).toBe('not_routable');

    const back = await world.bridge.request('PUT', `/v1/deployments/${world.deployment.id}/conversation-routing`, {
      json: { zendesk_installation_id: null },
    });
    expect(back.body.zendesk.explicit).toBe(false);
    // Back in the route: the message written meanwhile comes with the next pull.
    const pull = await control('POST', `/sandbox/instances/${instance.id}/pull`);
    expect(pull.results.map((result: Json) => result.status.code)).toContain('success');
    expect((await commentsOf(hanako)).filter((comment) => comment.body === 'Routed elsewhere')).toHaveLength(1);
  });
});
