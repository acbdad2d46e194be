import * as z from 'zod';
import { defaultPricingTimeZone, isIsoDate, isKnownTimeZone } from '../pricing/effective-dates.js';
import { ruleSets } from '../pricing/rules.js';
import { accountId, timestamp } from './common.js';

// The quote's schemas live in a module of their own so that the panel's bundle does not carry the rate-card tables
// this module's rule-set checks import (shared/src/contract/routes/panel.ts).
export * from './pricing-quote.js';

/** Rate card ids: lower case, digits, `.`, `_` and `-`, as the seed cards are named (`pmp-2025-07-01`). */
export const rateCardId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'must be 1–64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
  )
  .meta({ description: 'Rate card ID, chosen by the operator at import.', example: 'pmp-2027-01-01' });

const calendarDate = z
  .string()
  .refine(isIsoDate, 'must be a calendar date written YYYY-MM-DD')
  .meta({ description: 'A calendar date, `YYYY-MM-DD`.', example: '2027-01-01', override: { type: 'string', format: 'date' } });

const micro = z.number().int().min(0);

/** `POST /v1/pricing/rate-cards`: what the CSV does not say about itself. */
export const importRateCardQuery = z.strictObject({
  id: rateCardId,
  effective_from: calendarDate.meta({
    description:
      'The day the card takes effect, at midnight in each account’s pricing time zone. It must not have started anywhere yet: ' +
      'prices of messages already sent never move.',
  }),
  source: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(500)
    .meta({ description: 'Where the figures come from.', example: 'Meta rate card CSV (USD), downloaded 2026-12-02' }),
});

export const rateCardPath = z.strictObject({ rate_card_id: rateCardId });

export const rateCardSummary = z
  .object({
    id: rateCardId,
    model: z.enum(['per_message', 'conversation']),
    currency: z.string().meta({ description: 'ISO 4217 code of the rates; the bridge prices with USD cards.' }),
    effective_from: calendarDate,
    source: z.string(),
    origin: z.enum(['seed', 'imported']).meta({ description: 'Shipped with the bridge, or imported by an operator.' }),
    imported_at: timestamp.nullable().meta({ description: 'When it was imported; null for a seed card.' }),
    in_force: z.boolean().meta({
      description:
        'The card of its model that governs a send now (in UTC; an account in another time zone switches at its own midnight).',
    }),
    markets: z.number().int().min(1).meta({ description: 'How many markets the card prices.' }),
  })
  .meta({ id: 'RateCardSummary' });

export const rateCardList = z.object({ data: z.array(rateCardSummary) }).meta({ id: 'RateCardList' });

const perMessageMarketRates = z.object({
  market: z.string(),
  marketing_micro_usd: micro,
  utility_micro_usd: micro,
  authentication_micro_usd: micro,
  authentication_international_micro_usd: micro
    .nullable()
    .meta({ description: 'Null where the market has no separate authentication-international rate (`n/a`).' }),
  service_micro_usd: micro,
});

const conversationMarketRates = z.object({
  market: z.string(),
  business_initiated_micro_usd: micro,
  user_initiated_micro_usd: micro,
});

export const rateCardDetail = z
  .discriminatedUnion('model', [
    rateCardSummary.extend({ model: z.literal('per_message'), rates: z.array(perMessageMarketRates) }),
    rateCardSummary.extend({ model: z.literal('conversation'), rates: z.array(conversationMarketRates) }),
  ])
  .meta({ id: 'RateCard', description: 'A rate card with its rates per market, in millionths of its currency.' });

export const ruleSetSummary = z
  .object({
    id: z.string(),
    model: z.enum(['per_message', 'conversation']),
    effective_from: calendarDate,
    status: z.enum(['published', 'reported']).meta({
      description: 'published: Meta’s, applies to every account. reported: described by providers, applies only where enabled.',
    }),
    source: z.string(),
  })
  .meta({ id: 'RuleSetSummary' });

export const ruleSetList = z.object({ data: z.array(ruleSetSummary) }).meta({ id: 'RuleSetList' });

const reportedRuleSetIds = new Set(ruleSets.filter((ruleSet) => ruleSet.status === 'reported').map((ruleSet) => ruleSet.id));

export const accountPricingRulesRequest = z
  .strictObject({
    enabled_rule_sets: z
      .array(z.string().max(64))
      .max(ruleSets.length)
      .superRefine((ids, context) => {
        ids.forEach((id, index) => {
          const known = ruleSets.find((ruleSet) => ruleSet.id === id);
          const problem =
            known === undefined
              ? { code: 'unknown_rule_set', message: `no rule set "${id}"; see GET /v1/pricing/rule-sets` }
              : !reportedRuleSetIds.has(id)
                ? { code: 'rule_set_published', message: `rule set "${id}" is published: it applies to every account already` }
                : ids.indexOf(id) !== index
                  ? { code: 'duplicate_rule_set', message: `rule set "${id}" is listed twice` }
                  : null;
          if (problem !== null) {
            context.addIssue({ code: 'custom', path: [index], message: problem.message, params: { problem: problem.code } });
          }
        });
      })
      .meta({
        description: 'The reported rule sets this account is priced with from their effective dates (replaces the list).',
      }),
    time_zone: z
      .string()
      .max(64)
      .refine(isKnownTimeZone, 'must be an IANA time zone name such as Asia/Tokyo')
      .default(defaultPricingTimeZone)
      .meta({
        description:
          'The WABA’s time zone (IANA name): rate cards and rule sets take effect at midnight there, as Meta applies them. Default UTC.',
        example: 'Asia/Tokyo',
      }),
  })
  .meta({ id: 'AccountPricingRulesRequest' });

export const accountPricingRules = z
  .object({
    account_id: accountId,
    enabled_rule_sets: z.array(z.string()),
    time_zone: z.string(),
    updated_at: timestamp.nullable().meta({ description: 'Null while the account has the defaults (none enabled, UTC).' }),
  })
  .meta({ id: 'AccountPricingRules' });

export type ImportRateCardQuery = z.infer<typeof importRateCardQuery>;
export type RateCardSummary = z.infer<typeof rateCardSummary>;
export type RateCardDetail = z.infer<typeof rateCardDetail>;
export type RuleSetSummary = z.infer<typeof ruleSetSummary>;
export type AccountPricingRulesRequest = z.infer<typeof accountPricingRulesRequest>;
export type AccountPricingRules = z.infer<typeof accountPricingRules>;
