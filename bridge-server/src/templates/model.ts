import {
  buildTemplateComponents,
  listedParameters,
  type MessageTemplate,
  mediaReferenceOf,
  messageTemplateSchema,
  type TemplateMediaKind,
  type TemplateProblem,
  type TemplateSummary,
  type TemplateValues,
  templateParameters,
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

/** The kind of file the template's media header takes, and the bridge upload its (validated) values name for it. */
export function headerUploadOf(
  row: TemplateRow,
  values: TemplateValues,
): { uploadId: string; headerKind: TemplateMediaKind } | undefined {
  const header = templateParameters(asMessageTemplate(row)).find((parameter) => parameter.kind === 'media');
  if (header?.mediaKind === undefined || !Object.hasOwn(values, header.key)) return undefined;
  const reference = mediaReferenceOf(values[header.key]);
  if (reference === undefined || !('upload_id' in reference)) return undefined;
  return { uploadId: reference.upload_id, headerKind: header.mediaKind };
}

/** The values with the header's bridge upload replaced by Meta's media id of that upload, as Meta takes it. */
export function withHeaderMediaId(row: TemplateRow, values: TemplateValues, metaMediaId: string): TemplateValues {
  const header = templateParameters(asMessageTemplate(row)).find((parameter) => parameter.kind === 'media');
  return header === undefined ? values : { ...values, [header.key]: { id: metaMediaId } };
}
