import {
  buildTemplateComponents,
  listedParameters,
  type MessageTemplate,
  messageTemplateSchema,
  type TemplateProblem,
  type TemplateSummary,
  type TemplateValues,
  validateTemplateValues,
} from '@wabridge/shared';
import type { TemplateRow } from './store.js';

/**
 * Bridges stored templates to the shared template model (shared/src/templates): the same functions the
 * sidebar panel uses for its form and preview decide here what the bridge accepts and sends.
 */
export function asMessageTemplate(row: TemplateRow): MessageTemplate {
  // Parsed, not cast: the schema normalises what Meta leaves implicit (upper-case types, POSITIONAL by default).
  return messageTemplateSchema.parse({
    id: row.meta_template_id,
    name: row.name,
    language: row.language,
    category: row.category,
    status: row.status,
    parameter_format: row.parameter_format,
    components: row.components ?? [],
  });
}

/** The values a stored template needs, as the API lists them. */
export function parametersOf(row: TemplateRow): TemplateSummary['parameters'] {
  return listedParameters(asMessageTemplate(row));
}

export type { TemplateValues };

/** Problems with the values supplied for a template, before anything is sent. */
export function validateValues(row: TemplateRow, values: TemplateValues): TemplateProblem[] {
  return validateTemplateValues(asMessageTemplate(row), values);
}

/** Meta's `components` array for a send of this template with these (validated) values. */
export function componentsFor(row: TemplateRow, values: TemplateValues): Record<string, unknown>[] {
  return buildTemplateComponents(asMessageTemplate(row), values) as unknown as Record<string, unknown>[];
}
