import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import {
  MetaApiError,
  MetaNetworkError,
  MetaOutcomeUnknownError,
  MetaResponseInvalidError,
  MetaSendOutcomeUnknownError,
  MetaTimeoutError,
} from '../../src/meta/errors.js';
import type { OutboundMessage } from '../../src/meta/messages.js';
import { customerWaId, type Harness, startHarness, testNumber } from '../meta-sandbox/harness.js';
import {
  closedPort,
  fetchFailure,
  graphErrorResponse,
  jsonResponse,
  phoneStatusBody,
  probeClient,
  scriptedFetch,
} from './support.js';

const token = testNumber.access_token;
const numberId = testNumber.phone_number_id;
const text: OutboundMessage = { type: 'text', to: `+${customerWaId}`, body: 'Your order has shipped' };
const unusedBaseUrl = 'http://meta.invalid';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

interface RecordedMessage {
  id: string;
  http_outcome: string;
  biz_opaque_callback_data: string | null;
}

describe('a send whose answer is lost is never repeated', () => {
  it('accept-then-hang: outcome unknown, one message at Meta, and its statuses carry our callback data', async () => {
    harness = await startHarness();
    await harness.inbound();
    await harness.control('POST', `/sandbox/numbers/${numberId}/send-fault`, { mode: 'hang', count: 1 });
    const { client, fetchCalls, sleeps } = probeClient(harness.url, { timeoutMs: 200 });

    const error = await failureOf(client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'msg_hang_1' }));

    expect(error).toBeInstanceOf(MetaSendOutcomeUnknownError);
    expect(error).toMatchObject({ bizOpaqueCallbackData: 'msg_hang_1', phoneNumberId: numberId, attempts: 1 });
    expect((error as Error).cause).toBeInstanceOf(MetaTimeoutError);
    expect(fetchCalls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    const messages = (await harness.control('GET', '/sandbox/messages')).body.data as RecordedMessage[];
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ http_outcome: 'hung', biz_opaque_callback_data: 'msg_hang_1' });
    // What the send pipeline will reconcile with: statuses of the accepted message, naming our id.
    const wamid = messages[0]?.id as string;
    const statuses = await waitFor('sent, delivered and read', () => {
      const received = harness?.receiver.statuses(wamid) ?? [];
      return received.length === 3 && received;
    });
    expect(statuses.map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);
    expect(statuses.every((status) => status.biz_opaque_callback_data === 'msg_hang_1')).toBe(true);
  });

  it('accept-then-500: outcome unknown, not retried, and the next send is answered normally', async () => {
    harness = await startHarness();
    await harness.inbound();
    await harness.control('POST', `/sandbox/numbers/${numberId}/send-fault`, { mode: 'error_500', count: 1 });
    const { client, fetchCalls } = probeClient(harness.url);

    const error = await failureOf(client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'msg_500_1' }));
    const next = await client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'msg_500_2' });

    expect(error).toBeInstanceOf(MetaSendOutcomeUnknownError);
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(MetaApiError);
    // Meta's "unknown error" is temporary, so a read would retry it; a send must not.
    expect(cause).toMatchObject({ code: 1, httpStatus: 500, retryable: true });
    expect(fetchCalls).toHaveLength(2);
    const messages = (await harness.control('GET', '/sandbox/messages')).body.data as RecordedMessage[];
    expect(messages.map((message) => [message.biz_opaque_callback_data, message.http_outcome])).toEqual([
      ['msg_500_1', 'error_500'],
      ['msg_500_2', 'answered'],
    ]);
    expect(messages[1]?.id).toBe(next.wamid);
  });

  it.each([
    ['a connection reset while the answer came', () => fetchFailure('ECONNRESET'), MetaNetworkError],
    ['a socket closed by the other side', () => fetchFailure('UND_ERR_SOCKET'), MetaNetworkError],
    ['a 200 that is not JSON', () => new Response('<html>ok</html>', { status: 200 }), MetaResponseInvalidError],
    ['a 200 without a wamid', () => jsonResponse({ messaging_product: 'whatsapp', messages: [] }), MetaResponseInvalidError],
    ['a 502 page from a proxy', () => new Response('<html>Bad gateway</html>', { status: 502 }), MetaResponseInvalidError],
    ['a 503 Graph error of an unlisted code', () => graphErrorResponse(503, 131000), MetaApiError],
    ['a Graph error code 2 (service down) even below 500', () => graphErrorResponse(400, 2), MetaApiError],
  ])('%s: outcome unknown, one attempt', async (_case, answer, causeType) => {
    const scripted = scriptedFetch([answer(), jsonResponse({})]);
    const { client, sleeps } = probeClient(unusedBaseUrl, { fetch: scripted });

    const error = await failureOf(client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'msg_x' }));

    expect(error).toBeInstanceOf(MetaSendOutcomeUnknownError);
    expect((error as Error).cause).toBeInstanceOf(causeType);
    expect(scripted.calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('the same failures on reads are retried, and the read then succeeds', async () => {
    for (const answer of [
      () => fetchFailure('ECONNRESET'),
      () => new Response('<html>Bad gateway</html>', { status: 502 }),
      () => graphErrorResponse(500, 1),
    ]) {
      const scripted = scriptedFetch([answer(), jsonResponse(phoneStatusBody)]);
      const { client, sleeps } = probeClient(unusedBaseUrl, { fetch: scripted });

      const status = await client.getPhoneNumberStatus(token, numberId);

      expect(status.verifiedName).toBe('Sandbox Shop');
      expect(scripted.calls).toBe(2);
      expect(sleeps).toEqual([250]);
    }
  });

  it('a verification code request is at most once too: a timeout leaves it unknown', async () => {
    const scripted = scriptedFetch(['hang', jsonResponse({ success: true })]);
    const { client } = probeClient(unusedBaseUrl, { fetch: scripted, timeoutMs: 50 });

    const error = await failureOf(client.requestVerificationCode(token, numberId, { codeMethod: 'SMS', language: 'en_US' }));

    expect(error).toBeInstanceOf(MetaOutcomeUnknownError);
    expect(error).not.toBeInstanceOf(MetaSendOutcomeUnknownError);
    expect(error).toMatchObject({ operation: 'POST request_code', attempts: 1 });
    expect(scripted.calls).toBe(1);
  });
});

describe('failures that prove Meta never saw the request are retried', () => {
  it('connection refused: a read is retried with backoff, then fails as MetaNetworkError', async () => {
    const { client, fetchCalls, sleeps } = probeClient(`http://127.0.0.1:${await closedPort()}`);

    const error = await failureOf(client.getPhoneNumberStatus(token, numberId));

    expect(error).toBeInstanceOf(MetaNetworkError);
    expect(error).toMatchObject({ systemCode: 'ECONNREFUSED', requestSent: false });
    expect(fetchCalls).toHaveLength(4);
    // Jitter 0.5 of the ceilings 500, 1000, 2000 ms.
    expect(sleeps).toEqual([250, 500, 1_000]);
  });

  it('connection refused: a send is retried too (nothing was written), then fails as MetaNetworkError', async () => {
    const { client, fetchCalls } = probeClient(`http://127.0.0.1:${await closedPort()}`);

    const error = await failureOf(client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'msg_refused' }));

    expect(error).toBeInstanceOf(MetaNetworkError);
    expect(error).not.toBeInstanceOf(MetaOutcomeUnknownError);
    expect(fetchCalls).toHaveLength(4);
  });

  it('a send refused once by DNS then accepted is sent exactly once', async () => {
    harness = await startHarness();
    await harness.inbound();
    let calls = 0;
    const dnsFailsOnce: typeof fetch = async (input, init) => {
      calls += 1;
      if (calls === 1) throw fetchFailure('ENOTFOUND');
      return fetch(input, init);
    };
    const { client, sleeps } = probeClient(harness.url, { fetch: dnsFailsOnce });

    const sent = await client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'msg_dns' });

    expect(calls).toBe(2);
    expect(sleeps).toEqual([250]);
    const messages = (await harness.control('GET', '/sandbox/messages')).body.data as RecordedMessage[];
    expect(messages.map((message) => message.id)).toEqual([sent.wamid]);
  });
});

describe('reads retry on timeouts', () => {
  it('a GET that times out once is asked again and succeeds', async () => {
    harness = await startHarness();
    let calls = 0;
    const hangOnce: typeof fetch = (input, init) => {
      calls += 1;
      return calls === 1 ? scriptedFetch(['hang'])(input, init) : fetch(input, init);
    };
    const { client, logLines } = probeClient(harness.url, { fetch: hangOnce, timeoutMs: 50 });

    const status = await client.getPhoneNumberStatus(token, numberId);

    expect(status.displayPhoneNumber).toBe(testNumber.display_phone_number);
    expect(calls).toBe(2);
    expect(logLines.map((line) => [line.attempt, line.status, line.outcome])).toEqual([
      [1, undefined, 'MetaTimeoutError'],
      [2, 200, 'ok'],
    ]);
  });
});
