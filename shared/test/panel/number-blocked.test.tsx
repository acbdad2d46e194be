import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { NumberSending } from '../../src/contract/contacts.js';
import { contactStatus, FakeHost, openWindow } from './fake-host.js';
import { chooseTemplateOption, findSection, renderPanel, startMs } from './render.js';
import { allTemplates } from './templates-fixtures.js';

const phone = '+819012345678';

afterEach(cleanup);

/** A customer whose window is open and who opted in to utility templates, on a number in the state given. */
function hostWith(number: NumberSending | undefined) {
  const host = new FakeHost();
  host.templates = [...allTemplates];
  host.contacts.set(phone, {
    ...contactStatus(phone, openWindow(startMs, 3600_000)),
    ...(number === undefined ? {} : { number }),
  });
  host.consent(phone, 'utility');
  return host;
}

const restricted: NumberSending = {
  can_send: false,
  cannot_send_reason: 'account_restricted',
  blocked_until: '2026-11-23T01:00:00.000Z',
};

describe('a number that cannot send', () => {
  it('says so at the top with the reason and its end, and turns the reply and the templates off', async () => {
    const { user } = renderPanel(hostWith(restricted));
    const banner = await screen.findByTestId('number-cannot-send');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('This WhatsApp number cannot send messages');
    expect(banner.textContent).toMatch(/Meta has restricted the account’s messaging until .*2026.*\./);
    const reply = await findSection('Reply on WhatsApp');
    await user.type(within(reply).getByLabelText('Message'), 'Your order ships tomorrow.');
    expect(within(reply).getByRole('button', { name: 'Send reply' })).toHaveProperty('disabled', true);
    expect(within(reply).getByText('This WhatsApp number cannot send messages now (see above).')).toBeTruthy();
    expect(within(reply).queryByTestId('attach-toggle')).toBeNull();
    const templates = await findSection('Send a template');
    await chooseTemplateOption(user, templates, 'order_shipped', 'ja');
    expect(within(templates).getByRole('button', { name: 'Send template' })).toHaveProperty('disabled', true);
    expect(within(templates).getByText('This WhatsApp number cannot send messages now (see above).')).toBeTruthy();
  });

  it('names a disabled account, in Japanese', async () => {
    const host = hostWith({ can_send: false, cannot_send_reason: 'account_banned', blocked_until: null });
    host.agentLocale = 'ja';
    renderPanel(host);
    const banner = await screen.findByTestId('number-cannot-send');
    expect(banner.textContent).toContain('この WhatsApp 番号はメッセージを送信できません');
    expect(banner.textContent).toContain('Meta がポリシー違反で WhatsApp Business アカウントを無効にしました。');
    const reply = await findSection('WhatsApp で返信');
    expect(within(reply).getByRole('button', { name: '返信を送信' })).toHaveProperty('disabled', true);
  });

  it('shows nothing of the kind when the number can send, or the bridge does not say (an older bridge)', async () => {
    for (const number of [{ can_send: true, cannot_send_reason: null, blocked_until: null }, undefined]) {
      const { user, unmount } = renderPanel(hostWith(number));
      // The contact's status is in once the window card says how long the reply stays free.
      await screen.findByText(/You can reply freely for/);
      const reply = await findSection('Reply on WhatsApp');
      await user.type(within(reply).getByLabelText('Message'), 'Your order ships tomorrow.');
      expect(within(reply).getByRole('button', { name: 'Send reply' })).toHaveProperty('disabled', false);
      expect(within(reply).getByTestId('attach-toggle')).toBeTruthy();
      expect(screen.queryByTestId('number-cannot-send')).toBeNull();
      unmount();
    }
  });
});
