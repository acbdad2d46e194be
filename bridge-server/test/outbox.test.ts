import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enqueueText } from '../src/outbox/store.js';
import { backends } from './support/backends.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';

/** A parsed JSON answer; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Json = any;

const stopReply = 'Sakura Shoes: you will get no more messages from us. Reply START to resume.';
const resumeReply = 'Sakura Shoes: welcome back, messages are on again.';

describe.each(backends)('opt-out confirmations through the outbox on $name', (backend) => {
  let world: SandboxBridge;
  const db = () => world.bridge.bridge.database.db;
  const outbox = () => world.bridge.bridge.jobs;
  const putSettings = (json: unknown) => world.bridge.request('PUT', '/v1/optin-topics', { token: world.token, json });
  const configure = (confirmations: unknown) => putSettings({ confirmations });
  /** What Meta (the sandbox) accepted for one customer. */
  const sandboxMessagesTo = async (phone: string): Promise<Json[]> =>
    (
      await world.control(
        'GET',
        `/sandbox/messages?phone_number_id=${world.deployment.phone_number_id}&recipient=${phone.slice(1)}`,
      )
    ).data;
  const messageRowsTo = (phone: string) =>
    db().selectFrom('messages').selectAll().where('recipient_phone', '=', phone).orderBy('created_at').execute();
  /** The send_text jobs to one customer (the outbox). */
  const outboxRowsTo = async (phone: string): Promise<Json[]> =>
    (await db().selectFrom('jobs').selectAll().where('kind', '=', 'send_text').orderBy('id').execute()).filter(
      (row) => (row.payload as Json).to === phone,
    );
  /** The customer writes; the webhook is applied, the outbox carried out, and Meta's statuses applied. */
  const customerWrites = async (phone: string, text: string) => {
    await world.customerWrites(phone, text);
    await outbox().drain();
    await world.settle();
  };

  beforeAll(async () => {
    world = await startSandboxBridge(backend);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('keeps confirmation texts in the opt-in settings, validated, none by default', async () => {
    const defaults = await world.bridge.request('GET', '/v1/optin-topics', { token: world.token });
    expect(defaults.body.confirmations).toEqual({ opt_out: null, opt_in: null });

    const tooLong = await configure({ opt_out: 'x'.repeat(1025), opt_in: null });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.confirmations.opt_out' }] });
    expect((await configure({ opt_out: '', opt_in: null })).status).toBe(422);
    expect((await configure({ opt_out: '   ', opt_in: null })).status).toBe(422);
    expect((await configure({ opt_out: 'ok', unknown: 'x' })).status).toBe(422);

    const longest = 'あ'.repeat(1024);
    const saved = await configure({ opt_out: longest });
    expect(saved.status).toBe(200);
    expect(saved.body.confirmations).toEqual({ opt_out: longest, opt_in: null });
    // Other fields' updates keep the confirmations, and confirmations' updates keep the other fields.
    await putSettings({ topics: [{ id: 'newsletter' }], business_names: ['さくらシューズ'] });
    const kept = await world.bridge.request('GET', '/v1/optin-topics', { token: world.token });
    expect(kept.body.confirmations).toEqual({ opt_out: longest, opt_in: null });
    expect(kept.body.business_names).toContain('さくらシューズ');
    const both = await configure({ opt_out: stopReply, opt_in: resumeReply });
    expect(both.body.confirmations).toEqual({ opt_out: stopReply, opt_in: resumeReply });
    expect(both.body.topics.map((topic: Json) => topic.id)).not.toContain('newsletter');
  });

  it('answers a keyword STOP with exactly one confirmation, recorded as a normal message, and START with its own', async () => {
    await configure({ opt_out: stopReply, opt_in: resumeReply });
    const phone = '+819012340001';
    // A resume restores only what a keyword stop withdrew: the customer had opted in before.
    const optIn = await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
      token: world.token,
      json: {
        topic: 'utility',
        state: 'opted_in',
        source: 'website_form',
        evidence: 'I agree to receive order updates from Sakura Shoes on WhatsApp.',
        occurred_at: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    expect(optIn.status).toBe(201);
    await customerWrites(phone, 'STOP');

    const sent = await sandboxMessagesTo(phone);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0])).toContain(stopReply);
    const rows = await messageRowsTo(phone);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ kind: 'text', installation_id: null, state: 'accepted', wamid: sent[0].id });
    expect(row!.content).toEqual({ text: { body: stopReply } });
    expect(sent[0].biz_opaque_callback_data).toBe(row!.id);
    const [queued] = await outboxRowsTo(phone);
    expect(queued).toMatchObject({ kind: 'send_text', status: 'done', attempts: 1, last_error: null });
    expect(queued.payload.message_id).toBe(row!.id);
    expect(queued!.finished_at).toBeInstanceOf(Date);
    expect(queued!.payload).toMatchObject({ cause: { kind: 'keyword_opt_out', keyword: 'STOP' } });

    // The message reads like any other through the API; its statuses arrive as for any other.
    const answer = await world.bridge.request('GET', `/v1/messages/${row!.id}`, { token: world.token });
    expect(answer.body).toMatchObject({ id: row!.id, kind: 'text', text: stopReply, to: phone });

    await customerWrites(phone, 'START');
    const afterResume = await sandboxMessagesTo(phone);
    expect(afterResume).toHaveLength(2);
    expect(JSON.stringify(afterResume.at(-1))).toContain(resumeReply);
    expect(await messageRowsTo(phone)).toHaveLength(2);
  });

  it('sends nothing when no confirmation is configured, for a message that is not a keyword, nor for a resume that changes nothing', async () => {
    await configure({ opt_out: null, opt_in: null });
    const phone = '+819012340002';
    await customerWrites(phone, 'STOP');
    await configure({ opt_out: stopReply, opt_in: null });
    await customerWrites(phone, "please don't stop my order");
    // A resume keyword with no resume text configured: no reply.
    await customerWrites(phone, 'START');
    // With one configured, a resume that restores nothing (no opt-in was ever given) is not answered either.
    await configure({ opt_out: stopReply, opt_in: resumeReply });
    await customerWrites(phone, 'START');
    expect(await sandboxMessagesTo(phone)).toHaveLength(0);
    expect(await messageRowsTo(phone)).toHaveLength(0);
    expect(await outboxRowsTo(phone)).toHaveLength(0);
    const history = await world.bridge.request('GET', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
      token: world.token,
    });
    expect(history.body.data.some((entry: Json) => entry.state === 'opted_out')).toBe(true);
  });

  it('does not confirm twice when Meta delivers the webhook twice, even in another body', async () => {
    await configure({ opt_out: stopReply, opt_in: resumeReply });
    const phone = '+819012340003';
    await world.control('PUT', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`, { duplicateDeliveries: true });
    try {
      await customerWrites(phone, '配信停止');
    } finally {
      await world.control('DELETE', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`);
    }
    // Meta may also repeat an event in a body of its own (another batch): the same message, other bytes.
    const { rows } = await sql<{ body: Uint8Array; wamid: string }>`
      select w.body, i.wamid from webhook_events w join inbound_messages i on i.webhook_event_id = w.id
      where i.text_body = ${'配信停止'}`.execute(db());
    expect(rows).toHaveLength(1);
    const repeated = Buffer.from(`${JSON.stringify(JSON.parse(Buffer.from(rows[0]!.body).toString('utf8')), null, 2)}\n`);
    await db()
      .insertInto('webhook_events')
      .values({
        deployment_id: world.deployment.id,
        body: repeated,
        body_sha256: createHash('sha256').update(repeated).digest('hex'),
      })
      .execute();
    await world.settle();
    await outbox().drain();
    await world.settle();
    const processed = await db()
      .selectFrom('webhook_events')
      .select(['processed_at', 'last_error'])
      .where('body_sha256', '=', createHash('sha256').update(repeated).digest('hex'))
      .executeTakeFirstOrThrow();
    expect(processed).toMatchObject({ processed_at: expect.any(Date), last_error: null });
    expect(await sandboxMessagesTo(phone)).toHaveLength(1);
    expect(await messageRowsTo(phone)).toHaveLength(1);
    expect(await outboxRowsTo(phone)).toHaveLength(1);
  });

  it('never sends twice after a crash between recording the message and calling Meta', async () => {
    await configure({ opt_out: stopReply, opt_in: resumeReply });
    const phone = '+819012340004';
    await outbox().stop();
    try {
      await world.customerWrites(phone, 'STOP');
      const [queued] = await outboxRowsTo(phone);
      expect(queued).toMatchObject({ status: 'queued', attempts: 0 });
      // What a runner that died leaves: the job claimed (its lease now over), the message recorded, Meta never called.
      await sql`update jobs set status = 'running', attempts = 1, lease_until = now() - interval '1 second'
        where id = ${queued.id}`.execute(db());
      await db()
        .insertInto('messages')
        .values({
          id: queued.payload.message_id,
          deployment_id: world.deployment.id,
          installation_id: null,
          recipient_phone: phone,
          kind: 'text',
          content: JSON.stringify({ text: { body: stopReply } }),
          template_name: null,
          template_language: null,
          template_category: null,
          ticket_helpdesk: null,
          ticket_id: null,
          state: 'sending',
        })
        .execute();
    } finally {
      outbox().start();
    }
    await outbox().drain();
    await world.settle();
    expect(await sandboxMessagesTo(phone)).toHaveLength(0);
    const [row] = await messageRowsTo(phone);
    // Whether Meta got it is unknown to the bridge: a status webhook carrying the id would settle it.
    expect(row).toMatchObject({ state: 'outcome_unknown' });
    const [done] = await outboxRowsTo(phone);
    expect(done).toMatchObject({
      status: 'done',
      attempts: 2,
      last_error: expect.stringMatching(/earlier attempt that never reported back/),
    });
  });

  it('never sends twice after a crash between Meta accepting the message and the row being marked done', async () => {
    await configure({ opt_out: stopReply, opt_in: resumeReply });
    const phone = '+819012340005';
    await customerWrites(phone, 'STOP');
    expect(await sandboxMessagesTo(phone)).toHaveLength(1);
    const [queued] = await outboxRowsTo(phone);
    // As if the runner died right after Meta answered: the job is still running, its lease over.
    await sql`update jobs set status = 'running', finished_at = null, lease_until = now() - interval '1 second'
      where id = ${queued.id}`.execute(db());
    await outbox().drain();
    await world.settle();
    expect(await sandboxMessagesTo(phone)).toHaveLength(1);
    expect(await messageRowsTo(phone)).toHaveLength(1);
    const [done] = await outboxRowsTo(phone);
    expect(done).toMatchObject({ status: 'done', last_error: null });
    expect(done.payload.message_id).toBe(queued.payload.message_id);
  });

  it('ends a row whose customer service window closed meanwhile, with the reason, without sending or retrying', async () => {
    const phone = '+819012340006';
    const accountId = (
      await db().selectFrom('deployments').select('account_id').where('id', '=', world.deployment.id).executeTakeFirstOrThrow()
    ).account_id;
    await db()
      .transaction()
      .execute((transaction) =>
        enqueueText(transaction, {
          accountId,
          deploymentId: world.deployment.id,
          payload: { to: phone, body: stopReply, cause: { kind: 'test', inbound_wamid: null, keyword: null } },
        }),
      );
    await outbox().drain();
    const [done] = await outboxRowsTo(phone);
    expect(done).toMatchObject({ status: 'done', attempts: 1, last_error: expect.stringMatching(/^window_closed: /) });
    expect(await messageRowsTo(phone)).toHaveLength(0);
    expect(await sandboxMessagesTo(phone)).toHaveLength(0);
  });
});

describe.each(backends)('outbox retries on $name', (backend) => {
  let world: SandboxBridge;
  const db = () => world.bridge.bridge.database.db;
  const outbox = () => world.bridge.bridge.jobs;

  beforeAll(async () => {
    // One attempt per Meta call: a throughput refusal reaches the pipeline instead of being retried inside the client.
    world = await startSandboxBridge(backend, { environment: { META_ATTEMPTS_MAX: '1' } });
  });
  afterEach(async () => {
    // The test lifts its throughput knob itself mid-way; this resets it too when an assertion failed before that.
    await world.control('DELETE', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('retries a send Meta refused for now under a new message id, and sends it once', async () => {
    const phone = '+819012340101';
    await world.bridge.request('PUT', '/v1/optin-topics', {
      token: world.token,
      json: { confirmations: { opt_out: stopReply } },
    });
    await outbox().stop();
    let firstMessageId: string;
    try {
      await world.customerWrites(phone, 'STOP');
      const queued = await db().selectFrom('jobs').selectAll().where('kind', '=', 'send_text').executeTakeFirstOrThrow();
      firstMessageId = (queued.payload as Json).message_id;
      // Meta's throughput limit is spent by an agent's reply just before the outbox sends.
      await world.control('PUT', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`, {
        throughputMessagesPerSecond: 1,
      });
      expect((await world.send({ to: phone, text: { body: '少々お待ちください。' } })).status).toBe(202);
      expect(await outbox().runOne()).toBe('queued');
    } finally {
      outbox().start();
    }
    const sendJob = () => db().selectFrom('jobs').selectAll().where('kind', '=', 'send_text').executeTakeFirstOrThrow();
    const waiting: Json = await sendJob();
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1, last_error: expect.stringMatching(/^meta_unavailable: /) });
    expect(waiting.payload.message_id).not.toBe(firstMessageId);
    // Backoff on the database's clock: the next attempt is not due yet.
    const { rows } = await sql<{
      later: boolean;
    }>`select next_attempt_at > now() as later from jobs where id = ${waiting.id}`.execute(db());
    expect(rows[0]?.later).toBe(true);
    const refused = await db().selectFrom('messages').selectAll().where('id', '=', firstMessageId).executeTakeFirstOrThrow();
    expect(refused).toMatchObject({ state: 'failed', error_code: 130429, wamid: null });

    await world.control('DELETE', `/sandbox/numbers/${world.deployment.phone_number_id}/knobs`);
    await sql`update jobs set next_attempt_at = now() where id = ${waiting.id}`.execute(db());
    await outbox().drain();
    await world.settle();
    const done: Json = await sendJob();
    expect(done).toMatchObject({ status: 'done', attempts: 2, last_error: null });
    expect(done.payload.message_id).toBe(waiting.payload.message_id);
    const sent = await world.control(
      'GET',
      `/sandbox/messages?phone_number_id=${world.deployment.phone_number_id}&recipient=${phone.slice(1)}`,
    );
    const confirmations = sent.data.filter((message: Json) => JSON.stringify(message).includes(stopReply));
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0].biz_opaque_callback_data).toBe(waiting.payload.message_id);
  });
});
