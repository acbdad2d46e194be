import { routes } from '@wabridge/shared';
import { describe, expect, it } from 'vitest';
import { requestLogLevel } from '../src/http/observability.js';

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
    expect(requestLogLevel(200, undefined, { routePath: webhook })).toBe('debug');
    expect(requestLogLevel(401, undefined, { routePath: webhook })).toBe('warn');
    expect(requestLogLevel(503, undefined, { routePath: webhook })).toBe('error');
    expect(requestLogLevel(200, undefined, { routePath: routes.contactStatus.path })).toBe('info');
    // Refused for the backlog on purpose: the router logs one warning a period instead.
    expect(requestLogLevel(503, undefined, { routePath: webhook, shed: true })).toBe('debug');
  });

  it('logs a thrown error as an error whatever the status', () => {
    expect(requestLogLevel(200, new Error('boom'))).toBe('error');
  });
});
