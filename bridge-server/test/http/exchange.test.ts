import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ExchangeTimeoutError, undiciExchange } from '../../src/http/exchange.js';
import { MetaGraphClient } from '../../src/meta/client.js';
import { MetaNetworkError, MetaSendOutcomeUnknownError, MetaTimeoutError } from '../../src/meta/errors.js';
import { testNumber } from '../meta-sandbox/harness.js';

/** The bridge's default exchange (undici's pool) against real local servers: what fetch did, it must do too. */

let server: Server | undefined;
const exchanges: ReturnType<typeof undiciExchange>[] = [];

afterEach(async () => {
  await Promise.all(exchanges.splice(0).map((exchange) => exchange.close()));
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse, body: Buffer) => void) {
  const sockets = new Set<Socket>();
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, response, Buffer.concat(chunks)));
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

function exchange() {
  const made = undiciExchange();
  exchanges.push(made);
  return made;
}

describe('the bridge’s outbound exchange', () => {
  it('sends the method, headers and body, and gives back the status, headers by any case and the whole text', async () => {
    const seen: { method?: string; auth?: string; type?: string; body?: string }[] = [];
    const { url } = await serve((request, response, body) => {
      seen.push({
        method: request.method,
        auth: request.headers.authorization,
        type: request.headers['content-type'],
        body: body.toString('utf8'),
      });
      response.writeHead(429, [
        ['Retry-After', '7'],
        ['X-Twice', 'a'],
        ['X-Twice', 'b'],
        ['Content-Type', 'application/json'],
      ]);
      response.end('{"error":{"message":"日本語"}}');
    });

    const answer = await exchange()(new URL(`${url}/v24.0/1/messages`), {
      method: 'POST',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: '{"to":"81"}',
      timeoutMs: 2_000,
    });

    expect(seen).toEqual([{ method: 'POST', auth: 'Bearer t', type: 'application/json', body: '{"to":"81"}' }]);
    expect(answer.status).toBe(429);
    expect(answer.header('retry-after')).toBe('7');
    expect(answer.header('RETRY-AFTER')).toBe('7');
    expect(answer.header('x-twice')).toBe('a, b');
    expect(answer.header('x-missing')).toBeNull();
    expect(answer.text).toBe('{"error":{"message":"日本語"}}');
  });

  it('keeps its connection open between calls', async () => {
    const { url, sockets } = await serve((_request, response) => response.end('{}'));
    const made = exchange();

    for (let call = 0; call < 20; call += 1) {
      await made(new URL(url), { method: 'GET', headers: {}, timeoutMs: 2_000 });
    }

    // undici may open a second socket while the first is still finishing its answer; one per call would be 20.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('sends a form as multipart/form-data with its boundary, every part intact', async () => {
    let received: { type: string | undefined; body: Buffer } | undefined;
    const { url } = await serve((request, response, body) => {
      received = { type: request.headers['content-type'], body };
      response.end('{"id":"1"}');
    });
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('file', new Blob([new Uint8Array([0, 255, 1, 254])], { type: 'image/png' }), 'p.png');

    await exchange()(new URL(url), { method: 'POST', headers: {}, body: form, timeoutMs: 2_000 });

    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(received?.type ?? '')?.[1];
    expect(boundary).toBeDefined();
    const parsed = await new Response(new Uint8Array(received?.body ?? []), {
      headers: { 'Content-Type': received?.type ?? '' },
    }).formData();
    expect(parsed.get('messaging_product')).toBe('whatsapp');
    const file = parsed.get('file') as File;
    expect(file.name).toBe('p.png');
    expect(file.type).toBe('image/png');
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual([0, 255, 1, 254]);
  });

  it('gives up at the deadline when the answer’s headers came and its body stalls', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{"messages":');
    });

    const failure = await exchange()(new URL(url), { method: 'GET', headers: {}, timeoutMs: 150 }).catch((error) => error);

    expect(failure).toBeInstanceOf(ExchangeTimeoutError);
    expect(failure).toMatchObject({ name: 'TimeoutError', timeoutMs: 150 });
  });
});

describe('Meta’s client on the default exchange', () => {
  const { access_token: token, phone_number_id: numberId } = testNumber;

  it('a send whose connection is cut after the request went out is an unknown outcome, never repeated', async () => {
    let requests = 0;
    const { url } = await serve((request) => {
      requests += 1;
      request.socket.destroy();
    });
    const client = new MetaGraphClient({ baseUrl: url, apiVersion: 'v24.0', timeoutMs: 2_000, sleep: async () => {} });

    const failure = await client
      .sendMessage(
        token,
        numberId,
        { type: 'text', to: '+819012345678', body: 'hi' },
        {
          bizOpaqueCallbackData: 'msg_cut',
        },
      )
      .catch((error) => error);

    expect(failure).toBeInstanceOf(MetaSendOutcomeUnknownError);
    expect(requests).toBe(1);
    expect((failure as { cause?: unknown }).cause).toBeInstanceOf(MetaNetworkError);
    expect((failure as { cause: MetaNetworkError }).cause).toMatchObject({ requestSent: true });
  });

  it('a read that stalls past the client’s timeout fails as MetaTimeoutError after its retries', async () => {
    let requests = 0;
    const { url } = await serve(() => {
      requests += 1;
    });
    const client = new MetaGraphClient({
      baseUrl: url,
      apiVersion: 'v24.0',
      timeoutMs: 100,
      retry: { attemptsMax: 2 },
      sleep: async () => {},
    });

    const failure = await client.getPhoneNumberStatus(token, numberId).catch((error) => error);

    expect(failure).toBeInstanceOf(MetaTimeoutError);
    expect(requests).toBe(2);
  });
});
