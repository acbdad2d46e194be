import { describe, expect, it } from 'vitest';
import { priceMessage as sandboxPriceMessage } from '../../bridge-server/src/meta-sandbox/pricing.js';
import type { Customer } from '../../bridge-server/src/meta-sandbox/state.js';
import {
  type BusinessPricingProfile,
  type ConversationState,
  defaultPricingConfig,
  type MessagePrice,
  type PriceMessageInput,
  PricingError,
  type PricingErrorCode,
  parseRateCardCsv,
  priceMessage,
  ruleSetInForce,
} from '../src/pricing/index.js';
import {
  type ContactActivity,
  foldBusinessReply,
  foldInbound,
  noContactActivity,
  type WindowState,
  windowState,
} from '../src/windows.js';

const secondMs = 1000;
const hourMs = 60 * 60 * secondMs;
const dayMs = 24 * hourMs;

const brazil = '+55 11 91234 5678';
const india = '+91 98765 43210';

/** Window verdicts by name. */
const closed: Pick<WindowState, 'state' | 'kind'> = { state: 'closed', kind: null };
const inWindow: Pick<WindowState, 'state' | 'kind'> = { state: 'open', kind: 'customer_service' };
const freeEntryPointOpen: Pick<WindowState, 'state' | 'kind'> = { state: 'open', kind: 'free_entry_point' };
const freeEntryPointClosed: Pick<WindowState, 'state' | 'kind'> = { state: 'closed', kind: 'free_entry_point' };

const perMessageAt = new Date('2026-01-10T12:00:00Z');
const conversationAt = new Date('2023-03-10T12:00:00Z');
const afterReportedChange = new Date('2026-11-01T12:00:00Z');
const enableReported = { ...defaultPricingConfig, enabled: ['pmp-2026-10-01'] };

type Send = 'free_form' | 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

function input(send: Send, window: PriceMessageInput['window'], overrides: Partial<PriceMessageInput> = {}): PriceMessageInput {
  return {
    at: perMessageAt,
    recipientE164: brazil,
    messageKind: send === 'free_form' ? 'free_form' : 'template',
    templateCategory: send === 'free_form' ? null : send,
    window,
    config: defaultPricingConfig,
    ...overrides,
  };
}

/** The parts of a price the tables below pin down. */
function verdict(price: MessagePrice) {
  return {
    chargeable: price.chargeable,
    freeReason: price.freeReason,
    category: price.category,
    rateMicroUsd: price.rateMicroUsd,
  };
}

function errorCodeOf(run: () => unknown): PricingErrorCode {
  try {
    run();
  } catch (error) {
    if (error instanceof PricingError) return error.code;
    throw error;
  }
  throw new Error('expected a PricingError');
}

const charged = (category: MessagePrice['category'], rateMicroUsd: number) => ({
  chargeable: true,
  freeReason: null,
  category,
  rateMicroUsd,
});
const free = (freeReason: MessagePrice['freeReason'], category: MessagePrice['category']) => ({
  chargeable: false,
  freeReason,
  category,
  rateMicroUsd: 0,
});

// Brazil on the 2025-07-01 card: marketing $0.0625, utility and authentication $0.0068, no international rate.
describe('pmp-2025-07-01: per-message pricing', () => {
  it.each([
    ['outside any window', 'MARKETING', closed, charged('marketing', 62_500)],
    ['outside any window', 'UTILITY', closed, charged('utility', 6800)],
    ['outside any window', 'AUTHENTICATION', closed, charged('authentication', 6800)],
    ['in the customer service window', 'free_form', inWindow, free('customer_service_window', 'service')],
    ['in the customer service window', 'UTILITY', inWindow, free('customer_service_window', 'utility')],
    ['in the customer service window', 'MARKETING', inWindow, charged('marketing', 62_500)],
    ['in the customer service window', 'AUTHENTICATION', inWindow, charged('authentication', 6800)],
    ['in a free entry point', 'free_form', freeEntryPointOpen, free('free_entry_point', 'service')],
    ['in a free entry point', 'MARKETING', freeEntryPointOpen, free('free_entry_point', 'marketing')],
    ['in a free entry point', 'UTILITY', freeEntryPointOpen, free('free_entry_point', 'utility')],
    ['in a free entry point', 'AUTHENTICATION', freeEntryPointOpen, free('free_entry_point', 'authentication')],
    ['in a free entry point after the window closed', 'MARKETING', freeEntryPointClosed, free('free_entry_point', 'marketing')],
  ] as const)('%s, %s is %o', (_, send, window, expected) => {
    const price = priceMessage(input(send, window));
    expect(verdict(price)).toEqual(expected);
    expect(price).toMatchObject({ ruleSetId: 'pmp-2025-07-01', rateCardId: 'pmp-2025-07-01', market: 'Brazil', country: 'BR' });
  });

  it('refuses to price a free-form message outside the window, free entry point or not', () => {
    expect(errorCodeOf(() => priceMessage(input('free_form', closed)))).toBe('free_form_outside_window');
    expect(errorCodeOf(() => priceMessage(input('free_form', freeEntryPointClosed)))).toBe('free_form_outside_window');
  });

  it('agrees with the Meta sandbox’s billing in every situation', () => {
    const nowMs = perMessageAt.getTime();
    for (const windowOpen of [false, true]) {
      for (const freeEntryPointActive of [false, true]) {
        for (const send of ['free_form', 'MARKETING', 'UTILITY', 'AUTHENTICATION'] as const) {
          if (send === 'free_form' && !windowOpen) continue;
          const customer = {
            lastInboundAtMs: windowOpen ? nowMs - hourMs : nowMs - 2 * dayMs,
            freeEntryPointExpiresAtMs: freeEntryPointActive ? nowMs + hourMs : undefined,
          } as Customer;
          const window = {
            state: windowOpen ? 'open' : 'closed',
            kind: freeEntryPointActive ? 'free_entry_point' : windowOpen ? 'customer_service' : null,
          } as const;
          const ours = priceMessage(input(send, window));
          const sandbox = sandboxPriceMessage(customer, nowMs, send === 'free_form' ? undefined : send);
          const situation = `${send}, window ${windowOpen}, free entry point ${freeEntryPointActive}`;
          expect(ours.chargeable, situation).toBe(sandbox.billable);
          const sandboxReason = {
            regular: null,
            free_customer_service: 'customer_service_window',
            free_entry_point: 'free_entry_point',
          };
          expect(ours.freeReason, situation).toBe(sandboxReason[sandbox.type]);
        }
      }
    }
  });
});

describe('window edges, through windowState', () => {
  const start = perMessageAt.getTime();
  const at = (offsetMs: number) => new Date(start + offsetMs);
  const priceAt = (activity: ContactActivity, offsetMs: number, send: Send) =>
    verdict(priceMessage(input(send, windowState(activity, at(offsetMs)), { at: at(offsetMs) })));

  const customerWrote = foldInbound(noContactActivity, { timestamp: at(0), hasReferral: false });

  it.each([
    ['1 ms before 24 h', 24 * hourMs - 1, free('customer_service_window', 'utility')],
    ['at exactly 24 h', 24 * hourMs, charged('utility', 6800)],
    ['1 s after 24 h', 24 * hourMs + secondMs, charged('utility', 6800)],
  ])('a utility template %s after the customer’s message is %o', (_, offsetMs, expected) => {
    expect(priceAt(customerWrote, offsetMs, 'UTILITY')).toEqual(expected);
  });

  it('prices a free-form reply 1 ms before 24 h and refuses one at exactly 24 h', () => {
    expect(priceAt(customerWrote, 24 * hourMs - 1, 'free_form')).toEqual(free('customer_service_window', 'service'));
    expect(() => priceAt(customerWrote, 24 * hourMs, 'free_form')).toThrow(PricingError);
  });

  // The customer came from a click-to-WhatsApp ad at 0; the business answered at 1 h: free until 73 h.
  const answeredAd = foldBusinessReply(foldInbound(noContactActivity, { timestamp: at(0), hasReferral: true }), {
    sentAt: at(hourMs),
  });

  it.each([
    ['at the answer', hourMs, free('free_entry_point', 'marketing')],
    ['after the window closed (30 h)', 30 * hourMs, free('free_entry_point', 'marketing')],
    ['1 ms before 72 h after the answer', 73 * hourMs - 1, free('free_entry_point', 'marketing')],
    ['at exactly 72 h after the answer', 73 * hourMs, charged('marketing', 62_500)],
  ])('a marketing template %s is %o', (_, offsetMs, expected) => {
    expect(priceAt(answeredAd, offsetMs, 'MARKETING')).toEqual(expected);
  });

  it('charges when the business answered the ad only at exactly 24 h (no free entry point)', () => {
    const lateAnswer = foldBusinessReply(foldInbound(noContactActivity, { timestamp: at(0), hasReferral: true }), {
      sentAt: at(24 * hourMs),
    });
    expect(priceAt(lateAnswer, 24 * hourMs + secondMs, 'MARKETING')).toEqual(charged('marketing', 62_500));
    const inTime = foldBusinessReply(foldInbound(noContactActivity, { timestamp: at(0), hasReferral: true }), {
      sentAt: at(24 * hourMs - 1),
    });
    expect(priceAt(inTime, 24 * hourMs + secondMs, 'MARKETING')).toEqual(free('free_entry_point', 'marketing'));
  });
});

describe('pmp-2026-10-01 (reported, operator-enabled)', () => {
  it.each([
    ['free_form', inWindow, { ...charged('service', 6800), rateCategory: 'utility' }],
    ['UTILITY', inWindow, { ...charged('utility', 6800), rateCategory: 'utility' }],
    ['MARKETING', inWindow, { ...charged('marketing', 62_500), rateCategory: 'marketing' }],
    ['AUTHENTICATION', inWindow, { ...charged('authentication', 6800), rateCategory: 'authentication' }],
    ['UTILITY', closed, { ...charged('utility', 6800), rateCategory: 'utility' }],
    ['MARKETING', closed, { ...charged('marketing', 62_500), rateCategory: 'marketing' }],
    ['free_form', freeEntryPointOpen, { ...free('free_entry_point', 'service'), rateCategory: null }],
    ['UTILITY', freeEntryPointOpen, { ...free('free_entry_point', 'utility'), rateCategory: null }],
    ['MARKETING', freeEntryPointClosed, { ...free('free_entry_point', 'marketing'), rateCategory: null }],
  ] as const)('enabled: %s with window %o is %o', (send, window, expected) => {
    const price = priceMessage(input(send, window, { at: afterReportedChange, config: enableReported }));
    expect({ ...verdict(price), rateCategory: price.rateCategory }).toEqual(expected);
    expect(price.ruleSetId).toBe('pmp-2026-10-01');
  });

  it('is not applied unless enabled: in-window service and utility stay free', () => {
    const at = afterReportedChange;
    expect(verdict(priceMessage(input('free_form', inWindow, { at })))).toEqual(free('customer_service_window', 'service'));
    expect(priceMessage(input('UTILITY', inWindow, { at })).ruleSetId).toBe('pmp-2025-07-01');
  });

  it.each([
    ['2026-09-30T23:59:59.999Z', 'pmp-2025-07-01', false],
    ['2026-10-01T00:00:00.000Z', 'pmp-2026-10-01', true],
  ])('enabled, a utility template in the window at %s falls under %s (charged: %s)', (at, ruleSetId, chargeable) => {
    const price = priceMessage(input('UTILITY', inWindow, { at: new Date(at), config: enableReported }));
    expect([price.ruleSetId, price.chargeable]).toEqual([ruleSetId, chargeable]);
  });
});

describe('cbp-2022-02-01: conversation-based pricing', () => {
  // Brazil on the 2022 card: business-initiated $0.0500, user-initiated $0.0300.
  const noConversation = (conversationsOpenedThisMonth: number): ConversationState => ({
    openConversation: null,
    conversationsOpenedThisMonth,
  });
  const open = (expiresAt: Date): ConversationState => ({
    openConversation: { category: 'business_initiated', expiresAt },
    conversationsOpenedThisMonth: 5000,
  });

  it.each([
    [
      'a template outside the window, free tier used up',
      'MARKETING',
      closed,
      noConversation(1000),
      charged('business_initiated', 50_000),
    ],
    [
      'a template outside the window, 999 conversations so far',
      'MARKETING',
      closed,
      noConversation(999),
      free('free_tier', 'business_initiated'),
    ],
    ['a reply in the window, free tier used up', 'free_form', inWindow, noConversation(1000), charged('user_initiated', 30_000)],
    ['a template in the window, free tier used up', 'UTILITY', inWindow, noConversation(1500), charged('user_initiated', 30_000)],
    [
      'a reply in the window, first conversation of the month',
      'free_form',
      inWindow,
      noConversation(0),
      free('free_tier', 'user_initiated'),
    ],
    [
      'anything in a free entry point',
      'MARKETING',
      freeEntryPointClosed,
      noConversation(5000),
      free('free_entry_point', 'referral_conversion'),
    ],
    [
      'a template in an open conversation',
      'MARKETING',
      closed,
      open(new Date(conversationAt.getTime() + 1)),
      free('open_conversation', 'business_initiated'),
    ],
    [
      'a template as the open conversation expires',
      'MARKETING',
      closed,
      open(conversationAt),
      charged('business_initiated', 50_000),
    ],
  ] as const)('%s: %o', (_, send, window, conversation, expected) => {
    const price = priceMessage(input(send, window, { at: conversationAt, conversation }));
    expect(verdict(price)).toEqual(expected);
    expect(price).toMatchObject({ ruleSetId: 'cbp-2022-02-01', rateCardId: 'cbp-2022-02-01', market: 'Brazil' });
  });

  it('needs the conversation state', () => {
    expect(errorCodeOf(() => priceMessage(input('MARKETING', closed, { at: conversationAt })))).toBe(
      'conversation_state_required',
    );
    expect(() => priceMessage(input('MARKETING', closed, { at: conversationAt, conversation: noConversation(-1) }))).toThrow(
      RangeError,
    );
  });

  it.each([
    ['UTC', '2025-06-30T23:59:59.999Z', 'cbp-2022-02-01'],
    ['UTC', '2025-07-01T00:00:00.000Z', 'pmp-2025-07-01'],
    ['Asia/Tokyo', '2025-06-30T14:59:59.999Z', 'cbp-2022-02-01'],
    ['Asia/Tokyo', '2025-06-30T15:00:00.000Z', 'pmp-2025-07-01'],
    ['America/Sao_Paulo', '2025-07-01T02:59:59.999Z', 'cbp-2022-02-01'],
    ['America/Sao_Paulo', '2025-07-01T03:00:00.000Z', 'pmp-2025-07-01'],
  ])('in %s, a send at %s falls under %s, with the card of the same model', (timeZone, at, id) => {
    const config = { ...defaultPricingConfig, timeZone };
    const price = priceMessage(input('MARKETING', closed, { at: new Date(at), config, conversation: noConversation(1000) }));
    expect([price.ruleSetId, price.rateCardId]).toEqual([id, id]);
  });
});

describe('authentication-international', () => {
  // India on the 2025-07-01 card: authentication $0.0014, authentication-international $0.0304.
  const domestic = charged('authentication', 1400);
  const international = charged('authentication-international', 30_400);
  const eligibleSince = (
    startAt: string,
    startAtByCountry?: Record<string, Date>,
  ): BusinessPricingProfile['authenticationInternational'] => ({
    startAt: new Date(startAt),
    ...(startAtByCountry === undefined ? {} : { startAtByCountry }),
  });
  const business = (country: string | null, eligibility: BusinessPricingProfile['authenticationInternational']) => ({
    country,
    authenticationInternational: eligibility,
  });

  it.each([
    ['no business profile', null, domestic],
    ['a business Meta has not made eligible', business('SG', null), domestic],
    ['an eligible business in the recipient’s country', business('IN', eligibleSince('2025-01-01T00:00:00Z')), domestic],
    ['an eligible business abroad', business('SG', eligibleSince('2025-01-01T00:00:00Z')), international],
    ['an eligible business whose location is not verified', business(null, eligibleSince('2025-01-01T00:00:00Z')), international],
    [
      'an eligible business abroad, 1 ms before its start time',
      business('SG', eligibleSince('2026-01-10T12:00:00.001Z')),
      domestic,
    ],
    ['an eligible business abroad, at its start time', business('SG', eligibleSince('2026-01-10T12:00:00.000Z')), international],
    [
      'an eligible business abroad whose start time for India is later',
      business('SG', eligibleSince('2025-01-01T00:00:00Z', { IN: new Date('2026-02-01T00:00:00Z') })),
      domestic,
    ],
  ] as const)('to India from %s: %o', (_, profile, expected) => {
    const price = priceMessage(input('AUTHENTICATION', closed, { recipientE164: india, business: profile }));
    expect(verdict(price)).toEqual(expected);
  });

  const abroad = business('SG', eligibleSince('2025-01-01T00:00:00Z'));

  it('charges the domestic rate where the market has no international rate (n/a)', () => {
    expect(verdict(priceMessage(input('AUTHENTICATION', closed, { business: abroad })))).toEqual(charged('authentication', 6800));
  });

  it('applies inside the customer service window too, and not in a free entry point', () => {
    const withIndia = { recipientE164: india, business: abroad };
    expect(verdict(priceMessage(input('AUTHENTICATION', inWindow, withIndia)))).toEqual(international);
    expect(verdict(priceMessage(input('AUTHENTICATION', freeEntryPointOpen, withIndia)))).toEqual(
      free('free_entry_point', 'authentication'),
    );
  });

  it('never touches other categories', () => {
    const price = priceMessage(input('MARKETING', closed, { recipientE164: india, business: abroad }));
    expect(verdict(price)).toEqual(charged('marketing', 11_800));
  });
});

describe('markets in pricing', () => {
  it.each([
    ['Kosovo (not listed)', '+383 44 123 456', 'XK', 'Other'],
    ['Kazakhstan (shares +7, not listed)', '+7 701 234 5678', 'KZ', 'Other'],
    ['a non-geographic number', '+800 1234 5678', null, 'Other'],
  ])('prices %s at Other', (_, recipientE164, country, market) => {
    const price = priceMessage(input('MARKETING', closed, { recipientE164 }));
    expect(price).toMatchObject({ country, market, rateMarket: market, rateMicroUsd: 60_400 });
  });

  it('prices Hong Kong, a market of its own from 2026-07-01, at Rest of Asia Pacific while the card predates it', () => {
    const price = priceMessage(
      input('MARKETING', closed, { recipientE164: '+852 5123 4567', at: new Date('2026-07-01T00:00:00Z') }),
    );
    expect(price).toMatchObject({
      market: 'Hong Kong',
      rateMarket: 'Rest of Asia Pacific',
      rateMicroUsd: 73_200,
      marketSchemeId: 'markets-2026-07-01',
    });
  });

  it('prices Hong Kong at its own row once a card has one', () => {
    const card = parseRateCardCsv(
      [
        'preamble',
        'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service',
        'Hong Kong,USD,0.0501,0.0101,0.0101,n/a,0',
        'Other,USD,0.0604,0.0077,0.0077,n/a,0',
      ].join('\n'),
      { id: 'meta-2026-07-01', effectiveFrom: '2026-07-01', source: 'test' },
    );
    const config = { ...defaultPricingConfig, rateCards: [...defaultPricingConfig.rateCards, card] };
    const at = new Date('2026-08-01T00:00:00Z');
    expect(priceMessage(input('MARKETING', closed, { recipientE164: '+852 5123 4567', at, config }))).toMatchObject({
      market: 'Hong Kong',
      rateMarket: 'Hong Kong',
      rateMicroUsd: 50_100,
      rateCardId: 'meta-2026-07-01',
    });
    expect(errorCodeOf(() => priceMessage(input('MARKETING', closed, { at, config })))).toBe('market_not_in_rate_card');
  });
});

describe('what cannot be priced', () => {
  it.each([
    ['a template without a category', input('MARKETING', closed, { templateCategory: null }), 'template_category_required'],
    [
      'a template of an unknown category',
      input('MARKETING', closed, { templateCategory: 'PROMOTION' }),
      'unknown_template_category',
    ],
    ['an invalid number', input('MARKETING', closed, { recipientE164: '0901234' }), 'invalid_recipient'],
    ['a send before 2022-02-01', input('MARKETING', closed, { at: new Date('2022-01-31T23:59:59.999Z') }), 'no_rule_set'],
    ['a send with no card', input('MARKETING', closed, { config: { ...defaultPricingConfig, rateCards: [] } }), 'no_rate_card'],
  ] as const)('%s', (_, priced, code) => {
    expect(errorCodeOf(() => priceMessage(priced))).toBe(code);
  });

  it('reads template categories in any case', () => {
    expect(priceMessage(input('MARKETING', closed, { templateCategory: ' marketing ' })).category).toBe('marketing');
  });

  it('ignores cards in other currencies: points are valued in micro-USD', () => {
    const rupees = parseRateCardCsv(
      'preamble\nMarket,Currency,Marketing,Utility,Authentication,Authentication-International,Service\nOther,INR,0.86,0.115,0.115,n/a,0',
      { id: 'inr-2026-01-01', effectiveFrom: '2026-01-01', source: 'test' },
    );
    const config = { ...defaultPricingConfig, rateCards: [...defaultPricingConfig.rateCards, rupees] };
    expect(priceMessage(input('MARKETING', closed, { config })).rateCardId).toBe('pmp-2025-07-01');
  });

  it('knows which rule set is in force', () => {
    expect(ruleSetInForce(new Date('2022-01-31T23:59:59.999Z'), defaultPricingConfig)).toBeNull();
    expect(ruleSetInForce(new Date('2022-02-01T00:00:00.000Z'), defaultPricingConfig)?.id).toBe('cbp-2022-02-01');
  });
});
