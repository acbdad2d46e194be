import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWebhook, readWebhookFrame, type WebhookEvent, type WebhookEventKind } from '../src/meta/webhook.js';

// Real webhook bodies collected by the pywa project (MIT, see LICENSE and SOURCE.md beside them).
const fixturesDirectory = new URL('../../test/fixtures/pywa/', import.meta.url);

type Scenario = { file: string; name: string; body: unknown };

function fixtureFile(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(file, fixturesDirectory), 'utf8')) as Record<string, unknown>;
}

function fixture(file: string, name: string): unknown {
  const body = fixtureFile(file)[name];
  if (body === undefined) throw new Error(`no scenario ${name} in ${file}`);
  return body;
}

const scenarios: Scenario[] = readdirSync(fixturesDirectory)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .flatMap((file) => Object.entries(fixtureFile(file)).map(([name, body]) => ({ file, name, body })));

/** Parses a body that must have a valid envelope, and returns its events. */
function eventsOf(body: unknown): WebhookEvent[] {
  const parsed = parseWebhook(body);
  if (!parsed.ok) throw new Error(`envelope rejected: ${JSON.stringify(parsed.issues)}`);
  return parsed.events;
}

function onlyEvent<Kind extends WebhookEventKind>(body: unknown, kind: Kind): Extract<WebhookEvent, { kind: Kind }> {
  const events = eventsOf(body);
  expect(events.map((event) => event.kind)).toEqual([kind]);
  return events[0] as Extract<WebhookEvent, { kind: Kind }>;
}

function envelope(...entries: { id: string; changes: unknown[] }[]) {
  return { object: 'whatsapp_business_account', entry: entries };
}

const metadata = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };

function messagesChange(value: Record<string, unknown>) {
  return { field: 'messages', value: { messaging_product: 'whatsapp', metadata, ...value } };
}

/** A text message as Meta documents it; `overrides` replace top-level message keys. */
function textMessage(overrides: Record<string, unknown> = {}) {
  return { from: '16505551234', id: 'wamid.TEXT', timestamp: '1750000000', type: 'text', text: { body: 'Hello' }, ...overrides };
}

/** A status in the per-message pricing model ("PMP"), which the fixtures predate. */
function pricedStatus(pricing: Record<string, unknown>) {
  return { id: 'wamid.OUT', status: 'sent', timestamp: '1750000100', recipient_id: '16505551234', pricing };
}

describe('parseWebhook on the pywa fixtures', () => {
  it('finds every fixture file named in SOURCE.md', () => {
    const files = new Set(scenarios.map((scenario) => scenario.file));
    expect(files.size).toBe(9);
    expect(scenarios.length).toBe(58);
  });

  it.each(scenarios)('parses $file › $name into known events only', ({ body }) => {
    const events = eventsOf(body);

    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((event) => event.kind === 'malformed')).toEqual([]);
    expect(events.filter((event) => event.kind === 'unknown')).toEqual([]);
  });

  it('reads a text message with its contact, number, id, type and Meta timestamp', () => {
    const event = onlyEvent(fixture('message.json', 'text'), 'inbound_message');

    expect(event).toMatchObject({
      entryId: '1234567890987654321',
      field: 'messages',
      phoneNumberId: '1122334455667',
      displayPhoneNumber: '972123456789',
      contact: { waId: '972987654321', userId: 'US.13491208655302741918', profileName: 'Test Name', username: null },
      messageId: 'wamid.xyzxyz',
      type: 'text',
      textBody: 'Body Text',
      referral: null,
      context: null,
      errors: [],
    });
    expect(event.timestamp).toEqual(new Date(1_697_043_223_000));
    expect(event.raw.text).toEqual({ body: 'Body Text' });
  });

  it.each([
    ['image', 'image'],
    ['voice', 'audio'],
    ['animated_sticker', 'sticker'],
    ['chosen_location', 'location'],
    ['contacts', 'contacts'],
    ['order', 'order'],
    ['unreaction_no_emoji', 'reaction'],
  ])('reads %s as type %s without a text body', (scenario, type) => {
    const event = onlyEvent(fixture('message.json', scenario), 'inbound_message');

    expect(event.type).toBe(type);
    expect(event.textBody).toBeNull();
  });

  it('keeps the reply context and the forwarded flag', () => {
    const reply = onlyEvent(fixture('message.json', 'reply'), 'inbound_message');
    const forwarded = onlyEvent(fixture('message.json', 'forwarded'), 'inbound_message');

    expect(reply.context).toEqual({ from: '972123456789', id: 'wamid.xyzxyz==' });
    expect(forwarded.context).toEqual({ forwarded: true });
  });

  it('reads the click-to-WhatsApp referral of the fixture', () => {
    const event = onlyEvent(fixture('message.json', 'referral'), 'inbound_message');

    expect(event.textBody).toBe('BODY');
    expect(event.referral).toMatchObject({ source_id: 'ADID', headline: 'AD_TITLE', ctwa_clid: 'CTWA_CLID' });
  });

  it('keeps the per-message errors of an unsupported message', () => {
    const event = onlyEvent(fixture('message.json', 'unsupported_with_type'), 'inbound_message');

    expect(event.type).toBe('unsupported');
    expect(event.errors.map((error) => error.code)).toEqual([131051]);
  });

  it('surfaces the system-level errors of a messages change next to its message', () => {
    const events = eventsOf(fixture('message.json', 'interactive_message_with_err'));

    expect(events.map((event) => event.kind)).toEqual(['inbound_message', 'webhook_error']);
    expect(events[1]).toMatchObject({
      kind: 'webhook_error',
      code: 131000,
      title: 'Something went wrong',
      phoneNumberId: '1122334455667',
    });
    expect(events[0]).toMatchObject({ type: 'interactive', textBody: null });
  });

  it('reads a button reply that carries from_user_id', () => {
    const event = onlyEvent(fixture('callback_button.json', 'quick_reply_without_context'), 'inbound_message');

    expect(event.contact).toEqual({
      waId: '972987654321',
      userId: 'US.13491208655302741918',
      profileName: 'Test Name',
      username: null,
    });
    expect(event.raw.button).toEqual({ payload: 'callback_data', text: 'title' });
  });

  it('reads a system message that comes without contacts', () => {
    const event = onlyEvent(fixture('system.json', 'phone_number_change'), 'inbound_message');

    expect(event.type).toBe('system');
    expect(event.contact).toEqual({ waId: '972987654321', userId: null, profileName: null, username: null });
    expect(event.raw.system?.wa_id).toBe('972912345678');
  });

  it('keeps keys it does not model in the raw objects', () => {
    const event = onlyEvent(fixture('system.json', 'identity_change'), 'inbound_message');

    expect(event.raw.identity).toEqual({ acknowledged: true, created_timestamp: '1697044706', hash: 'xyzxyz' });
  });

  it('reads a sent status with its pricing, conversation and recipient', () => {
    const event = onlyEvent(fixture('message_status.json', 'sent'), 'message_status');

    expect(event).toMatchObject({
      entryId: '5467539754836534',
      field: 'messages',
      phoneNumberId: '1122334455667',
      messageId: 'wamid.xyzxyz',
      status: 'sent',
      recipient: { waId: '972987654321', userId: 'US.13491208655302741918' },
      recipientType: null,
      pricing: { billable: true, pricingModel: 'CBP', type: null, category: 'service' },
      errors: [],
      bizOpaqueCallbackData: null,
    });
    expect(event.timestamp).toEqual(new Date(1_698_266_945_000));
    expect(event.raw.conversation?.expiration_timestamp).toBe('1698339900');
  });

  it('reads the errors of a failed status and the callback data of a tracked one', () => {
    const failed = onlyEvent(fixture('message_status.json', 'failed'), 'message_status');
    const tracked = onlyEvent(fixture('message_status.json', 'with_tracker'), 'message_status');

    expect(failed.status).toBe('failed');
    expect(failed.pricing).toBeNull();
    expect(failed.errors).toMatchObject([{ code: 130472, error_data: { details: expect.stringContaining('experiment') } }]);
    expect(tracked.bizOpaqueCallbackData).toBe('some data');
  });

  it('reads a group status: the recipient is the group', () => {
    const event = onlyEvent(fixture('message_status.json', 'group'), 'message_status');

    expect(event.recipientType).toBe('group');
    expect(event.recipient.waId).toBe('fowefinoewcnw');
  });

  it.each([
    ['resume', 'resume'],
    ['signup', 'signup'],
  ])('reads the %s user preference', (scenario, value) => {
    const event = onlyEvent(fixture('user_marketing_preferences.json', scenario), 'user_preference');

    expect(event).toMatchObject({
      entryId: '102290129340398',
      field: 'user_preferences',
      phoneNumberId: '106540352242922',
      category: 'marketing_messages',
      value,
    });
    expect(event.timestamp).toEqual(new Date(1_731_705_721_000));
    // The fixture's contact is a different user than the preference's wa_id: no name may be borrowed.
    expect(event.contact).toEqual({ waId: '16505551234', userId: null, profileName: null, username: null });
  });

  it('reads an approved and a rejected template status', () => {
    const approved = onlyEvent(fixture('template_status_update.json', 'approved'), 'template_status');
    const rejected = onlyEvent(fixture('template_status_update.json', 'rejected'), 'template_status');

    expect(approved).toMatchObject({
      entryId: '102290129340398',
      field: 'message_template_status_update',
      event: 'APPROVED',
      templateId: '1689556908129832',
      templateName: 'order_confirmation',
      templateLanguage: 'en_US',
      reason: 'NONE',
      templateCategory: 'UTILITY',
    });
    expect(rejected).toMatchObject({ event: 'REJECTED', reason: 'INVALID_FORMAT', templateCategory: 'MARKETING' });
    expect(rejected.raw.rejection_info?.recommendation).toContain('Separate parameters');
  });

  it('reads a completed template category change', () => {
    const event = onlyEvent(fixture('template_category_update.json', 'marketing'), 'template_category');

    expect(event).toMatchObject({
      templateId: '12345678',
      templateName: 'my_message_template',
      currentCategory: 'MARKETING',
      scheduledCategory: null,
      scheduledAt: null,
    });
  });

  it('reads a template quality change', () => {
    const event = onlyEvent(fixture('template_quality_update.json', 'yellow'), 'template_quality');

    expect(event).toMatchObject({ templateId: '806312974732579', previousQualityScore: 'GREEN', newQualityScore: 'YELLOW' });
  });

  it.each([
    ['account_restriction', 'ACCOUNT_RESTRICTION'],
    ['account_violation', 'ACCOUNT_VIOLATION'],
    ['account_disabled', 'DISABLED_UPDATE'],
    ['pricing_tiering_update', 'VOLUME_BASED_PRICING_TIER_UPDATE'],
    ['partner_removed_wa_app_disconnection', 'PARTNER_REMOVED'],
  ])('reads the %s account update', (scenario, accountEvent) => {
    const event = onlyEvent(fixture('account_update.json', scenario), 'account_update');

    expect(event).toMatchObject({ field: 'account_update', event: accountEvent });
  });

  it('reads the restrictions of an account restriction', () => {
    const event = onlyEvent(fixture('account_update.json', 'account_restriction'), 'account_update');

    expect(event.raw.restriction_info?.map((restriction) => restriction.restriction_type)).toEqual([
      'RESTRICTED_BIZ_INITIATED_MESSAGING',
      'RESTRICTED_ADD_PHONE_NUMBER_ACTION',
    ]);
  });
});

describe('parseWebhook on shapes the fixtures lack', () => {
  it('reads a referral in the shape Meta documents', () => {
    const referral = {
      source_url: 'https://fb.me/2ZbXsBzQ1',
      source_id: '120210000000000000',
      source_type: 'ad',
      body: 'Free shipping this week',
      headline: 'Chat with us',
      media_type: 'image',
      image_url: 'https://scontent.xx.fbcdn.net/image.jpg',
      ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMXP2Q',
    };
    const body = envelope({ id: '102290129340398', changes: [messagesChange({ messages: [textMessage({ referral })] })] });

    const event = onlyEvent(body, 'inbound_message');

    expect(event.referral).toEqual(referral);
  });

  it('keys a username-only user by user_id', () => {
    const body = envelope({
      id: '102290129340398',
      changes: [
        messagesChange({
          contacts: [{ profile: { name: 'Ana', username: 'ana.b' }, user_id: 'US.1349120865530274' }],
          messages: [textMessage({ from: undefined, from_user_id: 'US.1349120865530274' })],
        }),
      ],
    });

    const event = onlyEvent(body, 'inbound_message');

    expect(event.contact).toEqual({ waId: null, userId: 'US.1349120865530274', profileName: 'Ana', username: 'ana.b' });
  });

  it('reads a status addressed by recipient_user_id only', () => {
    const status = { id: 'wamid.OUT', status: 'delivered', timestamp: '1750000100', recipient_user_id: 'US.1349120865530274' };
    const body = envelope({ id: '1', changes: [messagesChange({ statuses: [status] })] });

    const event = onlyEvent(body, 'message_status');

    expect(event.recipient).toEqual({ waId: null, userId: 'US.1349120865530274' });
  });

  it('rejects a message that names no sender as malformed', () => {
    const body = envelope({ id: '1', changes: [messagesChange({ messages: [textMessage({ from: undefined })] })] });

    const event = onlyEvent(body, 'malformed');

    expect(event.issues.map((issue) => issue.message)).toContain('must name its sender in from or from_user_id');
  });

  it.each([
    ['authentication_international', 'authentication-international'],
    ['authentication-international', 'authentication-international'],
    ['marketing_lite', 'marketing_lite'],
    ['referral_conversion', 'referral_conversion'],
    ['a_category_meta_adds_later', 'a_category_meta_adds_later'],
  ])('normalizes the pricing category %s to %s', (category, normalized) => {
    const status = pricedStatus({ billable: true, pricing_model: 'PMP', type: 'regular', category });
    const body = envelope({ id: '1', changes: [messagesChange({ statuses: [status] })] });

    const event = onlyEvent(body, 'message_status');

    expect(event.pricing?.category).toBe(normalized);
  });

  it('reads per-message pricing of a free entry point message', () => {
    const status = pricedStatus({ billable: false, pricing_model: 'PMP', type: 'free_entry_point', category: 'service' });
    const body = envelope({ id: '1', changes: [messagesChange({ statuses: [status] })] });

    const event = onlyEvent(body, 'message_status');

    expect(event.pricing).toEqual({ billable: false, pricingModel: 'PMP', type: 'free_entry_point', category: 'service' });
  });

  it('passes unknown message types and status values through', () => {
    const message = { from: '16505551234', id: 'wamid.NEW', timestamp: '1750000000', type: 'hologram', hologram: { x: 1 } };
    const status = { id: 'wamid.OUT', status: 'teleported', timestamp: '1750000100', recipient_id: '16505551234' };
    const body = envelope({ id: '1', changes: [messagesChange({ messages: [message], statuses: [status] })] });

    const [inbound, delivery] = eventsOf(body);

    expect(inbound).toMatchObject({ kind: 'inbound_message', type: 'hologram', textBody: null });
    expect(delivery).toMatchObject({ kind: 'message_status', status: 'teleported' });
  });

  it('reads an announced template category change', () => {
    const value = {
      message_template_id: 278077987957091,
      message_template_name: 'welcome_template',
      message_template_language: 'en-US',
      new_category: 'UTILITY',
      correct_category: 'MARKETING',
      category_update_timestamp: 1746169200,
    };
    const body = envelope({ id: '1', changes: [{ field: 'template_category_update', value }] });

    const event = onlyEvent(body, 'template_category');

    expect(event).toMatchObject({ currentCategory: 'UTILITY', previousCategory: null, scheduledCategory: 'MARKETING' });
    expect(event.scheduledAt).toEqual(new Date(1_746_169_200_000));
  });

  it('reads a phone number quality update', () => {
    const value = { display_phone_number: '15550783881', event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_UNLIMITED' };
    const body = envelope({ id: '102290129340398', changes: [{ field: 'phone_number_quality_update', value }] });

    const event = onlyEvent(body, 'phone_number_quality');

    expect(event).toMatchObject({
      displayPhoneNumber: '15550783881',
      event: 'THROUGHPUT_UPGRADE',
      currentLimit: 'TIER_UNLIMITED',
    });
  });

  it('reads a template status whose reason is null (scheduled for deletion)', () => {
    const value = {
      event: 'PENDING_DELETION',
      message_template_id: 1,
      message_template_name: 'old',
      message_template_language: 'en',
      reason: null,
    };
    const body = envelope({ id: '1', changes: [{ field: 'message_template_status_update', value }] });

    expect(onlyEvent(body, 'template_status').reason).toBeNull();
  });
});

describe('parseWebhook on batches and broken changes', () => {
  it('flattens 1,000 mixed changes across 200 entries, in body order', () => {
    const text = fixture('message.json', 'text') as { entry: { changes: unknown[] }[] };
    const status = fixture('message_status.json', 'delivered') as { entry: { changes: unknown[] }[] };
    const template = fixture('template_status_update.json', 'approved') as { entry: { changes: unknown[] }[] };
    const preference = fixture('user_marketing_preferences.json', 'resume') as { entry: { changes: unknown[] }[] };
    const mixedChanges = [
      text.entry[0]!.changes[0],
      status.entry[0]!.changes[0],
      template.entry[0]!.changes[0],
      preference.entry[0]!.changes[0],
      messagesChange({ messages: [textMessage()], statuses: [pricedStatus({ pricing_model: 'PMP', category: 'utility' })] }),
    ];
    const entries = Array.from({ length: 200 }, (_, index) => ({ id: `waba-${index}`, changes: mixedChanges }));

    const events = eventsOf(envelope(...entries));

    expect(events).toHaveLength(200 * 6);
    expect(events.slice(0, 6).map((event) => event.kind)).toEqual([
      'inbound_message',
      'message_status',
      'template_status',
      'user_preference',
      'inbound_message',
      'message_status',
    ]);
    expect(events.at(-1)?.entryId).toBe('waba-199');
    expect(new Set(events.map((event) => event.entryId)).size).toBe(200);
  });

  it('reads every message and status of one change with several of each', () => {
    const messages = [textMessage({ id: 'wamid.1' }), textMessage({ id: 'wamid.2', from: '4915112345678' })];
    const statuses = [
      { ...pricedStatus({ pricing_model: 'PMP', category: 'marketing' }), id: 'wamid.OUT1' },
      { ...pricedStatus({ pricing_model: 'PMP', category: 'utility' }), id: 'wamid.OUT2', status: 'read' },
    ];
    const body = envelope({ id: '1', changes: [messagesChange({ messages, statuses })] });

    const events = eventsOf(body);

    expect(events.map((event) => [event.kind, 'messageId' in event ? event.messageId : null])).toEqual([
      ['inbound_message', 'wamid.1'],
      ['inbound_message', 'wamid.2'],
      ['message_status', 'wamid.OUT1'],
      ['message_status', 'wamid.OUT2'],
    ]);
  });

  it('reports a status without pricing_model in its pricing as malformed', () => {
    const status = pricedStatus({ billable: true, category: 'marketing' });

    onlyEvent(envelope({ id: '1', changes: [messagesChange({ statuses: [status] })] }), 'malformed');
  });

  it('matches each message of a change to its own contact', () => {
    const messages = [textMessage({ id: 'wamid.1' }), textMessage({ id: 'wamid.2', from: '4915112345678' })];
    const contacts = [
      { profile: { name: 'Second' }, wa_id: '4915112345678' },
      { profile: { name: 'First' }, wa_id: '16505551234' },
    ];
    const body = envelope({ id: '1', changes: [messagesChange({ contacts, messages })] });

    const events = eventsOf(body);

    expect(events.map((event) => event.kind === 'inbound_message' && event.contact.profileName)).toEqual(['First', 'Second']);
  });

  it('turns a broken change into one malformed event and parses its neighbours', () => {
    const broken = messagesChange({ messages: [textMessage({ timestamp: 'yesterday' })] });
    const body = envelope(
      { id: 'A', changes: [messagesChange({ messages: [textMessage({ id: 'wamid.before' })] }), broken] },
      { id: 'B', changes: [messagesChange({ messages: [textMessage({ id: 'wamid.after' })] })] },
    );

    const events = eventsOf(body);

    expect(events.map((event) => event.kind)).toEqual(['inbound_message', 'malformed', 'inbound_message']);
    const malformed = events[1];
    expect(malformed).toMatchObject({ kind: 'malformed', entryId: 'A', field: 'messages', raw: broken.value });
    expect(malformed?.kind === 'malformed' && malformed.issues[0]?.path).toEqual(['messages', 0, 'timestamp']);
  });

  it.each([
    ['a change that is not an object', 'not a change', null],
    ['a change without a field', { value: {} }, null],
    [
      'a messages change without metadata',
      { field: 'messages', value: { messaging_product: 'whatsapp', messages: [] } },
      'messages',
    ],
    ['a messages change whose value is null', { field: 'messages', value: null }, 'messages'],
    [
      'a template status without a template id',
      { field: 'message_template_status_update', value: { event: 'APPROVED' } },
      'message_template_status_update',
    ],
    [
      'a user preference without a user',
      {
        field: 'user_preferences',
        value: {
          messaging_product: 'whatsapp',
          metadata,
          user_preferences: [{ category: 'marketing_messages', value: 'stop', timestamp: 1 }],
        },
      },
      'user_preferences',
    ],
    ['an account update without an event', { field: 'account_update', value: {} }, 'account_update'],
  ])('reports %s as malformed', (_, change, field) => {
    const body = envelope({ id: '1', changes: [change, messagesChange({ messages: [textMessage()] })] });

    const events = eventsOf(body);

    expect(events.map((event) => event.kind)).toEqual(['malformed', 'inbound_message']);
    // The issue paths are relative to `raw`: the value when the change could be read, else the change.
    const raw = field === null ? change : (change as { value: unknown }).value;
    expect(events[0]).toMatchObject({ entryId: '1', field, raw });
  });

  it.each([
    ['an unmodelled field', 'business_capability_update'],
    ['a field named like an Object.prototype member', 'constructor'],
    ['a field named __proto__', '__proto__'],
  ])('reports %s as unknown, with its raw value', (_, field) => {
    const value = { max_daily_conversation_per_phone: 250 };
    const body = envelope({ id: '1', changes: [{ field, value }] });

    expect(onlyEvent(body, 'unknown')).toEqual({ kind: 'unknown', entryId: '1', field, raw: value });
  });

  it('reports a messages change that carries nothing it knows as unknown', () => {
    const change = messagesChange({ message_echoes: [{ id: 'wamid.ECHO' }] });

    const event = onlyEvent(envelope({ id: '1', changes: [change] }), 'unknown');

    expect(event.raw).toEqual(change.value);
  });

  it('accepts an entry with no changes', () => {
    expect(eventsOf(envelope({ id: '1', changes: [] }))).toEqual([]);
  });
});

describe('parseWebhook on invalid envelopes', () => {
  it.each([
    ['null', null],
    ['a string', '{"object":"whatsapp_business_account"}'],
    ['an empty object', {}],
    ['another object type', { object: 'page', entry: [] }],
    ['entry that is not an array', { object: 'whatsapp_business_account', entry: {} }],
    ['an entry without id', { object: 'whatsapp_business_account', entry: [{ changes: [] }] }],
    ['an entry without changes', { object: 'whatsapp_business_account', entry: [{ id: '1' }] }],
  ])('rejects %s', (_, body) => {
    const parsed = parseWebhook(body);

    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.issues.length).toBeGreaterThan(0);
  });
});

describe('readWebhookFrame: what taking a webhook in reads of a body', () => {
  const numbersOf = (events: WebhookEvent[]) =>
    [...new Set(events.flatMap((event) => ('phoneNumberId' in event ? [event.phoneNumberId] : [])))].sort();

  it.each(scenarios)('names the numbers parseWebhook routes by, and counts the changes: $file $name', ({ body }) => {
    const frame = readWebhookFrame(body);
    if (!frame.ok) throw new Error(`frame refused: ${JSON.stringify(frame.issues)}`);
    expect([...frame.phoneNumberIds].sort()).toEqual(numbersOf(eventsOf(body)));
    const entries = (body as { entry: { changes: unknown[] }[] }).entry;
    expect(frame.changes).toBe(entries.reduce((sum, entry) => sum + entry.changes.length, 0));
  });

  it.each([
    ['not an object', 'hello'],
    ['another object type', { object: 'page', entry: [] }],
    ['entries without changes', { object: 'whatsapp_business_account', entry: [{ id: '1' }] }],
    ['an entry without an id', { object: 'whatsapp_business_account', entry: [{ changes: [] }] }],
  ])('refuses %s with the issues parseWebhook gives', (_case, body) => {
    const frame = readWebhookFrame(body);
    const parsed = parseWebhook(body);
    expect(frame.ok).toBe(false);
    expect(parsed.ok).toBe(false);
    expect(frame.ok ? [] : frame.issues).toEqual(parsed.ok ? [] : parsed.issues);
  });

  it('names a number that only a malformed change carries, so a body cannot hide one there', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            { field: 'messages', value: { metadata: { phone_number_id: '999000111' }, statuses: 'not a list' } },
            { field: 'messages', value: { metadata: { phone_number_id: 42 } } },
            { field: 'messages', value: null },
            'not a change',
          ],
        },
      ],
    };
    expect(eventsOf(body).every((event) => event.kind === 'malformed')).toBe(true);
    expect(readWebhookFrame(body)).toEqual({ ok: true, changes: 4, phoneNumberIds: ['999000111'] });
  });
});
