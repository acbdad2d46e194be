import * as z from 'zod';
import { consentInputSchema, consentSources, consentStates } from '../optin/consent.js';
import { keywordConfigurationSchema } from '../optin/keywords.js';
import { templateRuleSchema, topicSchema } from '../optin/topics.js';
import { accountId, timestamp } from './common.js';

/** A confirmation reply is one WhatsApp text; 1,024 characters keeps it a short notice (Meta allows 4,096). */
export const confirmationTextLengthMax = 1024;

const confirmationText = z
  .string()
  .min(1)
  .max(confirmationTextLengthMax)
  .refine((text) => text.trim() !== '', { message: 'must not be blank' })
  .nullable();

/**
 * The reply sent when a customer's keyword message opts out (`opt_out`) or back in (`opt_in`); null sends
 * nothing. Only keyword changes are confirmed: the customer just wrote, so the customer service window is
 * open. WhatsApp's own Stop button and Meta's 131050 are not: the customer wrote nothing, and a reply to a
 * customer who asked WhatsApp to stop marketing is exactly the message they did not want (often outside the window).
 */
export const optinConfirmations = z
  .strictObject({
    opt_out: confirmationText.default(null),
    opt_in: confirmationText.default(null),
  })
  .meta({ id: 'OptinConfirmations' });

export type OptinConfirmations = z.output<typeof optinConfirmations>;

export const defaultOptinConfirmations: OptinConfirmations = { opt_out: null, opt_in: null };

export const optinSettingsRequest = z
  .strictObject({
    topics: z.array(topicSchema).default([]),
    template_rules: z.array(templateRuleSchema).default([]),
    keywords: keywordConfigurationSchema.optional(),
    business_names: z
      .array(z.string().trim().min(1).max(200))
      .max(20)
      .optional()
      .meta({ description: 'Names the customer knows the business by; an opt-in’s wording must contain one.' }),
    confirmations: optinConfirmations
      .optional()
      .meta({ description: 'Replies to keyword opt-outs and resumes; absent keeps the current ones.' }),
  })
  .meta({ id: 'OptinSettingsRequest' });

export const optinSettings = z
  .object({
    topics: z.array(z.looseObject({ id: z.string(), label: z.string().optional() })),
    template_rules: z.array(templateRuleSchema),
    keywords: z.looseObject({}),
    business_names: z
      .array(z.string())
      .meta({ description: 'Configured names plus the account’s and its numbers’ display names.' }),
    confirmations: z
      .object({ opt_out: z.string().nullable(), opt_in: z.string().nullable() })
      .meta({ description: 'Replies sent to keyword opt-outs and resumes; null sends nothing.' }),
  })
  .meta({ id: 'OptinSettings' });

export type OptinSettings = z.output<typeof optinSettings>;
/** One record of the consent trail as the API answers it (not the domain's `ConsentRecord`). */
export type ConsentAuditRecord = z.output<typeof consentRecord>;

export const recordConsentRequest = consentInputSchema.meta({ id: 'RecordConsentRequest' });

export const consentRecord = z
  .object({
    id: z.number().int().meta({ description: 'Position in the append-only log.' }),
    phone: z.string(),
    topic: z.string(),
    state: z.enum(consentStates),
    source: z.enum(consentSources),
    evidence: z.string(),
    recorded_by: z.string().nullable(),
    occurred_at: timestamp,
    recorded_at: timestamp,
    message_ref: z.string().nullable(),
  })
  .meta({ id: 'ConsentRecord' });

export const consentHistory = z.object({ data: z.array(consentRecord) }).meta({ id: 'ConsentHistory' });

export const topicConsent = z
  .object({
    state: z.enum(['opted_in', 'opted_out', 'unknown']),
    source: z.enum(consentSources).nullable(),
    at: timestamp.nullable(),
  })
  .meta({ id: 'TopicConsent' });

export const consentImportResult = z.object({ imported: z.number().int() }).meta({ id: 'ConsentImportResult' });

/**
 * The account an opt-in route acts on: an installation's own (naming another answers unknown_account), or, for the
 * operator, the one named (required); an account admin's own.
 */
const actingAccountId = accountId
  .optional()
  .meta({ description: 'The account (required for the operator; an installation’s or account admin’s own by default).' });

export const optinAccountQuery = z.strictObject({ account_id: actingAccountId });

export const consentExportQuery = z.strictObject({
  account_id: actingAccountId,
  phone: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, 'must be E.164')
    .optional(),
  topic: z.string().max(63).optional(),
  state: z.enum(consentStates).optional(),
  source: z.enum(consentSources).optional(),
  from: timestamp.optional().meta({ description: 'occurred_at ≥ from.' }),
  to: timestamp.optional().meta({ description: 'occurred_at < to.' }),
});

/** The newest records first, at most `limit`: the console's consent audit list (the whole trail is the export). */
export const consentAuditQuery = consentExportQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
