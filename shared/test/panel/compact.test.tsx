import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { contactStatus, FakeHost, openWindow } from './fake-host.js';
import { findSection, renderPanel, startMs } from './render.js';
import { allTemplates } from './templates-fixtures.js';

/* The compact panel (issue #15): collapsible sections that remember their state, human names. */

const phone = '+819012345678';

afterEach(cleanup);

function host() {
  const fake = new FakeHost();
  fake.templates = allTemplates;
  fake.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  return fake;
}

describe('collapsible sections', () => {
  it('folds a section away and finds it folded on the next ticket, through the host’s storage', async () => {
    const fake = host();
    const { user } = renderPanel(fake);
    const optin = await findSection('Opt-in');
    const toggle = within(optin).getByRole('button', { name: 'Opt-in' });
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(within(optin).queryByRole('list', { name: 'Opt-in per topic' })).toBeNull();
    await expect.poll(() => fake.stored.get('section:optin')).toBe('true');
    cleanup();

    renderPanel(fake);
    const again = await findSection('Opt-in');
    await expect.poll(() => within(again).getByRole('button', { name: 'Opt-in' }).getAttribute('aria-expanded')).toBe('false');
    // The window is never folded: it is what the agent decides by.
    expect(within(await findSection('Conversation window')).queryByRole('button', { name: 'Conversation window' })).toBeNull();
  });

  it('shows the balance at a glance when the points are folded', async () => {
    const fake = host();
    fake.pricing = { marketing: 12, utility: 5 };
    fake.wallet = { balance: 1200, reserved: 0 };
    fake.stored.set('section:points', 'true');
    renderPanel(fake);
    const points = await findSection('Points');
    expect((await within(points).findByTestId('section-glance')).textContent).toBe('1,200 points available');
  });
});

describe('human names', () => {
  it('names built-in topics in the agent’s language, and templates and languages in words', async () => {
    const fake = host();
    fake.agentLocale = 'ja';
    renderPanel(fake);
    const row = await screen.findByTestId('optin-topic-authentication');
    expect(row.textContent).toContain('ログインコード');
    const templates = await findSection('テンプレートで送信');
    const names = (await within(templates).findAllByRole('option')).map((option) => option.textContent);
    expect(names).toContain('Welcome offerマーケティング · 英語');
    expect(names.join()).not.toMatch(/en_US|_/);
  });
});
