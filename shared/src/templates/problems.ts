/*
 * What can be wrong with the values for a template, by stable code. The panel translates codes (and uses
 * `lengthMax` to say by how much); the English messages here are the API's wording and the fallback.
 * A code's meaning never changes once published: clients branch on it.
 */

export const templateProblemCodes = [
  /** A required parameter has no value. */
  'missing',
  /** A value is empty or only whitespace. */
  'empty',
  /** Text where a file is expected, or a file where text is. */
  'wrong_type',
  /** A value is longer than Meta allows for it (`lengthMax`). */
  'too_long',
  /** A text value has a line break or a tab, which Meta refuses in parameters. */
  'newlines_not_allowed',
  /** A text value has more than 4 spaces in a row, which Meta refuses in parameters. */
  'too_many_spaces',
  /** A URL suffix (or a one-time password, which also ends a link) has characters a link cannot carry as they are. */
  'invalid_url_suffix',
  /** A media value is neither one HTTPS link nor one media id. */
  'invalid_media',
  /** A value was given for a key the template does not have. */
  'unknown_parameter',
  /** The header or body, filled in, is longer than Meta allows (key `header` or `body`). */
  'rendered_too_long',
  /** The template has a part we cannot fill (key `template`); it cannot be sent from here. */
  'unsupported_template',
] as const;

export type TemplateProblemCode = (typeof templateProblemCodes)[number];

export interface TemplateProblem {
  /** A parameter key, `header` or `body` for the filled-in text, or `template` for the template itself. */
  key: string;
  code: TemplateProblemCode;
  message: string;
  /** For `too_long` and `rendered_too_long`: the most characters allowed. */
  lengthMax?: number;
}

export const templateProblemMessages = {
  missing: (key: string) => `${key}: a value is required.`,
  empty: (key: string) => `${key}: the value is empty.`,
  wrongTypeText: (key: string) => `${key}: expected text, not a file reference.`,
  wrongTypeMedia: (key: string) => `${key}: expected a file (an HTTPS link or a media id).`,
  tooLong: (key: string, lengthMax: number) => `${key}: at most ${lengthMax} characters are allowed.`,
  newlines: (key: string) => `${key}: line breaks and tabs are not allowed in template values.`,
  spaces: (key: string, spacesMax: number) => `${key}: at most ${spacesMax} spaces in a row are allowed.`,
  invalidUrlSuffix: (key: string) =>
    `${key}: it ends a link, so it may only contain letters, digits and the characters - . _ ~ ! $ & ' ( ) * + , ; = : @ / ? # and %XX escapes (no spaces).`,
  invalidMedia: (key: string, reason: string) => `${key}: ${reason}`,
  unknownParameter: (key: string) => `${key}: the template has no such parameter.`,
  renderedTooLong: (key: string, lengthMax: number) =>
    `The ${key}, filled in, is longer than the ${lengthMax} characters Meta allows.`,
  unsupported: (features: string[]) => `This template has ${features.join(', ')}, which cannot be sent from here yet.`,
} as const;

/** The reasons an `invalid_media` message gives. */
export const invalidMediaReasons = {
  neitherNorBoth: 'give exactly one of a link, a media id or an upload id.',
  notHttps: 'the link must be a complete https:// URL without spaces.',
  notMediaId: 'a media id is the number Meta returned for an upload.',
  notUploadId: 'an upload id is the med_… id the bridge returned for an upload.',
} as const;
