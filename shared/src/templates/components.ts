import { oneTimePasswordButtonIndex } from './anatomy.js';
import { type TemplateParameter, templateParameters } from './parameters.js';
import type { TemplateProblem } from './problems.js';
import type { MessageTemplate } from './schema.js';
import { validateTemplateValues } from './validate.js';
import { givenValue, mediaReferenceOf, type TemplateValues } from './values.js';

/*
 * Meta's `template.components` for `POST /{phone-number-id}/messages`, from values that validate. Shapes as
 * the Cloud API documents them (PLATFORM.md "Sending"; Meta's template message guides):
 * - header/body text: `{type:'text', text, parameter_name?}`, `parameter_name` on every one for NAMED
 *   templates, in placeholder order for POSITIONAL ones;
 * - media header: `{type:'image', image:{link}}` (or `{id}`; `video`, `document` alike);
 * - URL button: `{type:'button', sub_type:'url', index:'0', parameters:[{type:'text', text:<suffix>}]}`;
 * - copy-code button: `sub_type:'copy_code'` with `{type:'coupon_code', coupon_code}`;
 * - quick-reply button, only when a payload is given: `sub_type:'quick_reply'` with `{type:'payload', payload}`;
 * - authentication: the code as the body's text parameter AND as the OTP button's URL parameter
 *   (`sub_type:'url'`), as Meta's copy-code authentication guide shows.
 * Only components that have parameters are included; `index` is a string, as in Meta's examples.
 */

export type TemplateSendTextParameter = { type: 'text'; text: string; parameter_name?: string };
export type TemplateSendMediaParameter =
  | { type: 'image'; image: { link: string } | { id: string } }
  | { type: 'video'; video: { link: string } | { id: string } }
  | { type: 'document'; document: { link: string } | { id: string } };
export type TemplateSendParameter =
  | TemplateSendTextParameter
  | TemplateSendMediaParameter
  | { type: 'payload'; payload: string }
  | { type: 'coupon_code'; coupon_code: string };

export type TemplateSendComponent =
  | { type: 'header' | 'body'; parameters: TemplateSendParameter[] }
  | { type: 'button'; sub_type: 'url' | 'quick_reply' | 'copy_code'; index: string; parameters: TemplateSendParameter[] };

/** Thrown by `buildTemplateComponents` for values that do not validate; carries the problems. */
export class TemplateValuesError extends Error {
  readonly problems: TemplateProblem[];

  constructor(problems: TemplateProblem[]) {
    super(`The template values are not valid: ${problems.map((problem) => problem.message).join(' ')}`);
    this.name = 'TemplateValuesError';
    this.problems = problems;
  }
}

/** Throws `TemplateValuesError` unless `validateTemplateValues` finds nothing: it never builds a send Meta refuses. */
export function buildTemplateComponents(template: MessageTemplate, values: TemplateValues): TemplateSendComponent[] {
  const problems = validateTemplateValues(template, values);
  if (problems.length > 0) throw new TemplateValuesError(problems);
  const parameters = templateParameters(template);
  const named = template.parameter_format === 'NAMED';
  const textOf = (parameter: TemplateParameter) => givenValue(values, parameter.key) as string;
  const components: TemplateSendComponent[] = [];

  const header = parameters.filter((parameter) => parameter.component === 'header');
  if (header.length > 0) {
    components.push({ type: 'header', parameters: header.map((parameter) => headerParameter(parameter, values, named)) });
  }
  const body = parameters.filter((parameter) => parameter.component === 'body');
  if (body.length > 0) {
    components.push({ type: 'body', parameters: body.map((parameter) => textParameter(parameter, textOf(parameter), named)) });
  }
  const buttons: { index: number; component: TemplateSendComponent }[] = [];
  for (const parameter of parameters.filter((candidate) => candidate.component === 'button')) {
    const component = buttonComponent(parameter, givenValue(values, parameter.key));
    if (component !== undefined) buttons.push({ index: parameter.buttonIndex ?? 0, component });
  }
  const oneTimePasswordIndex = oneTimePasswordButtonIndex(template);
  const [code] = body;
  if (oneTimePasswordIndex !== undefined && code !== undefined) {
    buttons.push({ index: oneTimePasswordIndex, component: urlButton(oneTimePasswordIndex, textOf(code)) });
  }
  buttons.sort((left, right) => left.index - right.index);
  return [...components, ...buttons.map((button) => button.component)];
}

function textParameter(parameter: TemplateParameter, text: string, named: boolean): TemplateSendTextParameter {
  return named ? { type: 'text', text, parameter_name: parameter.placeholder ?? '' } : { type: 'text', text };
}

function headerParameter(parameter: TemplateParameter, values: TemplateValues, named: boolean): TemplateSendParameter {
  const value = givenValue(values, parameter.key);
  if (parameter.kind !== 'media') return textParameter(parameter, value as string, named);
  // Validation guarantees a reference; the fallback only satisfies the type checker.
  const reference = mediaReferenceOf(value) ?? { link: '' };
  if ('upload_id' in reference) {
    // Meta knows only its own media ids: the bridge replaces its upload with the upload's media id before this.
    throw new Error(`${parameter.key}: upload ${reference.upload_id} must be resolved to Meta's media id before sending`);
  }
  switch (parameter.mediaKind) {
    case 'video':
      return { type: 'video', video: reference };
    case 'document':
      return { type: 'document', document: reference };
    default:
      return { type: 'image', image: reference };
  }
}

function buttonComponent(parameter: TemplateParameter, value: unknown): TemplateSendComponent | undefined {
  const index = parameter.buttonIndex ?? 0;
  if (typeof value !== 'string' || value === '') return undefined;
  if (parameter.kind === 'url_suffix') return urlButton(index, value);
  if (parameter.kind === 'coupon_code') {
    return {
      type: 'button',
      sub_type: 'copy_code',
      index: String(index),
      parameters: [{ type: 'coupon_code', coupon_code: value }],
    };
  }
  return { type: 'button', sub_type: 'quick_reply', index: String(index), parameters: [{ type: 'payload', payload: value }] };
}

function urlButton(index: number, text: string): TemplateSendComponent {
  return { type: 'button', sub_type: 'url', index: String(index), parameters: [{ type: 'text', text }] };
}
