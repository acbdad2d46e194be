import { describe, expect, it } from 'vitest';
import { GraphError } from '../../bridge-server/src/meta-sandbox/graph-errors.js';
import { templateComponentSchema } from '../../bridge-server/src/meta-sandbox/send-schema.js';
import type { Template as SandboxTemplate } from '../../bridge-server/src/meta-sandbox/state.js';
import { checkTemplateParameters } from '../../bridge-server/src/meta-sandbox/template-rules.js';
import { seedTemplates, templateResource } from '../../bridge-server/src/meta-sandbox/templates-seed.js';
import {
  buildTemplateComponents,
  countMetaCharacters,
  type MessageTemplate,
  messageTemplateSchema,
  renderTemplatePreview,
  type TemplateProblemCode,
  type TemplateSendComponent,
  type TemplateValues,
  TemplateValuesError,
  templateExampleValues,
  templateParameters,
  templateProblemCodes,
  validateTemplateValues,
} from '../src/templates/index.js';

// ---------------------------------------------------------------------------------------------------
// Fixtures: the sandbox's seeded templates as Meta lists them, and small hand-made ones.

const sandboxTemplates = seedTemplates('100200300400500');

function seeded(name: string, language: string): MessageTemplate {
  const template = sandboxTemplates.find((candidate) => candidate.name === name && candidate.language === language);
  if (template === undefined) throw new Error(`no seeded template ${name}/${language}`);
  return messageTemplateSchema.parse(templateResource(template));
}

function template(components: unknown[], fields: Record<string, unknown> = {}): MessageTemplate {
  return messageTemplateSchema.parse({
    id: '1',
    name: 'test_template',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    components,
    ...fields,
  });
}

const footer = { type: 'FOOTER', text: 'Example Shop' };
/** A body plus a footer: Meta's 1,024-character body limit applies. */
const bodyWithFooter = (text: string) => template([{ type: 'BODY', text }, footer]);
const bodyOnly = (text: string) => template([{ type: 'BODY', text }]);
const headerText = (text: string) =>
  template([
    { type: 'HEADER', format: 'TEXT', text },
    { type: 'BODY', text: 'Hello' },
  ]);
const mediaHeader = (format: string) =>
  template([
    { type: 'HEADER', format, example: { header_handle: ['https://cdn.example/file'] } },
    { type: 'BODY', text: 'See attached' },
  ]);
const withButtons = (...buttons: Record<string, unknown>[]) =>
  template([
    { type: 'BODY', text: 'Hello' },
    { type: 'BUTTONS', buttons },
  ]);
const verification = () => seeded('verification_code', 'en_US');

/** What `run` throws, or undefined when it does not throw. */
function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

type ProblemSummary = [key: string, code: TemplateProblemCode];
const summary = (template: MessageTemplate, values: TemplateValues): ProblemSummary[] =>
  validateTemplateValues(template, values).map((problem) => [problem.key, problem.code]);

// ---------------------------------------------------------------------------------------------------

describe('messageTemplateSchema', () => {
  it('reads every seeded template as Meta lists it', () => {
    const parsed = sandboxTemplates.map((sandboxTemplate) => messageTemplateSchema.safeParse(templateResource(sandboxTemplate)));
    expect(parsed.filter((result) => !result.success)).toEqual([]);
    expect(parsed).toHaveLength(30);
  });

  it('reads an absent parameter_format as POSITIONAL and a numeric id as a string', () => {
    const parsed = messageTemplateSchema.parse({
      id: 1234567890123456,
      name: 'old',
      language: 'en',
      status: 'APPROVED',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}' }],
    });
    expect(parsed.parameter_format).toBe('POSITIONAL');
    expect(parsed.id).toBe('1234567890123456');
  });

  it('accepts lower-case types, keeps unknown fields and unknown components', () => {
    const parsed = template(
      [
        { type: 'body', text: 'Hi {{name}}', example: { body_text_named_params: [{ param_name: 'name', example: 'Ann' }] } },
        { type: 'CAROUSEL', cards: [] },
      ],
      { parameter_format: 'named', sub_category: 'CUSTOM' },
    );
    expect(parsed.parameter_format).toBe('NAMED');
    expect(parsed.components.map((component) => component.type)).toEqual(['BODY', 'CAROUSEL']);
    expect(parsed).toHaveProperty('sub_category', 'CUSTOM');
  });

  it.each([
    ['a BODY without text', [{ type: 'BODY' }]],
    ['BUTTONS without a list', [{ type: 'BODY', text: 'x' }, { type: 'BUTTONS' }]],
    ['a component without a type', [{ text: 'x' }]],
  ])('refuses %s', (_, components) => {
    expect(
      messageTemplateSchema.safeParse({ id: '1', name: 'n', language: 'en', status: 'APPROVED', category: 'UTILITY', components })
        .success,
    ).toBe(false);
  });
});

describe('templateParameters', () => {
  it('lists a positional body by number, whatever the order in the text, with the examples', () => {
    // summer_sale/ja reads {{1}} … {{3}} … {{2}}.
    const parameters = templateParameters(seeded('summer_sale', 'ja'));
    expect(parameters.map(({ key, kind, example, required }) => ({ key, kind, example, required }))).toEqual([
      {
        key: 'header.media',
        kind: 'media',
        example: 'https://scontent.whatsapp.example/sandbox/summer-sale.jpg',
        required: true,
      },
      { key: 'body.1', kind: 'text', example: '山田', required: true },
      { key: 'body.2', kind: 'text', example: '20%', required: true },
      { key: 'body.3', kind: 'text', example: '8月31日', required: true },
      { key: 'button.0', kind: 'payload', example: undefined, required: false },
      { key: 'button.1', kind: 'payload', example: undefined, required: false },
    ]);
  });

  it('lists a NAMED template by name in order of appearance, with a header variable and a URL suffix', () => {
    const parameters = templateParameters(seeded('shipping_update', 'en_US'));
    expect(
      parameters.map(({ key, component, placeholder, example, lengthMax }) => ({
        key,
        component,
        placeholder,
        example,
        lengthMax,
      })),
    ).toEqual([
      { key: 'header.order_id', component: 'header', placeholder: 'order_id', example: 'ORD-10293', lengthMax: 60 },
      { key: 'body.first_name', component: 'body', placeholder: 'first_name', example: 'Pablo', lengthMax: 1024 },
      { key: 'body.order_id', component: 'body', placeholder: 'order_id', example: 'ORD-10293', lengthMax: 1024 },
      { key: 'body.carrier', component: 'body', placeholder: 'carrier', example: 'DHL', lengthMax: 1024 },
      { key: 'body.delivery_date', component: 'body', placeholder: 'delivery_date', example: 'May 5', lengthMax: 1024 },
      {
        key: 'button.0',
        component: 'button',
        placeholder: '1',
        example: '1Z999AA10123456784',
        // 2,000 minus "https://track.example.com/parcels/".
        lengthMax: 2000 - 'https://track.example.com/parcels/'.length,
      },
    ]);
  });

  it.each([
    ['IMAGE', 'image'],
    ['VIDEO', 'video'],
    ['DOCUMENT', 'document'],
  ] as const)('gives a %s header one media parameter', (format, mediaKind) => {
    expect(templateParameters(mediaHeader(format))).toEqual([
      {
        key: 'header.media',
        component: 'header',
        kind: 'media',
        placeholder: undefined,
        buttonIndex: undefined,
        mediaKind,
        example: 'https://cdn.example/file',
        required: true,
        lengthMax: undefined,
      },
    ]);
  });

  it('gives an authentication template one code, in the body, and no key for its OTP button', () => {
    expect(templateParameters(verification())).toEqual([
      {
        key: 'body.1',
        component: 'body',
        kind: 'one_time_password',
        placeholder: '1',
        buttonIndex: undefined,
        mediaKind: undefined,
        example: '123456',
        required: true,
        lengthMax: 15,
      },
    ]);
  });

  it('treats an OTP-looking button as an ordinary URL button when the body does not hold exactly one code', () => {
    const otpUrl = 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}';
    const parameters = templateParameters(
      template([
        { type: 'BODY', text: '{{1}} and {{2}}' },
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Copy', url: otpUrl }] },
      ]),
    );
    expect(parameters.map(({ key, kind }) => [key, kind])).toEqual([
      ['body.1', 'text'],
      ['body.2', 'text'],
      ['button.0', 'url_suffix'],
    ]);
  });

  it('gives copy-code, dynamic URL and quick-reply buttons their own kinds, and none to static buttons', () => {
    const parameters = templateParameters(
      withButtons(
        { type: 'COPY_CODE', example: 'SAVE20' },
        { type: 'URL', text: 'Shop', url: 'https://shop.example.com' },
        { type: 'URL', text: 'Track', url: 'https://t.example/{{1}}', example: ['https://t.example/AB12'] },
        { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+15550100' },
        { type: 'QUICK_REPLY', text: 'Stop' },
      ),
    );
    expect(
      parameters.map(({ key, kind, example, required, buttonIndex }) => ({ key, kind, example, required, buttonIndex })),
    ).toEqual([
      { key: 'button.0', kind: 'coupon_code', example: 'SAVE20', required: true, buttonIndex: 0 },
      { key: 'button.2', kind: 'url_suffix', example: 'AB12', required: true, buttonIndex: 2 },
      { key: 'button.4', kind: 'payload', example: undefined, required: false, buttonIndex: 4 },
    ]);
  });

  it.each([
    ['a repeated placeholder, once', bodyWithFooter('{{1}} and {{1}} again, then {{2}}'), ['body.1', 'body.2']],
    ['positional placeholders by number', bodyWithFooter('{{2}} before {{1}}'), ['body.1', 'body.2']],
    ['{{10}} after {{9}}, numerically', bodyWithFooter('{{10}} {{9}} {{1}}'), ['body.1', 'body.9', 'body.10']],
    [
      'named placeholders by first appearance',
      template([{ type: 'BODY', text: '{{b}} {{a}} {{b}}' }], { parameter_format: 'NAMED' }),
      ['body.b', 'body.a'],
    ],
    ['no parameters in a static template', seeded('welcome_message', 'en_US'), []],
    ['no parameters for a static URL or phone button', withButtons({ type: 'URL', text: 'Go', url: 'https://x.example' }), []],
    ['names as literal text in a POSITIONAL template', bodyWithFooter('Hi {{name}}'), []],
    [
      'numbers as literal text in a NAMED template',
      template([{ type: 'BODY', text: 'Hi {{1}}' }], { parameter_format: 'NAMED' }),
      [],
    ],
  ])('lists %s', (_, subject, keys) => {
    expect(templateParameters(subject).map((parameter) => parameter.key)).toEqual(keys);
  });

  it.each([
    ['a body with a footer', bodyWithFooter('Hi {{1}}'), 1024],
    [
      'a body with a header',
      template([
        { type: 'HEADER', format: 'TEXT', text: 'Hi' },
        { type: 'BODY', text: '{{1}}' },
      ]),
      1024,
    ],
    [
      'a body with buttons',
      template([
        { type: 'BODY', text: '{{1}}' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'OK' }] },
      ]),
      1024,
    ],
    ['a body that is the only component', bodyOnly('Hi {{1}}'), 32768],
  ])('caps body values of %s at %i characters', (_, subject, lengthMax) => {
    expect(templateParameters(subject)[0]?.lengthMax).toBe(lengthMax);
  });
});

describe('validateTemplateValues', () => {
  const order = seeded('order_confirmation', 'en_US');
  const orderValues = { 'body.1': 'Pablo', 'body.2': 'ORD-1', 'body.3': 'May 3' };

  it('finds nothing wrong with complete values', () => {
    expect(validateTemplateValues(order, orderValues)).toEqual([]);
  });

  it('has a stable code for every problem it reports', () => {
    const problems = validateTemplateValues(order, { 'body.1': '', 'body.2': 'a\nb', extra: 'x' });
    expect(problems.every((problem) => templateProblemCodes.includes(problem.code))).toBe(true);
    expect(problems.every((problem) => problem.message.startsWith(problem.key))).toBe(true);
  });

  it.each<[string, MessageTemplate, TemplateValues, ProblemSummary[]]>([
    ['a missing value', order, { 'body.1': 'Pablo', 'body.3': 'May 3' }, [['body.2', 'missing']]],
    ['an undefined value, as missing', order, { ...orderValues, 'body.2': undefined }, [['body.2', 'missing']]],
    [
      'every value missing, in order',
      order,
      {},
      [
        ['body.1', 'missing'],
        ['body.2', 'missing'],
        ['body.3', 'missing'],
      ],
    ],
    ['an empty value', order, { ...orderValues, 'body.1': '' }, [['body.1', 'empty']]],
    ['a value of spaces', order, { ...orderValues, 'body.1': '   ' }, [['body.1', 'empty']]],
    ['a value of full-width spaces', order, { ...orderValues, 'body.1': '\u3000\u3000' }, [['body.1', 'empty']]],
    ['a line break', order, { ...orderValues, 'body.3': 'May\n3' }, [['body.3', 'newlines_not_allowed']]],
    ['a Windows line break', order, { ...orderValues, 'body.3': 'May\r\n3' }, [['body.3', 'newlines_not_allowed']]],
    ['a tab', order, { ...orderValues, 'body.3': 'May\t3' }, [['body.3', 'newlines_not_allowed']]],
    ['4 spaces in a row (allowed)', order, { ...orderValues, 'body.3': 'May    3' }, []],
    ['5 spaces in a row', order, { ...orderValues, 'body.3': 'May     3' }, [['body.3', 'too_many_spaces']]],
    ['an unknown key', order, { ...orderValues, 'body.4': 'x' }, [['body.4', 'unknown_parameter']]],
    ['an unknown key whose value is undefined (ignored)', order, { ...orderValues, 'body.4': undefined }, []],
    [
      'a file where text is expected',
      order,
      { ...orderValues, 'body.1': { link: 'https://x.example/a.png' } },
      [['body.1', 'wrong_type']],
    ],
    [
      'values for a template without parameters',
      seeded('welcome_message', 'en_US'),
      { 'body.1': 'x' },
      [['body.1', 'unknown_parameter']],
    ],
    ['no values for a template without parameters', seeded('welcome_message', 'en_US'), {}, []],
    [
      'a positional key for a NAMED template',
      seeded('ticket_update', 'en_US'),
      { 'body.customer_name': 'A', 'body.ticket_id': '1', 'body.status': 'ok', 'body.1': 'A' },
      [['body.1', 'unknown_parameter']],
    ],
    [
      'a button key for an authentication template (the body carries the code)',
      verification(),
      { 'body.1': '123456', 'button.0': '123456' },
      [['button.0', 'unknown_parameter']],
    ],
  ])('reports %s', (_, subject, values, expected) => {
    expect(summary(subject, values)).toEqual(expected);
  });

  describe('lengths, counted as Meta counts them', () => {
    const letter = (count: number) => 'a'.repeat(count);
    const kana = (count: number) => 'あ'.repeat(count);
    // 𠮷 is outside the Basic Multilingual Plane: two UTF-16 code units.
    const rareKanji = (count: number) => '𠮷'.repeat(count);
    const single = bodyWithFooter('{{1}}');

    it('counts Japanese kana as one character each and 𠮷 or an emoji as two', () => {
      expect([countMetaCharacters('山田様'), countMetaCharacters('𠮷'), countMetaCharacters('👍')]).toEqual([3, 2, 2]);
    });

    it.each<[string, MessageTemplate, TemplateValues, ProblemSummary[]]>([
      ['1,024 characters in a body value', single, { 'body.1': letter(1024) }, []],
      ['1,025 characters in a body value', single, { 'body.1': letter(1025) }, [['body.1', 'too_long']]],
      ['1,024 kana in a body value', single, { 'body.1': kana(1024) }, []],
      ['1,025 kana in a body value', single, { 'body.1': kana(1025) }, [['body.1', 'too_long']]],
      ['512 𠮷 (1,024 units) in a body value', single, { 'body.1': rareKanji(512) }, []],
      ['513 𠮷 (1,026 units) in a body value', single, { 'body.1': rareKanji(513) }, [['body.1', 'too_long']]],
      ['1,025 characters in the only component', bodyOnly('{{1}}'), { 'body.1': letter(1025) }, []],
      ['32,768 characters in the only component', bodyOnly('{{1}}'), { 'body.1': letter(32768) }, []],
      ['32,769 characters in the only component', bodyOnly('{{1}}'), { 'body.1': letter(32769) }, [['body.1', 'too_long']]],
      [
        'a filled-in body of 1,025 characters from values that each fit',
        bodyWithFooter('{{1}}.{{2}}'),
        { 'body.1': letter(512), 'body.2': letter(512) },
        [['body', 'rendered_too_long']],
      ],
      [
        'a filled-in body of exactly 1,024 characters',
        bodyWithFooter('{{1}}.{{2}}'),
        { 'body.1': letter(512), 'body.2': letter(511) },
        [],
      ],
      [
        'a filled-in Japanese body over 1,024 characters',
        bodyWithFooter('{{1}}様、ご注文{{2}}'),
        { 'body.1': kana(1000), 'body.2': kana(20) },
        [['body', 'rendered_too_long']],
      ],
      [
        'a too-long body whose missing values could not make it fit',
        bodyWithFooter(`${letter(1020)}{{1}}{{2}}`),
        { 'body.1': letter(5) },
        [
          ['body.2', 'missing'],
          ['body', 'rendered_too_long'],
        ],
      ],
      ['60 characters in a header value', headerText('{{1}}'), { 'header.1': letter(60) }, []],
      ['61 characters in a header value', headerText('{{1}}'), { 'header.1': letter(61) }, [['header.1', 'too_long']]],
      ['60 kana in a header value', headerText('{{1}}'), { 'header.1': kana(60) }, []],
      ['a line break in a header value', headerText('{{1}}'), { 'header.1': 'a\nb' }, [['header.1', 'newlines_not_allowed']]],
      [
        'a filled-in header of 61 characters',
        headerText('Delivery attempt for {{1}}'),
        { 'header.1': letter(61 - 'Delivery attempt for '.length) },
        [['header', 'rendered_too_long']],
      ],
      [
        'a filled-in header of 60 characters',
        headerText('Delivery attempt for {{1}}'),
        { 'header.1': letter(60 - 'Delivery attempt for '.length) },
        [],
      ],
    ])('%s', (_, subject, values, expected) => {
      expect(summary(subject, values)).toEqual(expected);
    });

    it('says the limit in too_long problems', () => {
      expect(validateTemplateValues(single, { 'body.1': letter(1025) })).toEqual([
        expect.objectContaining({ key: 'body.1', code: 'too_long', lengthMax: 1024 }),
      ]);
    });
  });

  describe('media headers', () => {
    const image = mediaHeader('IMAGE');

    it.each<[string, TemplateValues, ProblemSummary[]]>([
      ['an HTTPS link', { 'header.media': { link: 'https://cdn.example/a.jpg' } }, []],
      ['an HTTPS link as a plain string', { 'header.media': 'https://cdn.example/a.jpg' }, []],
      ['a media id', { 'header.media': { id: '1234567890' } }, []],
      ['a bridge upload', { 'header.media': { upload_id: 'med_0h2kq3v8x9w1m4n5p6r7s8t9' } }, []],
      [
        'an upload id that is not the bridge’s',
        { 'header.media': { upload_id: '1234567890' } },
        [['header.media', 'invalid_media']],
      ],
      [
        'both an upload and a link',
        { 'header.media': { upload_id: 'med_0h2kq3v8x9w1m4n5p6r7s8t9', link: 'https://cdn.example/a.jpg' } as never },
        [['header.media', 'invalid_media']],
      ],
      ['no file', {}, [['header.media', 'missing']]],
      ['an empty string', { 'header.media': '' }, [['header.media', 'empty']]],
      ['a plain HTTP link', { 'header.media': { link: 'http://cdn.example/a.jpg' } }, [['header.media', 'invalid_media']]],
      ['a link with a space', { 'header.media': { link: 'https://cdn.example/a b.jpg' } }, [['header.media', 'invalid_media']]],
      ['something that is not a URL', { 'header.media': 'summer-sale.jpg' }, [['header.media', 'invalid_media']]],
      [
        'both a link and an id',
        { 'header.media': { link: 'https://cdn.example/a.jpg', id: '1' } as never },
        [['header.media', 'invalid_media']],
      ],
      ['an object with neither', { 'header.media': {} as never }, [['header.media', 'invalid_media']]],
      ['an id that is not Meta’s', { 'header.media': { id: 'abc' } }, [['header.media', 'invalid_media']]],
      ['a number', { 'header.media': 42 as never }, [['header.media', 'wrong_type']]],
    ])('%s', (_, values, expected) => {
      expect(summary(image, values)).toEqual(expected);
    });
  });

  describe('buttons', () => {
    const track = withButtons({ type: 'URL', text: 'Track', url: 'https://t.example/parcels/{{1}}' });
    const suffixLengthMax = 2000 - 'https://t.example/parcels/'.length;
    const coupon = withButtons({ type: 'COPY_CODE', example: 'SAVE20' });
    const quickReplies = withButtons({ type: 'QUICK_REPLY', text: 'Yes' }, { type: 'QUICK_REPLY', text: 'No' });

    it.each<[string, MessageTemplate, TemplateValues, ProblemSummary[]]>([
      ['a URL suffix with a path and a query', track, { 'button.0': 'AB12/detail?lang=ja&x=1' }, []],
      ['a percent-encoded Japanese suffix', track, { 'button.0': encodeURIComponent('注文') }, []],
      ['a raw Japanese suffix', track, { 'button.0': '注文' }, [['button.0', 'invalid_url_suffix']]],
      ['a suffix with a space', track, { 'button.0': 'AB 12' }, [['button.0', 'invalid_url_suffix']]],
      ['a suffix with a broken escape', track, { 'button.0': 'AB%2' }, [['button.0', 'invalid_url_suffix']]],
      ['a suffix with a quote', track, { 'button.0': 'a"b' }, [['button.0', 'invalid_url_suffix']]],
      ['a suffix with a line break', track, { 'button.0': 'AB\n12' }, [['button.0', 'newlines_not_allowed']]],
      ['a suffix that fills the link to 2,000 characters', track, { 'button.0': 'a'.repeat(suffixLengthMax) }, []],
      ['a suffix one character longer', track, { 'button.0': 'a'.repeat(suffixLengthMax + 1) }, [['button.0', 'too_long']]],
      ['a missing suffix', track, {}, [['button.0', 'missing']]],
      ['a blank suffix', track, { 'button.0': ' ' }, [['button.0', 'empty']]],
      ['a 15-character coupon code', coupon, { 'button.0': 'ABCDEFGHIJKLMNO' }, []],
      ['a 16-character coupon code', coupon, { 'button.0': 'ABCDEFGHIJKLMNOP' }, [['button.0', 'too_long']]],
      ['a missing coupon code', coupon, {}, [['button.0', 'missing']]],
      ['no quick-reply payloads (optional)', quickReplies, {}, []],
      ['an empty quick-reply payload (not given)', quickReplies, { 'button.0': '' }, []],
      ['one quick-reply payload', quickReplies, { 'button.1': 'route:billing' }, []],
      ['a blank quick-reply payload', quickReplies, { 'button.1': '  ' }, [['button.1', 'empty']]],
      [
        'a payload for a button that takes none',
        withButtons({ type: 'PHONE_NUMBER', text: 'Call', phone_number: '+15550100' }),
        { 'button.0': 'x' },
        [['button.0', 'unknown_parameter']],
      ],
    ])('%s', (_, subject, values, expected) => {
      expect(summary(subject, values)).toEqual(expected);
    });
  });

  describe('one-time passwords', () => {
    it.each<[string, TemplateValues, ProblemSummary[]]>([
      ['a 6-digit code', { 'body.1': '123456' }, []],
      ['Meta’s own example code', { 'body.1': 'J$FpnYnP' }, []],
      ['a 15-character code', { 'body.1': 'A'.repeat(15) }, []],
      ['a 16-character code', { 'body.1': 'A'.repeat(16) }, [['body.1', 'too_long']]],
      ['a code with a space (it also ends the button link)', { 'body.1': '123 456' }, [['body.1', 'invalid_url_suffix']]],
      ['no code', {}, [['body.1', 'missing']]],
    ])('%s', (_, values, expected) => {
      expect(summary(verification(), values)).toEqual(expected);
    });
  });

  it.each([
    [
      'a LOCATION header',
      template([
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'Find us' },
      ]),
      'a LOCATION header',
    ],
    ['a CATALOG button', withButtons({ type: 'CATALOG', text: 'View catalog' }), 'a CATALOG button'],
    [
      'a CAROUSEL component',
      template([
        { type: 'BODY', text: 'Look' },
        { type: 'CAROUSEL', cards: [] },
      ]),
      'a CAROUSEL component',
    ],
    ['a GIF header', mediaHeader('GIF'), 'a GIF header'],
  ])('refuses to fill a template with %s', (_, subject, feature) => {
    expect(validateTemplateValues(subject, {})).toEqual([
      { key: 'template', code: 'unsupported_template', message: expect.stringContaining(feature) },
    ]);
  });

  it('is deterministic and does not change the values it is given', () => {
    const values = Object.freeze({ 'body.1': '', 'body.2': 'a\tb', 'body.9': 'x' });
    const first = validateTemplateValues(order, values);
    expect(validateTemplateValues(order, values)).toEqual(first);
    expect(first.map((problem) => [problem.key, problem.code])).toEqual([
      ['body.1', 'empty'],
      ['body.2', 'newlines_not_allowed'],
      ['body.3', 'missing'],
      ['body.9', 'unknown_parameter'],
    ]);
  });
});

describe('renderTemplatePreview', () => {
  it('fills a NAMED Japanese template exactly as the customer sees it', () => {
    const preview = renderTemplatePreview(seeded('shipping_update', 'ja'), {
      'header.order_id': 'ORD-7',
      'body.first_name': '山田',
      'body.order_id': 'ORD-7',
      'body.carrier': 'ヤマト運輸',
      'body.delivery_date': '5月5日',
      'button.0': '1Z999',
    });
    expect(preview).toEqual({
      header: { kind: 'text', text: 'ご注文ORD-7を発送しました' },
      body: '山田様、ご注文ORD-7をヤマト運輸にて発送しました。お届け予定日：5月5日',
      buttons: [{ kind: 'url', text: '配送状況を確認', url: 'https://track.example.com/parcels/1Z999' }],
    });
  });

  it('fills positional placeholders by number wherever they stand, with footer and buttons', () => {
    const preview = renderTemplatePreview(seeded('summer_sale', 'ja'), {
      'header.media': { link: 'https://cdn.example/sale.jpg' },
      'body.1': '佐藤',
      'body.2': '30%',
      'body.3': '9月1日',
    });
    expect(preview).toEqual({
      header: { kind: 'image', url: 'https://cdn.example/sale.jpg' },
      body: '佐藤様、サマーセール開催中！9月1日まで全品30%オフ。',
      footer: '配信停止は「配信停止」をタップ',
      buttons: [
        { kind: 'quick_reply', text: '今すぐ見る' },
        { kind: 'quick_reply', text: '配信停止' },
      ],
    });
  });

  it('keeps placeholders for missing or empty values, so the panel can preview while typing', () => {
    const preview = renderTemplatePreview(seeded('delivery_attempt_failed', 'en_US'), { 'body.1': '' });
    expect(preview).toEqual({
      header: { kind: 'text', text: 'Delivery attempt for {{1}}' },
      body: 'Hi {{1}}, we could not deliver your parcel today. Please choose a new delivery slot.',
      buttons: [{ kind: 'url', text: 'Choose a slot', url: 'https://track.example.com/reschedule/{{1}}' }],
    });
  });

  it('uses the examples for missing values when asked, and the placeholder where there is no example', () => {
    const subject = template([
      { type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['https://cdn.example/invoice.pdf'] } },
      { type: 'BODY', text: 'Hi {{1}}, invoice {{2}}', example: { body_text: [['Pablo']] } },
    ]);
    expect(renderTemplatePreview(subject, { 'body.2': 'INV-9' }, { fallback: 'example' })).toEqual({
      header: { kind: 'document', url: 'https://cdn.example/invoice.pdf' },
      body: 'Hi Pablo, invoice INV-9',
      buttons: [],
    });
    expect(renderTemplatePreview(subject, {}, { fallback: 'example' }).body).toBe('Hi Pablo, invoice {{2}}');
    expect(renderTemplatePreview(subject, {}).header).toEqual({ kind: 'document', url: undefined });
  });

  it('does not substitute inside a value that looks like a placeholder', () => {
    const preview = renderTemplatePreview(bodyWithFooter('{{1}} / {{2}}'), { 'body.1': '{{2}}', 'body.2': 'two' });
    expect(preview.body).toBe('{{2}} / two');
  });

  it('shows a media id as a header without a link (Meta hosts the file)', () => {
    expect(renderTemplatePreview(mediaHeader('VIDEO'), { 'header.media': { id: '123' } }).header).toEqual({
      kind: 'video',
      url: undefined,
    });
  });

  it('shows the one-time password in the body and as what the copy button copies', () => {
    const preview = renderTemplatePreview(seeded('verification_code', 'ja'), { 'body.1': '482913' });
    expect(preview).toEqual({
      body: '*482913* は認証コードです。セキュリティのため、このコードは共有しないでください。',
      footer: 'このコードの有効期限は10分です。',
      buttons: [{ kind: 'copy_code', text: 'コードをコピー', code: '482913' }],
    });
  });

  it('shows a coupon button with WhatsApp’s label and the code, and static buttons as they are', () => {
    const preview = renderTemplatePreview(seeded('coupon_offer', 'en_US'), {
      'body.1': 'FALL25',
      'body.2': '25%',
      'button.0': 'FALL25',
    });
    expect(preview.buttons).toEqual([
      { kind: 'copy_code', text: 'Copy offer code', code: 'FALL25' },
      { kind: 'url', text: 'Shop now', url: 'https://shop.example.com' },
    ]);
    expect(
      renderTemplatePreview(withButtons({ type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+15550100' }), {}).buttons,
    ).toEqual([{ kind: 'phone_number', text: 'Call us', phoneNumber: '+15550100' }]);
  });

  it('renders a template without parameters as it is', () => {
    expect(renderTemplatePreview(seeded('support_hours_notice', 'ja'), {})).toEqual({
      body: 'サポート窓口の営業時間は平日9:00〜18:00です。営業時間内に順次ご返信いたします。',
      buttons: [],
    });
  });
});

describe('buildTemplateComponents', () => {
  it('names every header and body parameter of a NAMED template', () => {
    const components = buildTemplateComponents(seeded('shipping_update', 'en_US'), {
      'header.order_id': 'ORD-7',
      'body.first_name': 'Ann',
      'body.order_id': 'ORD-7',
      'body.carrier': 'DHL',
      'body.delivery_date': 'May 5',
      'button.0': 'Z9',
    });
    expect(components).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: 'ORD-7', parameter_name: 'order_id' }] },
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Ann', parameter_name: 'first_name' },
          { type: 'text', text: 'ORD-7', parameter_name: 'order_id' },
          { type: 'text', text: 'DHL', parameter_name: 'carrier' },
          { type: 'text', text: 'May 5', parameter_name: 'delivery_date' },
        ],
      },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'Z9' }] },
    ]);
  });

  it('sends positional values in placeholder order, unnamed, with a media id header', () => {
    const components = buildTemplateComponents(seeded('summer_sale', 'ja'), {
      'header.media': { id: '987654321' },
      'body.3': '9月1日',
      'body.1': '佐藤',
      'body.2': '30%',
    });
    expect(components).toEqual([
      { type: 'header', parameters: [{ type: 'image', image: { id: '987654321' } }] },
      {
        type: 'body',
        parameters: [
          { type: 'text', text: '佐藤' },
          { type: 'text', text: '30%' },
          { type: 'text', text: '9月1日' },
        ],
      },
    ]);
  });

  it('sends a quick-reply payload only for the buttons that have one', () => {
    const components = buildTemplateComponents(seeded('customer_survey', 'en_US'), { 'body.1': 'Ann', 'button.2': 'survey:bad' });
    expect(components).toEqual([
      { type: 'body', parameters: [{ type: 'text', text: 'Ann' }] },
      { type: 'button', sub_type: 'quick_reply', index: '2', parameters: [{ type: 'payload', payload: 'survey:bad' }] },
    ]);
  });

  it('sends the one-time password twice: in the body and as the OTP button’s URL parameter', () => {
    expect(buildTemplateComponents(verification(), { 'body.1': 'J$FpnYnP' })).toEqual([
      { type: 'body', parameters: [{ type: 'text', text: 'J$FpnYnP' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'J$FpnYnP' }] },
    ]);
  });

  it('sends a coupon code as a copy_code button and nothing for the static URL button after it', () => {
    expect(
      buildTemplateComponents(seeded('coupon_offer', 'en_US'), { 'body.1': 'FALL25', 'body.2': '25%', 'button.0': 'FALL25' }),
    ).toEqual([
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'FALL25' },
          { type: 'text', text: '25%' },
        ],
      },
      { type: 'button', sub_type: 'copy_code', index: '0', parameters: [{ type: 'coupon_code', coupon_code: 'FALL25' }] },
    ]);
  });

  it('sends no components for a template without parameters', () => {
    expect(buildTemplateComponents(seeded('welcome_message', 'en_US'), {})).toEqual([]);
  });

  it('refuses values that do not validate, with the problems', () => {
    const thrown = caught(() =>
      buildTemplateComponents(seeded('order_confirmation', 'en_US'), { 'body.1': 'Ann', 'body.2': '' }),
    );
    expect(thrown).toBeInstanceOf(TemplateValuesError);
    expect((thrown as TemplateValuesError).problems.map((problem) => [problem.key, problem.code])).toEqual([
      ['body.2', 'empty'],
      ['body.3', 'missing'],
    ]);
  });
});

describe('every seeded sandbox template, filled with its examples', () => {
  const approved = sandboxTemplates.filter((sandboxTemplate) => sandboxTemplate.status === 'APPROVED');

  /** What the sandbox does with a send: parse the components as the Graph API would, then apply Meta's rules. */
  function sandboxCheck(sandboxTemplate: SandboxTemplate, components: TemplateSendComponent[]): void {
    checkTemplateParameters(
      sandboxTemplate,
      components.map((component) => templateComponentSchema.parse(component)),
    );
  }

  function exampleValuesWithPayloads(subject: MessageTemplate): TemplateValues {
    const payloads = templateParameters(subject)
      .filter((parameter) => parameter.kind === 'payload')
      .map((parameter) => [parameter.key, `payload-${parameter.key}`]);
    return { ...templateExampleValues(subject), ...Object.fromEntries(payloads) };
  }

  it('covers the 26 approved templates', () => {
    expect(approved).toHaveLength(26);
  });

  it.each(approved.map((sandboxTemplate) => [`${sandboxTemplate.name}/${sandboxTemplate.language}`, sandboxTemplate] as const))(
    '%s: validates, and the sandbox accepts its components with and without quick-reply payloads',
    (_, sandboxTemplate) => {
      const subject = messageTemplateSchema.parse(templateResource(sandboxTemplate));
      const values = templateExampleValues(subject);
      expect(validateTemplateValues(subject, values)).toEqual([]);
      expect(() => sandboxCheck(sandboxTemplate, buildTemplateComponents(subject, values))).not.toThrow();
      expect(() =>
        sandboxCheck(sandboxTemplate, buildTemplateComponents(subject, exampleValuesWithPayloads(subject))),
      ).not.toThrow();
    },
  );

  // The oracle above means something only if the sandbox refuses what Meta refuses.
  const withoutFirstBodyValue = (components: TemplateSendComponent[]) =>
    components.map((component) =>
      component.type === 'body' ? { ...component, parameters: component.parameters.slice(1) } : component,
    );
  const withoutNames = (components: TemplateSendComponent[]) =>
    components.map((component) => ({
      ...component,
      parameters: component.parameters.map((parameter) =>
        parameter.type === 'text' ? { type: 'text' as const, text: parameter.text } : parameter,
      ),
    }));
  const withoutButtons = (components: TemplateSendComponent[]) => components.filter((component) => component.type !== 'button');

  it.each([
    ['a body value short', 'order_confirmation', withoutFirstBodyValue],
    ['NAMED values without their names', 'ticket_update', withoutNames],
    ['the OTP button without its code', 'verification_code', withoutButtons],
    ['the URL button without its suffix', 'shipping_update', withoutButtons],
  ] as const)('the sandbox refuses %s (132000)', (_, name, tamper) => {
    const sandboxTemplate = approved.find((candidate) => candidate.name === name && candidate.language === 'en_US');
    if (sandboxTemplate === undefined) throw new Error(`no seeded template ${name}/en_US`);
    const subject = messageTemplateSchema.parse(templateResource(sandboxTemplate));
    const thrown = caught(() =>
      sandboxCheck(sandboxTemplate, tamper(buildTemplateComponents(subject, templateExampleValues(subject)))),
    );
    expect(thrown).toBeInstanceOf(GraphError);
    expect((thrown as GraphError).code).toBe(132000);
  });
});
