import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { type Json, sandboxControl, settle as settleWorld } from '../../test/support/sandbox.js';
import { createMetaSandbox, type ListeningSandbox, type MetaSandbox } from '../src/meta-sandbox/sandbox.js';
import { backends } from './support/backends.js';
import { deploymentRequest, registerWithMeta, startTestBridge, type TestBridge } from './support/bridge.js';
import { png } from './support/media-files.js';

/** Small, so a file over it stays tiny. */
const imageBytesMax = 2_048;

/**
 * The sidebar's file uploads: an upload token asked for with the installation token (through the helpdesk's proxy),
 * then the file posted by the browser itself with only that token, from another origin.
 */
describe.each(backends)('upload tokens on $name', (backend) => {
  let sandbox: MetaSandbox;
  let sandboxServer: ListeningSandbox;
  let bridge: TestBridge;
  let installationToken: string;
  let installationId: string;
  let deploymentId: string;
  const clock = new TestClock(new Date());
  const customer = '+819012340001';

  beforeAll(async () => {
    sandbox = createMetaSandbox({ knobs: { statusDelaysMs: { sent: 5, delivered: 10, read: 15 } } });
    sandboxServer = await sandbox.listen(0);
    bridge = await startTestBridge(
      backend,
      { META_GRAPH_URL: sandboxServer.url, MEDIA_IMAGE_BYTES_MAX: String(imageBytesMax) },
      { clock },
    );
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Uploads' } });
    const request = deploymentRequest(account.body.id);
    registerWithMeta(sandbox, request);
    const deployment = (await bridge.request('POST', '/v1/deployments', { json: request })).body;
    deploymentId = deployment.id;
    const installation = (
      await bridge.request('POST', `/v1/deployments/${deployment.id}/installations`, {
        json: { helpdesk: 'zendesk', instance: 'uploads.zendesk.com' },
      })
    ).body;
    installationToken = installation.token;
    installationId = installation.id;
    sandbox.registerNumber({
      phone_number_id: deployment.phone_number_id,
      waba_id: deployment.waba_id,
      display_phone_number: '+81 3-1234-0000',
      verified_name: 'Uploads',
      access_token: request.access_token as string,
      app_secret: request.app_secret as string,
      webhook_url: `${bridge.url}/v1/webhooks/meta/${deployment.id}`,
    });
    await sandboxControl(sandboxServer.url, 'POST', `/sandbox/numbers/${deployment.phone_number_id}/inbound`, {
      from: customer.slice(1),
      text: '写真を送ってください',
    });
    await settleWorld(sandbox, bridge.bridge);
  });
  afterAll(async () => {
    await sandboxServer?.close();
    await bridge?.close();
  });

  const uploadToken = async (token = installationToken): Promise<Json> => {
    const answer = await bridge.request('POST', '/v1/media/upload-tokens', { token });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    // The URL starts with PUBLIC_URL (an address of the test's choosing): the same path and query, here.
    const url = new URL(answer.body.upload_url);
    return { ...answer.body, upload_url: `${bridge.url}${url.pathname}${url.search}`, public_url: answer.body.upload_url };
  };
  const post = async (url: string, bytes: Buffer, contentType: string, filename?: string) => {
    const response = await fetch(filename === undefined ? url : `${url}&filename=${encodeURIComponent(filename)}`, {
      method: 'POST',
      headers: { 'content-type': contentType, origin: 'https://example.zendesk.com' },
      body: new Uint8Array(bytes),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
  };

  it('gives a token with the upload URL and this bridge’s limits, only to an installation', async () => {
    const issued = await uploadToken();
    expect(issued.token).toMatch(/^wbu_/);
    expect(issued.public_url).toBe(`${bridge.config.publicUrl}/v1/media/uploads?token=${encodeURIComponent(issued.token)}`);
    expect(issued.limits).toEqual({ image: imageBytesMax, document: 20_000_000, video: 15_000_000, audio: 15_000_000 });
    const asAdmin = await bridge.request('POST', '/v1/media/upload-tokens');
    expect(asAdmin.status).toBe(403);
    expect(asAdmin.body.code).toBe('installation_required');
  });

  it('takes a file with the token alone, from any origin, and the upload is sent as a reply', async () => {
    const issued = await uploadToken();
    const preflight = await fetch(issued.upload_url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://example.zendesk.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');

    const uploaded = await post(issued.upload_url, png(), 'image/png', 'pixel.png');
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    expect(uploaded.headers.get('access-control-allow-origin')).toBe('*');
    expect(uploaded.body).toMatchObject({ kind: 'image', mime_type: 'image/png', filename: 'pixel.png' });

    const sent = await bridge.request('POST', '/v1/messages', {
      token: installationToken,
      headers: { 'idempotency-key': randomUUID() },
      json: { to: customer, media: { kind: 'image', upload_id: uploaded.body.id, caption: 'Your receipt' } },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body.media).toMatchObject({ upload_id: uploaded.body.id, caption: 'Your receipt' });
  });

  it('refuses a file over the limit with the same problem as POST /v1/media, readable from another origin', async () => {
    const issued = await uploadToken();
    const refused = await post(issued.upload_url, png(imageBytesMax + 1), 'image/png', 'big.png');
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('media_too_large');
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('refuses an altered, foreign-purpose, expired or revoked token with upload_token_invalid', async () => {
    const issued = await uploadToken();
    const altered = issued.upload_url.replace(
      /token=wbu_(.)/,
      (_match: string, first: string) => `token=wbu_${first === 'A' ? 'B' : 'A'}`,
    );
    // A live-stream token is signed by the same bridge for another purpose: never an upload token.
    const stream = await bridge.request('POST', `/v1/conversations/${encodeURIComponent(customer)}/stream-tokens`, {
      token: installationToken,
    });
    const streamTokenUrl = `${bridge.url}/v1/media/uploads?token=${encodeURIComponent(stream.body.token)}`;
    for (const url of [
      altered,
      streamTokenUrl,
      `${bridge.url}/v1/media/uploads?token=${encodeURIComponent(installationToken)}`,
    ]) {
      const refused = await post(url, png(), 'image/png');
      expect(refused.status, url).toBe(401);
      expect(refused.body.code).toBe('upload_token_invalid');
    }

    clock.advance(5 * 60 * 1000);
    try {
      const expired = await post(issued.upload_url, png(), 'image/png');
      expect(expired.body.code).toBe('upload_token_invalid');
    } finally {
      clock.advance(-5 * 60 * 1000);
    }

    const revokedIssue = await uploadToken();
    expect((await bridge.request('DELETE', `/v1/installations/${installationId}`)).status).toBeLessThan(300);
    const revoked = await post(revokedIssue.upload_url, png(), 'image/png');
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('upload_token_invalid');
    expect(deploymentId).toMatch(/^dep_/);
  });
});
