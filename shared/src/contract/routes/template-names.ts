import * as z from 'zod';
import { deploymentId } from '../common.js';
import { defineRoute, defineRoutes } from '../route.js';

/*
 * Template display names (issue #15): Meta gives templates only a snake_case `name`; an account's admin may give each
 * template (a name in one language) a display name, which the panel shows in its template search and history and
 * finds the template by, as well as by its name.
 */

export const templateDisplayNamePath = z.strictObject({
  deployment_id: deploymentId,
  name: z.string().min(1).max(512).meta({ description: 'The template’s name at Meta.', example: 'order_confirmation' }),
  language: z.string().min(2).max(16).meta({ description: 'Meta’s language code of the template.', example: 'ja' }),
});

export const templateDisplayNameBody = z.strictObject({
  display_name: z.string().trim().min(1).max(80).nullable().meta({
    description: 'What agents read; null removes it (the panel then shows the name as words).',
    example: 'Order confirmation',
  }),
});

export const templateDisplayName = z
  .object({ name: z.string(), language: z.string(), display_name: z.string().nullable() })
  .meta({ id: 'TemplateDisplayName' });

export const templateNameRoutes = defineRoutes({
  setTemplateDisplayName: defineRoute({
    method: 'put',
    path: '/v1/deployments/{deployment_id}/templates/{name}/{language}/display-name',
    operationId: 'setTemplateDisplayName',
    summary: 'Give a template (a name in one language) a display name for agents, or remove it with null.',
    tag: 'Templates',
    auth: 'admin',
    accountAdmin: true,
    params: templateDisplayNamePath,
    body: templateDisplayNameBody,
    successStatus: 200,
    response: templateDisplayName,
    problems: ['validation_failed', 'not_found'],
  }),
});

export type TemplateDisplayName = z.infer<typeof templateDisplayName>;
