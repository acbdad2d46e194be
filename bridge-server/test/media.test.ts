import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, sandboxControl, settle as settleWorld } from '../../test/support/sandbox.js';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../src/meta-sandbox/sandbox.js';
import { backends } from './support/backends.js';
import { deploymentRequest, registerWithMeta, startTestBridge, type TestBridge } from './support/bridge.js';
import { amr, exe, jpeg, mp3, mp4, oggOpus, pdf, png, threeGp, zip } from './support/media-files.js';

/** The image limit of the main bridge: small, so that files at and over it stay tiny. */
const imageBytesMax = 2_048;

interface Tenant {
  deploymentId: string;
  phoneNumberId: string;
  token: string;
}

/** A local file server for media.url, recording the requests it gets. */
class FileServer {
  readonly requests: string[] = [];
  files: Record<string, { bytes: Buffer; type: string; disposition?: string }> = {};
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FileServer> {
    let files: FileServer | undefined;
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const self = files as FileServer;
      self.requests.push(request.url ?? '');
      const file = self.files[request.url ?? ''];
      if (file === undefined) {
        response.writeHead(404).end();
        return;
      }
      response
        .writeHead(200, {
          'Content-Type': file.type,
          'Content-Length': String(file.bytes.length),
          ...(file.disposition ? { 'Content-Disposition': file.disposition } : {}),
        })
        .end(file.bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    files = new FileServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return files;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Media end to end: the bridge's upload route and media sends, against the Meta sandbox, on both backends. */
describe.each(backends)('media on $name', (backend) => {
  let sandbox: MetaSandbox;
  let sandboxServer: ListeningSandbox;
  let fileServer: FileServer;
  let bridge: TestBridge;
  let strictBridge: TestBridge;
  let tenant: Tenant;
  let otherTenant: Tenant;
  let strictTenant: Tenant;
  const customer = '+819012340001';
  const silentCustomer = '+819012340002';

  async function registerTenant(on: TestBridge, name: string, helpdesk: 'zendesk' | 'zoho', instance: string): Promise<Tenant> {
    const account = await on.request('POST', '/v1/accounts', { json: { name } });
    const request = deploymentRequest(account.body.id);
    registerWithMeta(sandbox, request);
    const deployment = (await on.request('POST', '/v1/deployments', { json: request })).body;
    const token = (await on.request('POST', `/v1/deployments/${deployment.id}/installations`, { json: { helpdesk, instance } }))
      .body.token;
    sandbox.registerNumber({
      phone_number_id: deployment.phone_number_id,
      waba_id: deployment.waba_id,
      display_phone_number: '+81 3-1234-0000',
      verified_name: name,
      access_token: request.access_token as string,
      app_secret: request.app_secret as string,
      webhook_url: `${on.url}/v1/webhooks/meta/${deployment.id}`,
    });
    return { deploymentId: deployment.id, phoneNumberId: deployment.phone_number_id, token };
  }

  beforeAll(async () => {
    sandbox = createMetaSandbox({ knobs: { statusDelaysMs: { sent: 5, delivered: 10, read: 15 } } });
    sandboxServer = await sandbox.listen(0);
    fileServer = await FileServer.start();
    const environment = { META_GRAPH_URL: sandboxServer.url, META_TIMEOUT_MS: '2000', META_ATTEMPTS_MAX: '1' };
    bridge = await startTestBridge(backend, {
      ...environment,
      MEDIA_IMAGE_BYTES_MAX: String(imageBytesMax),
      // The files come from a local server over http: allowed here, as in the demo.
      MEDIA_URL_ALLOW_HTTP: 'true',
      MEDIA_URL_ALLOW_PRIVATE_ADDRESSES: 'true',
    });
    // The production default for addresses (http allowed only so that the refusal is about the address).
    strictBridge = await startTestBridge(backend, { ...environment, MEDIA_URL_ALLOW_HTTP: 'true' });
    tenant = await registerTenant(bridge, 'Media', 'zendesk', 'media.zendesk.com');
    otherTenant = await registerTenant(bridge, 'Other', 'zoho', '60011113333');
    strictTenant = await registerTenant(strictBridge, 'Strict', 'zendesk', 'strict.zendesk.com');
    for (const [on, who] of [
      [bridge, tenant],
      [bridge, otherTenant],
      [strictBridge, strictTenant],
    ] as const) {
      await control('POST', `/sandbox/numbers/${who.phoneNumberId}/inbound`, {
        from: customer.slice(1),
        text: '写真を送ってください',
      });
      await settle(on);
    }
  });
  afterAll(async () => {
    await sandboxServer?.close();
    await fileServer?.close();
    await bridge?.close();
    await strictBridge?.close();
  });

  const settle = (on: TestBridge = bridge) => settleWorld(sandbox, on.bridge);
  const control = (method: string, path: string, body?: unknown) => sandboxControl(sandboxServer.url, method, path, body);

  async function upload(
    bytes: Buffer,
    contentType: string | undefined,
    options: { filename?: string; token?: string | null; on?: TestBridge } = {},
  ): Promise<{ status: number; headers: Headers; body: Json }> {
    const on = options.on ?? bridge;
    const token = options.token === undefined ? tenant.token : options.token;
    const query = options.filename === undefined ? '' : `?filename=${encodeURIComponent(options.filename)}`;
    const response = await fetch(`${on.url}/v1/media${query}`, {
      method: 'POST',
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
      },
      body: new Uint8Array(bytes),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  const send = (json: unknown, options: { token?: string; on?: TestBridge; key?: string } = {}) =>
    (options.on ?? bridge).request('POST', '/v1/messages', {
      token: options.token ?? tenant.token,
      json,
      headers: { 'idempotency-key': options.key ?? randomUUID() },
    });

  /** What a refused request must leave untouched: upload rows, messages, and Meta's copy of the files. */
  async function stored(on: TestBridge = bridge, who: Tenant = tenant) {
    const db = on.bridge.database.db;
    const count = async (table: 'media_uploads' | 'messages') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .executeTakeFirstOrThrow()
        ).count,
      );
    return {
      mediaUploads: await count('media_uploads'),
      messages: await count('messages'),
      sandboxUploads: (await control('GET', `/sandbox/media?phone_number_id=${who.phoneNumberId}`)).data.length,
    };
  }

  async function metaMediaIdOf(uploadId: string): Promise<string> {
    const row = await bridge.bridge.database.db
      .selectFrom('media_uploads')
      .select('meta_media_id')
      .where('id', '=', uploadId)
      .executeTakeFirstOrThrow();
    return row.meta_media_id;
  }

  describe('POST /v1/media', () => {
    it('uploads each accepted type to Meta, reading its kind and type from the content', async () => {
      const files = [
        { bytes: jpeg(), contentType: 'image/jpeg', filename: 'receipt.jpg', kind: 'image', mime: 'image/jpeg' },
        { bytes: png(), contentType: 'image/png', filename: 'pixel.png', kind: 'image', mime: 'image/png' },
        {
          bytes: pdf(),
          contentType: 'application/pdf',
          filename: 'Invoice "Nov" 請求書.pdf',
          kind: 'document',
          mime: 'application/pdf',
        },
        { bytes: mp4(), contentType: 'video/mp4', filename: 'clip.mp4', kind: 'video', mime: 'video/mp4' },
        { bytes: threeGp(), contentType: 'video/3gpp', filename: 'clip.3gp', kind: 'video', mime: 'video/3gpp' },
        { bytes: mp3(), contentType: 'audio/mpeg', filename: 'voice.mp3', kind: 'audio', mime: 'audio/mpeg' },
        { bytes: oggOpus(), contentType: 'audio/ogg', filename: 'voice.ogg', kind: 'audio', mime: 'audio/ogg' },
        { bytes: amr(), contentType: 'application/octet-stream', filename: undefined, kind: 'audio', mime: 'audio/amr' },
      ];
      for (const file of files) {
        const answer = await upload(file.bytes, file.contentType, { filename: file.filename });
        expect(answer.status, file.mime).toBe(201);
        const sha256 = createHash('sha256').update(file.bytes).digest('hex');
        expect(answer.body).toEqual({
          id: expect.stringMatching(/^med_[0-9a-z]{24}$/),
          kind: file.kind,
          mime_type: file.mime,
          size_bytes: file.bytes.length,
          filename: file.filename ?? null,
          sha256,
          created_at: expect.any(String),
          expires_at: expect.any(String),
        });
        expect(Date.parse(answer.body.expires_at) - Date.parse(answer.body.created_at)).toBe(30 * 24 * 3_600_000);
        expect(answer.headers.get('location')).toBe(`/v1/media/${answer.body.id}`);
        const atMeta = await control('GET', `/sandbox/media/${await metaMediaIdOf(answer.body.id)}`);
        expect(atMeta).toMatchObject({ phone_number_id: tenant.phoneNumberId, mime_type: file.mime, sha256 });
        expect((await bridge.request('GET', `/v1/media/${answer.body.id}`, { token: tenant.token })).body).toEqual(answer.body);
      }
    });

    it('refuses a PNG named .pdf and sent as application/pdf: the content decides, and disagrees', async () => {
      const before = await stored();
      const renamed = await upload(png(), 'application/pdf', { filename: 'invoice.pdf' });
      expect(renamed.status).toBe(422);
      expect(renamed.body).toMatchObject({
        code: 'media_content_mismatch',
        declared_type: 'application/pdf',
        content_type: 'image/png',
        detail: 'The Content-Type header says application/pdf but the content is PNG (image/png).',
      });
      const misnamed = await upload(png(), 'image/png', { filename: 'invoice.pdf' });
      expect(misnamed.body).toMatchObject({ code: 'media_content_mismatch', filename: 'invoice.pdf' });
      expect(await stored()).toEqual(before);
    });

    it('refuses executables and archives, whatever they claim to be, naming the accepted types', async () => {
      const before = await stored();
      for (const [bytes, contentType, filename] of [
        [exe(), 'application/octet-stream', 'setup.exe'],
        [exe(), 'application/pdf', 'invoice.pdf'],
        [zip(), 'application/zip', 'photos.zip'],
        [zip(), undefined, undefined],
      ] as const) {
        const answer = await upload(bytes, contentType, { filename });
        expect(answer.status).toBe(422);
        expect(answer.body.code).toBe('media_type_not_allowed');
        expect(answer.body.allowed_types).toEqual([
          'image/jpeg',
          'image/png',
          'application/pdf',
          'video/mp4',
          'video/3gpp',
          'audio/mpeg',
          'audio/ogg',
          'audio/amr',
        ]);
      }
      expect(await stored()).toEqual(before);
    });

    it('accepts a file exactly at the configured limit and refuses one byte more, naming the limit', async () => {
      const atLimit = await upload(png(imageBytesMax), 'image/png');
      expect(atLimit.status).toBe(201);
      expect(atLimit.body.size_bytes).toBe(imageBytesMax);
      const before = await stored();
      for (const contentType of ['image/png', 'application/octet-stream']) {
        const over = await upload(png(imageBytesMax + 1), contentType);
        expect(over.status).toBe(422);
        expect(over.body).toMatchObject({
          code: 'media_too_large',
          kind: 'image',
          limit_bytes: imageBytesMax,
          size_bytes: imageBytesMax + 1,
          detail: 'The image is 2,049 bytes (0.002 MB); this deployment accepts images of up to 2,048 bytes (0.002 MB).',
        });
      }
      // Far over the limit: refused from the first bytes, without taking in the rest.
      const huge = await upload(Buffer.concat([png(), Buffer.alloc(3_000_000)]), 'image/png');
      expect(huge.body).toMatchObject({ code: 'media_too_large', limit_bytes: imageBytesMax, size_bytes: 3_000_069 });
      expect(await stored()).toEqual(before);
    });

    it('needs an installation token, checked before the body is read', async () => {
      const before = await stored();
      expect((await upload(png(), 'image/png', { token: null })).body.code).toBe('unauthorized');
      expect((await upload(png(), 'image/png', { token: bridge.adminToken })).body.code).toBe('installation_required');
      expect((await upload(png(), 'image/png', { filename: 'a/b.png' })).body).toMatchObject({
        code: 'validation_failed',
        errors: [{ path: 'query.filename' }],
      });
      const unknownQuery = await bridge.request('POST', '/v1/media?name=a.png', { token: tenant.token, body: 'x' });
      expect(unknownQuery.body.errors[0]).toEqual({ path: 'query', code: 'unknown_field', message: 'unknown field(s): name' });
      expect(await stored()).toEqual(before);
    });

    it('is documented in the OpenAPI document with its binary body and its problems', async () => {
      const document = (await bridge.request('GET', '/openapi.json', { token: null })).body;
      const operation = document.paths['/v1/media'].post;
      expect(operation.operationId).toBe('uploadMedia');
      expect(Object.keys(operation.requestBody.content)).toEqual(
        expect.arrayContaining(['image/png', 'application/pdf', 'application/octet-stream']),
      );
      expect(operation.requestBody.content['image/png'].schema).toEqual({ type: 'string', contentMediaType: 'image/png' });
      expect(operation.responses['201'].content['application/json'].schema).toBeDefined();
      expect(operation.responses['422'].description).toContain('media_too_large');
      expect(document.paths['/v1/messages'].post.responses['422'].description).toContain('media_content_mismatch');
      expect(document.paths['/v1/messages'].post.responses['502'].description).toContain('media_url_failed');
      expect((await bridge.request('GET', '/problems/media_too_large', { token: null })).body).toMatchObject({ status: 422 });
    });

    it('never shows one tenant another tenant’s upload', async () => {
      const mine = (await upload(png(), 'image/png')).body.id;
      expect((await bridge.request('GET', `/v1/media/${mine}`, { token: otherTenant.token })).status).toBe(404);
      expect((await bridge.request('GET', '/v1/media/med_000000000000000000000000', { token: tenant.token })).status).toBe(404);
      expect((await bridge.request('GET', '/v1/media/not-an-id', { token: tenant.token })).status).toBe(404);
    });
  });

  describe('sending media', () => {
    it('sends every kind inside the window and follows each to read', async () => {
      const cases = [
        { bytes: jpeg(), type: 'image/jpeg', media: { kind: 'image', caption: 'Your receipt' } },
        { bytes: png(), type: 'image/png', media: { kind: 'image' } },
        {
          bytes: pdf(),
          type: 'application/pdf',
          media: { kind: 'document', caption: 'Invoice', filename: 'Invoice 2026-11.pdf' },
        },
        { bytes: mp4(), type: 'video/mp4', media: { kind: 'video', caption: 'How to return it' } },
        { bytes: mp3(), type: 'audio/mpeg', media: { kind: 'audio' } },
        { bytes: oggOpus(), type: 'audio/ogg', media: { kind: 'audio' } },
      ];
      for (const entry of cases) {
        const uploaded = (await upload(entry.bytes, entry.type)).body;
        const answer = await send({
          to: customer,
          media: { ...entry.media, upload_id: uploaded.id },
          ticket: { helpdesk: 'zendesk', id: '77' },
        });
        expect(answer.status, entry.type).toBe(202);
        expect(answer.body).toMatchObject({
          kind: 'media',
          state: 'accepted',
          text: null,
          template: null,
          media: {
            kind: entry.media.kind,
            upload_id: uploaded.id,
            mime_type: entry.type,
            size_bytes: entry.bytes.length,
            filename: entry.media.filename ?? null,
            caption: entry.media.caption ?? null,
          },
        });
        const atMeta = await control('GET', `/sandbox/messages/${encodeURIComponent(answer.body.wamid)}`);
        const expected: Record<string, unknown> = { id: await metaMediaIdOf(uploaded.id) };
        if (entry.media.caption !== undefined) expected.caption = entry.media.caption;
        if (entry.media.filename !== undefined) expected.filename = entry.media.filename;
        expect(atMeta.request).toMatchObject({ type: entry.media.kind, [entry.media.kind]: expected });
        expect(Object.keys(atMeta.request[entry.media.kind]).sort()).toEqual(Object.keys(expected).sort());
      }
      await settle();
      const sent = await bridge.request('GET', '/v1/messages?ticket_helpdesk=zendesk&ticket_id=77', { token: tenant.token });
      expect(sent.body.data).toHaveLength(cases.length);
      for (const message of sent.body.data) {
        expect(message.status).toBe('read');
        expect(message.timeline.map((entry: Json) => entry.status)).toEqual(['sent', 'delivered', 'read']);
      }
    });

    it('refuses media outside the window before anything is fetched or uploaded', async () => {
      const uploaded = (await upload(png(), 'image/png')).body.id;
      fileServer.files['/closed.png'] = { bytes: png(), type: 'image/png' };
      const before = await stored();
      const requestsBefore = fileServer.requests.length;
      for (const media of [
        { kind: 'image', upload_id: uploaded },
        { kind: 'image', url: `${fileServer.url}/closed.png` },
      ]) {
        const answer = await send({ to: silentCustomer, media });
        expect(answer.status).toBe(409);
        expect(answer.body).toMatchObject({ code: 'window_closed', window: { state: 'closed' } });
      }
      expect(fileServer.requests.length).toBe(requestsBefore);
      expect(await stored()).toEqual(before);
    });

    it('fetches media.url itself, checks it, uploads it and sends it', async () => {
      fileServer.files['/files/invoice.pdf'] = { bytes: pdf(), type: 'application/pdf' };
      const answer = await send({
        to: customer,
        media: { kind: 'document', url: `${fileServer.url}/files/invoice.pdf`, caption: 'Invoice' },
      });
      expect(answer.status).toBe(202);
      expect(answer.body.media).toMatchObject({
        kind: 'document',
        mime_type: 'application/pdf',
        filename: 'invoice.pdf',
        caption: 'Invoice',
      });
      const row = await bridge.bridge.database.db
        .selectFrom('media_uploads')
        .selectAll()
        .where('id', '=', answer.body.media.upload_id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        source: 'url',
        kind: 'document',
        filename: 'invoice.pdf',
        sha256: createHash('sha256').update(pdf()).digest('hex'),
      });
      const atMeta = await control('GET', `/sandbox/messages/${encodeURIComponent(answer.body.wamid)}`);
      expect(atMeta.request.document).toEqual({ id: row.meta_media_id, caption: 'Invoice', filename: 'invoice.pdf' });
      await settle();
      expect((await bridge.request('GET', `/v1/messages/${answer.body.id}`, { token: tenant.token })).body.status).toBe('read');
      // The upload made for the URL can be sent again by id.
      expect((await send({ to: customer, media: { kind: 'document', upload_id: row.id } })).status).toBe(202);
    });

    it('leaves no file at Meta when a send fails after its media URL was uploaded: the upload is discarded and deleted there', async () => {
      fileServer.files['/files/orphan.png'] = { bytes: png(), type: 'image/png' };
      const db = bridge.bridge.database.db;
      const before = await stored();
      // The message cannot be recorded (as a refusal after the upload would leave it): the file is at Meta already.
      await sql`create or replace function test_refuse_message() returns trigger language plpgsql as $$
        begin if new.kind = 'media' then raise exception 'message not recorded'; end if; return new; end $$`.execute(db);
      await sql`create trigger test_refuse_message before insert on messages for each row execute function test_refuse_message()`.execute(
        db,
      );
      try {
        const answer = await send({ to: customer, media: { kind: 'image', url: `${fileServer.url}/files/orphan.png` } });
        expect(answer.status).toBe(500);
      } finally {
        await sql`drop trigger test_refuse_message on messages`.execute(db);
        await sql`drop function test_refuse_message()`.execute(db);
      }
      const uploads = (await control('GET', `/sandbox/media?phone_number_id=${tenant.phoneNumberId}`)).data as {
        id: string;
        deleted: boolean;
      }[];
      expect(uploads).toHaveLength(before.sandboxUploads + 1);
      const orphan = uploads.at(-1)!;
      // The job that deletes it was written with the discarded row; once it has run, Meta holds nothing of it.
      const job = await db
        .selectFrom('jobs')
        .select(['kind', 'status'])
        .where('dedupe_key', '=', `delete_meta_media:${tenant.deploymentId}:${orphan.id}`)
        .executeTakeFirstOrThrow();
      expect(job.kind).toBe('delete_meta_media');
      await bridge.bridge.jobs.drain();
      expect((await control('GET', `/sandbox/media/${orphan.id}`)).deleted).toBe(true);
      expect(await stored()).toMatchObject({ mediaUploads: before.mediaUploads, messages: before.messages });
      const done = await db
        .selectFrom('jobs')
        .select('status')
        .where('dedupe_key', '=', `delete_meta_media:${tenant.deploymentId}:${orphan.id}`)
        .executeTakeFirstOrThrow();
      expect(done.status).toBe('done');
    });

    it('refuses a media.url whose content is not what the send says or is too large, storing nothing', async () => {
      fileServer.files['/photo.png'] = { bytes: png(), type: 'image/png' };
      fileServer.files['/big.png'] = { bytes: png(imageBytesMax + 1), type: 'image/png' };
      fileServer.files['/setup.pdf'] = { bytes: exe(), type: 'application/pdf' };
      const before = await stored();
      const asDocument = await send({ to: customer, media: { kind: 'document', url: `${fileServer.url}/photo.png` } });
      expect(asDocument.body).toMatchObject({ code: 'media_content_mismatch', expected_kind: 'document', content_kind: 'image' });
      const good = await send({ to: customer, media: { kind: 'image', url: `${fileServer.url}/photo.png` } });
      expect(good.status).toBe(202);
      const large = await send({ to: customer, media: { kind: 'image', url: `${fileServer.url}/big.png` } });
      expect(large.body).toMatchObject({ code: 'media_too_large', limit_bytes: imageBytesMax });
      const disguised = await send({ to: customer, media: { kind: 'document', url: `${fileServer.url}/setup.pdf` } });
      expect(disguised.body.code).toBe('media_type_not_allowed');
      const missing = await send({ to: customer, media: { kind: 'image', url: `${fileServer.url}/nothing.png` } });
      expect(missing.status).toBe(502);
      expect(missing.body).toMatchObject({
        code: 'media_url_failed',
        detail: 'media.url answered HTTP 404; it must answer 200 with the file.',
      });
      const after = await stored();
      // Only the one good send stored anything.
      expect(after).toEqual({
        mediaUploads: before.mediaUploads + 1,
        messages: before.messages + 1,
        sandboxUploads: before.sandboxUploads + 1,
      });
    });

    it('refuses the same local URL on a bridge that keeps the default address rules', async () => {
      fileServer.files['/local.png'] = { bytes: png(), type: 'image/png' };
      const requestsBefore = fileServer.requests.length;
      const before = await stored(strictBridge, strictTenant);
      const answer = await send(
        { to: customer, media: { kind: 'image', url: `${fileServer.url}/local.png` } },
        { token: strictTenant.token, on: strictBridge },
      );
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        code: 'media_url_refused',
        detail: 'The host 127.0.0.1 resolves to a loopback address; the bridge fetches media only from public addresses.',
      });
      expect(fileServer.requests.length).toBe(requestsBefore);
      expect(await stored(strictBridge, strictTenant)).toEqual(before);
    });

    it('answers 404 for another tenant’s upload id, and sends nothing', async () => {
      const theirs = (await upload(png(), 'image/png', { token: otherTenant.token })).body.id;
      const before = await stored();
      const answer = await send({ to: customer, media: { kind: 'image', upload_id: theirs } });
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('not_found');
      expect(await stored()).toEqual(before);
    });

    it('refuses an upload sent as another kind or under a name its content contradicts', async () => {
      const document = (await upload(pdf(), 'application/pdf')).body.id;
      const before = await stored();
      const asImage = await send({ to: customer, media: { kind: 'image', upload_id: document } });
      expect(asImage.body).toMatchObject({
        code: 'media_content_mismatch',
        detail: `media.kind is image but upload ${document} is a document (PDF).`,
      });
      const renamed = await send({ to: customer, media: { kind: 'document', upload_id: document, filename: 'photo.png' } });
      expect(renamed.body).toMatchObject({ code: 'media_content_mismatch', filename: 'photo.png' });
      expect(await stored()).toEqual(before);
    });

    it('refuses an upload Meta has forgotten (older than 30 days)', async () => {
      const old = (await upload(png(), 'image/png')).body.id;
      await bridge.bridge.database.db
        .updateTable('media_uploads')
        .set({ created_at: sql<Date>`now() - interval '30 days'` } as never)
        .where('id', '=', old)
        .execute();
      const answer = await send({ to: customer, media: { kind: 'image', upload_id: old } });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ code: 'media_upload_expired', upload_id: old });
    });

    it.each([
      [
        'both url and upload_id',
        { kind: 'image', url: 'https://example.com/a.png', upload_id: 'med_000000000000000000000000' },
        'one_media_source_required',
      ],
      ['neither url nor upload_id', { kind: 'image' }, 'one_media_source_required'],
      ['a caption on audio', { kind: 'audio', upload_id: 'med_000000000000000000000000', caption: 'x' }, 'caption_not_allowed'],
      [
        'a file name on an image',
        { kind: 'image', upload_id: 'med_000000000000000000000000', filename: 'a.png' },
        'filename_not_allowed',
      ],
      [
        'a caption over 1,024 characters',
        { kind: 'image', upload_id: 'med_000000000000000000000000', caption: 'x'.repeat(1025) },
        'too_big',
      ],
      ['a kind WhatsApp media does not have', { kind: 'sticker', upload_id: 'med_000000000000000000000000' }, 'invalid_value'],
      ['a URL that is not http(s)', { kind: 'image', url: 'file:///etc/passwd' }, 'invalid_format'],
    ])('refuses %s as invalid', async (_case, media, code) => {
      const answer = await send({ to: customer, media });
      expect(answer.status).toBe(422);
      expect(answer.body.code).toBe('validation_failed');
      expect(answer.body.errors.map((error: Json) => error.code)).toContain(code);
    });

    it('refuses text and media together', async () => {
      const answer = await send({
        to: customer,
        text: { body: 'x' },
        media: { kind: 'image', upload_id: 'med_000000000000000000000000' },
      });
      expect(answer.body.errors[0]).toMatchObject({
        code: 'one_content_required',
        message: 'give exactly one of text, template or media',
      });
    });

    it('sends a template’s document header from an upload as Meta’s media id; another kind or tenant is refused, nothing sent', async () => {
      const headerCustomer = '+819012340007';
      for (const topic of ['utility']) {
        const consent = await bridge.request('POST', `/v1/contacts/${encodeURIComponent(headerCustomer)}/consents`, {
          token: tenant.token,
          json: { topic, state: 'opted_in', source: 'checkout', evidence: 'I agree to receive invoices from Media on WhatsApp.' },
        });
        expect(consent.status).toBe(201);
      }
      const synced = await bridge.request('POST', '/v1/templates/sync', { token: tenant.token });
      expect(synced.status).toBe(202);
      await settle();
      const invoice = (await upload(pdf(), 'application/pdf', { filename: 'invoice-118.pdf' })).body;
      const picture = (await upload(png(), 'image/png', { filename: 'pixel.png' })).body;
      const elsewhere = (await upload(pdf(), 'application/pdf', { token: otherTenant.token })).body;
      const template = (media: unknown) => ({
        to: headerCustomer,
        template: {
          name: 'invoice_available',
          language: 'en_US',
          parameters: { 'header.media': media, 'body.1': 'Pablo', 'body.2': 'INV-2024-118', 'body.3': '$120.00' },
        },
      });
      const before = await stored();

      const wrongKind = await send(template({ upload_id: picture.id }));
      expect(wrongKind.status).toBe(422);
      expect(wrongKind.body).toMatchObject({ code: 'media_content_mismatch', expected_kind: 'document', content_kind: 'image' });
      expect((await send(template({ upload_id: elsewhere.id }))).status).toBe(404);
      const malformed = await send(template({ upload_id: 'not-an-upload' }));
      expect(malformed.status).toBe(422);
      expect(await stored()).toEqual(before);

      const answer = await send(template({ upload_id: invoice.id }));
      expect(answer.status).toBe(202);
      const atMeta = await control('GET', `/sandbox/messages/${encodeURIComponent(answer.body.wamid)}`);
      expect(atMeta.request.template.components[0]).toEqual({
        type: 'header',
        parameters: [{ type: 'document', document: { id: await metaMediaIdOf(invoice.id) } }],
      });
      const row = await bridge.bridge.database.db
        .selectFrom('messages')
        .select('media_upload_id')
        .where('id', '=', answer.body.id)
        .executeTakeFirstOrThrow();
      expect(row.media_upload_id).toBe(invoice.id);
      await settle();
      expect((await bridge.request('GET', `/v1/messages/${answer.body.id}`, { token: tenant.token })).body.status).toBe('read');
    });

    it('sends once per Idempotency-Key, replaying the answer instead of uploading again', async () => {
      fileServer.files['/once.png'] = { bytes: png(), type: 'image/png' };
      const key = randomUUID();
      const body = { to: customer, media: { kind: 'image', url: `${fileServer.url}/once.png` } };
      const first = await send(body, { key });
      const before = await stored();
      const replay = await send(body, { key });
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.id).toBe(first.body.id);
      expect(await stored()).toEqual(before);
    });
  });
});
