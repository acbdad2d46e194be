import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import { MetaApiError, metaApiErrorFrom } from '../../src/meta/errors.js';
import type { OutboundMessage } from '../../src/meta/messages.js';
import {
  customerWaId,
  type Harness,
  orderConfirmationBody,
  type StatusUpdate,
  startHarness,
  summerSaleComponents,
  testNumber,
} from '../meta-sandbox/harness.js';
import { probeClient } from './support.js';

const token = testNumber.access_token;
const numberId = testNumber.phone_number_id;
const to = `+${customerWaId}`;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function started(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

const template = (name: string, components: unknown[], languageCode = 'en_US'): OutboundMessage => ({
  type: 'template',
  to,
  template: { name, languageCode, components: components as never },
});

/** Sends and returns the MetaApiError it must fail with. */
async function refusal(promise: Promise<unknown>): Promise<MetaApiError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(MetaApiError);
  return error as MetaApiError;
}

describe('Meta refusals at send time become MetaApiError, final and not repeated', () => {
  it.each([
    {
      code: 131047,
      httpStatus: 400,
      reason: 'customer_service_window_closed',
      title: 'Re-engagement message',
      details: /more than 24 hours have passed/,
      message: { type: 'text', to, body: 'Hi' } as OutboundMessage,
    },
    {
      code: 132000,
      httpStatus: 400,
      reason: 'template_parameter_count_mismatch',
      title: 'Number of parameters does not match the expected number of params',
      details: /^body: number of localizable_params \(2\) does not match the expected number of params \(3\)$/,
      message: template('order_confirmation', orderConfirmationBody(['a', 'b'])),
    },
    {
      code: 132001,
      httpStatus: 404,
      reason: 'template_not_found',
      title: 'Template name does not exist in the translation',
      details: /^template name \(no_such_template\) does not exist in en_US$/,
      message: template('no_such_template', []),
    },
    {
      code: 132015,
      httpStatus: 400,
      reason: 'template_paused',
      title: 'Template is Paused',
      details: /paused due to low quality/,
      message: template('winter_promo', [{ type: 'body', parameters: [{ type: 'text', text: '30%' }] }]),
    },
    {
      code: 100,
      httpStatus: 400,
      reason: 'invalid_parameter',
      title: 'Invalid parameter',
      details: /new-line/,
      message: template('order_confirmation', orderConfirmationBody(['Hanako', 'line\nbreak', 'May 3'])),
    },
  ])('$code ($reason)', async ({ code, httpStatus, reason, title, details, message }) => {
    const sandbox = await started();
    const { client, fetchCalls, sleeps } = probeClient(sandbox.url);

    const error = await refusal(client.sendMessage(token, numberId, message, { bizOpaqueCallbackData: 'msg_refused' }));

    expect(error).toMatchObject({ source: 'graph_response', code, httpStatus, reason, title, retryable: false });
    expect(error.details).toMatch(details);
    expect(error.metaMessage).toBe(`(#${code}) ${title}`);
    expect(error.fbtraceId).toMatch(/^\S{8,}$/);
    expect(error.reasonText.length).toBeGreaterThan(20);
    expect(fetchCalls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect((await sandbox.control('GET', '/sandbox/messages')).body.data).toEqual([]);
  });

  it('131050 when the customer stopped marketing messages', async () => {
    const sandbox = await started();
    await sandbox.control('POST', `/sandbox/numbers/${numberId}/marketing-preference`, { wa_id: customerWaId, value: 'stop' });
    const { client, fetchCalls } = probeClient(sandbox.url);

    const error = await refusal(
      client.sendMessage(token, numberId, template('summer_sale', summerSaleComponents), { bizOpaqueCallbackData: 'm' }),
    );

    expect(error).toMatchObject({ code: 131050, reason: 'marketing_stopped_by_customer', retryable: false, httpStatus: 400 });
    expect(error.details).toContain('stop receiving marketing messages');
    expect(fetchCalls).toHaveLength(1);
  });

  it('190 for an unknown token, on a send and on a read, without retrying either', async () => {
    const sandbox = await started();
    const { client, fetchCalls } = probeClient(sandbox.url);

    const onSend = await refusal(
      client.sendMessage('EAAwrong-token', numberId, template('order_confirmation', orderConfirmationBody()), {
        bizOpaqueCallbackData: 'm',
      }),
    );
    const onRead = await refusal(client.getPhoneNumberStatus('EAAwrong-token', numberId));

    for (const error of [onSend, onRead]) {
      expect(error).toMatchObject({ code: 190, httpStatus: 401, reason: 'access_token_invalid', retryable: false });
      expect(error.type).toBe('OAuthException');
    }
    expect(fetchCalls).toHaveLength(2);
  });

  it('100 with subcode 33 when a token reads a number it does not own', async () => {
    const sandbox = await started();
    sandbox.sandbox.registerNumber({ ...testNumber, phone_number_id: '200000000000001', access_token: 'EAAother-token' });
    const { client } = probeClient(sandbox.url);

    const error = await refusal(client.getPhoneNumberStatus('EAAother-token', numberId));

    expect(error).toMatchObject({ code: 100, subcode: 33, type: 'GraphMethodException', details: undefined, retryable: false });
    expect(error.title).toMatch(/^Unsupported get request/);
  });
});

describe('throughput (130429)', () => {
  /** The sandbox counts throughput on its own clock; the client's backoff moves that clock, so nothing sleeps. */
  async function throttledSandbox() {
    let clockMs = Date.now();
    const sandbox = await started({ now: () => clockMs });
    await sandbox.control('PUT', `/sandbox/numbers/${numberId}/knobs`, { throughputMessagesPerSecond: 1 });
    const advance = async (delayMs: number) => {
      clockMs += delayMs;
    };
    return { sandbox, advance };
  }
  const confirmation = template('order_confirmation', orderConfirmationBody());

  it('retries a refused send and succeeds once the second has passed, sending it once', async () => {
    const { sandbox, advance } = await throttledSandbox();
    // Jitter near 1 makes the waits 495 ms then 990 ms: the second retry lands after the 1 s throughput span.
    const { client, fetchCalls, sleeps } = probeClient(sandbox.url, { sleep: advance, random: () => 0.99 });
    await client.sendMessage(token, numberId, confirmation, { bizOpaqueCallbackData: 'first' });

    const sent = await client.sendMessage(token, numberId, confirmation, { bizOpaqueCallbackData: 'second' });

    expect(sleeps).toEqual([495, 990]);
    expect(fetchCalls).toHaveLength(1 + 3);
    const messages = (await sandbox.control('GET', '/sandbox/messages')).body.data as {
      id: string;
      biz_opaque_callback_data: string;
    }[];
    expect(messages.map((message) => message.biz_opaque_callback_data)).toEqual(['first', 'second']);
    expect(messages[1]?.id).toBe(sent.wamid);
  });

  it('gives up after the attempt bound with the 130429 error, marked retryable', async () => {
    const { sandbox, advance } = await throttledSandbox();
    // Jitter 0: every wait is 0 ms, so the sandbox's second never ends.
    const { client, fetchCalls, sleeps } = probeClient(sandbox.url, { sleep: advance, random: () => 0 });
    await client.sendMessage(token, numberId, confirmation, { bizOpaqueCallbackData: 'first' });

    const error = await refusal(client.sendMessage(token, numberId, confirmation, { bizOpaqueCallbackData: 'second' }));

    expect(error).toMatchObject({ code: 130429, reason: 'throughput_exceeded', retryable: true, httpStatus: 400 });
    expect(sleeps).toEqual([0, 0, 0]);
    expect(fetchCalls).toHaveLength(1 + 4);
    expect((await sandbox.control('GET', '/sandbox/messages')).body.data).toHaveLength(1);
  });
});

describe('failures that arrive later end in the same place', () => {
  it('a failed status’s errors[0] becomes the same MetaApiError as the refusal at send time', async () => {
    const sandbox = await started();
    const { client } = probeClient(sandbox.url);
    const text: OutboundMessage = { type: 'text', to, body: 'Hi' };
    const atSendTime = await refusal(client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'now' }));

    await sandbox.control('PUT', `/sandbox/numbers/${numberId}/knobs`, { policyErrors: 'failed_status' });
    const accepted = await client.sendMessage(token, numberId, text, { bizOpaqueCallbackData: 'later' });
    const [failed] = await waitFor('the failed status', () => {
      const statuses = sandbox.receiver.statuses(accepted.wamid);
      return statuses.length > 0 && statuses;
    });
    const later = metaApiErrorFrom({ source: 'status_webhook', error: (failed as StatusUpdate).errors?.[0] as never });

    expect(failed).toMatchObject({ status: 'failed', biz_opaque_callback_data: 'later' });
    expect(later).toBeInstanceOf(MetaApiError);
    expect(later).toMatchObject({
      source: 'status_webhook',
      code: atSendTime.code,
      reason: atSendTime.reason,
      reasonText: atSendTime.reasonText,
      title: atSendTime.title,
      details: atSendTime.details,
      retryable: false,
      httpStatus: undefined,
    });
  });
});
