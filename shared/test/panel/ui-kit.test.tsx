import './setup-dom.js';
import { cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { type ReactNode, useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type UiKit, UiKitProvider, useUiKit } from '../../src/panel/index.js';
import { gardenKit } from '../../src/ui-garden/index.js';
import { zohoKit } from '../../src/ui-zoho/index.js';

/*
 * What the panel relies on from any kit, checked on each: the accessible names, descriptions, roles and states the
 * component tests query by, and the behaviour a form depends on. (The component tests themselves run on both kits:
 * the `panel` and `panel-zoho` Vitest projects.)
 */

afterEach(cleanup);

const kits: [string, UiKit][] = [
  ['Garden', gardenKit],
  ['Zoho', zohoKit],
];

function renderWith(kit: UiKit, children: ReactNode) {
  return { user: userEvent.setup(), ...render(<UiKitProvider kit={kit}>{children}</UiKitProvider>) };
}

describe.each(kits)('the %s kit', (_name, kit) => {
  const { Button, Field, TextInput, TextArea, Select, Notice, Callout, Heading, Text, Tag } = kit;

  it('names each control by its label and describes it by its hint, then by its error too', () => {
    const { rerender } = renderWith(
      kit,
      <Field label="Header" hint="At most 60 characters.">
        <TextInput value="" onChange={() => undefined} />
      </Field>,
    );
    const input = screen.getByRole('textbox', { name: 'Header', description: 'At most 60 characters.' });
    expect(input.getAttribute('aria-invalid')).not.toBe('true');

    rerender(
      <UiKitProvider kit={kit}>
        <Field label="Header" hint="At most 60 characters." error="Too long.">
          <TextInput value="" onChange={() => undefined} />
        </Field>
      </UiKitProvider>,
    );
    const invalid = screen.getByRole('textbox', { name: 'Header' });
    expect(invalid.getAttribute('aria-invalid')).toBe('true');
    const describedBy = invalid.getAttribute('aria-describedby')?.split(' ') ?? [];
    expect(describedBy).toContain(screen.getByText('Too long.').id);
    expect(describedBy).toContain(screen.getByText('At most 60 characters.').id);
  });

  it('gives a text area and a select their labels, and passes typed and chosen values as strings', async () => {
    const changes: string[] = [];
    function Form() {
      const [text, setText] = useState('');
      const [topic, setTopic] = useState('marketing');
      return (
        <>
          <Field label="Wording">
            <TextArea
              rowsMin={3}
              value={text}
              onChange={(value) => {
                changes.push(value);
                setText(value);
              }}
            />
          </Field>
          <Field label="Topic" error={null}>
            <Select
              value={topic}
              options={[
                { value: 'marketing', label: 'Marketing' },
                { value: 'utility', label: 'Utility' },
              ]}
              onChange={(value) => {
                changes.push(value);
                setTopic(value);
              }}
            />
          </Field>
        </>
      );
    }
    const { user } = renderWith(kit, <Form />);
    await user.type(screen.getByRole('textbox', { name: 'Wording' }), 'ok');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Topic' }), 'Utility');
    expect(changes).toEqual(['o', 'ok', 'utility']);
    expect(screen.getByRole('combobox', { name: 'Topic' }).getAttribute('aria-invalid')).not.toBe('true');
  });

  it('submits a form only from a submit button; a plain one (back, cancel) never does', async () => {
    const submitted = vi.fn((event: Event) => event.preventDefault());
    const clicked = vi.fn();
    const { user } = renderWith(
      kit,
      <form aria-label="Form" onSubmit={(event) => submitted(event.nativeEvent)}>
        <Button variant="basic" onClick={clicked}>
          Back
        </Button>
        <Button type="submit" variant="primary" aria-describedby="why">
          Send
        </Button>
        <Button type="submit" disabled>
          Disabled
        </Button>
        <span id="why">Why not</span>
      </form>,
    );
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(clicked).toHaveBeenCalledTimes(1);
    expect(submitted).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Disabled' }));
    expect(submitted).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Send', description: 'Why not' }));
    expect(submitted).toHaveBeenCalledTimes(1);
  });

  it('reads a notice out at once unless it says it is a status', () => {
    renderWith(
      kit,
      <>
        <Notice tone="warning">
          <Notice.Paragraph>Closing soon.</Notice.Paragraph>
        </Notice>
        <Notice tone="success" role="status">
          <Notice.Paragraph>Sent.</Notice.Paragraph>
        </Notice>
      </>,
    );
    expect(screen.getByRole('alert').textContent).toBe('Closing soon.');
    expect(screen.getByRole('status').textContent).toBe('Sent.');
  });

  it('draws headings at their level, and text, tags and callouts with their test hooks and ids', () => {
    renderWith(
      kit,
      <>
        <Heading level={2}>Conversation window</Heading>
        <Heading level={4}>Preview</Heading>
        <Text id="reason" data-testid="reason">
          Write a message first.
        </Text>
        <Text role="note" tone="danger">
          Failed.
        </Text>
        <Tag tone="success" data-testid="state">
          Open
        </Tag>
        <Callout title="No WhatsApp number">Add one to the ticket.</Callout>
      </>,
    );
    expect(screen.getByRole('heading', { level: 2, name: 'Conversation window' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 4, name: 'Preview' })).toBeTruthy();
    expect(screen.getByTestId('reason').id).toBe('reason');
    expect(screen.getByRole('note').textContent).toBe('Failed.');
    expect(screen.getByTestId('state').textContent).toBe('Open');
    expect(screen.getByText('No WhatsApp number')).toBeTruthy();
    expect(screen.getByText('Add one to the ticket.')).toBeTruthy();
  });
});

describe('the kit context', () => {
  it('useUiKit() throws outside its provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const UsesKit = () => <>{Object.keys(useUiKit()).length}</>;
    expect(() => render(<UsesKit />)).toThrow('useUiKit() must be used inside <UiKitProvider>.');
    vi.restoreAllMocks();
  });

  it('the Zoho kit refuses a control outside a field, which would have no accessible name', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { TextInput } = zohoKit;
    expect(() => render(<TextInput value="" onChange={() => undefined} />)).toThrow(
      'A form control of the Zoho kit must be inside its <Field>.',
    );
    vi.restoreAllMocks();
  });
});
