import { describe, expect, it } from 'vitest';
import {
  type ConsentContext,
  type ConsentEntry,
  type ConsentProblemCode,
  type ConsentRecord,
  type ConsentSource,
  type ConsentState,
  checkSendConsent,
  consentForTopic,
  consentFromKeyword,
  consentFromMetaError131050,
  consentFromUserPreference,
  consentInputSchema,
  currentConsent,
  defaultKeywordConfiguration,
  defaultOptInKeywords,
  defaultOptOutKeywords,
  defaultTopicConfiguration,
  defaultTopicIds,
  describeConsentRefusal,
  evidenceLengthMax,
  futureToleranceMs,
  keywordConfigurationSchema,
  marketingTopics,
  matchOptOutKeyword,
  normalizeKeywordText,
  recordedByLengthMax,
  type TopicConfiguration,
  topicConfigurationSchema,
  topicForTemplate,
  topicIds,
  unknownConsent,
  validateConsent,
} from '../src/optin/index.js';

const secondMs = 1000;
const now = new Date(Date.UTC(2026, 0, 10, 12, 0, 0));

/** The instant `offsetSeconds` after the start of every scenario (`now` minus a day). */
function at(offsetSeconds: number): Date {
  return new Date(now.getTime() - 24 * 60 * 60 * secondMs + offsetSeconds * secondMs);
}

/**
 * An account with custom topics and rules of every kind:
 * - order_shipped (any category) → order_updates, UTILITY templates → order_updates,
 * - MARKETING templates → offers, weekly_news as MARKETING → newsletter, weekly_news otherwise → marketing.
 */
const shopConfiguration: TopicConfiguration = topicConfigurationSchema.parse({
  topics: [{ id: 'order_updates', label: 'Order updates' }, { id: 'newsletter' }, { id: 'offers' }],
  template_rules: [
    { match: { template_name: 'order_shipped' }, topic: 'order_updates' },
    { match: { category: 'UTILITY' }, topic: 'order_updates' },
    { match: { category: 'MARKETING' }, topic: 'offers' },
    { match: { template_name: 'weekly_news', category: 'MARKETING' }, topic: 'newsletter' },
    { match: { template_name: 'weekly_news' }, topic: 'marketing' },
  ],
});

const shopTopics = topicIds(shopConfiguration);

/** The custom problem codes zod reports for a configuration, in order. */
function configurationProblems(result: { success: boolean; error?: { issues: { code: string; params?: unknown }[] } }) {
  return (result.error?.issues ?? []).map((issue) =>
    issue.code === 'custom' ? (issue.params as { problem: string }).problem : issue.code,
  );
}

describe('topic configuration', () => {
  it('always holds the default topics, first, even when the input leaves them out', () => {
    const parsed = topicConfigurationSchema.parse({ topics: [{ id: 'newsletter' }] });
    expect(parsed.topics.map((topic) => topic.id)).toEqual(['marketing', 'utility', 'authentication', 'newsletter']);
  });

  it('keeps a default topic the input lists (with its label) without repeating it', () => {
    const parsed = topicConfigurationSchema.parse({ topics: [{ id: 'utility', label: 'Service' }] });
    expect(parsed.topics).toEqual([{ id: 'marketing' }, { id: 'authentication' }, { id: 'utility', label: 'Service' }]);
  });

  it('is the three defaults and no rules when empty', () => {
    expect(topicConfigurationSchema.parse({})).toEqual(defaultTopicConfiguration);
    expect(topicIds(defaultTopicConfiguration)).toEqual([...defaultTopicIds]);
  });

  it('accepts a lower-case category and stores it as Meta spells it', () => {
    const parsed = topicConfigurationSchema.parse({ template_rules: [{ match: { category: 'marketing' }, topic: 'marketing' }] });
    expect(parsed.template_rules[0]?.match.category).toBe('MARKETING');
  });

  it.each([
    ['a topic listed twice', { topics: [{ id: 'offers' }, { id: 'offers' }] }, ['duplicate_topic']],
    ['a default topic listed twice', { topics: [{ id: 'marketing' }, { id: 'marketing' }] }, ['duplicate_topic']],
    ['a rule to an unknown topic', { template_rules: [{ match: { category: 'UTILITY' }, topic: 'offers' }] }, ['unknown_topic']],
    [
      'two rules with the same match',
      {
        topics: [{ id: 'offers' }],
        template_rules: [
          { match: { category: 'MARKETING' }, topic: 'offers' },
          { match: { category: 'MARKETING' }, topic: 'marketing' },
        ],
      },
      ['duplicate_rule'],
    ],
    ['a rule matching nothing', { template_rules: [{ match: {}, topic: 'marketing' }] }, ['empty_match']],
    ['an unknown category', { template_rules: [{ match: { category: 'PROMOTION' }, topic: 'marketing' }] }, ['invalid_value']],
    [
      'a template name Meta would not accept',
      { template_rules: [{ match: { template_name: 'Order Shipped' }, topic: 'utility' }] },
      ['invalid_format'],
    ],
    ['an unknown field', { topics: [], rules: [] }, ['unrecognized_keys']],
    ['too many topics', { topics: Array.from({ length: 51 }, (_, index) => ({ id: `topic_${index}` })) }, ['too_big']],
  ] as const)('refuses %s', (_, input, problems) => {
    expect(configurationProblems(topicConfigurationSchema.safeParse(input))).toEqual(problems);
  });

  it.each([
    ['order_updates', true],
    ['newsletter', true],
    ['news2', true],
    ['a', true],
    ['Order_Updates', false],
    ['order-updates', false],
    ['order updates', false],
    ['2fa', false],
    ['_private', false],
    ['trailing_', false],
    ['double__underscore', false],
    ['', false],
    ['x'.repeat(65), false],
  ])('topic id %j is valid: %s', (id, valid) => {
    expect(topicConfigurationSchema.safeParse({ topics: [{ id }] }).success).toBe(valid);
  });
});

describe('topicForTemplate', () => {
  it.each([
    ['a name rule wins over the category rule', 'order_shipped', 'MARKETING', 'order_updates'],
    ['a name rule applies in any category', 'order_shipped', 'UTILITY', 'order_updates'],
    ['a category rule', 'invoice_ready', 'UTILITY', 'order_updates'],
    ['a category rule, lower-case category', 'invoice_ready', 'utility', 'order_updates'],
    ['a category rule for marketing', 'summer_sale', 'MARKETING', 'offers'],
    ['name and category beat name alone', 'weekly_news', 'MARKETING', 'newsletter'],
    ['name alone when the category differs', 'weekly_news', 'UTILITY', 'marketing'],
    ['no rule: the category default', 'login_code', 'AUTHENTICATION', 'authentication'],
    ['no category counts as marketing', 'summer_sale', null, 'offers'],
    ['an unknown category counts as marketing', 'summer_sale', 'PROMOTIONAL', 'offers'],
  ])('%s: %s (%s) → %s', (_, name, category, topic) => {
    expect(topicForTemplate(shopConfiguration, { name, category })).toBe(topic);
  });

  it.each([
    ['MARKETING', 'marketing'],
    ['UTILITY', 'utility'],
    ['AUTHENTICATION', 'authentication'],
    [null, 'marketing'],
    ['SERVICE', 'marketing'],
  ])('without rules, category %s → %s', (category, topic) => {
    expect(topicForTemplate(defaultTopicConfiguration, { name: 'any_template', category })).toBe(topic);
  });

  it('follows Meta re-categorising a template: the same name needs another topic', () => {
    const before = topicForTemplate(shopConfiguration, { name: 'delivery_promo', category: 'UTILITY' });
    const after = topicForTemplate(shopConfiguration, { name: 'delivery_promo', category: 'MARKETING' });
    expect([before, after]).toEqual(['order_updates', 'offers']);
  });

  it('does not depend on the order of the rules', () => {
    const reversed = { ...shopConfiguration, template_rules: [...shopConfiguration.template_rules].reverse() };
    const templates = [
      ['order_shipped', 'MARKETING'],
      ['weekly_news', 'MARKETING'],
      ['weekly_news', 'UTILITY'],
      ['summer_sale', 'MARKETING'],
      ['invoice_ready', 'UTILITY'],
    ] as const;
    for (const [name, category] of templates) {
      expect(topicForTemplate(reversed, { name, category })).toBe(topicForTemplate(shopConfiguration, { name, category }));
    }
  });
});

describe('marketingTopics', () => {
  it.each([
    ['the default configuration', defaultTopicConfiguration, ['marketing']],
    ['rules giving MARKETING templates other topics', shopConfiguration, ['marketing', 'offers', 'newsletter']],
  ])('for %s', (_, configuration, topics) => {
    expect(marketingTopics(configuration)).toEqual(topics);
  });
});

describe('validateConsent', () => {
  const context: ConsentContext = {
    businessNames: ['Acme Corp', 'アクメ'],
    knownTopics: topicIds({ topics: [{ id: 'order_updates' }] }),
    now,
  };
  const validInput = {
    topic: 'order_updates',
    state: 'opted_in',
    source: 'checkout',
    evidence: 'Send me order updates from Acme Corp on WhatsApp',
    recorded_by: 'zendesk:agent:42',
    occurred_at: '2026-01-10T09:00:00+09:00',
  };

  function codesOf(input: unknown, overrides: Partial<ConsentContext> = {}): [string, ConsentProblemCode][] {
    const result = validateConsent(input, { ...context, ...overrides });
    return result.ok ? [] : result.problems.map((problem) => [problem.field, problem.code]);
  }

  it('turns valid input into an entry, with the instant in UTC', () => {
    expect(validateConsent(validInput, context)).toEqual({
      ok: true,
      entry: {
        topic: 'order_updates',
        state: 'opted_in',
        source: 'checkout',
        evidence: validInput.evidence,
        recordedBy: 'zendesk:agent:42',
        occurredAt: new Date('2026-01-10T00:00:00Z'),
      },
    });
  });

  it('dates an entry without occurred_at at now, recorded by no one', () => {
    const { occurred_at: _, recorded_by: __, ...input } = validInput;
    const result = validateConsent(input, context);
    expect(result.ok && [result.entry.occurredAt, result.entry.recordedBy]).toEqual([now, null]);
  });

  it.each([
    ['the display name', 'I agree to receive order updates from Acme Corp on WhatsApp.'],
    ['the name in lower case', 'updates from acme corp'],
    ['the name in full-width letters', 'ＡＣＭＥ ＣＯＲＰからのWhatsAppでのお知らせに同意します'],
    ['the name with a full-width space', 'Acme　Corp'],
    ['the name with two spaces', 'ACME  CORP'],
    ['the Japanese name', 'アクメからのWhatsApp配信を受け取る'],
    ['the Japanese name in half-width katakana', 'ｱｸﾒからのお知らせを受け取る'],
  ])('accepts an opt-in naming the business: %s', (_, evidence) => {
    expect(codesOf({ ...validInput, evidence })).toEqual([]);
  });

  it.each([
    ['no name at all', 'I agree to receive WhatsApp messages.'],
    ['the name without its space', 'AcmeCorp updates'],
    ['part of the name', 'updates from Acme'],
    ['the Japanese name in hiragana', 'あくめからのお知らせ'],
    ['another business', 'Globex Corp may message me'],
  ])('refuses an opt-in that does not name the business: %s', (_, evidence) => {
    expect(codesOf({ ...validInput, evidence })).toEqual([['evidence', 'evidence_must_name_business']]);
  });

  it('does not ask an opt-out to name the business', () => {
    expect(codesOf({ ...validInput, state: 'opted_out', evidence: 'Customer said: no more messages' })).toEqual([]);
  });

  it.each([
    ['no names', []],
    ['only blank names', ['', '  ']],
  ])('cannot check an opt-in when the account has %s', (_, businessNames) => {
    expect(codesOf(validInput, { businessNames })).toEqual([['evidence', 'business_name_not_configured']]);
  });

  it.each([
    ['null', null, '', 'not_an_object'],
    ['an array', [validInput], '', 'not_an_object'],
    ['a string', 'opted_in', '', 'not_an_object'],
    ['an unknown field', { ...validInput, phone: '+819012345678' }, 'phone', 'unknown_field'],
    ['no topic', { ...validInput, topic: undefined }, 'topic', 'missing'],
    ['a malformed topic', { ...validInput, topic: 'Order Updates' }, 'topic', 'invalid_topic'],
    ['a topic that is not a string', { ...validInput, topic: 7 }, 'topic', 'invalid_topic'],
    ['a topic the account lacks', { ...validInput, topic: 'newsletter' }, 'topic', 'unknown_topic'],
    ['no state', { ...validInput, state: undefined }, 'state', 'missing'],
    ['an unknown state', { ...validInput, state: 'subscribed' }, 'state', 'invalid_state'],
    ['a state in capitals', { ...validInput, state: 'OPTED_IN' }, 'state', 'invalid_state'],
    ['no source', { ...validInput, source: undefined }, 'source', 'missing'],
    ['an unknown source', { ...validInput, source: 'email' }, 'source', 'unknown_source'],
    ['a source that is not a string', { ...validInput, source: ['sms'] }, 'source', 'unknown_source'],
    ['no evidence', { ...validInput, evidence: undefined }, 'evidence', 'missing'],
    ['empty evidence', { ...validInput, evidence: '' }, 'evidence', 'evidence_empty'],
    ['blank evidence', { ...validInput, evidence: ' \n ' }, 'evidence', 'evidence_empty'],
    ['evidence that is not a string', { ...validInput, evidence: 42 }, 'evidence', 'evidence_empty'],
    [
      'evidence over the limit',
      { ...validInput, evidence: `Acme Corp ${'x'.repeat(evidenceLengthMax - 9)}` },
      'evidence',
      'evidence_too_long',
    ],
    ['an empty recorded_by', { ...validInput, recorded_by: '' }, 'recorded_by', 'invalid_recorded_by'],
    ['a blank recorded_by', { ...validInput, recorded_by: '   ' }, 'recorded_by', 'invalid_recorded_by'],
    [
      'a long recorded_by',
      { ...validInput, recorded_by: 'x'.repeat(recordedByLengthMax + 1) },
      'recorded_by',
      'invalid_recorded_by',
    ],
    ['a numeric recorded_by', { ...validInput, recorded_by: 42 }, 'recorded_by', 'invalid_recorded_by'],
    ['a date without a time', { ...validInput, occurred_at: '2026-01-10' }, 'occurred_at', 'invalid_timestamp'],
    ['a time without a zone', { ...validInput, occurred_at: '2026-01-10T09:00:00' }, 'occurred_at', 'invalid_timestamp'],
    ['a day that does not exist', { ...validInput, occurred_at: '2026-02-30T09:00:00Z' }, 'occurred_at', 'invalid_timestamp'],
    ['a spreadsheet date', { ...validInput, occurred_at: '2026/01/10 09:00' }, 'occurred_at', 'invalid_timestamp'],
    ['Unix seconds', { ...validInput, occurred_at: 1768000000 }, 'occurred_at', 'invalid_timestamp'],
    [
      'an instant beyond the clock-skew margin',
      { ...validInput, occurred_at: new Date(now.getTime() + futureToleranceMs + 1).toISOString() },
      'occurred_at',
      'in_the_future',
    ],
  ])('reports %s', (_, input, field, code) => {
    const withoutUndefined = typeof input === 'object' && input !== null && !Array.isArray(input) ? pruned(input) : input;
    expect(codesOf(withoutUndefined)).toEqual([[field, code]]);
  });

  it.each([
    ['evidence of exactly the limit', { evidence: `Acme Corp ${'x'.repeat(evidenceLengthMax - 10)}` }],
    ['recorded_by of exactly the limit', { recorded_by: 'x'.repeat(recordedByLengthMax) }],
    ['an instant at the clock-skew margin', { occurred_at: new Date(now.getTime() + futureToleranceMs).toISOString() }],
    ['an instant with fractional seconds', { occurred_at: '2026-01-10T09:00:00.123Z' }],
    ['every source', { source: 'whatsapp_preferences' }],
  ])('accepts %s', (_, overrides) => {
    expect(codesOf({ ...validInput, ...overrides })).toEqual([]);
  });

  it.each([
    ['valid input', validInput, []],
    ['blank evidence', { ...validInput, evidence: '  ' }, ['evidence_empty']],
    ['a blank recorded_by', { ...validInput, recorded_by: ' ' }, ['invalid_recorded_by']],
    ['an unknown source', { ...validInput, source: 'email' }, ['invalid_value']],
    ['an unknown field', { ...validInput, phone: '+819012345678' }, ['unrecognized_keys']],
  ])('has a contract schema that agrees on the shape: %s', (_, input, problems) => {
    expect(configurationProblems(consentInputSchema.safeParse(input))).toEqual(problems);
  });

  it('reports every problem at once', () => {
    const input = { topic: 'newsletter', state: 'maybe', source: 'email', evidence: '', occurred_at: 'soon', extra: true };
    expect(codesOf(input)).toEqual([
      ['extra', 'unknown_field'],
      ['topic', 'unknown_topic'],
      ['state', 'invalid_state'],
      ['source', 'unknown_source'],
      ['evidence', 'evidence_empty'],
      ['occurred_at', 'invalid_timestamp'],
    ]);
  });
});

/** The object without its undefined fields: a JSON body never has them. */
function pruned(input: object): object {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

function record(
  sequence: number,
  topic: string,
  state: ConsentState,
  offsetSeconds: number,
  source: ConsentSource = 'website_form',
): ConsentRecord {
  return { sequence, topic, state, source, evidence: `record ${sequence}`, recordedBy: null, occurredAt: at(offsetSeconds) };
}

describe('currentConsent', () => {
  it('is unknown for every default topic when nothing is recorded', () => {
    expect(currentConsent([])).toEqual({ marketing: unknownConsent, utility: unknownConsent, authentication: unknownConsent });
  });

  it.each([
    ['one opt-in', [record(1, 'marketing', 'opted_in', 0)], 'opted_in', 0, 'website_form'],
    [
      'a later opt-out',
      [record(1, 'marketing', 'opted_in', 0), record(2, 'marketing', 'opted_out', 60, 'agent')],
      'opted_out',
      60,
      'agent',
    ],
    [
      'a later opt-out listed first',
      [record(2, 'marketing', 'opted_out', 60, 'agent'), record(1, 'marketing', 'opted_in', 0)],
      'opted_out',
      60,
      'agent',
    ],
    [
      'an older opt-in appended later (a late import)',
      [record(1, 'marketing', 'opted_out', 60, 'agent'), record(2, 'marketing', 'opted_in', 0, 'import')],
      'opted_out',
      60,
      'agent',
    ],
    [
      'a tie decided by sequence',
      [record(1, 'marketing', 'opted_in', 30), record(2, 'marketing', 'opted_out', 30, 'sms')],
      'opted_out',
      30,
      'sms',
    ],
    [
      'a tie decided by sequence, listed in reverse',
      [record(2, 'marketing', 'opted_out', 30, 'sms'), record(1, 'marketing', 'opted_in', 30)],
      'opted_out',
      30,
      'sms',
    ],
    [
      'a tie with the opt-in appended last',
      [record(4, 'marketing', 'opted_in', 30, 'paper'), record(3, 'marketing', 'opted_out', 30, 'sms')],
      'opted_in',
      30,
      'paper',
    ],
  ] as const)('follows %s', (_, records, state, offsetSeconds, source) => {
    expect(consentForTopic(currentConsent(records), 'marketing')).toEqual({ state, source, at: at(offsetSeconds) });
  });

  it('keeps topics apart', () => {
    const consent = currentConsent([record(1, 'marketing', 'opted_out', 0, 'agent'), record(2, 'utility', 'opted_in', 0)]);
    expect([consent.marketing?.state, consent.utility?.state, consent.authentication?.state]).toEqual([
      'opted_out',
      'opted_in',
      'unknown',
    ]);
  });

  it('lists the given topics and every topic with records, even one the account no longer has', () => {
    const consent = currentConsent([record(1, 'old_topic', 'opted_in', 0)], ['marketing', 'order_updates']);
    expect(Object.keys(consent).sort()).toEqual(['marketing', 'old_topic', 'order_updates']);
    expect(consent.old_topic?.state).toBe('opted_in');
  });

  it.each(['order_updates', 'constructor', 'toString', '__proto__'])('reads %s as unknown when it has no record', (topic) => {
    expect(consentForTopic(currentConsent([]), topic)).toEqual(unknownConsent);
  });
});

describe('checkSendConsent', () => {
  const consent = currentConsent(
    [record(1, 'marketing', 'opted_in', 0), record(2, 'utility', 'opted_out', 0, 'agent')],
    ['marketing', 'utility', 'authentication'],
  );

  it.each([
    ['free_form', 'marketing', { allowed: true }],
    ['free_form', 'utility', { allowed: true }],
    ['free_form', 'authentication', { allowed: true }],
    ['free_form', 'order_updates', { allowed: true }],
    ['template', 'marketing', { allowed: true }],
    ['template', 'utility', { allowed: false, reason: 'opted_out', topic: 'utility', state: 'opted_out' }],
    ['template', 'authentication', { allowed: false, reason: 'opt_in_required', topic: 'authentication', state: 'unknown' }],
    ['template', 'order_updates', { allowed: false, reason: 'opt_in_required', topic: 'order_updates', state: 'unknown' }],
  ] as const)('%s message, topic %s → %j', (messageKind, topic, verdict) => {
    const question = messageKind === 'free_form' ? { messageKind } : { messageKind, topic, consent };
    expect(checkSendConsent(question)).toEqual(verdict);
  });

  it('needs the opt-in of the template’s own topic, not of another one', () => {
    const onlyOrderUpdates = currentConsent([record(1, 'order_updates', 'opted_in', 0)]);
    expect(checkSendConsent({ messageKind: 'template', topic: 'offers', consent: onlyOrderUpdates }).allowed).toBe(false);
  });

  it.each([
    [
      { allowed: false, reason: 'opted_out', topic: 'offers', state: 'opted_out' },
      'The customer has opted out of “offers” messages.',
    ],
    [
      { allowed: false, reason: 'opt_in_required', topic: 'offers', state: 'unknown' },
      'The customer has not opted in to “offers” messages (no consent is recorded).',
    ],
  ] as const)('describes %j', (refusal, sentence) => {
    expect(describeConsentRefusal(refusal)).toBe(sentence);
  });
});

describe('matchOptOutKeyword with the default keywords', () => {
  it.each([
    ['STOP', 'STOP'],
    ['stop', 'STOP'],
    ['Stop', 'STOP'],
    ['  STOP \n', 'STOP'],
    ['STOP.', 'STOP'],
    ['stop!', 'STOP'],
    ['STOP!!!', 'STOP'],
    ['STOP 。', 'STOP'],
    ['ＳＴＯＰ', 'STOP'],
    ['ｓｔｏｐ！', 'STOP'],
    ['"STOP"', 'STOP'],
    ['“stop”', 'STOP'],
    ['stop all', 'STOP ALL'],
    ['STOP   ALL', 'STOP ALL'],
    ['STOPALL', 'STOPALL'],
    ['Unsubscribe', 'UNSUBSCRIBE'],
    ['UNSUBSCRIBE.', 'UNSUBSCRIBE'],
    ['opt-out', 'OPT-OUT'],
    ['Opt out', 'OPT OUT'],
    ['停止', '停止'],
    ['停止。', '停止'],
    ['停止！', '停止'],
    ['　停止　', '停止'],
    ['「停止」', '停止'],
    ['「停止」。', '停止'],
    ['『配信停止』', '配信停止'],
    ['配信停止', '配信停止'],
    ['配信停止！！', '配信停止'],
    ['ストップ', 'ストップ'],
    ['ｽﾄｯﾌﾟ', 'ストップ'],
    ['配信解除', '配信解除'],
    ['登録解除', '登録解除'],
    ['受信停止', '受信停止'],
  ])('%j is the opt-out keyword %s', (text, keyword) => {
    expect(matchOptOutKeyword(text)).toEqual({ kind: 'opt_out', keyword, scope: 'all' });
  });

  it.each(['Stop promotions', 'STOP PROMOTIONS', 'ｓｔｏｐ ｐｒｏｍｏｔｉｏｎｓ'])('%j stops marketing only', (text) => {
    expect(matchOptOutKeyword(text)).toEqual({ kind: 'opt_out', keyword: 'STOP PROMOTIONS', scope: 'marketing' });
  });

  it.each([
    ['START', 'START'],
    ['start.', 'START'],
    ['ｓｔａｒｔ', 'START'],
    ['Unstop', 'UNSTOP'],
    ['再開', '再開'],
    ['再開。', '再開'],
    ['配信再開', '配信再開'],
  ])('%j is the resume keyword %s', (text, keyword) => {
    expect(matchOptOutKeyword(text)).toEqual({ kind: 'opt_in', keyword, scope: 'all' });
  });

  it.each([
    "don't stop my order",
    'stop by the store',
    'STOP IT PLEASE',
    'please stop',
    'stop stop',
    'STOP\nSTOP',
    'STOP?',
    'stop？',
    'stopp',
    's t o p',
    'STOP 🙏',
    '停止しないでください',
    '配信停止の方法を教えて',
    '配信停止?',
    '停止？',
    '停 止',
    'すとっぷ',
    '解除',
    'キャンセル',
    '中止',
    '退会',
    'cancel',
    'END',
    'quit',
    'yes',
    '',
    '   ',
    '。',
    '!!!',
    '「」',
    `STOP${' '.repeat(200)}`,
    'start my order',
    '再開してください',
  ])('%j is not a keyword', (text) => {
    expect(matchOptOutKeyword(text)).toBeNull();
  });

  it('never shares a keyword between opt-out and resume', () => {
    const optOut = new Set(defaultOptOutKeywords.map((entry) => normalizeKeywordText(entry.keyword)));
    expect(defaultOptInKeywords.filter((entry) => optOut.has(normalizeKeywordText(entry.keyword)))).toEqual([]);
  });
});

describe('normalizeKeywordText', () => {
  it.each([
    ['ＳＴＯＰ！', 'stop'],
    ['ｽﾄｯﾌﾟ', 'ストップ'],
    ['　配信停止。', '配信停止'],
    ['「 停止 」', '停止'],
    ['(STOP)', 'stop'],
    ['STOP…', 'stop'],
    ['STOP?', 'stop?'],
    ['Stop   All', 'stop all'],
  ])('%j → %j', (text, normalized) => {
    expect(normalizeKeywordText(text)).toBe(normalized);
  });
});

describe('keyword configuration', () => {
  it('adds an account’s keywords to the defaults, normalising them too', () => {
    const configuration = keywordConfigurationSchema.parse({ opt_out: [{ keyword: 'ＥＮＤ' }, { keyword: 'やめて' }] });
    expect([matchOptOutKeyword('end', configuration), matchOptOutKeyword('やめて。', configuration)]).toEqual([
      { kind: 'opt_out', keyword: 'ＥＮＤ', scope: 'all' },
      { kind: 'opt_out', keyword: 'やめて', scope: 'all' },
    ]);
    expect(matchOptOutKeyword('STOP', configuration)?.keyword).toBe('STOP');
  });

  it('can drop the defaults', () => {
    const configuration = keywordConfigurationSchema.parse({ include_defaults: false, opt_out: [{ keyword: 'BAJA' }] });
    expect([matchOptOutKeyword('STOP', configuration), matchOptOutKeyword('baja', configuration)?.kind]).toEqual([
      null,
      'opt_out',
    ]);
  });

  it('lets an account narrow a default keyword to marketing', () => {
    const configuration = keywordConfigurationSchema.parse({ opt_out: [{ keyword: 'stop', scope: 'marketing' }] });
    expect(matchOptOutKeyword('STOP', configuration)).toEqual({ kind: 'opt_out', keyword: 'stop', scope: 'marketing' });
  });

  it('is the defaults when empty', () => {
    expect(keywordConfigurationSchema.parse({})).toEqual(defaultKeywordConfiguration);
  });

  it.each([
    [
      'a keyword listed twice (after normalisation)',
      { opt_out: [{ keyword: 'BASTA' }, { keyword: 'ｂａｓｔａ' }] },
      ['duplicate_keyword'],
    ],
    ['a resume keyword that is a default opt-out', { opt_in: [{ keyword: '停止' }] }, ['keyword_conflict']],
    ['an opt-out keyword that is a default resume', { opt_out: [{ keyword: 'start' }] }, ['keyword_conflict']],
    [
      'one keyword of both kinds',
      { include_defaults: false, opt_out: [{ keyword: 'basta' }], opt_in: [{ keyword: 'BASTA' }] },
      ['keyword_conflict'],
    ],
    ['a keyword of punctuation only', { opt_out: [{ keyword: '。' }] }, ['empty_keyword']],
    ['a blank keyword', { opt_out: [{ keyword: '   ' }] }, ['empty_keyword']],
    ['a sentence', { opt_out: [{ keyword: 'x'.repeat(51) }] }, ['too_big']],
    ['an unknown scope', { opt_out: [{ keyword: 'basta', scope: 'utility' }] }, ['invalid_value']],
  ] as const)('refuses %s', (_, input, problems) => {
    expect(configurationProblems(keywordConfigurationSchema.safeParse(input))).toEqual(problems);
  });

  it('allows a default opt-out as a resume keyword once the defaults are off', () => {
    expect(keywordConfigurationSchema.safeParse({ include_defaults: false, opt_in: [{ keyword: '停止' }] }).success).toBe(true);
  });
});

/** Appends entries to a log, numbering them after the records already there. */
function appended(records: readonly ConsentRecord[], entries: readonly ConsentEntry[]): ConsentRecord[] {
  const next = records.reduce((highest, existing) => Math.max(highest, existing.sequence), 0) + 1;
  return [...records, ...entries.map((entry, index) => ({ ...entry, sequence: next + index }))];
}

function statesAfter(records: readonly ConsentRecord[]): Record<string, string> {
  const consent = currentConsent(records, shopTopics);
  return Object.fromEntries(shopTopics.map((topic) => [topic, consentForTopic(consent, topic).state]));
}

describe('consentFromKeyword', () => {
  const stop = matchOptOutKeyword('STOP')!;
  const start = matchOptOutKeyword('START')!;
  const stopPromotions = matchOptOutKeyword('Stop promotions')!;
  const context = { configuration: shopConfiguration, records: [] };

  it('withdraws every topic of the account on an opt-out, citing the message', () => {
    const entries = consentFromKeyword(stop, { messageId: 'wamid.STOP1', timestamp: at(100) }, context);
    expect(entries.map((entry) => entry.topic)).toEqual(shopTopics);
    expect(entries[0]).toEqual({
      topic: 'marketing',
      state: 'opted_out',
      source: 'whatsapp_conversation',
      evidence: 'The customer sent “STOP” in WhatsApp message wamid.STOP1.',
      recordedBy: null,
      occurredAt: at(100),
    });
  });

  it('withdraws only the marketing topics on a marketing keyword', () => {
    const entries = consentFromKeyword(stopPromotions, { messageId: 'wamid.B1', timestamp: at(100) }, context);
    expect(entries.map((entry) => [entry.topic, entry.state])).toEqual([
      ['marketing', 'opted_out'],
      ['offers', 'opted_out'],
      ['newsletter', 'opted_out'],
    ]);
  });

  it('makes a STOP outrank an older opt-in imported after it', () => {
    const stopped = appended([], consentFromKeyword(stop, { messageId: 'wamid.1', timestamp: at(100) }, context));
    const imported = appended(stopped, [{ ...record(0, 'offers', 'opted_in', 50, 'import'), recordedBy: 'import' }]);
    expect(statesAfter(imported).offers).toBe('opted_out');
  });

  it('restores on START exactly the opt-ins the STOP withdrew', () => {
    const history = [record(1, 'order_updates', 'opted_in', 0), record(2, 'offers', 'opted_out', 10, 'agent')];
    const stopped = appended(history, consentFromKeyword(stop, { messageId: 'wamid.1', timestamp: at(100) }, context));
    const resumeEntries = consentFromKeyword(
      start,
      { messageId: 'wamid.2', timestamp: at(200) },
      { configuration: shopConfiguration, records: stopped },
    );
    expect(resumeEntries.map((entry) => [entry.topic, entry.state, entry.source])).toEqual([
      ['order_updates', 'opted_in', 'whatsapp_conversation'],
    ]);
    expect(resumeEntries[0]?.evidence).toBe(
      `The customer sent “START” in WhatsApp message wamid.2; this restores the opt-in recorded at ${at(0).toISOString()} (source website_form, record 1).`,
    );
    // Topics without consent before the STOP keep its opt-out: they refuse templates either way.
    expect(statesAfter(appended(stopped, resumeEntries))).toEqual({
      marketing: 'opted_out',
      utility: 'opted_out',
      authentication: 'opted_out',
      order_updates: 'opted_in',
      newsletter: 'opted_out',
      offers: 'opted_out',
    });
  });

  it('records nothing on START when nothing was stopped by a keyword', () => {
    const history = [record(1, 'order_updates', 'opted_in', 0), record(2, 'marketing', 'opted_out', 10, 'agent')];
    const entries = consentFromKeyword(start, { messageId: 'wamid.2', timestamp: at(200) }, { ...context, records: history });
    expect(entries).toEqual([]);
  });

  it('does not undo on START an opt-out from WhatsApp’s marketing controls', () => {
    const history = [record(1, 'marketing', 'opted_in', 0), record(2, 'marketing', 'opted_out', 10, 'whatsapp_preferences')];
    const entries = consentFromKeyword(start, { messageId: 'wamid.2', timestamp: at(200) }, { ...context, records: history });
    expect(entries).toEqual([]);
  });

  it('ignores records later than the START', () => {
    const history = [
      record(1, 'order_updates', 'opted_in', 0),
      record(2, 'order_updates', 'opted_out', 100, 'whatsapp_conversation'),
      record(3, 'order_updates', 'opted_out', 300, 'agent'),
    ];
    const entries = consentFromKeyword(start, { messageId: 'wamid.2', timestamp: at(200) }, { ...context, records: history });
    expect(entries.map((entry) => entry.topic)).toEqual(['order_updates']);
  });
});

describe('consentFromUserPreference', () => {
  const context = { configuration: shopConfiguration, records: [] as ConsentRecord[] };

  it('withdraws the marketing topics on stop', () => {
    const entries = consentFromUserPreference(
      { value: 'stop', timestamp: at(100), detail: 'User requested to stop marketing messages' },
      context,
    );
    expect(entries.map((entry) => [entry.topic, entry.state, entry.source, entry.occurredAt])).toEqual([
      ['marketing', 'opted_out', 'whatsapp_preferences', at(100)],
      ['offers', 'opted_out', 'whatsapp_preferences', at(100)],
      ['newsletter', 'opted_out', 'whatsapp_preferences', at(100)],
    ]);
    expect(entries[0]?.evidence).toBe(
      'WhatsApp reported that the customer stopped marketing messages (user_preferences "stop": User requested to stop marketing messages).',
    );
  });

  it('restores on resume only the marketing topics that were opted in before the stop', () => {
    const history = [record(1, 'offers', 'opted_in', 0), record(2, 'order_updates', 'opted_in', 0)];
    const stopped = appended(history, consentFromUserPreference({ value: 'stop', timestamp: at(100) }, context));
    const resumed = consentFromUserPreference({ value: 'resume', timestamp: at(200) }, { ...context, records: stopped });
    expect(resumed.map((entry) => [entry.topic, entry.state, entry.source])).toEqual([
      ['offers', 'opted_in', 'whatsapp_preferences'],
    ]);
    expect(statesAfter(appended(stopped, resumed))).toEqual({
      marketing: 'opted_out',
      utility: 'unknown',
      authentication: 'unknown',
      order_updates: 'opted_in',
      newsletter: 'opted_out',
      offers: 'opted_in',
    });
  });

  it('restores across repeated stops (a stop and a 131050 on the same customer)', () => {
    const history = [
      record(1, 'marketing', 'opted_in', 0),
      record(2, 'marketing', 'opted_out', 100, 'whatsapp_preferences'),
      record(3, 'marketing', 'opted_out', 150, 'whatsapp_preferences'),
    ];
    const resumed = consentFromUserPreference({ value: 'resume', timestamp: at(200) }, { ...context, records: history });
    expect(resumed.map((entry) => entry.topic)).toEqual(['marketing']);
  });

  it.each([
    ['an opt-out the customer gave elsewhere after the stop', [record(2, 'marketing', 'opted_out', 150, 'agent')]],
    ['a keyword STOP before the stop', [record(2, 'marketing', 'opted_out', 50, 'whatsapp_conversation')]],
    ['no opt-in ever', []],
  ])('restores nothing over %s', (_, extra) => {
    const history = [
      ...(extra.length === 0 ? [] : [record(1, 'marketing', 'opted_in', 0)]),
      ...extra,
      record(3, 'marketing', 'opted_out', 100, 'whatsapp_preferences'),
    ].sort((first, second) => first.occurredAt.getTime() - second.occurredAt.getTime());
    const withSequence = history.map((entry, index) => ({ ...entry, sequence: index + 1 }));
    expect(consentFromUserPreference({ value: 'resume', timestamp: at(200) }, { ...context, records: withSequence })).toEqual([]);
  });

  it('records nothing on resume when nothing was stopped', () => {
    const history = [record(1, 'marketing', 'opted_in', 0)];
    expect(consentFromUserPreference({ value: 'resume', timestamp: at(200) }, { ...context, records: history })).toEqual([]);
  });

  it.each(['signup', 'STOP', ''])('records nothing for the value %j', (value) => {
    expect(consentFromUserPreference({ value, timestamp: at(100) }, context)).toEqual([]);
  });

  it('keeps a long detail from overflowing the evidence', () => {
    const [entry] = consentFromUserPreference({ value: 'stop', timestamp: at(100), detail: 'x'.repeat(5000) }, context);
    expect(entry?.evidence.length).toBeLessThan(400);
  });
});

describe('consentFromMetaError131050', () => {
  it('withdraws the marketing topics and the refused template’s topic, once each', () => {
    const entries = consentFromMetaError131050(
      { wamid: 'wamid.X', timestamp: at(100), topic: 'order_updates' },
      { configuration: shopConfiguration },
    );
    expect(entries.map((entry) => entry.topic)).toEqual(['marketing', 'offers', 'newsletter', 'order_updates']);
    expect(entries[0]).toEqual({
      topic: 'marketing',
      state: 'opted_out',
      source: 'whatsapp_preferences',
      evidence: 'Meta refused message wamid.X with error 131050: the customer stopped marketing messages in WhatsApp.',
      recordedBy: null,
      occurredAt: at(100),
    });
  });

  it('withdraws marketing once when the refused template was a marketing one', () => {
    const entries = consentFromMetaError131050(
      { wamid: 'wamid.X', timestamp: at(100), topic: 'marketing' },
      {
        configuration: defaultTopicConfiguration,
      },
    );
    expect(entries.map((entry) => entry.topic)).toEqual(['marketing']);
  });
});
