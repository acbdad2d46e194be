import { knownTemplateCategories } from '../templates/schema.js';
import type { WindowState } from '../windows.js';
import { defaultPricingTimeZone, latestInForce } from './effective-dates.js';
import { PricingError } from './errors.js';
import { type MarketAssignment, type MarketScheme, marketOf, marketSchemes } from './markets.js';
import { type CategoryRates, cardInForce, type RateCard } from './rate-cards.js';
import { cbp20220201RateCard } from './tables/cbp-2022-02-01.js';
import { pmp20250701RateCard } from './tables/pmp-2025-07-01.js';

/*
 * Meta's pricing rules as data with effective dates, and `priceMessage`, which applies the rule set, the
 * rate card and the market mapping in force at the send. The window rules themselves (when the customer
 * service window and a free entry point are open) live in windows.ts; pricing only reads their verdict.
 *
 * Not modelled, for want of data: the 2023-06-01 conversation categories and the 2024-11-01 free service
 * conversations (sends before 2025-07-01 use the 2022 conversation-based rules and card), the volume
 * tiers for utility and authentication from 2025-10 (list rates are used), and the Marketing Messages API's
 * `marketing_lite` category.
 */

/** How Meta categorises a message for billing, in the spelling of `knownPricingCategories` (meta/webhook.ts). */
export type PricingCategory =
  | 'marketing'
  | 'utility'
  | 'authentication'
  | 'authentication-international'
  | 'service'
  | 'business_initiated'
  | 'user_initiated'
  | 'referral_conversion';

/** Why a message costs nothing. */
export type FreeReason = 'customer_service_window' | 'free_entry_point' | 'free_tier' | 'open_conversation';

/** What a message is for pricing: its template category, or `service` for free-form (non-template) messages. */
export type MessageClass = 'service' | 'marketing' | 'utility' | 'authentication';

/** Under per-message pricing a message is either free (and why) or charged at a column of the rate card. */
export type PerMessageOutcome = { free: FreeReason } | { rate: 'marketing' | 'utility' | 'authentication' | 'service' };

type RuleSetCommon = {
  id: string;
  effectiveFrom: string;
  /** `reported`: described by providers, not confirmed by Meta; applies only when the operator enables its id. */
  status: 'published' | 'reported';
  source: string;
};

/** Per-message pricing: each delivered message is priced on its own, by where it falls. */
export type PerMessageRuleSet = RuleSetCommon & {
  model: 'per_message';
  /** While a free entry point is active (`WindowState.kind` is `free_entry_point`), window open or not. */
  inFreeEntryPoint: Readonly<Record<MessageClass, PerMessageOutcome>>;
  /** While the customer service window is open and no free entry point is. */
  inCustomerServiceWindow: Readonly<Record<MessageClass, PerMessageOutcome>>;
  /** Outside both: only templates can be sent. */
  outsideWindows: Readonly<Record<Exclude<MessageClass, 'service'>, PerMessageOutcome>>;
};

/** Conversation-based pricing (2022): one charge per 24-hour conversation, by who started it. */
export type ConversationRuleSet = RuleSetCommon & {
  model: 'conversation';
  /** A conversation lasts this long from its first delivered business message; callers track it. */
  conversationDurationMs: number;
  /** Conversations per WABA per calendar month (in the WABA's time zone) that cost nothing. */
  freeConversationsPerMonth: number;
  /** Conversations from a click-to-WhatsApp ad or Page button (free entry points) cost nothing. */
  freeEntryPointsFree: boolean;
};

export type RuleSet = PerMessageRuleSet | ConversationRuleSet;

const hourMs = 60 * 60 * 1000;
const freeInWindow: PerMessageOutcome = { free: 'customer_service_window' };
const freeEntryPoint: PerMessageOutcome = { free: 'free_entry_point' };
const templatesByCategory = {
  marketing: { rate: 'marketing' },
  utility: { rate: 'utility' },
  authentication: { rate: 'authentication' },
} as const satisfies PerMessageRuleSet['outsideWindows'];

export const cbp20220201RuleSet: ConversationRuleSet = {
  id: 'cbp-2022-02-01',
  effectiveFrom: '2022-02-01',
  status: 'published',
  model: 'conversation',
  source:
    "Meta's conversation-based pricing page (2022) and seed 001: charged per 24-hour conversation, business- or user-initiated; the first 1,000 conversations per WABA each month are free, refreshed in the WABA's time zone; free entry point conversations are free.",
  conversationDurationMs: 24 * hourMs,
  freeConversationsPerMonth: 1000,
  freeEntryPointsFree: true,
};

export const pmp20250701RuleSet: PerMessageRuleSet = {
  id: 'pmp-2025-07-01',
  effectiveFrom: '2025-07-01',
  status: 'published',
  model: 'per_message',
  source:
    "Meta's per-message pricing from 2025-07-01 (pricing page; PRODUCT.md §5): templates charged per delivered message by category and market; free-form (service) messages free; utility templates free inside the customer service window; everything free inside a free entry point.",
  inFreeEntryPoint: {
    service: freeEntryPoint,
    marketing: freeEntryPoint,
    utility: freeEntryPoint,
    authentication: freeEntryPoint,
  },
  inCustomerServiceWindow: {
    service: freeInWindow,
    marketing: { rate: 'marketing' },
    utility: freeInWindow,
    authentication: { rate: 'authentication' },
  },
  outsideWindows: templatesByCategory,
};

export const pmp20261001RuleSet: PerMessageRuleSet = {
  id: 'pmp-2026-10-01',
  effectiveFrom: '2026-10-01',
  status: 'reported',
  model: 'per_message',
  source:
    'Reported by several providers (ChakraHQ, YCloud, …), not confirmed by Meta at the time of writing: from 2026-10-01 service messages and utility templates inside the customer service window are charged at the utility rate; free entry points stay free. Applied only when an operator enables it.',
  inFreeEntryPoint: {
    service: freeEntryPoint,
    marketing: freeEntryPoint,
    utility: freeEntryPoint,
    authentication: freeEntryPoint,
  },
  inCustomerServiceWindow: {
    service: { rate: 'utility' },
    marketing: { rate: 'marketing' },
    utility: { rate: 'utility' },
    authentication: { rate: 'authentication' },
  },
  outsideWindows: templatesByCategory,
};

/** The rule sets we know, oldest first. */
export const ruleSets: readonly RuleSet[] = [cbp20220201RuleSet, pmp20250701RuleSet, pmp20261001RuleSet];

/** The cards generated from tables/, oldest first. An operator's imports are appended to these. */
export const seedRateCards: readonly RateCard[] = [cbp20220201RateCard, pmp20250701RateCard];

/** Everything pricing reads besides the message itself. */
export type PricingConfig = {
  ruleSets: readonly RuleSet[];
  rateCards: readonly RateCard[];
  marketSchemes: readonly MarketScheme[];
  /** Ids of reported rule sets and announced market mappings the operator has switched on. */
  enabled: readonly string[];
  /** The WABA's IANA time zone, in which effective dates start (see effective-dates.ts). */
  timeZone: string;
};

export const defaultPricingConfig: PricingConfig = {
  ruleSets,
  rateCards: seedRateCards,
  marketSchemes,
  enabled: [],
  timeZone: defaultPricingTimeZone,
};

/** The rule set in force at `at`: the latest published one, or an enabled reported one, not after `at`. */
export function ruleSetInForce(at: Date, config: PricingConfig): RuleSet | null {
  const enabled = new Set(config.enabled);
  const usable = config.ruleSets.filter((ruleSet) => ruleSet.status === 'published' || enabled.has(ruleSet.id));
  return latestInForce(usable, at, config.timeZone);
}

/** Conversation-based pricing needs what the bridge knows of the conversations with this customer. */
export type ConversationState = {
  /** The conversation open with this customer at the send, if any; messages inside it cost nothing more. */
  openConversation: { category: 'business_initiated' | 'user_initiated' | 'referral_conversion'; expiresAt: Date } | null;
  /** Conversations the WABA opened earlier in this calendar month (WABA time zone), free or not. */
  conversationsOpenedThisMonth: number;
};

/**
 * What decides the authentication-international rate (Meta's "Authentication-international rates" page):
 * the business must be eligible (Meta tells it, with a start time per recipient country) and based in
 * another country than the recipient's.
 */
export type BusinessPricingProfile = {
  /** ISO 3166-1 alpha-2 of the primary business location Meta holds; null when unknown or not verified. */
  country: string | null;
  /** Null when Meta has not made the business eligible. */
  authenticationInternational: {
    /** From when the rate applies. */
    startAt: Date;
    /** Start times Meta set for particular recipient countries, overriding `startAt`. */
    startAtByCountry?: Readonly<Record<string, Date>>;
  } | null;
};

export type PriceMessageInput = {
  /** When the message is sent (Meta charges on delivery; the caller decides which instant it prices). */
  at: Date;
  recipientE164: string;
  messageKind: 'free_form' | 'template';
  /** MARKETING, UTILITY or AUTHENTICATION (any case); required for templates, ignored for free-form. */
  templateCategory?: string | null;
  /** The window verdict at `at` (windows.ts `windowState`). */
  window: Pick<WindowState, 'state' | 'kind'>;
  /** Required while a conversation-based rule set is in force. */
  conversation?: ConversationState | null;
  /** For the authentication-international rate; absent means not eligible. */
  business?: BusinessPricingProfile | null;
  config: PricingConfig;
};

export type MessagePrice = {
  chargeable: boolean;
  freeReason: FreeReason | null;
  /** The message's pricing category, as Meta would report it. */
  category: PricingCategory;
  /** The category whose rate is charged (utility for a service message under pmp-2026-10-01); null when free. */
  rateCategory: PricingCategory | null;
  /** What Meta charges for the message, in micro-USD; 0 when free. */
  rateMicroUsd: number;
  country: string | null;
  /** The recipient's market under the mapping in force. */
  market: string;
  /** The rate card row used: `market`, or the market it was split from when the card predates the split. */
  rateMarket: string;
  rateCardId: string;
  ruleSetId: string;
  marketSchemeId: string;
};

/** Pricing reads rates in micro-USD: a point's value is set in micro-USD (points.ts). */
const pricingCurrency = 'USD';

/**
 * The price of one message under the rules in force at `at`. Free messages still report the card,
 * market and rule set, so that every quote and deduction can be explained. Throws `PricingError`.
 */
export function priceMessage(input: PriceMessageInput): MessagePrice {
  const { at, config } = input;
  const messageClass = messageClassOf(input);
  if (input.messageKind === 'free_form' && input.window.state !== 'open') {
    throw new PricingError(
      'free_form_outside_window',
      'a free-form message can only be sent inside the customer service window; outside it only a template can',
    );
  }
  const ruleSet = ruleSetInForce(at, config);
  if (ruleSet === null) throw new PricingError('no_rule_set', `no pricing rule set is in force at ${at.toISOString()}`);
  const assignment = marketOf(input.recipientE164, at, {
    schemes: config.marketSchemes,
    enabled: config.enabled,
    timeZone: config.timeZone,
  });
  const card = cardInForce(config.rateCards, at, { model: ruleSet.model, currency: pricingCurrency, timeZone: config.timeZone });
  if (card === null) {
    throw new PricingError(
      'no_rate_card',
      `no ${ruleSet.model} rate card in ${pricingCurrency} is in force at ${at.toISOString()}`,
    );
  }
  const context = { ruleSetId: ruleSet.id, rateCardId: card.id, ...marketFields(assignment) };
  if (ruleSet.model === 'per_message' && card.model === 'per_message') {
    const { rateMarket, rates } = ratesFor(card.id, card.rates, assignment);
    return { ...context, rateMarket, ...perMessagePrice(ruleSet, messageClass, input, assignment, rates) };
  }
  if (ruleSet.model === 'conversation' && card.model === 'conversation') {
    const { rateMarket, rates } = ratesFor(card.id, card.rates, assignment);
    const decision = conversationDecision(ruleSet, input);
    const rateMicroUsd =
      decision.freeReason !== null
        ? 0
        : decision.category === 'user_initiated'
          ? rates.userInitiatedMicro
          : rates.businessInitiatedMicro;
    return { ...context, rateMarket, ...decision, rateMicroUsd };
  }
  throw new Error(`rate card ${card.id} (${card.model}) does not fit rule set ${ruleSet.id} (${ruleSet.model})`);
}

function marketFields(assignment: MarketAssignment) {
  return { country: assignment.country, market: assignment.market, marketSchemeId: assignment.marketSchemeId };
}

function messageClassOf(input: PriceMessageInput): MessageClass {
  if (input.messageKind === 'free_form') return 'service';
  const category = input.templateCategory?.trim().toUpperCase() ?? '';
  if (category === '') throw new PricingError('template_category_required', 'a template needs its category to be priced');
  if (!(knownTemplateCategories as readonly string[]).includes(category)) {
    throw new PricingError(
      'unknown_template_category',
      `template category "${input.templateCategory}" is none of ${knownTemplateCategories.join(', ')}`,
    );
  }
  return category.toLowerCase() as MessageClass;
}

/** The card row for the recipient: their market's, else the one it was split from (the card predates the split). */
function ratesFor<T>(
  cardId: string,
  ratesByMarket: Readonly<Record<string, T>>,
  assignment: MarketAssignment,
): { rateMarket: string; rates: T } {
  for (const rateMarket of [assignment.market, assignment.splitFrom]) {
    const rates = rateMarket === null ? undefined : ratesByMarket[rateMarket];
    if (rateMarket !== null && rates !== undefined) return { rateMarket, rates };
  }
  throw new PricingError('market_not_in_rate_card', `rate card ${cardId} has no row for market "${assignment.market}"`);
}

type Period = 'free_entry_point' | 'customer_service_window' | 'outside';

/** A free entry point outranks the customer service window: while one is active, everything is free. */
function periodOf(window: PriceMessageInput['window']): Period {
  if (window.kind === 'free_entry_point') return 'free_entry_point';
  return window.kind === 'customer_service' || window.state === 'open' ? 'customer_service_window' : 'outside';
}

type Decision = Pick<MessagePrice, 'chargeable' | 'freeReason' | 'category' | 'rateCategory'>;

function perMessagePrice(
  ruleSet: PerMessageRuleSet,
  messageClass: MessageClass,
  input: PriceMessageInput,
  assignment: MarketAssignment,
  rates: CategoryRates,
): Decision & { rateMicroUsd: number } {
  const period = periodOf(input.window);
  const outcome =
    period === 'free_entry_point'
      ? ruleSet.inFreeEntryPoint[messageClass]
      : period === 'customer_service_window'
        ? ruleSet.inCustomerServiceWindow[messageClass]
        : messageClass === 'service'
          ? null
          : ruleSet.outsideWindows[messageClass];
  if (outcome === null) throw new Error('free-form messages outside the window are refused before this point');
  if ('free' in outcome) {
    return { chargeable: false, freeReason: outcome.free, category: messageClass, rateCategory: null, rateMicroUsd: 0 };
  }
  const internationalMicro = outcome.rate === 'authentication' ? authenticationInternationalRate(input, assignment, rates) : null;
  if (internationalMicro !== null) {
    const category = 'authentication-international';
    return { chargeable: true, freeReason: null, category, rateCategory: category, rateMicroUsd: internationalMicro };
  }
  const rateMicroUsd = {
    marketing: rates.marketingMicro,
    utility: rates.utilityMicro,
    authentication: rates.authenticationMicro,
    service: rates.serviceMicro,
  }[outcome.rate];
  return { chargeable: true, freeReason: null, category: messageClass, rateCategory: outcome.rate, rateMicroUsd };
}

/**
 * The authentication-international rate, or null for the domestic one. Meta's rule: an authentication
 * template delivered to a country whose market has an authentication-international rate is billed at it when the business is eligible, the send is on or after
 * its start time for that country, and the business is based in another country. A business whose
 * primary location is unknown (not verified) is treated as based elsewhere: Meta cannot exempt it.
 */
function authenticationInternationalRate(
  input: PriceMessageInput,
  assignment: MarketAssignment,
  rates: CategoryRates,
): number | null {
  const internationalMicro = rates.authenticationInternationalMicro;
  const eligibility = input.business?.authenticationInternational ?? null;
  if (internationalMicro === null || eligibility === null || assignment.country === null) return null;
  const startAt = eligibility.startAtByCountry?.[assignment.country] ?? eligibility.startAt;
  if (input.at.getTime() < startAt.getTime()) return null;
  const businessCountry = input.business?.country ?? null;
  return businessCountry === assignment.country ? null : internationalMicro;
}

function conversationDecision(ruleSet: ConversationRuleSet, input: PriceMessageInput): Decision {
  const conversation = input.conversation ?? null;
  if (conversation === null) {
    throw new PricingError(
      'conversation_state_required',
      `rule set ${ruleSet.id} prices conversations: pass the open conversation and this month's conversation count`,
    );
  }
  if (!Number.isSafeInteger(conversation.conversationsOpenedThisMonth) || conversation.conversationsOpenedThisMonth < 0) {
    throw new RangeError(
      `conversationsOpenedThisMonth must be a non-negative integer, got ${conversation.conversationsOpenedThisMonth}`,
    );
  }
  const period = periodOf(input.window);
  if (period === 'free_entry_point' && ruleSet.freeEntryPointsFree) {
    return { chargeable: false, freeReason: 'free_entry_point', category: 'referral_conversion', rateCategory: null };
  }
  const open = conversation.openConversation;
  if (open !== null && input.at.getTime() < open.expiresAt.getTime()) {
    return { chargeable: false, freeReason: 'open_conversation', category: open.category, rateCategory: null };
  }
  // A new conversation: user-initiated when it answers the customer inside their window, else business-initiated.
  const category = period === 'outside' ? 'business_initiated' : 'user_initiated';
  if (conversation.conversationsOpenedThisMonth < ruleSet.freeConversationsPerMonth) {
    return { chargeable: false, freeReason: 'free_tier', category, rateCategory: null };
  }
  return { chargeable: true, freeReason: null, category, rateCategory: category };
}
