import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { httpMetrics } from '../src/http/observability.js';
import { metaWebhookIngress } from '../src/webhooks/ingress.js';
import type { WebhookReceiver } from '../src/webhooks/receiver.js';

describe('the webhook ingress (webhooks/ingress.ts)', () => {
  const received: unknown[] = [];
  const receiver = {
    receive: async (params: unknown) => {
      received.push(params);
    },
  } as unknown as WebhookReceiver;
  const ingress = metaWebhookIngress(receiver, pino({ level: 'silent' }), httpMetrics());
  /** Whether the ingress takes a request; one it leaves is not touched (nothing read, nothing answered). */
  const takes = (method: string, url: string, headers: Record<string, string> = {}) => {
    const request = { method, url, headers, on: () => request, once: () => request, off: () => request };
    const response = { setHeader: () => {}, on: () => {}, off: () => {} };
    return ingress(request as unknown as IncomingMessage, response as unknown as ServerResponse);
  };

  it('takes a plain POST of a webhook, and leaves everything else to Express untouched', () => {
    expect(takes('POST', '/v1/webhooks/meta/dep_0123456789abcdefghijklmn')).toBe(true);
    expect(takes('POST', '/v1/webhooks/meta/dep_x', { 'content-type': 'text/plain' })).toBe(true);
    for (const [method, url, headers] of [
      ['GET', '/v1/webhooks/meta/dep_x', {}],
      ['PUT', '/v1/webhooks/meta/dep_x', {}],
      ['POST', '/v1/webhooks/meta/dep_x', { 'content-encoding': 'gzip' }],
      ['POST', '/v1/webhooks/meta/dep_x', { 'content-encoding': 'identity' }],
      ['POST', '/v1/webhooks/meta/dep_x?hub.mode=subscribe', {}],
      ['POST', '/v1/webhooks/meta/dep_x/', {}],
      ['POST', '/v1/webhooks/meta/dep%5Fx', {}],
      ['POST', '/v1/webhooks/meta/', {}],
      ['POST', '/v1/webhooks/meta/dep_x/extra', {}],
      ['POST', '/v1/webhooks/metadata/dep_x', {}],
      ['POST', '//v1/webhooks/meta/dep_x', {}],
      ['POST', `/v1/webhooks/meta/${'d'.repeat(129)}`, {}],
    ] as const) {
      expect(takes(method, url, headers), `${method} ${url} ${JSON.stringify(headers)}`).toBe(false);
    }
  });
});
