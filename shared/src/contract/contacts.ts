import * as z from 'zod';
import { customerPhoneNumber, timestamp } from './common.js';
import { healthIssueCodes } from './numbers.js';
import { topicConsent } from './optin.js';

export const contactPath = z.strictObject({
  phone: customerPhoneNumber.meta({ description: 'The customer’s number in E.164, URL-encoded (`%2B819012345678`).' }),
});

export const windowStatus = z
  .object({
    state: z.enum(['open', 'closed']).meta({
      description: 'Whether free-form messages may be sent now: open exactly while the 24-hour customer service window is.',
    }),
    kind: z
      .enum(['customer_service', 'free_entry_point'])
      .nullable()
      .meta({
        description:
          'How messages sent now are priced: `free_entry_point` while one is active (even when `state` is closed), ' +
          '`customer_service` while the window is open, null when messages are paid.',
      }),
    opened_at: timestamp.nullable().meta({ description: 'The customer message that opened the current window.' }),
    expires_at: timestamp.nullable().meta({ description: 'When the current window closes; null when closed.' }),
    free_until: timestamp.nullable().meta({ description: 'End of the active free entry point (72 h from the first reply).' }),
    free_entry_point_offer_expires_at: timestamp.nullable().meta({
      description:
        'A click-to-WhatsApp ad message awaits its first reply: reply before this instant to start a free entry point.',
    }),
  })
  .meta({ id: 'WindowStatus' });

/**
 * Whether the deployment's number can send at all, from the account webhooks Meta sent (restricted, disabled): the
 * panel says so instead of letting Meta refuse each send. Absent from bridges that predate it.
 */
export const numberSending = z
  .object({
    can_send: z.boolean(),
    cannot_send_reason: z.enum(healthIssueCodes).nullable().meta({ description: 'The blocking health issue, by code.' }),
    blocked_until: timestamp.nullable().optional().meta({
      description: 'When the restriction ends, as Meta announced it; null when it has no end given (a disabled account).',
    }),
  })
  .meta({ id: 'NumberSending' });

export const contactStatus = z
  .object({
    contact: z.object({
      phone: z.string().meta({ description: 'E.164.' }),
      wa_id: z.string().nullable(),
      user_id: z.string().nullable().meta({ description: 'Meta’s business-scoped user id, when Meta sent one.' }),
      name: z.string().nullable().meta({ description: 'The WhatsApp profile name.' }),
    }),
    window: windowStatus,
    last_inbound_at: timestamp.nullable().meta({ description: 'Meta’s timestamp of the customer’s latest message.' }),
    opt_in: z.record(z.string(), topicConsent).meta({ description: 'The customer’s consent per topic of the account.' }),
    number: numberSending.optional(),
    window_reminder: z
      .object({
        ticket: z.object({ helpdesk: z.enum(['zendesk', 'zoho']), id: z.string() }),
        closes_at: timestamp,
        reminded_at: timestamp,
      })
      .nullable()
      .optional()
      .meta({ description: 'The reminder written on a ticket for the current window (automation settings), if any.' }),
  })
  .meta({ id: 'ContactStatus', description: 'An unknown contact has a closed window, not an error.' });

export type ContactStatus = z.infer<typeof contactStatus>;
export type WindowStatus = z.infer<typeof windowStatus>;
export type NumberSending = z.infer<typeof numberSending>;
