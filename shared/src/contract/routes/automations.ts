import * as z from 'zod';
import { installationId, timestamp } from '../common.js';
import { defineRoute, defineRoutes } from '../route.js';

/**
 * Helpdesk automations (issue #13): Zendesk triggers and automations, Zoho Desk workflow rules. Their deliveries are
 * accepted (202) once validated and recorded, then sent through the same pipeline as an agent's message by a job;
 * the outcome is written on the ticket as an internal note (bridge-server/src/automations/README.md).
 */

const automationName = z
  .string()
  .regex(/^[a-z0-9_]{1,64}$/, 'must name the trigger, automation or rule (lowercase letters, digits, _)');
const templateName = z.string().regex(/^[a-z0-9_]{1,512}$/, 'must be an approved template name (lowercase, digits, _)');
/** Placeholders render as strings and an unset one renders empty: an empty value is refused by name. */
const parameters = z
  .record(z.string().max(100), z.string().min(1, 'is empty (is the ticket field set?)').max(4096))
  .default({})
  .meta({ description: 'Template values keyed as the template lists them (`body.1`, `body.order_id`…).' });

/** The content of an automated send: a template (the usual case) or a free text (only inside the window). */
function oneContent<T extends { template?: string | undefined; text?: string | undefined; language?: string | undefined }>(
  value: T,
  context: z.RefinementCtx,
): void {
  if ((value.template === undefined) === (value.text === undefined)) {
    context.addIssue({ code: 'custom', path: [], message: 'give exactly one of template or text' });
  } else if (value.template !== undefined && value.language === undefined) {
    context.addIssue({ code: 'custom', path: ['language'], message: 'a template needs its language' });
  }
}

/**
 * The JSON body our Zendesk triggers and automations send (their `notification_webhook` action, see
 * zendesk-app/definition/requirements.ts), filled by placeholders: `{{ticket.url}}` names the Zendesk account,
 * `{{ticket.id}}`, `{{ticket.updated_at_with_timestamp}}` (which update fired it), `{{ticket.requester.phone}}`,
 * `{{ticket.ticket_field_<id>}}` for parameters. `automation` is a literal each trigger writes (Zendesk has no
 * placeholder for the trigger's own id).
 */
export const zendeskAutomationDelivery = z
  .strictObject({
    ticket_url: z
      .string()
      .regex(/^(https:\/\/)?[a-z0-9-]+\.zendesk\.com\/agent\/tickets\/\d+$/, 'must be {{ticket.url}}')
      .meta({ example: 'acme.zendesk.com/agent/tickets/123' }),
    ticket_id: z.string().regex(/^\d{1,20}$/, 'must be the ticket number ({{ticket.id}})'),
    ticket_updated_at: z.string().min(1, 'must be {{ticket.updated_at_with_timestamp}}').max(64),
    automation: automationName,
    phone: z.string().max(32).meta({ description: '{{ticket.requester.phone}}; empty when the requester has none.' }),
    template: templateName.optional(),
    language: z.string().min(2).max(16).optional(),
    parameters,
    text: z.string().min(1).max(4096).optional().meta({ description: 'A free text instead of a template.' }),
  })
  .superRefine(oneContent)
  .meta({ id: 'ZendeskAutomationDelivery' });
export type ZendeskAutomationDelivery = z.infer<typeof zendeskAutomationDelivery>;

/**
 * What a Zoho Desk workflow rule's custom function posts (the Deluge sample in bridge-server/src/automations/
 * zoho-workflow.deluge), with the installation's token. `ticket_modified_at` (the ticket's modifiedTime) names the
 * update that fired the rule, so a rule run twice for one update sends once.
 */
export const zohoAutomationDelivery = z
  .strictObject({
    ticket_id: z.string().regex(/^\d{1,30}$/, 'must be the ticket id'),
    ticket_modified_at: z.string().min(1).max(64),
    automation: automationName,
    phone: z.string().max(32),
    template: templateName.optional(),
    language: z.string().min(2).max(16).optional(),
    parameters,
    text: z.string().min(1).max(4096).optional(),
  })
  .superRefine(oneContent)
  .meta({ id: 'ZohoAutomationDelivery' });
export type ZohoAutomationDelivery = z.infer<typeof zohoAutomationDelivery>;

export const automationRun = z
  .object({
    id: z.string().regex(/^aut_[0-9a-z]{24}$/),
    state: z.enum(['queued', 'sent', 'refused']).meta({
      description: 'queued: accepted, the send is on its way; sent: a message was recorded; refused: why is in `refusal`.',
    }),
    automation: z.string(),
    ticket_id: z.string(),
    message_id: z.string().nullable(),
    refusal: z.object({ code: z.string(), detail: z.string() }).nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'AutomationRun' });

const locale = z.enum(['en', 'ja']).meta({ description: 'The helpdesk’s language: notes on tickets are written in it.' });

export const helpdeskConnectionRequest = z
  .strictObject({
    api_url: z.url({ protocol: /^https?$/ }).meta({
      description:
        'Zendesk: https://{subdomain}.zendesk.com. Zoho Desk: the api_domain of its OAuth answer (https://desk.zoho.jp…).',
    }),
    locale,
    zendesk: z
      .strictObject({
        email: z.email(),
        api_token: z.string().min(1).max(200),
        webhook_secret: z.string().min(8).max(200).meta({
          description: 'The signing secret of the wabridge webhook (Admin Center → Webhooks → wabridge → Reveal secret).',
        }),
      })
      .optional(),
    zoho: z
      .strictObject({
        accounts_url: z.url({ protocol: /^https?$/ }).meta({ example: 'https://accounts.zoho.jp' }),
        client_id: z.string().min(1).max(200),
        client_secret: z.string().min(1).max(200),
        refresh_token: z.string().min(1).max(500),
      })
      .optional(),
  })
  .superRefine((value, context) => {
    if ((value.zendesk === undefined) === (value.zoho === undefined)) {
      context.addIssue({ code: 'custom', path: [], message: 'give exactly one of zendesk or zoho' });
    }
  })
  .meta({ id: 'HelpdeskConnectionRequest' });

export const helpdeskConnection = z
  .object({
    installation_id: installationId,
    helpdesk: z.enum(['zendesk', 'zoho']),
    api_url: z.string(),
    locale,
    webhook_secret_set: z.boolean(),
    updated_at: timestamp,
  })
  .meta({ id: 'HelpdeskConnection', description: 'Credentials and secrets are sealed at rest and never returned.' });

export const automationSettings = z
  .strictObject({
    window_reminder_minutes: z
      .int()
      .min(5)
      .max(1380)
      .nullable()
      .meta({
        description:
          'Minutes before a customer’s 24-hour window closes to write a reminder on their open ticket, when the customer ' +
          'wrote last; null turns reminders off.',
      }),
  })
  .meta({ id: 'AutomationSettings' });

export const windowReminder = z
  .object({
    phone: z.string(),
    ticket: z.object({ helpdesk: z.enum(['zendesk', 'zoho']), id: z.string() }),
    closes_at: timestamp,
    reminded_at: timestamp,
  })
  .meta({ id: 'WindowReminder' });

export const automationsRoutes = defineRoutes({
  receiveZendeskAutomation: defineRoute({
    method: 'post',
    path: '/v1/automations/zendesk',
    operationId: 'receiveZendeskAutomation',
    summary:
      'A Zendesk trigger or automation asks for a send: signed by Zendesk (X-Zendesk-Webhook-Signature over timestamp + ' +
      'body, at most 5 minutes old) with the installation’s webhook secret; accepted once per delivery.',
    tag: 'Automations',
    auth: 'none',
    rawBody: { contentTypes: ['application/json'], description: 'A ZendeskAutomationDelivery, as the trigger wrote it.' },
    successStatus: 202,
    response: automationRun,
    problems: ['invalid_json', 'validation_failed', 'invalid_automation_signature', 'payload_too_large'],
  }),
  receiveZohoAutomation: defineRoute({
    method: 'post',
    path: '/v1/automations/zoho',
    operationId: 'receiveZohoAutomation',
    summary:
      'A Zoho Desk workflow rule’s custom function asks for a send, with the installation’s token; accepted once per delivery.',
    tag: 'Automations',
    auth: 'installation',
    body: zohoAutomationDelivery,
    successStatus: 202,
    response: automationRun,
    problems: ['validation_failed', 'installation_required'],
  }),
  putHelpdeskConnection: defineRoute({
    method: 'put',
    path: '/v1/installations/{installation_id}/helpdesk-connection',
    operationId: 'putHelpdeskConnection',
    summary: 'How the bridge writes notes on the installation’s tickets (API credentials) and checks its Zendesk webhook.',
    tag: 'Automations',
    auth: 'admin',
    params: z.strictObject({ installation_id: installationId }),
    body: helpdeskConnectionRequest,
    successStatus: 200,
    response: helpdeskConnection,
    problems: ['validation_failed', 'not_found'],
  }),
  getAutomationSettings: defineRoute({
    method: 'get',
    path: '/v1/automation-settings',
    operationId: 'getAutomationSettings',
    summary: 'The account’s automation settings (window reminders).',
    tag: 'Automations',
    auth: 'installation',
    successStatus: 200,
    response: automationSettings,
    problems: ['installation_required'],
  }),
  putAutomationSettings: defineRoute({
    method: 'put',
    path: '/v1/automation-settings',
    operationId: 'putAutomationSettings',
    summary: 'Sets the account’s automation settings.',
    tag: 'Automations',
    auth: 'installation',
    body: automationSettings,
    successStatus: 200,
    response: automationSettings,
    problems: ['validation_failed', 'installation_required'],
  }),
  getWindowReminder: defineRoute({
    method: 'get',
    path: '/v1/contacts/{phone}/window-reminder',
    operationId: 'getWindowReminder',
    summary: 'The reminder written for the customer’s current window, if any (the panel shows it).',
    tag: 'Automations',
    auth: 'installation',
    params: z.strictObject({ phone: z.string().min(1).max(32) }),
    invalidParams: 'validation_failed',
    successStatus: 200,
    response: z.object({ reminder: windowReminder.nullable() }),
    problems: ['validation_failed', 'installation_required'],
  }),
});

export type HelpdeskConnection = z.infer<typeof helpdeskConnection>;
export type AutomationRun = z.infer<typeof automationRun>;
