import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/clock.js';
import { verifyZendeskSignature, zendeskSignature, zendeskSignatureWindowMs } from '../../src/automations/zendesk-signature.js';

// A vector computed outside the code under test:
// printf '%s' '2026-12-05T20:00:00Z{"ticket_id":"42","template":"order_update"}' \
//   | openssl dgst -sha256 -hmac 'install-secret-1' -binary | base64
const secret = 'install-secret-1';
const timestamp = '2026-12-05T20:00:00Z';
const body = Buffer.from('{"ticket_id":"42","template":"order_update"}');
const signature = 'CO3zP9QSOBkc3g5tK7X4OvFlHCxBz9JZ964xRfNzWfg=';

describe('Zendesk webhook signature', () => {
  const clock = new TestClock('2026-12-05T20:00:30Z');

  it('accepts the vector signed with the installation secret', () => {
    expect(verifyZendeskSignature({ body, signature, timestamp, secret }, clock)).toBe('valid');
    expect(zendeskSignature(secret, timestamp, body)).toBe(signature);
  });

  it("accepts a vector signed with Zendesk's documented test secret, used as Zendesk uses it (the string, not its base64 bytes)", () => {
    // The signing secret of Zendesk's Node.js verification example
    // (https://developer.zendesk.com/documentation/webhooks/verifying/); the signature computed with
    // printf '%s' '2026-12-05T20:00:00Z{"ticket_id":"42","template":"order_update"}' \
    //   | openssl dgst -sha256 -hmac 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==' -binary | base64
    const zendeskTestSecret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
    const zendeskSigned = '6t8clG+EHieSJc1rts8ZDWVCHJiD3oGGNG26CnXOeV8=';
    expect(verifyZendeskSignature({ body, signature: zendeskSigned, timestamp, secret: zendeskTestSecret }, clock)).toBe('valid');
    expect(verifyZendeskSignature({ body, signature: zendeskSigned, timestamp, secret }, clock)).toBe('mismatch');
  });

  it('refuses a signature made with another secret', () => {
    const other = zendeskSignature('install-secret-2', timestamp, body);
    expect(verifyZendeskSignature({ body, signature: other, timestamp, secret }, clock)).toBe('mismatch');
  });

  it('refuses a tampered body and a tampered timestamp', () => {
    const tampered = Buffer.from('{"ticket_id":"43","template":"order_update"}');
    expect(verifyZendeskSignature({ body: tampered, signature, timestamp, secret }, clock)).toBe('mismatch');
    expect(verifyZendeskSignature({ body, signature, timestamp: '2026-12-05T20:00:01Z', secret }, clock)).toBe('mismatch');
  });

  it('refuses a stale or future timestamp even with a correct signature, at the edge of the window', () => {
    const edge = new TestClock(new Date(Date.parse(timestamp) + zendeskSignatureWindowMs).toISOString());
    expect(verifyZendeskSignature({ body, signature, timestamp, secret }, edge)).toBe('valid');
    edge.advance(1);
    expect(verifyZendeskSignature({ body, signature, timestamp, secret }, edge)).toBe('stale');
    const early = new TestClock(new Date(Date.parse(timestamp) - zendeskSignatureWindowMs - 1).toISOString());
    expect(verifyZendeskSignature({ body, signature, timestamp, secret }, early)).toBe('stale');
  });

  it('refuses missing headers, an unparseable timestamp and a truncated signature', () => {
    expect(verifyZendeskSignature({ body, signature: undefined, timestamp, secret }, clock)).toBe('missing');
    expect(verifyZendeskSignature({ body, signature, timestamp: undefined, secret }, clock)).toBe('missing');
    expect(verifyZendeskSignature({ body, signature, timestamp: 'yesterday', secret }, clock)).toBe('mismatch');
    expect(verifyZendeskSignature({ body, signature: signature.slice(0, 20), timestamp, secret }, clock)).toBe('mismatch');
  });
});
