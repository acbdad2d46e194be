/** What the wallet tests send and record, written once. */

/** A customer's opt-in to the utility topic, as a website form records it a minute ago: paid templates need it. */
export const utilityConsent = () => ({
  topic: 'utility',
  state: 'opted_in',
  source: 'website_form',
  evidence: 'I agree to receive utility messages from Sakura Shoes on WhatsApp.',
  occurred_at: new Date(Date.now() - 60_000).toISOString(),
});

/** The seeded utility template the wallet tests pay for, with its values. */
export const orderConfirmationTemplate = {
  name: 'order_confirmation',
  language: 'ja',
  parameters: { 'body.1': '山田', 'body.2': 'ORD-1', 'body.3': '12月1日' },
};
