import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { startTestBridge } from './support/bridge.js';

function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('graceful shutdown', () => {
  it('finishes a request in flight, refuses new connections, then closes the database', async () => {
    const bridge = await startTestBridge(backends[0]!);
    const { port } = new URL(bridge.url);
    const body = JSON.stringify({ name: 'Arrived during shutdown' });
    // The server has started handling the request when it emits 'request' (the headers are in; the body is not).
    const handling = new Promise<void>((resolve) => bridge.bridge.server.once('request', () => resolve()));
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const answer = readAll(socket);
    socket.write(
      `POST /v1/accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${bridge.adminToken}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body.slice(0, 5));
    await handling;

    const closing = bridge.close();
    await expect(fetch(`${bridge.url}/healthz`)).rejects.toThrow();
    // The rest of the body, without ending our side: a client that half-closes after its request has its request
    // aborted by Node's server (allowHalfOpen is off), shutting down or not. `Connection: close` ends it after the answer.
    socket.write(body.slice(5));

    expect(await answer).toMatch(/^HTTP\/1\.1 201 Created/);
    await closing;
    await expect(bridge.bridge.database.ping()).rejects.toThrow();
  });
});
