import './setup-dom.js';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { WhatsAppText } from '../../src/panel/templates/WhatsAppText.js';
import { contactStatus, FakeHost, listedTemplate, openWindow } from './fake-host.js';
import { chooseTemplateOption, findSection, renderPanel, startMs } from './render.js';

/* What issue #15 found hard to read in the panel: placeholders read as formatting, long words widening the sidebar. */

const phone = '+819012345678';

afterEach(cleanup);

const shippingUpdate = listedTemplate({
  name: 'shipping_update',
  language: 'en',
  parameter_format: 'NAMED',
  components: [
    {
      type: 'BODY',
      text: '{{first_name}}, your order *{{order_id}}* ships _today_.',
      example: {
        body_text_named_params: [
          { param_name: 'first_name', example: 'Ann' },
          { param_name: 'order_id', example: 'ORD-10293' },
        ],
      },
    },
  ],
});

const longLink = `https://media.example.com/launch/${'very-long-segment-'.repeat(8)}video.mp4`;
const productLaunchVideo = listedTemplate({
  name: 'product_launch_video',
  language: 'en',
  category: 'MARKETING',
  components: [
    { type: 'HEADER', format: 'VIDEO', example: { header_handle: [longLink] } },
    { type: 'BODY', text: 'Our new product is here.' },
  ],
});

function host(...templates: ReturnType<typeof listedTemplate>[]) {
  const fake = new FakeHost();
  fake.templates = templates;
  fake.contacts.set(phone, contactStatus(phone, openWindow(startMs, 3600_000)));
  fake.consent(phone, 'utility');
  fake.consent(phone, 'marketing');
  return fake;
}

/** Opens the template's form as the agent would: search for it in the combobox, pick the option. */
async function openTemplate(user: ReturnType<typeof renderPanel>['user'], name: string) {
  const section = await findSection('Send a template');
  await user.type(await within(section).findByRole('combobox'), name);
  await chooseTemplateOption(user, section, name);
}

describe('WhatsApp formatting around placeholders', () => {
  it('never reads the underscores of a placeholder as italics', () => {
    render(<WhatsAppText text="{{first_name}}, your order {{order_id}}" />);
    const text = screen.getByText('{{first_name}}, your order {{order_id}}');
    expect(text.querySelector('em')).toBeNull();
  });

  it('still applies marks around a placeholder and outside it', () => {
    const { container } = render(<WhatsAppText text="{{first_name}}, order *{{order_id}}* ships _today_." />);
    expect(container.textContent).toBe('{{first_name}}, order {{order_id}} ships today.');
    expect(container.querySelector('strong')?.textContent).toBe('{{order_id}}');
    expect([...container.querySelectorAll('em')].map((node) => node.textContent)).toEqual(['today']);
  });

  it('shows the empty preview of a named template with its placeholders as written', async () => {
    const { user } = renderPanel(host(shippingUpdate));
    await openTemplate(user, 'shipping_update');
    const body = await screen.findByTestId('preview-body');
    expect(body.textContent).toBe('{{first_name}}, your order {{order_id}} ships today.');
    expect([...body.querySelectorAll('em')].map((node) => node.textContent)).toEqual(['today']);
  });
});

/** The nearest element, from `element` up, that lets long words break. */
function wrappingAncestor(element: HTMLElement | null): HTMLElement | null {
  for (let current = element; current !== null; current = current.parentElement) {
    if (current.style.overflowWrap === 'anywhere' || current.style.wordBreak === 'break-word') return current;
  }
  return null;
}

describe('long words in a narrow sidebar', () => {
  it('lets a long example link in a hint break instead of widening the panel', async () => {
    const { user } = renderPanel(host(productLaunchVideo));
    await openTemplate(user, 'product_launch_video');
    const section = await findSection('Send a template');
    const hint = within(section).getByText(`Example: “${longLink}”`);
    expect(wrappingAncestor(hint)).not.toBeNull();
  });

  it('lets any text of the panel break, the window card included', async () => {
    renderPanel(host());
    const card = await screen.findByTestId('window-card');
    expect(wrappingAncestor(card)).not.toBeNull();
  });
});
