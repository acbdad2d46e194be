import * as z from 'zod';
import { deploymentId, timestamp } from './common.js';

/** One value a template needs, as `GET /v1/templates` lists it (listedParameters in templates/listing.ts). */
export const listedTemplateParameter = z
  .object({
    key: z.string().meta({ description: 'The key `POST /v1/messages` expects the value under.', example: 'body.1' }),
    component: z.enum(['header', 'body', 'button']),
    kind: z.enum(['text', 'media', 'url_suffix', 'payload', 'coupon_code', 'one_time_password']),
    placeholder: z.string().nullable().meta({ description: 'The name between braces, for text-like values.' }),
    button_index: z.number().int().min(0).nullable(),
    media_kind: z.enum(['image', 'video', 'document']).nullable(),
    example: z.string().nullable().meta({ description: 'The example Meta reviewed the template with.' }),
    required: z.boolean(),
    length_max: z.number().int().min(1).nullable().meta({ description: 'Most characters, as Meta counts them.' }),
  })
  .meta({ id: 'TemplateParameter' });

export const templateSummary = z
  .object({
    id: z.string().meta({ description: 'Meta’s template id.' }),
    name: z.string(),
    display_name: z.string().nullable().optional().meta({
      description: 'What agents read instead of `name`, as the account’s admin set it; null or absent: none set.',
      example: 'Order confirmation',
    }),
    language: z.string().meta({ example: 'ja' }),
    category: z
      .string()
      .meta({ description: 'The category in force now (Meta may re-categorise a template).', example: 'UTILITY' }),
    previous_category: z.string().nullable(),
    status: z.string().meta({ example: 'APPROVED' }),
    parameter_format: z.enum(['POSITIONAL', 'NAMED']),
    components: z.array(z.looseObject({ type: z.string() })).meta({ description: 'As Meta returns them.' }),
    parameters: z.array(listedTemplateParameter).meta({
      description: 'Every value the template needs, in order, keyed as `POST /v1/messages` expects them.',
    }),
    updated_at: timestamp,
  })
  .meta({ id: 'Template' });

/**
 * The deployment a template route acts on: an installation's own (naming another answers 404), or, for the operator
 * and an account admin signed in to the console, the one they name (required; an account admin's own account only).
 */
const actingDeploymentId = deploymentId
  .optional()
  .meta({ description: 'The deployment (required for the operator and account admins; an installation’s own by default).' });

export const templateDeploymentQuery = z.strictObject({ deployment_id: actingDeploymentId });

export const templatesQuery = z.strictObject({
  deployment_id: actingDeploymentId,
  status: z
    .string()
    .regex(/^[A-Z_]{3,32}(,[A-Z_]{3,32})*$/, 'must be Meta statuses, comma-separated (APPROVED,PAUSED)')
    .optional()
    .meta({ description: 'Comma-separated statuses; approved only when absent.' }),
  language: z.string().min(2).max(16).optional(),
  category: z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']).optional(),
  q: z.string().min(1).max(100).optional().meta({ description: 'Search in the name and the body text (case-insensitive).' }),
});

export const templateList = z.object({ data: z.array(templateSummary) }).meta({ id: 'TemplateList' });

export const templateSync = z
  .object({
    id: z.string(),
    deployment_id: z.string(),
    trigger: z.enum(['api', 'schedule', 'webhook']),
    state: z.enum(['running', 'succeeded', 'failed']),
    pages_fetched: z.number().int(),
    templates_seen: z.number().int(),
    error: z.string().nullable(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'TemplateSync', description: 'A sync of the deployment’s templates from Meta, with its progress.' });

export const templateSyncPath = z.strictObject({ sync_id: z.string().regex(/^tsy_[0-9a-z]{24}$/) });

export type TemplateSummary = z.infer<typeof templateSummary>;
export type TemplateSync = z.infer<typeof templateSync>;

export type ListedParameter = z.infer<typeof listedTemplateParameter>;
