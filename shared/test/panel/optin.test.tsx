import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { contactStatus, FakeHost, openWindow, problem } from './fake-host.js';
import { findSection, renderPanel, startMs, templateOptions } from './render.js';
import { orderShippedEn, orderShippedJa, welcomeEn } from './templates-fixtures.js';

const phone = '+819012345678';

afterEach(cleanup);

function hostFor() {
  const host = new FakeHost();
  host.templates = [orderShippedEn, orderShippedJa, welcomeEn];
  host.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  host.optin.topics = [
    { id: 'marketing', label: 'Offers' },
    { id: 'utility' },
    { id: 'authentication' },
    { id: 'newsletter', label: 'Newsletter' },
  ];
  host.optin.template_rules = [{ match: { template_name: 'welcome_offer' }, topic: 'newsletter' }];
  return host;
}

async function topicRow(topic: string) {
  const section = await findSection(/^(Opt-in|オプトイン)$/);
  await within(section).findByTestId('optin-topics');
  return within(section).getByTestId(`optin-topic-${topic}`);
}

async function chooseTemplate(user: ReturnType<typeof renderPanel>['user'], name: RegExp) {
  const templates = await findSection(/Send a template|テンプレートで送信/);
  const option = (await templateOptions(templates)).find((candidate) => name.test(candidate.dataset.template ?? ''));
  await user.click(option as HTMLElement);
  return templates;
}

describe('opt-in section', () => {
  it('shows every topic of the account with its label, state, source and localised date', async () => {
    const host = hostFor();
    host.consent(phone, 'utility', 'opted_in', 'website_form');
    host.consent(phone, 'marketing', 'opted_out', 'whatsapp_preferences');
    renderPanel(host);
    const utility = await topicRow('utility');
    expect(utility.textContent).toContain('Service updates');
    expect(within(utility).getByText('Opted in')).toBeTruthy();
    const recordedAt = host.consents.find((record) => record.topic === 'utility')?.occurredAt ?? new Date(0);
    const date = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(recordedAt);
    expect(utility.textContent).toContain(`Website form · ${date}`);
    const marketing = await topicRow('marketing');
    expect(marketing.textContent).toContain('Offers');
    expect(within(marketing).getByText('Opted out')).toBeTruthy();
    expect(marketing.textContent).toContain('WhatsApp settings');
    const newsletter = await topicRow('newsletter');
    expect(newsletter.textContent).toContain('Newsletter');
    expect(within(newsletter).getByText('Unknown')).toBeTruthy();
    expect(newsletter.textContent).toContain('No consent recorded.');
    expect(host.count('GET', '/v1/optin-topics')).toBe(1);
  });

  it('disables a template’s send naming the customer and the topic, by the account’s rules', async () => {
    const host = hostFor();
    host.consent(phone, 'marketing', 'opted_out', 'sms');
    const { user } = renderPanel(host);
    let templates = await chooseTemplate(user, /order_shipped:en_US/);
    const send = within(templates).getByRole('button', { name: 'Send template' });
    expect(send).toHaveProperty('disabled', true);
    const reason = within(templates).getByText('Hanako Yamada has not opted in to ‘Service updates’ messages.');
    expect(reason.id).toBe(send.getAttribute('aria-describedby'));
    await user.click(within(templates).getByRole('button', { name: 'Back to the list' }));
    // welcome_offer is MARKETING, but a rule by its name gives it the topic "newsletter".
    templates = await chooseTemplate(user, /welcome_offer/);
    expect(within(templates).getByText('Hanako Yamada has not opted in to ‘Newsletter’ messages.')).toBeTruthy();
  });

  it('says when the customer opted out of the template’s topic', async () => {
    const host = hostFor();
    host.optin.template_rules = [];
    host.consent(phone, 'marketing', 'opted_in');
    host.consent(phone, 'marketing', 'opted_out', 'whatsapp_conversation');
    const { user } = renderPanel(host);
    const templates = await chooseTemplate(user, /welcome_offer/);
    expect(within(templates).getByText('Hanako Yamada has opted out of ‘Offers’ messages.')).toBeTruthy();
    expect(within(templates).getByRole('button', { name: 'Send template' })).toHaveProperty('disabled', true);
  });

  it('records consent from the form (wording prefilled naming the business), then refreshes and lets the template be sent', async () => {
    const host = hostFor();
    host.agentId = 'zendesk:agent:77';
    const { user } = renderPanel(host);
    const templates = await chooseTemplate(user, /order_shipped:en_US/);
    expect(within(templates).getByText('Hanako Yamada has not opted in to ‘Service updates’ messages.')).toBeTruthy();

    const section = await findSection('Opt-in');
    await user.click(within(section).getByRole('button', { name: 'Record consent' }));
    const form = within(section).getByRole('form', { name: 'Record consent' });
    await user.selectOptions(within(form).getByLabelText('Topic'), 'utility');
    expect(within(form).getByLabelText('Consent')).toHaveProperty('value', 'opted_in');
    await user.selectOptions(within(form).getByLabelText('How it was given'), 'whatsapp_conversation');
    expect(within(form).getByLabelText('Wording')).toHaveProperty(
      'value',
      'I agree to receive ‘Service updates’ messages from Example Shop on WhatsApp.',
    );
    await user.click(within(form).getByRole('button', { name: 'Record consent' }));

    expect(await within(section).findByText('Consent recorded.')).toBeTruthy();
    expect(host.count('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`)).toBe(1);
    expect(host.requests.find((request) => request.route.endsWith('/consents'))?.body).toEqual({
      topic: 'utility',
      state: 'opted_in',
      source: 'whatsapp_conversation',
      evidence: 'I agree to receive ‘Service updates’ messages from Example Shop on WhatsApp.',
      recorded_by: 'zendesk:agent:77',
    });
    const utility = await topicRow('utility');
    await within(utility).findByText('Opted in');
    expect(utility.textContent).toContain('WhatsApp conversation');

    // The template picker follows: the consent reason is gone, only the values remain to fill in.
    expect(await within(templates).findByText('Fill in every required value correctly first.')).toBeTruthy();
    await user.type(within(templates).getByLabelText('Header {{1}}'), '#1');
    await user.type(within(templates).getByLabelText('Body {{1}}'), 'Ann');
    await user.type(within(templates).getByLabelText('Body {{2}}'), 'Nov 21');
    await user.click(within(templates).getByRole('button', { name: 'Send template' }));
    expect(await within(templates).findByText('Template sent.')).toBeTruthy();
    expect(host.posts()).toHaveLength(1);
  });

  it('omits recorded_by when the host cannot tell who the agent is', async () => {
    const host = hostFor();
    const { user } = renderPanel(host);
    const section = await findSection('Opt-in');
    await user.click(await within(section).findByRole('button', { name: 'Record consent' }));
    await user.click(within(section).getByRole('button', { name: 'Record consent' }));
    await within(section).findByText('Consent recorded.');
    const body = host.requests.find((request) => request.route.endsWith('/consents'))?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('recorded_by');
    expect(body).toMatchObject({ topic: 'marketing', state: 'opted_in', source: 'agent' });
  });

  it('shows the bridge’s validation errors inline, translated, and keeps the form', async () => {
    const host = hostFor();
    const { user } = renderPanel(host);
    const section = await findSection('Opt-in');
    await user.click(await within(section).findByRole('button', { name: 'Record consent' }));
    const form = within(section).getByRole('form', { name: 'Record consent' });
    const wording = within(form).getByLabelText('Wording');
    await user.clear(wording);
    await user.click(wording);
    await user.paste('I agree to receive offers on WhatsApp.');
    await user.click(within(form).getByRole('button', { name: 'Record consent' }));
    const error = await within(form).findByText(
      'An opt-in’s wording must name the business, so the customer knows whose messages they accept.',
    );
    expect(wording.getAttribute('aria-describedby')).toContain(error.id);
    expect(host.consents).toHaveLength(0);

    await user.clear(wording);
    await user.click(wording);
    await user.paste('   ');
    await user.click(within(form).getByRole('button', { name: 'Record consent' }));
    expect(await within(form).findByText('Write the wording the customer agreed to.')).toBeTruthy();

    // An opt-out needs no business name; the edited wording stays the agent's.
    await user.selectOptions(within(form).getByLabelText('Consent'), 'opted_out');
    await user.clear(wording);
    await user.click(wording);
    await user.paste('Customer asked to stop offers by phone.');
    await user.click(within(form).getByRole('button', { name: 'Record consent' }));
    await within(section).findByText('Consent recorded.');
    expect(within(await topicRow('marketing')).getByText('Opted out')).toBeTruthy();
  });

  it('says a field the request schema found missing is required, in the agent’s language, never zod’s message', async () => {
    for (const [locale, required, invalid] of [
      ['en', 'This is required.', 'This value is not valid.'],
      ['ja', '入力が必要です。', 'この値は正しくありません。'],
    ] as const) {
      const host = hostFor();
      host.agentLocale = locale;
      host.intercept((request) =>
        request.method === 'POST' && request.route.endsWith('/consents')
          ? {
              status: 400,
              body: {
                ...(problem('validation_failed').body as object),
                errors: [
                  // As the bridge answers an absent field (http/mount.ts).
                  { path: 'body.evidence', code: 'required', message: 'required' },
                  { path: 'body.topic', code: 'too_big', message: 'Too big: expected string to have <=64 characters' },
                ],
              },
            }
          : undefined,
      );
      const { user, unmount } = renderPanel(host);
      const section = await findSection(/^(Opt-in|オプトイン)$/);
      const open = await within(section).findByRole('button', { name: /Record consent|同意を記録/ });
      await user.click(open);
      const form = within(section).getByRole('form');
      await user.click(within(form).getByRole('button', { name: /Record consent|同意を記録/ }));
      expect(await within(form).findByText(required)).toBeTruthy();
      expect(within(form).getByText(invalid)).toBeTruthy();
      expect(within(form).queryByText(/expected string|Too big/)).toBeNull();
      unmount();
    }
  });

  it('works in Japanese: states, sources, prefilled wording, errors and the send reason', async () => {
    const host = hostFor();
    host.agentLocale = 'ja';
    host.optin.business_names = ['さくらシューズ'];
    host.consent(phone, 'marketing', 'opted_in', 'paper');
    const { user } = renderPanel(host);
    const marketing = await topicRow('marketing');
    expect(within(marketing).getByText('同意済み')).toBeTruthy();
    expect(marketing.textContent).toContain('紙の申込書');
    expect(within(await topicRow('utility')).getByText('未確認')).toBeTruthy();

    const templates = await chooseTemplate(user, /order_shipped:ja$/);
    expect(
      within(templates).getByText('Hanako Yamada は「サービスのお知らせ」のメッセージの受信に同意していません。'),
    ).toBeTruthy();

    const section = await findSection('オプトイン');
    await user.click(within(section).getByRole('button', { name: '同意を記録' }));
    const form = within(section).getByRole('form', { name: '同意を記録' });
    await user.selectOptions(within(form).getByLabelText('トピック'), 'utility');
    const wording = within(form).getByLabelText('文言');
    expect(wording).toHaveProperty(
      'value',
      'さくらシューズ から WhatsApp で「サービスのお知らせ」のメッセージを受け取ることに同意します。',
    );
    await user.clear(wording);
    await user.click(wording);
    await user.paste('お知らせを受け取ります。');
    await user.click(within(form).getByRole('button', { name: '同意を記録' }));
    expect(await within(form).findByText(/オプトインの文言には事業者名を含める必要があります/)).toBeTruthy();
    await user.clear(wording);
    await user.click(wording);
    await user.paste('ｻｸﾗ… いいえ、さくらシューズからのお知らせを受け取ります。');
    await user.click(within(form).getByRole('button', { name: '同意を記録' }));
    expect(await within(section).findByText('同意を記録しました。')).toBeTruthy();
    expect(await within(templates).findByText('必要な値をすべて正しく入力してください。')).toBeTruthy();
    expect(screen.queryByText(/同意していません/)).toBeNull();
  });
});
