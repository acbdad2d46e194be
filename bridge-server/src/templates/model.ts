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

/** Listings kept by what they are computed from; a template's content rarely changes, the panels list it constantly. */
const listingsKept = 2_000;
const listings = new Map<string, TemplateSummary['parameters']>();

/**
 * The values a stored template needs, as the API lists them. The panels list a deployment's templates on every
 * ticket they open, and parsing each template and deriving its parameters was a third of that request's time
 * (test/BENCHMARKS.md, session 10): the listing is kept per content, the key being everything it is computed from,
 * so that any change to the template (a sync, a status or category update) computes it afresh. The oldest of
 * `listingsKept` are dropped first.
 */
export function parametersOf(row: TemplateRow): TemplateSummary['parameters'] {
  const key = JSON.stringify([
    row.meta_template_id,
    row.name,
    row.language,
    row.category,
    row.status,
    row.parameter_format,
    row.components ?? [],
  ]);
  const kept = listings.get(key);
  if (kept !== undefined) return kept;
  const listed = listedParameters(asMessageTemplate(row));
  if (listings.size >= listingsKept) listings.delete(listings.keys().next().value as string);
  listings.set(key, listed);
  return listed;
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
