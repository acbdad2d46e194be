/**
 * The source of the app's `requirements.json`, which the build generates (zendesk-app/scripts/app-files.ts): what
 * Zendesk creates in the account when an admin installs the app (https://developer.zendesk.com/documentation/apps/
 * app-developer-guide/apps_requirements/): the webhook the bridge receives automations on, example triggers, and
 * macros that set the tags the triggers act on.
 *
 * - The webhook: `POST https://{bridge}/v1/automations/zendesk`, JSON, subscribed to `conditional_ticket_events`
 *   (the subscription a webhook needs to be a trigger's or automation's action, per the Webhooks API reference).
 * - Triggers name it in a `notification_webhook` action by its requirement key; Zendesk puts the created webhook's id
 *   in its place on install. The action's body is our delivery (shared/src/contract/routes/automations.ts) written
 *   with placeholders: `{{ticket.url}}` names the account (the bridge finds the installation by it),
 *   `{{ticket.updated_at_with_timestamp}}` names the update (the delivery's idempotency key), `automation` is the
 *   trigger's own key.
 * - Macros cannot call a webhook: a macro adds a tag `wa_send_<template>`, a trigger on that tag sends and removes
 *   it in the same update, so the next use of the macro sends again and no other update of the ticket does.
 *
 * Authentication, decided from Zendesk's documentation: a `signing_secret` given here would be the same for every
 * account that installs the app (one package), and such a secret "can't be viewed or reset by account admins"; one
 * tenant could then sign deliveries for another. None is given, so Zendesk generates the webhook's own signing
 * secret in each account; the admin reveals it (Admin Center → Apps and integrations → Webhooks → wabridge
 * automations → Reveal secret) and the bridge operator stores it with the installation
 * (`PUT /v1/installations/{id}/helpdesk-connection`), sealed. The bridge checks every delivery's signature with the
 * secret of the installation the delivery's `ticket_url` names. Bearer-token authentication was the alternative; it
 * has the same problem here (its token would be in the package), and a signature also covers the body and its age.
 */
import { bridgeDomains } from './manifest.js';

/** The example templates: a satisfaction survey when a ticket is solved, and an order update sent from a macro. */
export const exampleTemplates = {
  satisfaction: { name: 'satisfaction_survey', language: 'en', parameters: { 'body.1': '{{ticket.requester.first_name}}' } },
  orderUpdate: {
    name: 'order_update',
    language: 'en',
    parameters: { 'body.1': '{{ticket.requester.first_name}}', 'body.2': '{{ticket.id}}' },
  },
} as const;

export const webhookKey = 'wabridge_automations';
export const sendTagPrefix = 'wa_send_';

/** The delivery a trigger posts, with placeholders; `automation` is the trigger's key. */
export function deliveryBody(
  automation: string,
  template: { name: string; language: string; parameters: Record<string, string> },
) {
  return JSON.stringify({
    ticket_url: '{{ticket.url}}',
    ticket_id: '{{ticket.id}}',
    ticket_updated_at: '{{ticket.updated_at_with_timestamp}}',
    automation,
    phone: '{{ticket.requester.phone}}',
    template: template.name,
    language: template.language,
    parameters: template.parameters,
  });
}

/** A trigger sending `template` when a macro (or an agent, or another trigger) adds the tag `wa_send_<template>`. */
function tagTrigger(template: { name: string; language: string; parameters: Record<string, string> }) {
  const tag = `${sendTagPrefix}${template.name}`;
  return {
    title: `WhatsApp: send ${template.name} (tag ${tag})`,
    active: true,
    conditions: { all: [{ field: 'current_tags', operator: 'includes', value: tag }], any: [] },
    actions: [
      { field: 'notification_webhook', value: [webhookKey, deliveryBody(tag, template)] },
      { field: 'remove_tags', value: tag },
    ],
  };
}

export function buildRequirements(environment: NodeJS.ProcessEnv = process.env) {
  const [domain] = bridgeDomains(environment);
  return {
    webhooks: {
      [webhookKey]: {
        name: 'wabridge automations',
        description: 'WhatsApp sends asked for by triggers and automations (wabridge bridge).',
        endpoint: `https://${domain}/v1/automations/zendesk`,
        http_method: 'POST',
        request_format: 'json',
        status: 'active',
        subscriptions: ['conditional_ticket_events'],
      },
    },
    triggers: {
      wa_solved_satisfaction: {
        title: 'WhatsApp: satisfaction survey when a ticket is solved',
        active: true,
        conditions: {
          // `value` is "changed to" in the Triggers API's condition operators.
          all: [{ field: 'status', operator: 'value', value: 'solved' }],
          any: [],
        },
        actions: [
          {
            field: 'notification_webhook',
            value: [webhookKey, deliveryBody('wa_solved_satisfaction', exampleTemplates.satisfaction)],
          },
        ],
      },
      [`${sendTagPrefix}${exampleTemplates.orderUpdate.name}`]: tagTrigger(exampleTemplates.orderUpdate),
      [`${sendTagPrefix}${exampleTemplates.satisfaction.name}`]: tagTrigger(exampleTemplates.satisfaction),
    },
    macros: {
      wa_macro_order_update: {
        title: 'WhatsApp::Send order update',
        active: true,
        actions: [{ field: 'current_tags', value: `${sendTagPrefix}${exampleTemplates.orderUpdate.name}` }],
      },
      wa_macro_satisfaction: {
        title: 'WhatsApp::Send satisfaction survey',
        active: true,
        actions: [{ field: 'current_tags', value: `${sendTagPrefix}${exampleTemplates.satisfaction.name}` }],
      },
    },
  };
}
