import * as z from 'zod';
import { contactPath, contactStatus } from '../contacts.js';
import { idempotencyKeyHeader, message, messageList, messagesQuery, sendMessageRequest } from '../messages.js';
import { consentRecord, optinAccountQuery, optinSettings, recordConsentRequest } from '../optin.js';
import { pricingQuote, pricingQuoteQuery } from '../pricing-quote.js';
import { defineRoute } from '../route.js';
import { templateList, templatesQuery } from '../templates.js';
import { walletOverview } from '../wallet.js';

/*
 * The routes the agent's sidebar panel calls that are defined here rather than in a feature file of their own (the
 * live stream, the installation's context, upload tokens and the conversation have theirs). They live apart from the
 * contract's route table (../routes.ts, which takes each of them by name, in its place) so that the panel's client
 * (shared/src/panel/routes.ts) imports only what it calls: the whole table carries every admin route's schemas and,
 * through them, the rate-card tables, about 15 KiB gzipped of each helpdesk app's bundle (test/BENCHMARKS.md). A plain
 * object, not `defineRoutes`: that one's contextual type widens a route's absent body or query to "any schema", and the
 * client's types would then take a body `getWallet` does not (shared/test/client.test.ts).
 */
export const panelRoutes = {
  contactStatus: defineRoute({
    method: 'get',
    path: '/v1/contacts/{phone}/status',
    operationId: 'getContactStatus',
    summary: 'The customer’s WhatsApp window on the installation’s deployment: open or closed, until when, free entry point.',
    tag: 'Contacts',
    auth: 'installation',
    params: contactPath,
    invalidParams: 'validation_failed',
    successStatus: 200,
    response: contactStatus,
    problems: ['validation_failed', 'installation_required'],
  }),
  getOptinSettings: defineRoute({
    method: 'get',
    path: '/v1/optin-topics',
    operationId: 'getOptinSettings',
    summary: 'The account’s opt-in topics, template-to-topic rules, keywords and business names.',
    tag: 'Opt-in',
    auth: 'admin_or_installation',
    query: optinAccountQuery,
    successStatus: 200,
    response: optinSettings,
    problems: ['validation_failed', 'unknown_account'],
  }),
  recordConsent: defineRoute({
    method: 'post',
    path: '/v1/contacts/{phone}/consents',
    operationId: 'recordConsent',
    summary: 'Append a consent record: an opt-in (whose wording names the business) or an opt-out, for one topic.',
    tag: 'Opt-in',
    auth: 'installation',
    params: contactPath,
    invalidParams: 'validation_failed',
    body: recordConsentRequest,
    successStatus: 201,
    response: consentRecord,
    problems: ['validation_failed', 'invalid_consent', 'installation_required'],
  }),
  listTemplates: defineRoute({
    method: 'get',
    path: '/v1/templates',
    operationId: 'listTemplates',
    summary:
      'The deployment’s templates an agent may use: approved only unless `status` asks for others; with the values each needs.',
    tag: 'Templates',
    auth: 'admin_or_installation',
    query: templatesQuery,
    successStatus: 200,
    response: templateList,
    problems: ['validation_failed', 'not_found'],
  }),
  sendMessage: defineRoute({
    method: 'post',
    path: '/v1/messages',
    operationId: 'sendMessage',
    summary:
      'Send a free-form reply (text or media) or a template, once and only once per Idempotency-Key. Checked before anything reaches Meta; recorded before Meta is called.',
    tag: 'Messages',
    auth: 'installation',
    headers: z.object({ 'idempotency-key': idempotencyKeyHeader }),
    body: sendMessageRequest,
    successStatus: 202,
    response: message,
    problems: [
      'idempotency_key_reused',
      'idempotency_key_in_flight',
      'validation_failed',
      'number_cannot_send',
      'window_closed',
      'template_not_found',
      'template_not_approved',
      'invalid_template_parameters',
      'not_found',
      'media_type_not_allowed',
      'media_too_large',
      'media_content_mismatch',
      'media_url_refused',
      'media_url_failed',
      'media_upload_expired',
      'meta_rejected',
      'meta_unavailable',
      'insufficient_points',
      'not_priceable',
      'installation_required',
    ],
  }),
  listMessages: defineRoute({
    method: 'get',
    path: '/v1/messages',
    operationId: 'listMessages',
    summary: 'What was sent from a ticket, newest last.',
    tag: 'Messages',
    auth: 'installation',
    query: messagesQuery,
    successStatus: 200,
    response: messageList,
    problems: ['validation_failed', 'installation_required'],
  }),
  pricingQuote: defineRoute({
    method: 'get',
    path: '/v1/pricing/quote',
    operationId: 'getPricingQuote',
    summary: 'What a message to this customer would cost in points now, and why (category, market, free reason, rate card).',
    tag: 'Points',
    auth: 'installation',
    query: pricingQuoteQuery,
    successStatus: 200,
    response: pricingQuote,
    problems: [
      'validation_failed',
      'template_not_found',
      'window_closed',
      'not_priceable',
      'pricing_not_configured',
      'installation_required',
    ],
  }),
  getWallet: defineRoute({
    method: 'get',
    path: '/v1/wallet',
    operationId: 'getWallet',
    summary:
      'The installation’s account’s points: balance, reserved for messages in flight, available; whether it is low, and any unresolved payment problem.',
    tag: 'Points',
    auth: 'installation',
    successStatus: 200,
    response: walletOverview,
    problems: ['installation_required'],
  }),
};
