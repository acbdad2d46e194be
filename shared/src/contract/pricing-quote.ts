import * as z from 'zod';
import { customerPhoneNumber } from './common.js';

/** `GET /v1/pricing/quote`: a template (`template` + `language`) or a free-form reply (`text=1`). */
export const pricingQuoteQuery = z
  .strictObject({
    to: customerPhoneNumber,
    template: z.string().min(1).max(512).optional(),
    language: z.string().min(2).max(16).optional(),
    text: z.enum(['1']).optional().meta({ description: 'Quote a free-form reply (text or media) instead of a template.' }),
  })
  .superRefine((query, context) => {
    const asTemplate = query.template !== undefined && query.language !== undefined;
    const asText = query.text !== undefined;
    if (asTemplate === asText || (query.template === undefined) !== (query.language === undefined)) {
      context.addIssue({
        code: 'custom',
        path: [],
        message: 'give either template and language, or text=1',
        params: { problem: 'one_content_required' },
      });
    }
  });

export const pricingCategory = z.string().meta({
  description: 'How Meta categorises the message for billing: marketing, utility, authentication, service…',
});

export const pricingQuote = z
  .object({
    category: pricingCategory,
    market: z.string().meta({ description: 'The recipient’s market under the mapping in force.' }),
    points: z.number().int().min(0).meta({ description: 'Points the message costs: 0 when free.' }),
    free_reason: z
      .enum(['customer_service_window', 'free_entry_point', 'free_tier', 'open_conversation'])
      .nullable()
      .meta({ description: 'Why the message is free; null when it is charged.' }),
    rate_card: z.string().meta({ description: 'Id of the rate card in force.' }),
    rule_set: z.string().meta({ description: 'Id of the pricing rule set in force.' }),
    rate_micro_usd: z.number().int().min(0).meta({ description: 'Meta’s charge the points cover, in micro-USD; 0 when free.' }),
  })
  .meta({ id: 'PricingQuote' });

export type PricingQuoteQuery = z.infer<typeof pricingQuoteQuery>;
export type PricingQuoteResponse = z.infer<typeof pricingQuote>;
