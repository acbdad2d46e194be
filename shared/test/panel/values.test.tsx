import './setup-dom.js';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { contactStatus, FakeHost, listedTemplate, openWindow } from './fake-host.js';
import { chooseTemplateOption, findSection, renderPanel, startMs } from './render.js';

/* Issue #15: a name used twice is typed once; what the ticket knows is filled in. */

const phone = '+819012345678';

afterEach(cleanup);

/** `order_id` in the header and the body: one value, as Meta substitutes one named value wherever it appears. */
const shippingUpdate = listedTemplate({
  name: 'shipping_update',
  language: 'en',
  parameter_format: 'NAMED',
  components: [
    {
      type: 'HEADER',
      format: 'TEXT',
      text: 'Order {{order_id}}',
      example: { header_text_named_params: [{ param_name: 'order_id', example: 'ORD-1' }] },
    },
    {
      type: 'BODY',
      text: '{{first_name}}, your order {{order_id}} ships today.',
      example: {
        body_text_named_params: [
          { param_name: 'first_name', example: 'Ann' },
          { param_name: 'order_id', example: 'ORD-10293' },
        ],
      },
    },
  ],
});

/** POSITIONAL: `{{1}}` of the header and `{{1}}` of the body are two different values. */
const orderShipped = listedTemplate({
  name: 'order_shipped',
  language: 'en',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['#1'] } },
    { type: 'BODY', text: 'Hello {{1}}', example: { body_text: [['Ann']] } },
  ],
});

function host(firstName?: string | null) {
  const fake = new FakeHost();
  fake.templates = [shippingUpdate, orderShipped];
  if (firstName !== undefined) fake.ticketContext = { ...fake.ticketContext, requesterFirstName: firstName };
  fake.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  fake.consent(phone, 'utility');
  return fake;
}

async function open(fake: FakeHost, name: string) {
  const { user } = renderPanel(fake);
  const section = await findSection('Send a template');
  await user.type(await within(section).findByRole('combobox'), name.replaceAll('_', ' '));
  await chooseTemplateOption(user, section, name);
  return { user, section: within(section) };
}

describe('template values', () => {
  it('asks once for a named value used in the header and the body, and sends it for both', async () => {
    const fake = host(null);
    const { user, section } = await open(fake, 'shipping_update');
    expect(section.queryByLabelText('Header {{order_id}}')).toBeNull();
    await user.type(section.getByLabelText('{{order_id}} (header and body)'), 'ORD-5');
    await user.type(section.getByLabelText('Body {{first_name}}'), 'Ann');
    expect(screen.getByTestId('preview-body').textContent).toBe('Ann, your order ORD-5 ships today.');
    expect(screen.getByTestId('template-preview').textContent).toContain('Order ORD-5');
    await user.click(section.getByRole('button', { name: 'Send template' }));
    expect(await section.findByText('Template sent.')).toBeTruthy();
    // Exactly these three, each name once per place it is used.
    expect(fake.posts()[0]?.body).toHaveProperty('template.parameters', {
      'header.order_id': 'ORD-5',
      'body.order_id': 'ORD-5',
      'body.first_name': 'Ann',
    });
  });

  it('keeps positional values apart: {{1}} of the header is not {{1}} of the body', async () => {
    const { section } = await open(host(null), 'order_shipped');
    expect(section.getByLabelText('Header {{1}}')).toBeTruthy();
    expect(section.getByLabelText('Body {{1}}')).toBeTruthy();
  });

  it('fills in the requester’s first name where the helpdesk gives it, and the agent may change it', async () => {
    const { user, section } = await open(host('Hanako'), 'shipping_update');
    const firstName = section.getByLabelText('Body {{first_name}}') as HTMLInputElement;
    expect(firstName.value).toBe('Hanako');
    await user.clear(firstName);
    await user.type(firstName, 'Hana');
    expect(screen.getByTestId('preview-body').textContent).toContain('Hana, your order');
  });

  it('leaves the first name empty when the helpdesk does not give it', async () => {
    const { section } = await open(host(null), 'shipping_update');
    expect((section.getByLabelText('Body {{first_name}}') as HTMLInputElement).value).toBe('');
  });
});
