import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { routes } from '@wabridge/shared';
import express from 'express';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLogging, requestLogLevel } from '../src/http/observability.js';

describe('how loud a request is logged', () => {
  it.each([
    [200, 'info'],
    [204, 'info'],
    // The sidebar's quote for a customer whose window is closed: an answer about state, logged quietly.
    [409, 'info'],
    [400, 'warn'],
    [401, 'warn'],
    [403, 'warn'],
    [404, 'warn'],
    [422, 'warn'],
    [429, 'warn'],
    [500, 'error'],
    [503, 'error'],
  ] as const)('%i at %s', (statusCode, level) => {
    expect(requestLogLevel(statusCode)).toBe(level);
  });

  it("logs Meta's acknowledged webhooks at debug (the bulk of the traffic), and their refusals as any other", () => {
    const webhook = routes.receiveMetaWebhook.path;
    expect(requestLogLevel(200, { routePath: webhook })).toBe('debug');
    expect(requestLogLevel(401, { routePath: webhook })).toBe('warn');
    expect(requestLogLevel(503, { routePath: webhook })).toBe('error');
    expect(requestLogLevel(200, { routePath: routes.contactStatus.path })).toBe('info');
    // Refused for the backlog on purpose: the router logs one warning a period instead.
    expect(requestLogLevel(503, { routePath: webhook, shed: true })).toBe('debug');
  });
});

describe('the request log (requestLogging)', () => {
  async function serve(level: pino.Level) {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const app = express();
    app.use(requestLogging(pino({ level }, sink)));
    app.get('/v1/plain', (request, response) => {
      request.log?.info({ step: 'inside' }, 'a handler line');
      response.json({ ok: true });
    });
    app.post(routes.receiveMetaWebhook.path.replace('{deployment_id}', ':deployment'), (_request, response) => {
      response.locals.routePath = routes.receiveMetaWebhook.path;
      response.status(200).end();
    });
    app.get('/v1/broken', (_request, response) => {
      response.status(500).json({});
    });
    let slowHandled = 0;
    app.get('/v1/slow', () => {
      slowHandled += 1;
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      url,
      lines,
      handled: () => slowHandled,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  /** Lines are written when the answer is done, which may be just after the client has it: wait for the count. */
  async function linesReach(lines: unknown[], count: number): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (lines.length < count && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(count);
  }

  it('writes one line per answer with its id, method, redacted URL and status, and handler lines carry the id', async () => {
    const served = await serve('info');
    try {
      const answer = await fetch(`${served.url}/v1/plain?hub.verify_token=s3cr3t&page=2`, {
        headers: { 'x-request-id': 'trace-7', 'user-agent': 'probe' },
      });
      expect(answer.headers.get('x-request-id')).toBe('trace-7');
      await linesReach(served.lines, 2);
      expect(served.lines).toEqual([
        expect.objectContaining({ req: { id: 'trace-7' }, step: 'inside', msg: 'a handler line' }),
        expect.objectContaining({
          level: 30,
          req: {
            id: 'trace-7',
            method: 'GET',
            url: '/v1/plain?hub.verify_token=%5Bredacted%5D&page=2',
            remoteAddress: '127.0.0.1',
            userAgent: 'probe',
          },
          res: { statusCode: 200 },
          msg: 'GET 200',
        }),
      ]);
      expect(JSON.stringify(served.lines)).not.toContain('s3cr3t');
    } finally {
      await served.close();
    }
  });

  it('logs an acknowledged webhook only at debug, a 500 as an error, and an answer the client did not wait for', async () => {
    const quiet = await serve('info');
    const verbose = await serve('debug');
    try {
      for (const served of [quiet, verbose]) {
        expect((await fetch(`${served.url}/v1/webhooks/meta/dep_1`, { method: 'POST' })).status).toBe(200);
        // Lines come in the order answers finish: once this one's two are in, the webhook's would be too.
        expect((await fetch(`${served.url}/v1/plain`)).status).toBe(200);
      }
      await linesReach(quiet.lines, 2);
      await linesReach(verbose.lines, 3);
      expect(quiet.lines.map((line) => line.msg)).toEqual(['a handler line', 'GET 200']);
      expect(verbose.lines[0]).toMatchObject({ level: 20, msg: 'POST 200' });
      expect((await fetch(`${quiet.url}/v1/broken`)).status).toBe(500);
      await linesReach(quiet.lines, 3);
      expect(quiet.lines.at(-1)).toMatchObject({ level: 50, msg: 'GET 500', err: { message: 'failed with status code 500' } });
      const gone = new AbortController();
      const slow = fetch(`${quiet.url}/v1/slow`, { signal: gone.signal }).catch(() => 'aborted');
      // Aborted once the request has reached the handler (which never answers).
      while (quiet.handled() < 1) await new Promise((resolve) => setImmediate(resolve));
      gone.abort();
      expect(await slow).toBe('aborted');
      await linesReach(quiet.lines, 4);
      expect(quiet.lines.at(-1)).toMatchObject({ res: { statusCode: null }, msg: 'GET closed before the answer was sent' });
    } finally {
      await quiet.close();
      await verbose.close();
    }
  });
});
