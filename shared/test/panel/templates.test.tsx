import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { contactStatus, FakeHost, openWindow, problem } from './fake-host.js';
import { chooseTemplateOption, findSection, renderPanel, startMs } from './render.js';
import { allTemplates, orderShippedJa, welcomeEn } from './templates-fixtures.js';

const phone = '+819012345678';

afterEach(cleanup);

function hostWithTemplates() {
  const host = new FakeHost();
  host.templates = [...allTemplates];
  host.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  // Templates go only to customers who opted in to their topic.
  host.consent(phone, 'utility');
  host.consent(phone, 'marketing');
  return host;
}

async function templateSection() {
  const section = await findSection('Send a template');
  await within(section).findByRole('listbox', { name: 'Send a template' });
  return section;
}

function listedNames(section: HTMLElement): string[] {
  return within(section)
    .getAllByRole('option')
    .map((item) => item.textContent ?? '');
}

describe('template picker', () => {
  it('shows a skeleton while loading, then approved templates only, the agent’s language first', async () => {
    const host = hostWithTemplates();
    host.agentLocale = 'ja';
    // The templates are held until the skeleton has been seen: a bridge that answers at once would otherwise
    // answer before the section is found.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    host.intercept(async (request) => {
      if (request.route === '/v1/templates') await held;
      return undefined;
    });
    renderPanel(host);
    const loading = await findSection('テンプレートで送信');
    expect(within(loading).getByRole('status', { name: '読み込み中' })).toBeTruthy();
    release();
    const items = await within(loading).findAllByRole('option');
    expect(items.map((item) => item.textContent)).toEqual([
      'Order shippedユーティリティ · 日本語',
      'Order shippedユーティリティ · アメリカ英語',
      'Welcome offerマーケティング · 英語',
    ]);
    expect(screen.queryByText('old_campaign')).toBeNull();
    expect(host.count('GET', '/v1/templates')).toBe(1);
  });

  it('puts English templates (en, en_US) first for an English-speaking agent', async () => {
    const host = hostWithTemplates();
    renderPanel(host);
    const section = await templateSection();
    expect(listedNames(section)).toEqual([
      'Order shippedUtility · American English',
      'Welcome offerMarketing · English',
      'Order shippedUtility · Japanese',
    ]);
  });

  it('searches names, body text, categories and language names in one combobox, chosen by keyboard', async () => {
    const host = hostWithTemplates();
    const { user } = renderPanel(host);
    const section = await templateSection();
    const search = within(section).getByRole('combobox', { name: 'Search templates' });
    await user.type(search, '10% OFF');
    expect(listedNames(section)).toEqual(['Welcome offerMarketing · English']);
    await user.clear(search);
    await user.type(search, 'nothing like this');
    expect(within(section).getByText('No template matches.')).toBeTruthy();
    await user.clear(search);
    await user.type(search, 'utility');
    expect(listedNames(section)).toEqual(['Order shippedUtility · American English', 'Order shippedUtility · Japanese']);
    await user.clear(search);
    await user.type(search, 'japanese');
    expect(listedNames(section)).toEqual(['Order shippedUtility · Japanese']);
    // Filtering is local: the list was fetched once.
    expect(host.count('GET', '/v1/templates')).toBe(1);
    await user.keyboard('{Enter}');
    expect(await within(section).findByRole('heading', { name: 'Order shipped' })).toBeTruthy();
  });

  it('shows the display name an admin gave a template, and finds it by that name or by Meta’s', async () => {
    const host = hostWithTemplates();
    host.templates = host.templates.map((template) =>
      template.name === 'welcome_offer' ? { ...template, display_name: 'Spring campaign: 10% off' } : template,
    );
    const { user } = renderPanel(host);
    const section = await templateSection();
    expect(listedNames(section)).toContain('Spring campaign: 10% offMarketing · English');
    expect(listedNames(section).join()).not.toContain('Welcome offer');
    const search = within(section).getByRole('combobox', { name: 'Search templates' });
    await user.type(search, 'spring campaign');
    expect(listedNames(section)).toEqual(['Spring campaign: 10% offMarketing · English']);
    await user.clear(search);
    await user.type(search, 'welcome_offer');
    expect(listedNames(section)).toEqual(['Spring campaign: 10% offMarketing · English']);
    // The templates are loaded once, for the picker and the history alike.
    expect(host.count('GET', '/v1/templates')).toBe(1);
  });

  it('offers the templates used last first, remembered by the host, then the ticket’s language', async () => {
    const host = hostWithTemplates();
    host.ticketContext = { ...host.ticketContext, requesterLanguage: 'ja' };
    host.stored.set('recentTemplates', JSON.stringify(['welcome_offer:en']));
    renderPanel(host);
    const section = await templateSection();
    await expect.poll(() => listedNames(section)[0]).toBe('Welcome offerMarketing · English');
    expect(listedNames(section).slice(1)).toEqual(['Order shippedUtility · Japanese', 'Order shippedUtility · American English']);
  });

  it('says when there are no approved templates', async () => {
    const host = new FakeHost();
    renderPanel(host);
    expect(await screen.findByText('No approved templates yet.')).toBeTruthy();
  });

  it('shows an error with retry when the templates cannot be loaded', async () => {
    const host = hostWithTemplates();
    const stop = host.intercept((request) => (request.route === '/v1/templates' ? problem('internal_error') : undefined));
    const { user } = renderPanel(host);
    const section = await findSection('Send a template');
    expect(await within(section).findByText(/The bridge failed unexpectedly/)).toBeTruthy();
    stop();
    await user.click(within(section).getByRole('button', { name: 'Retry' }));
    expect(await within(section).findAllByRole('option')).toHaveLength(3);
  });
});

describe('template form', () => {
  async function openOrderShippedJa(host: FakeHost) {
    const rendered = renderPanel(host);
    const section = await findSection(host.agentLocale === 'ja' ? 'テンプレートで送信' : 'Send a template');
    await chooseTemplateOption(rendered.user, section, 'order_shipped', 'ja');
    return { ...rendered, section };
  }

  it('has a labelled field per parameter, validates inline, and previews live in Japanese', async () => {
    const host = hostWithTemplates();
    const { user, section } = await openOrderShippedJa(host);
    const preview = within(section).getByTestId('template-preview');
    // Before anything is typed the preview shows the placeholders, as the customer would get them unfilled.
    expect(within(preview).getByTestId('preview-body').textContent).toBe('{{1}} 様、ご注文の商品を {{2}} に発送しました。');
    const send = within(section).getByRole('button', { name: 'Send template' });
    expect(send).toHaveProperty('disabled', true);
    expect(within(section).getByText('Fill in every required value correctly first.')).toBeTruthy();

    await user.type(within(section).getByLabelText('Header {{1}}'), '#2001');
    await user.type(within(section).getByLabelText('Body {{1}}'), '山田');
    await user.type(within(section).getByLabelText('Body {{2}}'), '11月21日');
    await user.type(within(section).getByLabelText('Button 1: end of the link'), 'A 1');
    expect(within(section).getByText(/It ends a link/)).toBeTruthy();
    expect(send).toHaveProperty('disabled', true);
    await user.clear(within(section).getByLabelText('Button 1: end of the link'));
    expect(within(section).getByText('A value is required.')).toBeTruthy();
    await user.type(within(section).getByLabelText('Button 1: end of the link'), 'A1');

    expect(within(preview).getByTestId('preview-header').textContent).toBe('ご注文 #2001');
    expect(within(preview).getByTestId('preview-body').textContent).toBe('山田 様、ご注文の商品を 11月21日 に発送しました。');
    // WhatsApp's *bold* is shown bold, without the asterisks.
    expect(within(preview).getByText('11月21日').tagName).toBe('STRONG');
    expect(within(preview).getByTestId('preview-footer').textContent).toBe('Example Shop');
    expect(within(preview).getByTestId('preview-buttons').textContent).toContain('https://shop.example/track/A1');
    expect(send).toHaveProperty('disabled', false);
    expect(within(section).queryByTestId('blocked-reason')).toBeNull();
  });

  it('sends once on a double click: exactly one POST with one Idempotency-Key, then back to the list', async () => {
    const host = hostWithTemplates();
    const { user, section } = await openOrderShippedJa(host);
    await user.type(within(section).getByLabelText('Header {{1}}'), '#2001');
    await user.type(within(section).getByLabelText('Body {{1}}'), '山田');
    await user.type(within(section).getByLabelText('Body {{2}}'), '11月21日');
    await user.type(within(section).getByLabelText('Button 1: end of the link'), 'A1');
    await user.dblClick(within(section).getByRole('button', { name: 'Send template' }));
    expect(await within(section).findByText('Template sent.')).toBeTruthy();
    expect(host.posts()).toHaveLength(1);
    const [post] = host.posts();
    expect(post?.body).toEqual({
      to: phone,
      template: {
        name: 'order_shipped',
        language: 'ja',
        parameters: { 'header.1': '#2001', 'body.1': '山田', 'body.2': '11月21日', 'button.0': 'A1' },
      },
      ticket: { helpdesk: 'zendesk', id: '4321' },
    });
    expect(post?.headers?.['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(host.messages).toHaveLength(1);
  });

  it('names a sent template in the conversation by its display name, not Meta’s snake_case name', async () => {
    const host = hostWithTemplates();
    host.templates = host.templates.map((template) =>
      template.name === 'order_shipped' && template.language === 'ja'
        ? { ...template, display_name: '発送のお知らせ' }
        : template,
    );
    const { user, section } = await openOrderShippedJa(host);
    await user.type(within(section).getByLabelText('Header {{1}}'), '#2001');
    await user.type(within(section).getByLabelText('Body {{1}}'), '山田');
    await user.type(within(section).getByLabelText('Body {{2}}'), '11月21日');
    await user.type(within(section).getByLabelText('Button 1: end of the link'), 'A1');
    await user.click(within(section).getByRole('button', { name: 'Send template' }));
    expect(await within(section).findByText('Template sent.')).toBeTruthy();
    const conversation = await findSection('Conversation');
    expect(await within(conversation).findByText(/Template: 発送のお知らせ/)).toBeTruthy();
    expect(within(conversation).queryByText(/Template: (Order shipped|order_shipped)/)).toBeNull();
  });

  it('sends once when clicks land while the send is in flight', async () => {
    const host = new FakeHost();
    host.templates = [welcomeEn];
    host.consent(phone, 'marketing');
    let release: () => void = () => undefined;
    host.intercept((request) =>
      request.method === 'POST' ? new Promise<undefined>((resolve) => (release = () => resolve(undefined))) : undefined,
    );
    const { user } = renderPanel(host);
    await user.click(await screen.findByRole('option', { name: /Welcome offer/ }));
    const send = screen.getByRole('button', { name: 'Send template' });
    await user.click(send);
    await user.click(send);
    await user.click(send);
    expect(screen.getByRole('button', { name: 'Sending…' })).toHaveProperty('disabled', true);
    release();
    expect(await screen.findByText('Template sent.')).toBeTruthy();
    expect(host.posts()).toHaveLength(1);
  });

  it('retries a send whose answer was lost with the same Idempotency-Key, and a new send gets a new key', async () => {
    const host = new FakeHost();
    host.templates = [welcomeEn];
    host.consent(phone, 'marketing');
    let lose = true;
    host.intercept((request) => (request.method === 'POST' && lose ? 'unreachable' : undefined));
    const { user } = renderPanel(host);
    await user.click(await screen.findByRole('option', { name: /Welcome offer/ }));
    await user.click(screen.getByRole('button', { name: 'Send template' }));
    expect(await screen.findByText('The bridge could not be reached. Check your connection and try again.')).toBeTruthy();
    lose = false;
    await user.click(screen.getByRole('button', { name: 'Send template' }));
    expect(await screen.findByText('Template sent.')).toBeTruthy();
    await user.click(screen.getByRole('option', { name: /Welcome offer/ }));
    await user.click(screen.getByRole('button', { name: 'Send template' }));
    await screen.findByText('Template sent.');
    const keys = host.posts().map((post) => post.headers?.['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('says why a send is refused by the bridge, translated by problem code', async () => {
    const host = new FakeHost();
    host.templates = [welcomeEn];
    host.consent(phone, 'marketing');
    host.intercept((request) => (request.method === 'POST' ? problem('template_not_approved') : undefined));
    const { user } = renderPanel(host);
    await user.click(await screen.findByRole('option', { name: /Welcome offer/ }));
    await user.click(screen.getByRole('button', { name: 'Send template' }));
    expect(await screen.findByText('This template cannot be sent now: Meta has not approved it, or paused it.')).toBeTruthy();
  });

  it('disables sending with the reason when the ticket has no WhatsApp number', async () => {
    const host = new FakeHost();
    host.templates = [welcomeEn];
    host.consent(phone, 'marketing');
    host.ticketContext.requesterPhone = null;
    const { user } = renderPanel(host);
    await user.click(await screen.findByRole('option', { name: /Welcome offer/ }));
    const send = screen.getByRole('button', { name: 'Send template' });
    expect(send).toHaveProperty('disabled', true);
    const templates = await findSection('Send a template');
    expect(within(templates).getByText('There is no WhatsApp number to send to.').id).toBe(send.getAttribute('aria-describedby'));
  });

  it('fills in, previews and sends in Japanese', async () => {
    const host = hostWithTemplates();
    host.agentLocale = 'ja';
    const { user, section } = await openOrderShippedJa(host);
    expect(within(section).getByText('必要な値をすべて正しく入力してください。')).toBeTruthy();
    await user.type(within(section).getByLabelText('本文 {{1}}'), '山田');
    await user.clear(within(section).getByLabelText('本文 {{1}}'));
    expect(within(section).getByText('値を入力してください。')).toBeTruthy();
    await user.type(within(section).getByLabelText('ヘッダー {{1}}'), '#2001');
    await user.type(within(section).getByLabelText('本文 {{1}}'), '山田');
    await user.type(within(section).getByLabelText('本文 {{2}}'), '11月21日');
    await user.type(within(section).getByLabelText('ボタン 1: リンクの末尾'), 'A1');
    expect(within(section).getByTestId('preview-body').textContent).toBe('山田 様、ご注文の商品を 11月21日 に発送しました。');
    await user.click(within(section).getByRole('button', { name: 'テンプレートを送信' }));
    expect(await within(section).findByText('テンプレートを送信しました。')).toBeTruthy();
    expect(host.posts()).toHaveLength(1);
  });

  it('keeps the example of each value as its hint, on its own line apart from the limit', async () => {
    const host = hostWithTemplates();
    const { section } = await openOrderShippedJa(host);
    const header = within(section).getByLabelText('Header {{1}}');
    // Each part of the hint is its own element: the example never runs into the sentence after it.
    const example = within(section).getByText('Example: “#1001”');
    const limit = within(section).getByText('At most 60 characters.');
    expect(example).not.toBe(limit);
    expect(example.parentElement).toBe(limit.parentElement);
    expect(header.getAttribute('aria-describedby')).toContain(example.parentElement?.id);
    expect(example.parentElement?.textContent).toBe('Example: “#1001” At most 60 characters.');
    expect(within(section).getByText('Example: “山田”')).toBeTruthy();
    expect(within(section).getAllByText('At most 1024 characters.').length).toBeGreaterThan(0);
  });

  it('keeps the example apart from the limit in Japanese', async () => {
    const host = hostWithTemplates();
    host.agentLocale = 'ja';
    const { section } = await openOrderShippedJa(host);
    expect(within(section).getByText('例: 「#1001」')).not.toBe(within(section).getByText('60 文字以内。'));
  });

  it('says a value is too long, with the limit the bridge lists', async () => {
    const host = hostWithTemplates();
    const { user, section } = await openOrderShippedJa(host);
    await user.click(within(section).getByLabelText('Header {{1}}'));
    await user.paste('長'.repeat(61));
    // The hint's limit, and now the error under the field.
    expect(within(section).getAllByText('At most 60 characters.')).toHaveLength(2);
    expect(orderShippedJa.parameters.find((parameter) => parameter.key === 'header.1')).toMatchObject({ length_max: 60 });
  });
});
