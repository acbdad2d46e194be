import * as z from 'zod';
import { consentInputSchema, consentSources, consentStates } from '../optin/consent.js';
import { keywordConfigurationSchema } from '../optin/keywords.js';
import { templateRuleSchema, topicSchema } from '../optin/topics.js';
import { timestamp } from './common.js';

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
  })
  .meta({ id: 'OptinSettingsRequest' });

export const optinSettings = z
  .object({
    topics: z.array(z.looseObject({ id: z.string() })),
    template_rules: z.array(z.looseObject({ topic: z.string() })),
    keywords: z.looseObject({}),
    business_names: z
      .array(z.string())
      .meta({ description: 'Configured names plus the account’s and its numbers’ display names.' }),
  })
  .meta({ id: 'OptinSettings' });

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

export const consentExportQuery = z.strictObject({
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
