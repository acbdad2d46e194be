import './setup-dom.js';
import { act, cleanup, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contactStatus, FakeHost, openWindow } from './fake-host.js';
import { findSection, renderPanel, startMs } from './render.js';

const phone = '+819012345678';

/** A stand-in for the browser's EventSource: the test plays the bridge's stream. */
class FakeEventSource {
  static opened: FakeEventSource[] = [];
  readyState = 0;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  async emit(type: string, data: unknown, lastEventId = ''): Promise<void> {
    this.readyState = 1;
    await act(async () => {
      for (const listener of this.listeners.get(type) ?? []) {
        listener(new MessageEvent(type, { data: JSON.stringify(data), lastEventId }));
      }
    });
  }

  /** The stream refused (an expired token): EventSource closes and reports an error. */
  async refuse(): Promise<void> {
    this.readyState = 2;
    await act(async () => this.onerror?.(new Event('error')));
  }
}

beforeEach(() => {
  FakeEventSource.opened = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function host() {
  const fake = new FakeHost();
  fake.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  fake.customerProfileName = 'Hanako';
  return fake;
}

async function stream(): Promise<FakeEventSource> {
  for (let tries = 0; tries < 100 && FakeEventSource.opened.length === 0; tries++) await act(async () => undefined);
  const source = FakeEventSource.opened.at(-1);
  if (source === undefined) throw new Error('no stream was opened');
  return source;
}

describe('the live conversation', () => {
  it('opens the customer’s stream with a token from the proxy, never the installation token', async () => {
    const fake = host();
    renderPanel(fake);
    const source = await stream();
    expect(fake.count('POST', `/v1/conversations/${encodeURIComponent(phone)}/stream-tokens`)).toBe(1);
    expect(source.url).toContain('token=wbs_test1');
    expect(source.url).not.toMatch(/wbi_/);
    await source.emit('ready', { resumed: true });
    const section = await findSection('Conversation');
    expect(within(section).getByTestId('live-state').textContent).toBe('● Live');
  });

  it('shows what the customer wrote, without a reload, when the stream says the conversation changed', async () => {
    const fake = host();
    const { user } = renderPanel(fake);
    const source = await stream();
    await source.emit('ready', { resumed: true });
    const section = await findSection('Conversation');
    await within(section).findByText('No messages with this customer yet.');
    fake.inbound.push({
      phone,
      id: 'wamid.1',
      direction: 'inbound',
      at: new Date(startMs).toISOString(),
      type: 'image',
      text: 'Is this the right size?',
      media: { kind: 'image', mime_type: 'image/jpeg', filename: null, caption: 'Is this the right size?' },
      wamid: 'wamid.1',
      message: null,
    });
    await source.emit('change', { kind: 'conversation' }, '7.3');
    expect(await within(section).findByText('Is this the right size?')).toBeTruthy();
    expect(within(section).getByTestId('conversation-media').textContent).toBe('📎 Image');
    expect(within(section).getByText('Hanako')).toBeTruthy();

    // Folded, like the other sections (remembered through the host's storage), the latest message stays a glance away.
    await user.click(within(section).getByRole('button', { name: 'Conversation' }));
    expect(within(section).queryByRole('list', { name: 'Conversation' })).toBeNull();
    expect((await within(section).findByTestId('section-glance')).textContent).toBe('Hanako: Is this the right size?');
    await expect.poll(() => fake.stored.get('section:conversation')).toBe('true');
  });

  it('reads the contact again on a contact change (Stop), and the wallet on a wallet change', async () => {
    const fake = host();
    renderPanel(fake);
    const source = await stream();
    await source.emit('ready', { resumed: true });
    await findSection('Conversation');
    const contactPath = /^\/v1\/contacts\//;
    const contacts = fake.count('GET', contactPath);
    const wallets = fake.count('GET', '/v1/wallet');
    await source.emit('change', { kind: 'contact' }, '8.1');
    await source.emit('change', { kind: 'wallet' }, '8.2');
    expect(fake.count('GET', contactPath)).toBe(contacts + 1);
    expect(fake.count('GET', '/v1/wallet')).toBe(wallets + 1);
  });

  it('renews its token when the stream expires and resumes after the last event it saw', async () => {
    const fake = host();
    renderPanel(fake);
    const first = await stream();
    await first.emit('ready', { resumed: true });
    await first.emit('change', { kind: 'wallet' }, '9.4');
    await first.emit('expired', {});
    for (let tries = 0; tries < 100 && FakeEventSource.opened.length < 2; tries++) await act(async () => undefined);
    const second = FakeEventSource.opened[1];
    expect(first.closed).toBe(true);
    expect(second?.url).toContain('token=wbs_test2');
    expect(new URL(second?.url ?? 'https://x').searchParams.get('last_event_id')).toBe('9.4');
  });

  it('falls back to polling through the proxy when the stream keeps failing', async () => {
    const fake = host();
    const { clock } = renderPanel(fake);
    for (let attempt = 0; attempt < 3; attempt++) {
      const source = await stream();
      await source.refuse();
      if (attempt < 2) await clock.advance(2000);
    }
    const section = await findSection('Conversation');
    expect(within(section).getByTestId('live-state').textContent).toBe('Live updates unavailable: refreshing every 10 seconds.');
    const path = `/v1/conversations/${encodeURIComponent(phone)}`;
    const before = fake.count('GET', path);
    await clock.advance(10_000);
    expect(fake.count('GET', path)).toBe(before + 1);
  });
});
