import { templateParameters } from './parameters.js';
import type { MessageTemplate } from './schema.js';

/**
 * The file of a media header: a public HTTPS link Meta downloads, or the id of media uploaded to Meta
 * (`POST /{phone-number-id}/media`). Meta takes either, never both
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-media/). The bridge
 * also takes one of its own uploads (`upload_id`, `med_…`: `POST /v1/media`, or the panel's upload token), which it
 * sends to Meta as that upload's media id. A plain string given for a media key is read as a link, which is what a
 * form's URL field produces.
 */
export type TemplateMediaValue = { link: string } | { id: string } | { upload_id: string };

export type TemplateValue = string | TemplateMediaValue;

/** Values by parameter key (`body.1`, `header.media`…); see parameters.ts for the key scheme. */
export type TemplateValues = Readonly<Record<string, TemplateValue | undefined>>;

/** The value given for a key; own properties only, since `values` may come from anywhere (JSON, a form). */
export function givenValue(values: TemplateValues, key: string): unknown {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

/** A text value the agent has typed something into; empty strings count as not given. */
export function typedTextOf(values: TemplateValues, key: string): string | undefined {
  const value = givenValue(values, key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The media reference a value names, or undefined when it names none (validation says why). */
export function mediaReferenceOf(value: unknown): TemplateMediaValue | undefined {
  const reference: unknown = typeof value === 'string' ? { link: value } : value;
  if (typeof reference !== 'object' || reference === null) return undefined;
  const link: unknown = 'link' in reference ? reference.link : undefined;
  const id: unknown = 'id' in reference ? reference.id : undefined;
  const uploadId: unknown = 'upload_id' in reference ? reference.upload_id : undefined;
  const given = [link, id, uploadId].filter((part) => part !== undefined);
  if (given.length !== 1) return undefined;
  if (typeof link === 'string') return { link };
  if (typeof id === 'string') return { id };
  if (typeof uploadId === 'string') return { upload_id: uploadId };
  return undefined;
}

/**
 * The values Meta reviewed the template with, by key: what a form can offer as a starting point, and a set of
 * values every approved template accepts. Parameters without an example (quick-reply payloads) are left out.
 */
export function templateExampleValues(template: MessageTemplate): Record<string, TemplateValue> {
  const values: Record<string, TemplateValue> = {};
  for (const parameter of templateParameters(template)) {
    if (parameter.example === undefined) continue;
    values[parameter.key] = parameter.kind === 'media' ? { link: parameter.example } : parameter.example;
  }
  return values;
}
