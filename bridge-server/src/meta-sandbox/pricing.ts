import type { Customer, Pricing, TemplateCategory } from './state.js';

const hourMs = 60 * 60 * 1000;
/** The customer service window: 24 h from the customer's latest message (Meta's definition). */
export const customerServiceWindowMs = 24 * hourMs;
/** A click-to-WhatsApp ad inbound must be answered within 24 h to open a free entry point period. */
export const freeEntryPointReplyWindowMs = 24 * hourMs;
/** A free entry point period lasts 72 h from the business's first reply. */
export const freeEntryPointDurationMs = 72 * hourMs;

export function windowExpiresAtMs(customer: Customer): number | undefined {
  return customer.lastInboundAtMs === undefined ? undefined : customer.lastInboundAtMs + customerServiceWindowMs;
}

export function isWindowOpen(customer: Customer, nowMs: number): boolean {
  const expiresAtMs = windowExpiresAtMs(customer);
  return expiresAtMs !== undefined && nowMs < expiresAtMs;
}

export function isFreeEntryPointActive(customer: Customer, nowMs: number): boolean {
  return customer.freeEntryPointExpiresAtMs !== undefined && nowMs < customer.freeEntryPointExpiresAtMs;
}

/**
 * Called for a send that will be delivered: the first business reply within 24 h of a referral inbound opens
 * a 72 h free entry point period. A referral opens one period at most; a later referral inbound may open another.
 */
export function openFreeEntryPointIfDue(customer: Customer, nowMs: number): void {
  const referralAtMs = customer.referralInboundAtMs;
  if (referralAtMs === undefined || customer.freeEntryPointReferralAtMs === referralAtMs) return;
  if (nowMs >= referralAtMs + freeEntryPointReplyWindowMs) return;
  customer.freeEntryPointReferralAtMs = referralAtMs;
  customer.freeEntryPointExpiresAtMs = nowMs + freeEntryPointDurationMs;
}

/**
 * Meta's per-message pricing (PMP, since 1 July 2025) as the `pricing` object of a status:
 * - inside a free entry point period everything is free (`free_entry_point`);
 * - free-form messages (only possible inside the window) and utility templates inside the window are free
 *   (`free_customer_service`);
 * - every other template is charged (`regular`), marketing and authentication even inside the window.
 * The category is the template's (lower case) or `service` for free-form. Meta may instead report free entry
 * point messages with category `referral_conversion`; the sandbox keeps the message's own category so tests can
 * tell messages apart, and receivers should accept both.
 */
export function priceMessage(customer: Customer, nowMs: number, templateCategory: TemplateCategory | undefined): Pricing {
  const category = templateCategory?.toLowerCase() ?? 'service';
  if (isFreeEntryPointActive(customer, nowMs)) {
    return { billable: false, pricing_model: 'PMP', type: 'free_entry_point', category };
  }
  const freeInWindow = templateCategory === undefined || templateCategory === 'UTILITY';
  if (freeInWindow && isWindowOpen(customer, nowMs)) {
    return { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category };
  }
  return { billable: true, pricing_model: 'PMP', type: 'regular', category };
}
