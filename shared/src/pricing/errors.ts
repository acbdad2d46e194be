/**
 * Why a message cannot be priced. Stable codes: the bridge maps them to problems in one place.
 * - `invalid_recipient`: the number has no country calling code libphonenumber-js recognises.
 * - `template_category_required` / `unknown_template_category`: a template without MARKETING, UTILITY or
 *   AUTHENTICATION (Meta's three template categories).
 * - `free_form_outside_window`: free-form messages can only be sent inside the customer service window, so
 *   they have no price outside it (Meta refuses them with 131047).
 * - `conversation_state_required`: the conversation-based rule set needs the open conversation and the
 *   month's conversation count.
 * - `no_rule_set` / `no_rate_card` / `no_market_mapping`: nothing of that kind is in force at the send
 *   (before the oldest data, or a rate card of the model the rule set needs is missing).
 * - `market_not_in_rate_card`: the card in force has no row for the recipient's market.
 */
export type PricingErrorCode =
  | 'invalid_recipient'
  | 'template_category_required'
  | 'unknown_template_category'
  | 'free_form_outside_window'
  | 'conversation_state_required'
  | 'no_rule_set'
  | 'no_rate_card'
  | 'no_market_mapping'
  | 'market_not_in_rate_card';

export class PricingError extends Error {
  readonly code: PricingErrorCode;

  constructor(code: PricingErrorCode, message: string) {
    super(message);
    this.name = 'PricingError';
    this.code = code;
  }
}
