import './setup-dom.js';
import { cleanup, render, screen, within } from '@testing-library/react';
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useHost, useI18n } from '../../src/panel/index.js';
import { zohoKit } from '../../src/ui-zoho/index.js';
import { closedWindow, contactStatus, FakeHost, openWindow } from './fake-host.js';
import { findSection, kit, renderPanel, startMs } from './render.js';
import { welcomeEn } from './templates-fixtures.js';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('sidebar panel', () => {
  it('re-fetches everything for the new ticket when the helpdesk says the ticket changed', async () => {
    const host = new FakeHost();
    host.templates = [welcomeEn];
    host.contacts.set('+819012345678', contactStatus('+819012345678', openWindow(startMs, 3600_000)));
    host.contacts.set('+447911123456', contactStatus('+447911123456', closedWindow()));
    const { user } = renderPanel(host);
    await screen.findByText(/You can reply freely for/);
    // A half-filled reply belongs to the old ticket.
    await user.type(screen.getByLabelText('Message'), 'draft for ticket 4321');
    expect(host.listenerCount).toBe(1);

    act(() => host.changeTicket({ ticketId: '9999', requesterPhone: '+44 7911 123456' }));
    const card = await findSection('Conversation window');
    expect(await within(card).findByText('Only templates can reach this customer.')).toBeTruthy();
    expect(host.requests.map((request) => request.path)).toEqual(
      expect.arrayContaining([
        '/v1/contacts/%2B447911123456/status',
        '/v1/messages?ticket_helpdesk=zendesk&ticket_id=9999',
        '/v1/conversations/%2B447911123456?limit=50',
      ]),
    );
    // Once per ticket: nothing of the old ticket is fetched again after the change.
    expect(host.count('GET', '/v1/messages')).toBe(2);
    expect(host.count('GET', '/v1/templates')).toBe(2);
    expect(host.count('GET', /^\/v1\/contacts\//)).toBe(2);
    expect(screen.getByLabelText('Message')).toHaveProperty('value', '');
  });

  it('unsubscribes from ticket changes when unmounted', async () => {
    const host = new FakeHost();
    const { unmount } = renderPanel(host);
    await screen.findByText('No messages with this customer yet.');
    unmount();
    expect(host.listenerCount).toBe(0);
  });

  it('asks the helpdesk to size the iframe to the panel, as the panel resizes', async () => {
    const observed: ResizeObserverCallback[] = [];
    vi.stubGlobal(
      'ResizeObserver',
      class {
        constructor(callback: ResizeObserverCallback) {
          observed.push(callback);
        }
        observe() {}
        disconnect() {}
        unobserve() {}
      },
    );
    const host = new FakeHost();
    renderPanel(host);
    await screen.findByText('No messages with this customer yet.');
    expect(observed.length).toBeGreaterThan(0);
    act(() => observed.at(-1)?.([], {} as ResizeObserver));
    expect(host.heights.length).toBeGreaterThan(0);
  });

  it('still reports a height once where ResizeObserver is missing (jsdom)', async () => {
    expect(typeof ResizeObserver).toBe('undefined');
    const host = new FakeHost();
    renderPanel(host);
    await screen.findByText('No messages with this customer yet.');
    expect(host.heights).toEqual([0]);
  });

  it('leaves the bridge alone for the ticket itself when the helpdesk cannot say which ticket is open', async () => {
    const host = new FakeHost();
    let fail = true;
    host.ticket = async () => {
      if (fail) throw new Error('ZAF timeout');
      return { ...host.ticketContext };
    };
    const { user } = renderPanel(host);
    expect(await screen.findByText('The ticket could not be read from the helpdesk.')).toBeTruthy();
    expect(host.requests).toHaveLength(0);
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No messages with this customer yet.')).toBeTruthy();
  });

  it('draws with the kit it is given, and with nothing of another kit', async () => {
    const host = new FakeHost();
    const { container } = renderPanel(host);
    await screen.findByText('No messages with this customer yet.');
    const drawn = {
      garden: container.querySelector('[data-garden-id]') !== null,
      zoho: container.querySelector('.wbz') !== null,
    };
    expect(drawn).toEqual(kit === zohoKit ? { garden: false, zoho: true } : { garden: true, zoho: false });
  });

  it('renders every section in Japanese', async () => {
    const host = new FakeHost();
    host.agentLocale = 'ja';
    host.templates = [welcomeEn];
    renderPanel(host);
    for (const heading of ['会話ウィンドウ', 'WhatsApp で返信', 'テンプレートで送信', '会話']) {
      expect(await findSection(heading)).toBeTruthy();
    }
    expect(await screen.findByText('このお客様からの WhatsApp メッセージはまだありません。')).toBeTruthy();
    expect(screen.getByText('このお客様とのメッセージはまだありません。')).toBeTruthy();
    expect(screen.getByLabelText('テンプレートを検索')).toBeTruthy();
  });
});

describe('providers', () => {
  it('useHost() and useI18n() throw outside their providers', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const UsesHost = () => <>{String(useHost())}</>;
    const UsesI18n = () => <>{useI18n().t('panel.title')}</>;
    expect(() => render(<UsesHost />)).toThrow('useHost() must be used inside <HostProvider>.');
    expect(() => render(<UsesI18n />)).toThrow('useI18n() must be used inside <I18nProvider>.');
    vi.restoreAllMocks();
  });
});
