import { hasOnlyBody, substitutePlaceholders, templateBodyText, templateHeader, unsupportedTemplateFeatures } from './anatomy.js';
import {
  bodyOnlyTextLengthMax,
  bodyTextLengthMax,
  consecutiveSpacesMax,
  countMetaCharacters,
  headerTextLengthMax,
} from './limits.js';
import { type TemplateParameter, templateParameters } from './parameters.js';
import { invalidMediaReasons, templateProblemMessages as messages, type TemplateProblem } from './problems.js';
import type { MessageTemplate } from './schema.js';
import { givenValue, mediaReferenceOf, type TemplateValues } from './values.js';

/*
 * Everything Meta would refuse about a set of values, found before sending, so the panel can say it next to
 * the field and the bridge never spends a send on a 132000 or 100. Pure and deterministic: problems come in the
 * order of the template's parameters, then the filled-in lengths, then unknown keys in the order given.
 */

export function validateTemplateValues(template: MessageTemplate, values: TemplateValues): TemplateProblem[] {
  const parameters = templateParameters(template);
  const parameterProblems = parameters.flatMap((parameter) => problemsOfValue(parameter, givenValue(values, parameter.key)));
  return [
    ...unsupportedProblems(template),
    ...parameterProblems,
    ...renderedLengthProblems(template, values, parameterProblems),
    ...unknownKeyProblems(parameters, values),
  ];
}

function unsupportedProblems(template: MessageTemplate): TemplateProblem[] {
  const features = unsupportedTemplateFeatures(template);
  return features.length === 0
    ? []
    : [{ key: 'template', code: 'unsupported_template', message: messages.unsupported(features) }];
}

function problemsOfValue(parameter: TemplateParameter, value: unknown): TemplateProblem[] {
  const { key } = parameter;
  if (value === undefined || (value === '' && !parameter.required)) {
    return parameter.required ? [{ key, code: 'missing', message: messages.missing(key) }] : [];
  }
  if (parameter.kind === 'media') return mediaProblems(key, value);
  if (typeof value !== 'string') return [{ key, code: 'wrong_type', message: messages.wrongTypeText(key) }];
  // Meta refuses a text parameter that is empty once trimmed ("Param text cannot be empty").
  if (value.trim() === '') return [{ key, code: 'empty', message: messages.empty(key) }];
  return [...formatProblems(parameter, value), ...lengthProblems(parameter, value)];
}

// Meta: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces" (see limits.ts).
// A carriage return and the Unicode line and paragraph separators break lines too, so they count as new lines.
const lineBreakOrTab = /[\n\r\t\u2028\u2029]/;
const tooManySpaces = new RegExp(` {${consecutiveSpacesMax + 1},}`);

/**
 * What ends a link unchanged: RFC 3986's unreserved and reserved characters and `%XX` escapes. Meta appends
 * the suffix as it is, so anything else (spaces, non-ASCII such as Japanese, `<`, `"`) must be percent-encoded
 * by the caller, who knows whether it is a path segment or a query value.
 */
const urlSuffix = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-Fa-f]{2})+$/;

function formatProblems(parameter: TemplateParameter, value: string): TemplateProblem[] {
  const { key, kind } = parameter;
  const problems: TemplateProblem[] = [];
  if (kind === 'payload') return problems;
  if (lineBreakOrTab.test(value)) problems.push({ key, code: 'newlines_not_allowed', message: messages.newlines(key) });
  if (kind === 'text' || kind === 'one_time_password') {
    if (tooManySpaces.test(value)) {
      problems.push({ key, code: 'too_many_spaces', message: messages.spaces(key, consecutiveSpacesMax) });
    }
  }
  // A one-time password also ends the OTP button's link (`…&code=otp{{1}}`).
  if ((kind === 'url_suffix' || kind === 'one_time_password') && problems.length === 0 && !urlSuffix.test(value)) {
    problems.push({ key, code: 'invalid_url_suffix', message: messages.invalidUrlSuffix(key) });
  }
  return problems;
}

function lengthProblems(parameter: TemplateParameter, value: string): TemplateProblem[] {
  const { key, lengthMax } = parameter;
  if (lengthMax === undefined || countMetaCharacters(value) <= lengthMax) return [];
  return [{ key, code: 'too_long', message: messages.tooLong(key, lengthMax), lengthMax }];
}

/** The bridge's media upload ids, as contract/common.ts's `prefixedId('med', …)` writes them. */
const uploadIdPattern = /^med_[0-9a-z]{24}$/;

function mediaProblems(key: string, value: unknown): TemplateProblem[] {
  if (value === '') return [{ key, code: 'empty', message: messages.empty(key) }];
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) {
    return [{ key, code: 'wrong_type', message: messages.wrongTypeMedia(key) }];
  }
  const reference = mediaReferenceOf(value);
  const reason =
    reference === undefined
      ? invalidMediaReasons.neitherNorBoth
      : 'link' in reference
        ? isHttpsUrl(reference.link)
          ? undefined
          : invalidMediaReasons.notHttps
        : 'id' in reference
          ? /^\d{1,32}$/.test(reference.id)
            ? undefined
            : invalidMediaReasons.notMediaId
          : uploadIdPattern.test(reference.upload_id)
            ? undefined
            : invalidMediaReasons.notUploadId;
  return reason === undefined ? [] : [{ key, code: 'invalid_media', message: messages.invalidMedia(key, reason) }];
}

/** Meta downloads the link itself; the send contract takes HTTPS only, so plain HTTP is refused here too. */
function isHttpsUrl(link: string): boolean {
  if (/\s/.test(link)) return false;
  try {
    const url = new URL(link);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * The header and body as the customer would get them, measured with missing or unusable values as empty, so a
 * problem here is one no value for the missing parameters can fix. Skipped for a component that already has a
 * `too_long` value: that problem says the same thing where the agent can act on it.
 */
function renderedLengthProblems(template: MessageTemplate, values: TemplateValues, found: TemplateProblem[]): TemplateProblem[] {
  const hasTooLong = (prefix: string) => found.some((problem) => problem.code === 'too_long' && problem.key.startsWith(prefix));
  const problems: TemplateProblem[] = [];
  const header = templateHeader(template);
  if (header?.format === 'TEXT' && !hasTooLong('header.')) {
    problems.push(...renderedProblem('header', filledIn(template, 'header', header.text ?? '', values), headerTextLengthMax));
  }
  if (!hasTooLong('body.')) {
    const bodyLengthMax = hasOnlyBody(template) ? bodyOnlyTextLengthMax : bodyTextLengthMax;
    problems.push(...renderedProblem('body', filledIn(template, 'body', templateBodyText(template), values), bodyLengthMax));
  }
  return problems;
}

function filledIn(template: MessageTemplate, component: 'header' | 'body', text: string, values: TemplateValues): string {
  return substitutePlaceholders(text, template.parameter_format, (placeholder) => {
    const value = givenValue(values, `${component}.${placeholder}`);
    return typeof value === 'string' ? value : '';
  });
}

function renderedProblem(key: 'header' | 'body', text: string, lengthMax: number): TemplateProblem[] {
  if (countMetaCharacters(text) <= lengthMax) return [];
  return [{ key, code: 'rendered_too_long', message: messages.renderedTooLong(key, lengthMax), lengthMax }];
}

function unknownKeyProblems(parameters: TemplateParameter[], values: TemplateValues): TemplateProblem[] {
  const keys = new Set(parameters.map((parameter) => parameter.key));
  return Object.keys(values)
    .filter((key) => !keys.has(key) && values[key] !== undefined)
    .map((key) => ({ key, code: 'unknown_parameter', message: messages.unknownParameter(key) }));
}
