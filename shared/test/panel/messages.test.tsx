import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { messagePollIntervalMs } from '../../src/panel/data/useTicketMessages.js';
import { contactStatus, FakeHost, openWindow, problem } from './fake-host.js';
import { findSection, renderPanel, startMs } from './render.js';

const phone = '+819012345678';

afterEach(cleanup);

function hostWithOpenWindow() {
  const host = new FakeHost();
  host.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  return host;
}

function statuses(section: HTMLElement): string[] {
  return within(section)
    .queryAllByTestId('message-status')
    .map((tag) => tag.textContent ?? '');
}

describe('free-form reply and the ticket’s messages', () => {
  it('sends a reply, then follows its status by polling: sent → delivered → read, and stops polling', async () => {
    const host = hostWithOpenWindow();
    const { user, clock } = renderPanel(host);
    const reply = await findSection('Reply on WhatsApp');
    const history = await findSection('Conversation');
    expect(await within(history).findByText('No messages with this customer yet.')).toBeTruthy();
    await screen.findByText(/You can reply freely for/);
    await user.type(within(reply).getByLabelText('Message'), 'お問い合わせありがとうございます。');
    await user.click(within(reply).getByRole('button', { name: 'Send reply' }));
    expect(await within(reply).findByText('Reply sent.')).toBeTruthy();
    expect(within(reply).getByLabelText('Message')).toHaveProperty('value', '');
    expect(host.posts()[0]?.body).toEqual({
      to: phone,
      text: { body: 'お問い合わせありがとうございます。' },
      ticket: { helpdesk: 'zendesk', id: '4321' },
    });
    expect(await within(history).findByText('お問い合わせありがとうございます。')).toBeTruthy();
    expect(statuses(history)).toEqual(['Accepted']);

    const id = host.messages[0]?.id ?? '';
    host.reportStatus(id, 'sent');
    await clock.advance(messagePollIntervalMs);
    expect(statuses(history)).toEqual(['Sent']);
    host.reportStatus(id, 'delivered');
    await clock.advance(messagePollIntervalMs);
    expect(statuses(history)).toEqual(['Delivered']);
    host.reportStatus(id, 'read');
    await clock.advance(messagePollIntervalMs);
    expect(statuses(history)).toEqual(['Read']);

    const asked = host.count('GET', `/v1/conversations/${encodeURIComponent(phone)}`);
    await clock.advance(10 * messagePollIntervalMs);
    expect(host.count('GET', `/v1/conversations/${encodeURIComponent(phone)}`)).toBe(asked);
  });

  it('does not poll when every message is final', async () => {
    const host = hostWithOpenWindow();
    const { clock } = renderPanel(host);
    await screen.findByText('No messages with this customer yet.');
    await clock.advance(5 * messagePollIntervalMs);
    expect(host.count('GET', `/v1/conversations/${encodeURIComponent(phone)}`)).toBe(1);
  });

  it('shows a failed message with Meta’s reason, translated, and Meta’s code', async () => {
    const host = hostWithOpenWindow();
    const { user, clock } = renderPanel(host);
    const reply = await findSection('Reply on WhatsApp');
    await screen.findByText(/You can reply freely for/);
    await user.type(within(reply).getByLabelText('Message'), 'Hello');
    await user.click(within(reply).getByRole('button', { name: 'Send reply' }));
    await within(reply).findByText('Reply sent.');
    host.reportStatus(host.messages[0]?.id ?? '', 'failed', {
      code: 131026,
      title: 'Message undeliverable',
      details: null,
      reason: 'recipient_undeliverable',
    });
    await clock.advance(messagePollIntervalMs);
    const history = await findSection('Conversation');
    expect(statuses(history)).toEqual(['Failed']);
    expect(within(history).getByTestId('message-error').textContent).toBe(
      'WhatsApp could not deliver the message: the number may not use WhatsApp. (Meta error 131026)',
    );
  });

  it('names the automation that sent a message, or was refused, with the refusal translated', async () => {
    const host = hostWithOpenWindow();
    const message = await sentMessage(host);
    host.messages = [
      { ...message, source: 'zendesk_automation', automation: 'wa_send_order_update' },
      {
        ...message,
        id: 'msg_000000000000000000000099',
        state: 'failed',
        status: 'failed',
        source: 'zendesk_automation',
        automation: 'wa_solved_satisfaction',
        error: { code: null, title: 'The customer has not opted in to marketing.', details: null, reason: 'opt_in_required' },
      },
    ];
    renderPanel(host);
    const history = await findSection('Conversation');
    const automations = await within(history).findAllByTestId('message-automation');
    expect(automations.map((line) => line.textContent)).toEqual([
      'Sent by automation wa_send_order_update',
      'Automation wa_solved_satisfaction',
    ]);
    expect(within(history).getByTestId('message-error').textContent).toBe(
      'Not sent: the customer has not opted in to this template’s topic.',
    );
  });

  it('falls back to Meta’s title for a reason it cannot translate', async () => {
    const host = hostWithOpenWindow();
    host.messages = [
      {
        ...(await sentMessage(host)),
        state: 'failed',
        status: 'failed',
        error: { code: 135000, title: 'Generic user error', details: 'Something odd', reason: 'unknown' },
      },
    ];
    renderPanel(host);
    const history = await findSection('Conversation');
    expect((await within(history).findByTestId('message-error')).textContent).toBe(
      'Generic user error Something odd (Meta error 135000)',
    );
  });

  it('refuses a reply when the window is closed on the bridge’s side, with the problem translated', async () => {
    const host = hostWithOpenWindow();
    host.intercept((request) => (request.method === 'POST' ? problem('window_closed') : undefined));
    const { user } = renderPanel(host);
    const reply = await findSection('Reply on WhatsApp');
    await screen.findByText(/You can reply freely for/);
    await user.type(within(reply).getByLabelText('Message'), 'Hello');
    await user.click(within(reply).getByRole('button', { name: 'Send reply' }));
    expect(
      await within(reply).findByText(
        'The conversation window is closed, so nothing was sent; only a template can reach this customer.',
        {
          selector: '[role=alert] *',
        },
      ),
    ).toBeTruthy();
    // The text stays, so nothing the agent wrote is lost.
    expect(within(reply).getByLabelText('Message')).toHaveProperty('value', 'Hello');
  });

  it('sends a reply once on a double click', async () => {
    const host = hostWithOpenWindow();
    const { user } = renderPanel(host);
    const reply = await findSection('Reply on WhatsApp');
    await screen.findByText(/You can reply freely for/);
    await user.type(within(reply).getByLabelText('Message'), 'Hello');
    await user.dblClick(within(reply).getByRole('button', { name: 'Send reply' }));
    await within(reply).findByText('Reply sent.');
    expect(host.posts()).toHaveLength(1);
  });

  it('after a send says only that the reply went, not that a message must be written', async () => {
    const host = hostWithOpenWindow();
    const { user } = renderPanel(host);
    const reply = await findSection('Reply on WhatsApp');
    await screen.findByText(/You can reply freely for/);
    await user.type(within(reply).getByLabelText('Message'), 'Hello');
    await user.click(within(reply).getByRole('button', { name: 'Send reply' }));
    await within(reply).findByText('Reply sent.');
    expect(within(reply).queryByText('Write a message first.')).toBeNull();
    expect(within(reply).getByRole('button', { name: 'Send reply' })).toHaveProperty('disabled', true);
  });

  it('shows an error with retry when the messages cannot be loaded', async () => {
    const host = hostWithOpenWindow();
    const stop = host.intercept((request) => (request.route.startsWith('/v1/conversations/') ? 'unreachable' : undefined));
    const { user } = renderPanel(host);
    const history = await findSection('Conversation');
    expect(
      await within(history).findByText('The bridge could not be reached. Check your connection and try again.'),
    ).toBeTruthy();
    stop();
    await user.click(within(history).getByRole('button', { name: 'Retry' }));
    expect(await within(history).findByText('No messages with this customer yet.')).toBeTruthy();
  });

  it('shows statuses and failures in Japanese', async () => {
    const host = hostWithOpenWindow();
    host.agentLocale = 'ja';
    const base = await sentMessage(host);
    host.messages = [
      { ...base, id: 'msg_000000000000000000000001', status: 'read', text: '一通目' },
      {
        ...base,
        id: 'msg_000000000000000000000002',
        text: '二通目',
        state: 'failed',
        status: 'failed',
        error: { code: 131047, title: 'Re-engagement message', details: null, reason: 'customer_service_window_closed' },
      },
    ];
    renderPanel(host);
    const history = await findSection('会話');
    await within(history).findByText('一通目');
    expect(statuses(history)).toEqual(['既読', '失敗']);
    expect(within(history).getByTestId('message-error').textContent).toBe(
      'お客様の最後のメッセージから 24 時間以上経過しています。テンプレートでのみ連絡できます。 (Meta エラー 131047)',
    );
  });
});

/** A message as the bridge lists it, made through the fake bridge's own send. */
async function sentMessage(host: FakeHost) {
  host.now = () => startMs;
  const response = await host.request({
    method: 'POST',
    path: '/v1/messages',
    body: { to: phone, text: { body: 'Hello' }, ticket: { helpdesk: 'zendesk', id: '4321' } },
    headers: { 'Idempotency-Key': `seed-${Math.random()}` },
  });
  host.requests.length = 0;
  host.messages = [];
  return response.body as (typeof host.messages)[number];
}
