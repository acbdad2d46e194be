import * as z from 'zod';

/*
 * A message template as `GET /{waba-id}/message_templates` returns it (snake_case, upper-case types).
 *
 * Lenient where Meta's sets are open: objects keep unknown keys, `status`, `category`, a header's `format` and
 * a button's `type` are plain strings (the known values are listed below), and a component of a type we do not
 * know is kept as it is. Whether we can fill such a template is decided later (`unsupportedTemplateFeatures`),
 * so one odd template never breaks a whole listing. Strict where a wrong guess would send a wrong message: a
 * known component that lacks what it needs (a BODY without text) fails to parse.
 */

const upperCase = (value: unknown) => (typeof value === 'string' ? value.toUpperCase() : value);

/** Meta lists types in upper case; creation requests, and some BSPs, use lower case. */
const upperCaseString = z.preprocess(upperCase, z.string());

export const knownTemplateStatuses = [
  'APPROVED',
  'PENDING',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'FLAGGED',
  'IN_APPEAL',
  'PENDING_DELETION',
  'DELETED',
] as const;
export const knownTemplateCategories = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export const knownHeaderFormats = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'] as const;
export const knownButtonTypes = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP', 'FLOW', 'VOICE_CALL'] as const;

const componentTypes = ['HEADER', 'BODY', 'FOOTER', 'BUTTONS'] as const;

/** `{param_name, example}` pairs of a NAMED template's examples. */
const namedExamples = z.array(z.looseObject({ param_name: z.string(), example: z.string() }));

export const messageTemplateHeaderSchema = z.looseObject({
  type: z.preprocess(upperCase, z.literal('HEADER')),
  // Meta always sends `format`; a header without one can only be text.
  format: z.preprocess((value) => (value === undefined ? 'TEXT' : upperCase(value)), z.string()),
  text: z.string().optional(),
  example: z
    .looseObject({
      header_text: z.array(z.string()).optional(),
      header_text_named_params: namedExamples.optional(),
      /** Media headers: the example file Meta reviewed, as a URL on Meta's CDN. */
      header_handle: z.array(z.string()).optional(),
    })
    .optional(),
});

export const messageTemplateBodySchema = z.looseObject({
  type: z.preprocess(upperCase, z.literal('BODY')),
  text: z.string(),
  example: z
    .looseObject({
      /** One list of examples, for `{{1}}` … `{{n}}` in order. */
      body_text: z.array(z.array(z.string())).optional(),
      body_text_named_params: namedExamples.optional(),
    })
    .optional(),
});

/** Authentication templates generate their footer from `code_expiration_minutes`; Meta returns its text too. */
export const messageTemplateFooterSchema = z.looseObject({
  type: z.preprocess(upperCase, z.literal('FOOTER')),
  text: z.string().optional(),
});

export const messageTemplateButtonSchema = z.looseObject({
  type: upperCaseString,
  text: z.string().optional(),
  /** URL buttons; a dynamic one ends in `{{1}}`, NAMED templates included. */
  url: z.string().optional(),
  phone_number: z.string().optional(),
  /**
   * URL buttons: the whole example link, in a list. Copy-code buttons: the example code, which Meta's
   * documentation shows both as a string and in a list.
   */
  example: z.union([z.string(), z.array(z.string())]).optional(),
});

export const messageTemplateButtonsSchema = z.looseObject({
  type: z.preprocess(upperCase, z.literal('BUTTONS')),
  buttons: z.array(messageTemplateButtonSchema),
});

/** Any other component (CAROUSEL, LIMITED_TIME_OFFER…), kept so the template can be listed and flagged. */
export const messageTemplateOtherComponentSchema = z.looseObject({
  type: upperCaseString.refine(
    (type) => !(componentTypes as readonly string[]).includes(type),
    'a HEADER, BODY, FOOTER or BUTTONS component that does not have the shape Meta documents',
  ),
});

export const messageTemplateComponentSchema = z.union([
  messageTemplateHeaderSchema,
  messageTemplateBodySchema,
  messageTemplateFooterSchema,
  messageTemplateButtonsSchema,
  messageTemplateOtherComponentSchema,
]);

export const messageTemplateSchema = z.looseObject({
  /** Meta lists ids as strings and sends them as numbers in webhooks; both become strings. */
  id: z.union([z.string().min(1), z.number().int().nonnegative().transform(String)]),
  name: z.string().min(1),
  language: z.string().min(1),
  status: upperCaseString,
  category: upperCaseString,
  /** Absent on templates created before named parameters existed: those are positional. */
  parameter_format: z.preprocess(upperCase, z.enum(['POSITIONAL', 'NAMED'])).default('POSITIONAL'),
  components: z.array(messageTemplateComponentSchema),
});

export type MessageTemplate = z.infer<typeof messageTemplateSchema>;
export type MessageTemplateComponent = z.infer<typeof messageTemplateComponentSchema>;
export type MessageTemplateHeader = z.infer<typeof messageTemplateHeaderSchema>;
export type MessageTemplateBody = z.infer<typeof messageTemplateBodySchema>;
export type MessageTemplateFooter = z.infer<typeof messageTemplateFooterSchema>;
export type MessageTemplateButtons = z.infer<typeof messageTemplateButtonsSchema>;
export type MessageTemplateButton = z.infer<typeof messageTemplateButtonSchema>;
export type TemplateParameterFormat = MessageTemplate['parameter_format'];
