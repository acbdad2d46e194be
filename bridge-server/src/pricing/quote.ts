import {
  type AccountPricingSettings,
  type PricingConfig,
  PricingError,
  type PricingQuote,
  quote,
  windowState,
} from '@wabridge/shared';
import type { Kysely, Transaction } from 'kysely';
import { activityOf, type ContactRow, findContactByPhone } from '../contacts/store.js';
import { DomainError } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';
import { pricingConfigOf } from './config.js';

/** What is being priced: a template (by its current category) or a free-form reply (text or media). */
export type PricedContent = { kind: 'template'; category: string | null } | { kind: 'free_form' };

/**
 * Prices one message to `to` at `at` (the bridge's clock: now), with the customer's window as the bridge knows it, the account's pricing
 * configuration (config.ts) and its point value. The same function quotes (`GET /v1/pricing/quote`) and prices
 * the hold at the send, so they agree.
 * Meta's own `pricing` on the status webhooks stays authoritative for whether the message was billed.
 */
export async function quoteMessage(
  db: Kysely<Schema> | Transaction<Schema>,
  input: {
    deploymentId: string;
    to: string;
    content: PricedContent;
    settings: AccountPricingSettings;
    at: Date;
    /** The customer's contact when the caller has read it already (the quote endpoint reads it with other panels'). */
    contact?: ContactRow | undefined;
    /** The deployment's pricing configuration when the caller has read it already (likewise). */
    config?: PricingConfig;
  },
): Promise<PricingQuote> {
  const { at } = input;
  const contact =
    'contact' in input ? input.contact : await findContactByPhone(db as Kysely<Schema>, input.deploymentId, input.to);
  const window = windowState(activityOf(contact), at);
  const config = input.config ?? (await pricingConfigOf(db, { deploymentId: input.deploymentId }));
  return priceOrProblem(() =>
    quote({
      at,
      recipientE164: input.to,
      messageKind: input.content.kind,
      templateCategory: input.content.kind === 'template' ? input.content.category : undefined,
      window,
      config,
      pointValueMicroUsd: input.settings.pointValueMicroUsd,
    }),
  );
}

/**
 * The price of a message Meta billed under `category` (outside any free window), for a recategorised capture.
 * `pricedWith` is the rate card and rule set the hold recorded: the capture keeps them, so a card imported or a
 * rule set enabled after the send cannot move the message's price.
 */
export async function priceAtCategory(
  db: Kysely<Schema> | Transaction<Schema>,
  input: {
    accountId: string;
    to: string;
    category: string;
    at: Date;
    settings: AccountPricingSettings;
    pricedWith: { rateCardId: string; ruleSetId: string };
  },
): Promise<PricingQuote | undefined> {
  const config = pinned(await pricingConfigOf(db, { accountId: input.accountId }), input.pricedWith);
  try {
    return quote({
      at: input.at,
      recipientE164: input.to,
      messageKind: 'template',
      templateCategory: input.category,
      window: { state: 'closed', kind: null },
      config,
      pointValueMicroUsd: input.settings.pointValueMicroUsd,
    });
  } catch (error) {
    if (error instanceof PricingError) return undefined;
    throw error;
  }
}

/** The configuration narrowed to one rate card and rule set, when both are still known (cards are never removed). */
function pinned(config: PricingConfig, pricedWith: { rateCardId: string; ruleSetId: string }): PricingConfig {
  const rateCards = config.rateCards.filter((card) => card.id === pricedWith.rateCardId);
  const ruleSets = config.ruleSets.filter((ruleSet) => ruleSet.id === pricedWith.ruleSetId);
  if (rateCards.length === 0 || ruleSets.length === 0) return config;
  return { ...config, rateCards, ruleSets, enabled: [...config.enabled, pricedWith.ruleSetId] };
}

function priceOrProblem(price: () => PricingQuote): PricingQuote {
  try {
    return price();
  } catch (error) {
    if (!(error instanceof PricingError)) throw error;
    if (error.code === 'free_form_outside_window') {
      throw new DomainError(
        'window_closed',
        'The customer has not written in the last 24 hours: send an approved template instead.',
      );
    }
    throw new DomainError('not_priceable', error.message, { pricing_code: error.code });
  }
}
