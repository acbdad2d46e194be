import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { closedWindow, contactStatus, FakeHost, openWindow, problem } from './fake-host.js';
import { findSection, renderPanel, startMs } from './render.js';

const phone = '+819012345678';
const hourMs = 3600_000;
const minuteMs = 60_000;

afterEach(cleanup);

function hostWith(window: ReturnType<typeof closedWindow>, lastInboundAt?: string | null) {
  const host = new FakeHost();
  host.contacts.set(phone, contactStatus(phone, window, lastInboundAt === undefined ? window.opened_at : lastInboundAt));
  return host;
}

describe('window card', () => {
  it('shows a loading skeleton until the bridge answers', async () => {
    const host = hostWith(openWindow(startMs, hourMs));
    // Every contact request is held until the skeleton has been seen, and all are let go together: the panel may ask
    // more than once (a second read overwrote the one releaser and left the first held, a flake under load).
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    host.intercept(async (request) => {
      if (request.route.startsWith('/v1/contacts/')) await held;
      return undefined;
    });
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(within(card).getByRole('status', { name: 'Loading' })).toBeTruthy();
    release();
    expect(await within(card).findByText(/You can reply freely for/)).toBeTruthy();
    expect(within(card).queryByRole('status', { name: 'Loading' })).toBeNull();
  });

  it('asks for the requester’s number normalised to E.164 and URL-encoded', async () => {
    const host = hostWith(openWindow(startMs, hourMs));
    renderPanel(host);
    await screen.findByText(/You can reply freely for/);
    expect(host.requests.map((request) => request.path)).toContain('/v1/contacts/%2B819012345678/status');
  });

  it('reads a national number on the ticket in the country of the deployment’s business number', async () => {
    const host = hostWith(openWindow(startMs, hourMs));
    host.ticketContext.requesterPhone = '090-1234-5678';
    renderPanel(host);
    await screen.findByText(/You can reply freely for/);
    expect(host.requests.map((request) => request.path)).toContain('/v1/contacts/%2B819012345678/status');
    // The country came from the installation's answer, asked once.
    expect(host.count('GET', '/v1/installation')).toBe(1);
  });

  it('asks the installation nothing for an international number', async () => {
    const host = hostWith(openWindow(startMs, hourMs));
    renderPanel(host);
    await screen.findByText(/You can reply freely for/);
    expect(host.count('GET', '/v1/installation')).toBe(0);
  });

  it('counts down every second while the window is open', async () => {
    // Opened 20 h 47 min 30 s ago: 3 h 12 min 30 s left.
    const host = hostWith(openWindow(startMs, 20 * hourMs + 47 * minuteMs + 30_000));
    const { clock } = renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByText('You can reply freely for 3 hr 12 min.')).toBeTruthy();
    expect(within(card).getByText('Open')).toBeTruthy();
    await clock.advance(30_000);
    expect(within(card).getByText('You can reply freely for 3 hr 12 min.')).toBeTruthy();
    await clock.advance(1_000);
    expect(within(card).getByText('You can reply freely for 3 hr 11 min.')).toBeTruthy();
    expect(within(card).queryByText(/The window closes in/)).toBeNull();
    // The bridge was asked once: the countdown runs on the deadline it gave.
    expect(host.count('GET', /^\/v1\/contacts\//)).toBe(1);
  });

  it('warns under an hour before the end, ticking seconds, then closes on time by itself', async () => {
    const host = hostWith(openWindow(startMs, 24 * hourMs - 2 * minuteMs));
    const { clock } = renderPanel(host);
    const card = await findSection('Conversation window');
    expect(
      await within(card).findByText('The window closes in 2 min 0 sec. After that, only a template can reach this customer.'),
    ).toBeTruthy();
    await clock.advance(1_000);
    expect(
      within(card).getByText('The window closes in 1 min 59 sec. After that, only a template can reach this customer.'),
    ).toBeTruthy();
    await clock.advance(2 * minuteMs);
    expect(within(card).getByText('Closed')).toBeTruthy();
    expect(within(card).getByText('Only templates can reach this customer.')).toBeTruthy();
    expect(within(card).queryByText(/The window closes in/)).toBeNull();
    const reply = await findSection('Reply on WhatsApp');
    expect(within(reply).getByRole('button', { name: 'Send reply' })).toHaveProperty('disabled', true);
  });

  it('says only templates can reach a customer whose window is closed, and disables the free-form reply with the reason', async () => {
    const host = hostWith(closedWindow(), new Date(startMs - 30 * hourMs).toISOString());
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByText('Only templates can reach this customer.')).toBeTruthy();
    expect(within(card).getByText('Closed')).toBeTruthy();
    expect(within(card).getByText(/The customer last wrote/)).toBeTruthy();
    const reply = await findSection('Reply on WhatsApp');
    const button = within(reply).getByRole('button', { name: 'Send reply' });
    expect(button).toHaveProperty('disabled', true);
    expect(within(reply).getByLabelText('Message')).toHaveProperty('disabled', true);
    expect(
      within(reply).getByText('The customer last wrote more than 24 hours ago; only a template can reach them.'),
    ).toBeTruthy();
    expect(button.getAttribute('aria-describedby')).toBe(within(reply).getByTestId('blocked-reason').id);
  });

  it('shows an active free entry point with its own countdown, even after the window closed', async () => {
    const freeUntil = new Date(startMs + 50 * hourMs + 5 * minuteMs).toISOString();
    const host = hostWith(
      closedWindow({ kind: 'free_entry_point', free_until: freeUntil }),
      new Date(startMs - 25 * hourMs).toISOString(),
    );
    const { clock } = renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByText('Free entry point')).toBeTruthy();
    expect(within(card).getByText(/^Everything sent is free for 50 hr 5 min \(until .+\)\.$/)).toBeTruthy();
    expect(within(card).getByText('Only templates can reach this customer.')).toBeTruthy();
    await clock.advance(minuteMs);
    expect(within(card).getByText(/^Everything sent is free for 50 hr 4 min/)).toBeTruthy();
  });

  it('shows the deadline of a free entry point offer', async () => {
    const offer = new Date(startMs + 5 * hourMs).toISOString();
    const host = hostWith(openWindow(startMs, 19 * hourMs, { free_entry_point_offer_expires_at: offer }));
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByText(/^This customer came from an ad\. Reply within 5 hr 0 min \(before .+\)/)).toBeTruthy();
  });

  it('says so when the customer never wrote (an unknown contact has a closed window)', async () => {
    const host = new FakeHost();
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByText('This customer has not written on WhatsApp yet.')).toBeTruthy();
    expect(within(card).getByText('Only templates can reach this customer.')).toBeTruthy();
    // The reply form gives the same reason as the card (ticket #102 of the demo said both things at once).
    const reply = await findSection('Reply on WhatsApp');
    expect(within(reply).getByTestId('blocked-reason').textContent).toBe(
      'This customer has not written on WhatsApp yet; only a template can reach them.',
    );
    expect(screen.queryByText(/more than 24 hours/)).toBeNull();
  });

  it('accepts +44 7700 900123, outside the ranges the metadata knows, when WhatsApp delivered it: no warning', async () => {
    const host = new FakeHost();
    const delivered = '+447700900123';
    const window = openWindow(startMs, hourMs);
    host.contacts.set(delivered, contactStatus(delivered, window, window.opened_at));
    host.ticketContext.requesterPhone = '+44 7700 900123';
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByText(/You can reply freely for/)).toBeTruthy();
    expect(host.requests.map((request) => request.path)).toContain('/v1/contacts/%2B447700900123/status');
    expect(within(card).queryByTestId('phone-range-unknown')).toBeNull();
  });

  it('asks the agent to check +44 7700 900124 while it has never written, instead of refusing it', async () => {
    const host = new FakeHost();
    host.ticketContext.requesterPhone = '+44 7700 900124';
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByTestId('phone-range-unknown')).toBeTruthy();
    expect(within(card).getByText(/outside the ranges known for its country/)).toBeTruthy();
    expect(within(card).queryByText(/is not a valid number/)).toBeNull();
  });

  it('shows an empty state, and asks the bridge nothing about the contact, when the ticket has no phone', async () => {
    const host = new FakeHost();
    host.ticketContext.requesterPhone = null;
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByText('No WhatsApp number')).toBeTruthy();
    expect(within(card).getByText(/has no phone number/)).toBeTruthy();
    await screen.findByText('Nothing has been sent from this ticket yet.');
    expect(host.count('GET', /^\/v1\/contacts\//)).toBe(0);
    const reply = await findSection('Reply on WhatsApp');
    expect(within(reply).getByText('There is no WhatsApp number to send to.')).toBeTruthy();
  });

  it('explains a national number that is none in the deployment’s country', async () => {
    const host = new FakeHost();
    // A Japanese mobile number, written nationally, on a ticket of a deployment in the United States.
    host.displayPhoneNumber = '+1 415 555 2671';
    host.ticketContext.requesterPhone = '090-1234-5678';
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(
      await within(card).findByText(/“090-1234-5678” is not a valid number. Write it with \+ and the country code/),
    ).toBeTruthy();
    expect(host.count('GET', /^\/v1\/contacts\//)).toBe(0);
  });

  it('shows a network failure with a retry that asks again', async () => {
    const host = hostWith(openWindow(startMs, hourMs));
    const stop = host.intercept((request) => (request.route.startsWith('/v1/contacts/') ? 'unreachable' : undefined));
    const { user } = renderPanel(host);
    const card = await findSection('Conversation window');
    expect(await within(card).findByText('The bridge could not be reached. Check your connection and try again.')).toBeTruthy();
    stop();
    await user.click(within(card).getByRole('button', { name: 'Retry' }));
    expect(await within(card).findByText(/You can reply freely for/)).toBeTruthy();
    expect(host.count('GET', /^\/v1\/contacts\//)).toBe(2);
  });

  it('translates a problem the bridge answers, by its code', async () => {
    const host = hostWith(openWindow(startMs, hourMs));
    host.intercept((request) => (request.route.startsWith('/v1/contacts/') ? problem('token_revoked') : undefined));
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect(
      await within(card).findByText('The bridge token of this helpdesk was revoked. Ask your administrator for a new one.'),
    ).toBeTruthy();
    expect(within(card).getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('says when an answer is not a problem it knows (a proxy’s error page)', async () => {
    const host = hostWith(openWindow(startMs, hourMs));
    host.intercept((request) =>
      request.route.startsWith('/v1/contacts/') ? { status: 502, body: '<html>Bad gateway</html>' } : undefined,
    );
    renderPanel(host);
    expect(await screen.findByText('The bridge answered unexpectedly (HTTP 502).')).toBeTruthy();
  });
});

describe('window card in Japanese', () => {
  it('shows the state, countdown, warning and deadlines in Japanese', async () => {
    const offer = new Date(startMs + 5 * hourMs).toISOString();
    const host = hostWith(openWindow(startMs, 24 * hourMs - 30 * minuteMs, { free_entry_point_offer_expires_at: offer }));
    host.agentLocale = 'ja';
    renderPanel(host);
    const card = await findSection('会話ウィンドウ');
    expect(await within(card).findByText('オープン')).toBeTruthy();
    expect(within(card).getByText('あと 30 分0 秒 自由に返信できます。')).toBeTruthy();
    expect(
      within(card).getByText('ウィンドウはあと 30 分0 秒 で閉じます。その後はテンプレートでのみ連絡できます。'),
    ).toBeTruthy();
    // Dates as Japanese readers write them (2026/11/20 …).
    expect(within(card).getByText(/^このお客様は広告から来ました。あと 5 時間0 分 以内（2026\/11\/20 .+ まで）/)).toBeTruthy();
  });

  it('shows the closed window and no-phone empty state in Japanese', async () => {
    const host = new FakeHost();
    host.agentLocale = 'ja';
    host.ticketContext.requesterPhone = null;
    renderPanel(host);
    const card = await findSection('会話ウィンドウ');
    expect(await within(card).findByText('WhatsApp 番号がありません')).toBeTruthy();
    const reply = await findSection('WhatsApp で返信');
    expect(within(reply).getByText('送信先の WhatsApp 番号がありません。')).toBeTruthy();
  });

  it('shows the reminder written for this window, in English and Japanese', async () => {
    const host = hostWith(openWindow(startMs, 23 * hourMs + 40 * minuteMs));
    const status = host.contacts.get(phone)!;
    const closesAt = new Date(startMs + 20 * minuteMs).toISOString();
    host.contacts.set(phone, {
      ...status,
      window_reminder: {
        ticket: { helpdesk: 'zendesk', id: '4321' },
        closes_at: closesAt,
        reminded_at: new Date(startMs).toISOString(),
      },
    });
    renderPanel(host);
    const card = await findSection('Conversation window');
    expect((await within(card).findByTestId('window-reminder')).textContent).toMatch(
      /^Reminder written on ticket #4321: the customer wrote last and the window closes .+\.$/,
    );
    cleanup();
    host.agentLocale = 'ja';
    renderPanel(host);
    const ja = await findSection('会話ウィンドウ');
    expect((await within(ja).findByTestId('window-reminder')).textContent).toMatch(
      /^チケット #4321 にリマインダーを記録しました/,
    );
  });
});
