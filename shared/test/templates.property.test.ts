import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { templateComponentSchema } from '../../bridge-server/src/meta-sandbox/send-schema.js';
import type { Template as SandboxTemplate, TemplateComponent } from '../../bridge-server/src/meta-sandbox/state.js';
import { checkTemplateParameters } from '../../bridge-server/src/meta-sandbox/template-rules.js';
import { propertyRuns } from '../../test/support/properties.js';
import {
  buildTemplateComponents,
  messageTemplateSchema,
  renderTemplatePreview,
  type TemplateParameterKind,
  type TemplateValue,
  templateParameters,
  validateTemplateValues,
} from '../src/templates/index.js';

/*
 * Generated templates (positional and named, placeholders anywhere and repeated, random headers, footers and
 * buttons, authentication templates) with generated valid values. The generator knows which parameters it put
 * in, so it checks the model against its own expectation, and the Meta sandbox's rules check the send.
 */

const runs = propertyRuns(200);

type Format = 'POSITIONAL' | 'NAMED';

/** What the generator expects the model to ask for, in order. */
interface ExpectedParameter {
  key: string;
  component: 'header' | 'body' | 'button';
  kind: TemplateParameterKind;
  placeholder?: string;
  buttonIndex?: number;
}

interface GeneratedTemplate {
  format: Format;
  /** Meta's listing shape, as `GET /message_templates` returns it. */
  resource: {
    id: string;
    name: string;
    language: string;
    status: string;
    category: string;
    parameter_format: Format;
    components: TemplateComponent[];
  };
  expected: ExpectedParameter[];
}

// ---------------------------------------------------------------------------------------------------
// Text pieces. No braces in literal text or values, so any `{{…}}` left in a preview is a placeholder we missed.

const literalUnits = [
  'a',
  'B',
  'z',
  '0',
  '7',
  ' ',
  ',',
  '.',
  '!',
  '-',
  '*',
  '\n',
  'ご',
  '注',
  '文',
  '様',
  '。',
  '、',
  'ー',
  '👍',
];
const literal = (maxLength: number) => fc.string({ unit: fc.constantFrom(...literalUnits), maxLength });
const singleLineLiteral = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...literalUnits.filter((unit) => unit !== '\n')), maxLength });

const textValueUnits = [
  'a',
  'Z',
  '0',
  '9',
  '-',
  '.',
  ',',
  '%',
  '$',
  '#',
  '@',
  ' ',
  '山',
  '田',
  'カ',
  'ー',
  '。',
  '\u3000',
  '👍',
  '𠮷',
];
const textValue = fc
  .string({ unit: fc.constantFrom(...textValueUnits), minLength: 1, maxLength: 20 })
  .filter((value) => value.trim() !== '' && !/ {5}/.test(value));
const urlSuffixValue = fc.string({
  unit: fc.constantFrom('a', 'Z', '0', '-', '_', '.', '~', '/', '?', '=', '&', '%2F', '%E6%B3%A8'),
  minLength: 1,
  maxLength: 20,
});
const codeValue = fc.string({ unit: fc.constantFrom('A', 'z', '0', '9', '$', '-'), minLength: 1, maxLength: 15 });
const mediaValue = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((path): TemplateValue => ({ link: `https://cdn.example/${path}` })),
  fc.stringMatching(/^[1-9][0-9]{0,15}$/).map((id): TemplateValue => ({ id })),
);
const payloadValue = fc.option(
  fc.string({ minLength: 1, maxLength: 20 }).filter((value) => value.trim() !== ''),
  { nil: undefined },
);

// ---------------------------------------------------------------------------------------------------
// Templates

const namedPlaceholder = fc.stringMatching(/^[a-z_][a-z0-9_]{0,9}$/);

/** The body's placeholders: `{{1}}`…`{{n}}`, or unique names. */
function placeholderNames(format: Format): fc.Arbitrary<string[]> {
  return format === 'NAMED'
    ? fc.uniqueArray(namedPlaceholder, { maxLength: 6 })
    : fc.nat({ max: 6 }).map((count) => Array.from({ length: count }, (_, index) => String(index + 1)));
}

/** Each placeholder at least once, some more than once, in any order, between random literal text. */
function bodyOf(names: string[]): fc.Arbitrary<{ text: string; order: string[] }> {
  const repeats = names.length === 0 ? fc.constant<string[]>([]) : fc.array(fc.constantFrom(...names), { maxLength: 3 });
  return repeats
    .chain((extra) =>
      fc.shuffledSubarray([...names, ...extra], {
        minLength: names.length + extra.length,
        maxLength: names.length + extra.length,
      }),
    )
    .chain((occurrences) =>
      fc.array(literal(20), { minLength: occurrences.length + 1, maxLength: occurrences.length + 1 }).map((literals) => ({
        text: literals.map((piece, index) => (index < occurrences.length ? `${piece}{{${occurrences[index]}}}` : piece)).join(''),
        order: occurrences,
      })),
    )
    .filter(({ text }) => text.trim() !== '');
}

type HeaderSpec =
  | { kind: 'none' }
  | { kind: 'text'; text: string; placeholder: string | undefined }
  | { kind: 'media'; format: 'IMAGE' | 'VIDEO' | 'DOCUMENT' };

function headerOf(format: Format): fc.Arbitrary<HeaderSpec> {
  const placeholder = format === 'NAMED' ? namedPlaceholder : fc.constant('1');
  return fc.oneof(
    fc.constant<HeaderSpec>({ kind: 'none' }),
    fc
      .tuple(singleLineLiteral(20), fc.option(placeholder, { nil: undefined }), singleLineLiteral(20))
      .filter(([before, name, after]) => name !== undefined || `${before}${after}`.trim() !== '')
      .map(
        ([before, name, after]): HeaderSpec => ({
          kind: 'text',
          text: name === undefined ? `${before}${after}` : `${before}{{${name}}}${after}`,
          placeholder: name,
        }),
      ),
    fc.constantFrom('IMAGE', 'VIDEO', 'DOCUMENT').map((mediaFormat): HeaderSpec => ({ kind: 'media', format: mediaFormat })),
  );
}

type ButtonSpec = {
  type: 'QUICK_REPLY' | 'STATIC_URL' | 'DYNAMIC_URL' | 'PHONE_NUMBER' | 'COPY_CODE';
  text: string;
  path: string;
};

const buttonSpec = fc.record({
  type: fc.constantFrom('QUICK_REPLY', 'STATIC_URL', 'DYNAMIC_URL', 'PHONE_NUMBER', 'COPY_CODE'),
  text: fc.stringMatching(/^[A-Za-z ]{1,20}$/),
  path: fc.stringMatching(/^[a-z0-9/]{0,12}$/),
});
// Meta allows one copy-code button per template.
const buttonSpecs = fc
  .array(buttonSpec, { maxLength: 4 })
  .filter((buttons) => buttons.filter((button) => button.type === 'COPY_CODE').length <= 1);

function buttonResource(button: ButtonSpec): Record<string, unknown> {
  switch (button.type) {
    case 'QUICK_REPLY':
      return { type: 'QUICK_REPLY', text: button.text };
    case 'STATIC_URL':
      return { type: 'URL', text: button.text, url: `https://shop.example/${button.path}` };
    case 'DYNAMIC_URL':
      return {
        type: 'URL',
        text: button.text,
        url: `https://shop.example/${button.path}{{1}}`,
        example: [`https://shop.example/${button.path}X1`],
      };
    case 'PHONE_NUMBER':
      return { type: 'PHONE_NUMBER', text: button.text, phone_number: '+15550100' };
    case 'COPY_CODE':
      return { type: 'COPY_CODE', example: 'SAVE20' };
  }
}

function buttonExpectation(button: ButtonSpec, buttonIndex: number): ExpectedParameter[] {
  const common = { key: `button.${buttonIndex}`, component: 'button', buttonIndex } as const;
  if (button.type === 'DYNAMIC_URL') return [{ ...common, kind: 'url_suffix', placeholder: '1' }];
  if (button.type === 'COPY_CODE') return [{ ...common, kind: 'coupon_code' }];
  if (button.type === 'QUICK_REPLY') return [{ ...common, kind: 'payload' }];
  return [];
}

function sortedPlaceholders(order: string[], format: Format): string[] {
  const unique = [...new Set(order)];
  return format === 'NAMED' ? unique : unique.sort((left, right) => Number(left) - Number(right));
}

const standardTemplate: fc.Arbitrary<GeneratedTemplate> = fc
  .constantFrom<Format>('POSITIONAL', 'NAMED')
  .chain((format) =>
    fc.record({
      format: fc.constant(format),
      header: headerOf(format),
      body: placeholderNames(format).chain(bodyOf),
      footer: fc.option(
        singleLineLiteral(30).filter((text) => text.trim() !== ''),
        { nil: undefined },
      ),
      buttons: buttonSpecs,
    }),
  )
  .map(({ format, header, body, footer, buttons }) => {
    const components: TemplateComponent[] = [];
    const expected: ExpectedParameter[] = [];
    if (header.kind === 'text') {
      components.push({ type: 'HEADER', format: 'TEXT', text: header.text });
      if (header.placeholder !== undefined) {
        expected.push({
          key: `header.${header.placeholder}`,
          component: 'header',
          kind: 'text',
          placeholder: header.placeholder,
        });
      }
    } else if (header.kind === 'media') {
      components.push({ type: 'HEADER', format: header.format, example: { header_handle: ['https://cdn.example/example'] } });
      expected.push({ key: 'header.media', component: 'header', kind: 'media' });
    }
    components.push({ type: 'BODY', text: body.text });
    for (const placeholder of sortedPlaceholders(body.order, format)) {
      expected.push({ key: `body.${placeholder}`, component: 'body', kind: 'text', placeholder });
    }
    if (footer !== undefined) components.push({ type: 'FOOTER', text: footer });
    if (buttons.length > 0) components.push({ type: 'BUTTONS', buttons: buttons.map(buttonResource) });
    expected.push(...buttons.flatMap(buttonExpectation));
    return { format, resource: resourceOf(format, 'UTILITY', components), expected };
  });

const otpUrl = 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code_expiration_minutes=10&code=otp{{1}}';

/** Copy-code authentication templates as Meta lists them: the code in the body, an OTP button read back as URL. */
const authenticationTemplate: fc.Arbitrary<GeneratedTemplate> = fc
  .record({ before: literal(10), after: literal(40), withFooter: fc.boolean() })
  .map(({ before, after, withFooter }) => {
    const components: TemplateComponent[] = [
      { type: 'BODY', text: `${before}*{{1}}*${after}`, add_security_recommendation: true },
      ...(withFooter ? [{ type: 'FOOTER' as const, text: 'This code expires in 10 minutes.' }] : []),
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Copy code', url: otpUrl }] },
    ];
    return {
      format: 'POSITIONAL' as const,
      resource: resourceOf('POSITIONAL', 'AUTHENTICATION', components),
      expected: [{ key: 'body.1', component: 'body', kind: 'one_time_password', placeholder: '1' }],
    };
  });

function resourceOf(format: Format, category: string, components: TemplateComponent[]): GeneratedTemplate['resource'] {
  return { id: '42', name: 'generated', language: 'en_US', status: 'APPROVED', category, parameter_format: format, components };
}

const generatedTemplate = fc.oneof({ arbitrary: standardTemplate, weight: 4 }, { arbitrary: authenticationTemplate, weight: 1 });

function valueFor(parameter: ExpectedParameter): fc.Arbitrary<TemplateValue | undefined> {
  switch (parameter.kind) {
    case 'media':
      return mediaValue;
    case 'url_suffix':
      return urlSuffixValue;
    case 'coupon_code':
    case 'one_time_password':
      return codeValue;
    case 'payload':
      return payloadValue;
    default:
      return textValue;
  }
}

/** A template with valid values for everything it needs (and, at random, quick-reply payloads). */
const filledTemplate = generatedTemplate.chain((generated) =>
  fc.tuple(...generated.expected.map(valueFor)).map((generatedValues) => {
    const values: Record<string, TemplateValue> = {};
    generated.expected.forEach((parameter, index) => {
      const value = generatedValues[index];
      if (value !== undefined) values[parameter.key] = value;
    });
    return { ...generated, template: messageTemplateSchema.parse(generated.resource), values };
  }),
);

function sandboxTemplateOf(generated: GeneratedTemplate): SandboxTemplate {
  const { resource } = generated;
  return {
    id: resource.id,
    wabaId: '1',
    name: resource.name,
    language: resource.language,
    status: 'APPROVED',
    category: resource.category as SandboxTemplate['category'],
    previousCategory: undefined,
    parameterFormat: resource.parameter_format,
    components: resource.components,
    rejectedReason: undefined,
  };
}

const leftoverPlaceholder = /\{\{[^{}]*\}\}/;

function textOf(values: Record<string, TemplateValue>, key: string): string {
  const value = values[key];
  if (typeof value !== 'string') throw new Error(`no text value for ${key}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------

describe('template parameter model, for generated templates and valid values', () => {
  it('lists exactly the parameters the template has, in order', () => {
    fc.assert(
      fc.property(filledTemplate, ({ template, expected }) => {
        const listed = templateParameters(template).map(({ key, component, kind, placeholder, buttonIndex, required }) => ({
          key,
          component,
          kind,
          placeholder,
          buttonIndex,
          required,
        }));
        expect(listed).toEqual(
          expected.map((parameter) => ({
            placeholder: undefined,
            buttonIndex: undefined,
            ...parameter,
            required: parameter.kind !== 'payload',
          })),
        );
      }),
      runs,
    );
  });

  it('finds no problem', () => {
    fc.assert(
      fc.property(filledTemplate, ({ template, values }) => {
        expect(validateTemplateValues(template, values)).toEqual([]);
      }),
      runs,
    );
  });

  it('previews every value and leaves no placeholder', () => {
    fc.assert(
      fc.property(filledTemplate, ({ template, expected, values }) => {
        const preview = renderTemplatePreview(template, values);
        const shown = [
          preview.header?.kind === 'text' ? preview.header.text : '',
          preview.body,
          ...preview.buttons.flatMap((button) => [button.url ?? '', button.code ?? '']),
        ];
        expect(shown.filter((text) => leftoverPlaceholder.test(text))).toEqual([]);
        for (const parameter of expected) {
          const value = values[parameter.key];
          if (parameter.component === 'header' && parameter.kind === 'text') expect(shown[0]).toContain(value);
          if (parameter.component === 'body') expect(preview.body).toContain(value);
          if (parameter.kind === 'url_suffix') {
            expect(preview.buttons[parameter.buttonIndex ?? -1]?.url).toMatch(
              new RegExp(`${escapeRegExp(textOf(values, parameter.key))}$`),
            );
          }
          if (parameter.kind === 'coupon_code' || parameter.kind === 'one_time_password') {
            expect(preview.buttons.some((button) => button.kind === 'copy_code' && button.code === value)).toBe(true);
          }
          if (parameter.kind === 'media' && typeof value === 'object' && 'link' in value) {
            expect(preview.header).toEqual({ kind: expect.any(String), url: value.link });
          }
        }
      }),
      runs,
    );
  });

  it('builds one parameter per placeholder, in order, named exactly when the template is NAMED, and the sandbox accepts it', () => {
    fc.assert(
      fc.property(filledTemplate, (generated) => {
        const { template, expected, values, format } = generated;
        const components = buildTemplateComponents(template, values);
        for (const component of ['header', 'body'] as const) {
          const wanted = expected.filter((parameter) => parameter.component === component);
          const built = components.find((candidate) => candidate.type === component)?.parameters ?? [];
          expect(built).toEqual(
            wanted.map((parameter) => {
              const value = values[parameter.key];
              if (parameter.kind === 'media')
                return expect.objectContaining({ type: expect.stringMatching(/^(image|video|document)$/) });
              return format === 'NAMED'
                ? { type: 'text', text: value, parameter_name: parameter.placeholder }
                : { type: 'text', text: value };
            }),
          );
        }
        expect(components.filter((component) => component.type === 'button').map(buttonSummary)).toEqual(
          expectedButtons(generated, values),
        );
        const parsed = components.map((component) => templateComponentSchema.parse(component));
        expect(() => checkTemplateParameters(sandboxTemplateOf(generated), parsed)).not.toThrow();
      }),
      runs,
    );
  });

  it('renders and builds deterministically, whatever the order of the values', () => {
    fc.assert(
      fc.property(filledTemplate, ({ template, values }) => {
        const reordered = Object.fromEntries(Object.entries(values).reverse());
        const preview = renderTemplatePreview(template, values);
        expect(renderTemplatePreview(template, values)).toEqual(preview);
        expect(renderTemplatePreview(template, reordered)).toEqual(preview);
        expect(renderTemplatePreview(template, reordered, { fallback: 'example' })).toEqual(preview);
        expect(buildTemplateComponents(template, reordered)).toEqual(buildTemplateComponents(template, values));
      }),
      runs,
    );
  });

  it('reports exactly one missing problem when any one required value is removed, and none for an optional one', () => {
    fc.assert(
      fc.property(
        filledTemplate
          .filter(({ values }) => Object.keys(values).length > 0)
          .chain((filled) => fc.constantFrom(...Object.keys(filled.values)).map((removedKey) => ({ ...filled, removedKey }))),
        ({ template, expected, values, removedKey }) => {
          const { [removedKey]: _removed, ...rest } = values;
          const required = expected.find((parameter) => parameter.key === removedKey)?.kind !== 'payload';
          const problems = validateTemplateValues(template, rest).map(({ key, code }) => ({ key, code }));
          expect(problems).toEqual(required ? [{ key: removedKey, code: 'missing' }] : []);
        },
      ),
      runs,
    );
  });
});

type ButtonSummary = { subType: string; index: string; parameter: unknown };

function buttonSummary(component: ReturnType<typeof buildTemplateComponents>[number]): ButtonSummary {
  if (component.type !== 'button') throw new Error('not a button');
  return { subType: component.sub_type, index: component.index, parameter: component.parameters };
}

/** What the generator expects as button components: one per button that takes a value, by index. */
function expectedButtons(generated: GeneratedTemplate, values: Record<string, TemplateValue>): ButtonSummary[] {
  if (generated.resource.category === 'AUTHENTICATION') {
    return [{ subType: 'url', index: '0', parameter: [{ type: 'text', text: textOf(values, 'body.1') }] }];
  }
  return generated.expected
    .filter((parameter) => parameter.component === 'button' && values[parameter.key] !== undefined)
    .map((parameter) => {
      const value = textOf(values, parameter.key);
      const index = String(parameter.buttonIndex);
      if (parameter.kind === 'url_suffix') return { subType: 'url', index, parameter: [{ type: 'text', text: value }] };
      if (parameter.kind === 'coupon_code')
        return { subType: 'copy_code', index, parameter: [{ type: 'coupon_code', coupon_code: value }] };
      return { subType: 'quick_reply', index, parameter: [{ type: 'payload', payload: value }] };
    });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
