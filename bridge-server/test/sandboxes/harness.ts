import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';

export { waitFor } from '../../../test/support/wait-for.js';

/** A parsed JSON answer; tests assert on it field by field, so a precise type would only add casts. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type Json = any;

export interface Answer {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

export async function call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Json;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** A request the stand-in integration received, with its raw body so tests can check the exact encoding. */
export interface Received {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  contentType: string;
  raw: string;
  /** Form fields as URLSearchParams (for form posts) or the JSON body. */
  form: URLSearchParams;
  json: Json;
}

/** A tiny Express app standing in for the bridge: records every request and answers what the test decides. */
export class StandIn {
  readonly received: Received[] = [];
  private constructor(
    readonly app: Express,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(routes: (app: Express, standIn: () => StandIn) => void): Promise<StandIn> {
    const app = express();
    let standIn: StandIn | undefined;
    app.use(express.text({ type: () => true, limit: '10mb' }), (request, _response, next) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const contentType = request.get('content-type') ?? '';
      let json: Json;
      try {
        json = contentType.includes('json') ? JSON.parse(raw) : undefined;
      } catch {
        json = undefined;
      }
      standIn?.received.push({
        path: request.path,
        query: request.query as Record<string, string>,
        headers: request.headers,
        contentType,
        raw,
        form: new URLSearchParams(contentType.includes('x-www-form-urlencoded') ? raw : ''),
        json,
      });
      next();
    });
    routes(app, () => standIn as StandIn);
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    standIn = new StandIn(app, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return standIn;
  }

  requests(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Bytes of a 1×1 PNG, the smallest real image a file download can return. */
export const pixelPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export const escapeHtml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
