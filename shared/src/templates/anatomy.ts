import type {
  MessageTemplate,
  MessageTemplateBody,
  MessageTemplateButton,
  MessageTemplateButtons,
  MessageTemplateComponent,
  MessageTemplateFooter,
  MessageTemplateHeader,
  TemplateParameterFormat,
} from './schema.js';
import { knownButtonTypes, knownHeaderFormats } from './schema.js';

/*
 * Where a template's parts and placeholders are. Every other module reads a template through these
 * functions, so Meta's quirks (URL suffixes always `{{1}}`, OTP buttons listed as URL buttons) live here once.
 */

export type TemplateMediaKind = 'image' | 'video' | 'document';

// The schema lets a component of an unknown type through with any `type` except these four, so the type
// alone tells which shape a component has.
const isHeader = (component: MessageTemplateComponent): component is MessageTemplateHeader => component.type === 'HEADER';
const isBody = (component: MessageTemplateComponent): component is MessageTemplateBody => component.type === 'BODY';
const isFooter = (component: MessageTemplateComponent): component is MessageTemplateFooter => component.type === 'FOOTER';
const isButtons = (component: MessageTemplateComponent): component is MessageTemplateButtons => component.type === 'BUTTONS';

export function templateHeader(template: MessageTemplate): MessageTemplateHeader | undefined {
  return template.components.find(isHeader);
}

/** Meta requires a body; a template listed without one reads as an empty body rather than failing. */
export function templateBodyText(template: MessageTemplate): string {
  return template.components.find(isBody)?.text ?? '';
}

export function templateBody(template: MessageTemplate): MessageTemplateBody | undefined {
  return template.components.find(isBody);
}

export function templateFooterText(template: MessageTemplate): string | undefined {
  return template.components.find(isFooter)?.text;
}

/** The buttons in Meta's order: a button's position here is the `index` a send component names it by. */
export function templateButtons(template: MessageTemplate): MessageTemplateButton[] {
  return template.components.find(isButtons)?.buttons ?? [];
}

/** The header's media kind, or undefined for a text, location or unknown header. */
export function headerMediaKind(header: MessageTemplateHeader): TemplateMediaKind | undefined {
  if (header.format === 'IMAGE') return 'image';
  if (header.format === 'VIDEO') return 'video';
  if (header.format === 'DOCUMENT') return 'document';
  return undefined;
}

// Meta's placeholder syntax: `{{1}}`… for POSITIONAL templates, `{{lower_case_name}}` for NAMED ones
// (developers.facebook.com/documentation/business-messaging/whatsapp/templates/components). Anything else
// between braces is literal text, as it is for Meta.
const positionalPlaceholder = /\{\{(\d+)\}\}/g;
const namedPlaceholder = /\{\{([a-z_][a-z0-9_]*)\}\}/g;

function placeholderPattern(format: TemplateParameterFormat): RegExp {
  return new RegExp(format === 'NAMED' ? namedPlaceholder : positionalPlaceholder);
}

/**
 * The placeholders of a text, each once, in the order Meta expects their values: by number for POSITIONAL
 * templates (`{{1}}` takes the first value wherever it stands), by first appearance for NAMED ones (Meta
 * matches those by `parameter_name`, so the order only has to be stable).
 */
export function placeholdersOf(text: string, format: TemplateParameterFormat): string[] {
  const names = [...new Set([...text.matchAll(placeholderPattern(format))].map((match) => match[1] as string))];
  return format === 'NAMED' ? names : names.sort((left, right) => Number(left) - Number(right));
}

/** Replaces every placeholder in one pass, so a value that itself looks like `{{2}}` is never replaced again. */
export function substitutePlaceholders(
  text: string,
  format: TemplateParameterFormat,
  replacement: (placeholder: string) => string,
): string {
  return text.replace(placeholderPattern(format), (_match, placeholder: string) => replacement(placeholder));
}

/** Meta appends a URL button's single variable where `{{1}}` stands, NAMED templates included. */
export const urlSuffixPlaceholder = '{{1}}';

export function isDynamicUrlButton(button: MessageTemplateButton): boolean {
  return button.type === 'URL' && typeof button.url === 'string' && button.url.includes(urlSuffixPlaceholder);
}

/**
 * Authentication templates are created with an OTP button but listed with a URL button to WhatsApp's OTP
 * page ("in your template creation request the button type is designated as OTP, but upon creation the
 * button type will be set to URL": Meta's copy-code authentication templates page). Both spellings count.
 */
const oneTimePasswordUrlPrefix = 'https://www.whatsapp.com/otp/';

export function isOneTimePasswordButton(button: MessageTemplateButton): boolean {
  return button.type === 'OTP' || (button.type === 'URL' && button.url?.startsWith(oneTimePasswordUrlPrefix) === true);
}

/**
 * The index of the button that carries an authentication template's one-time password, when the template is
 * one: an OTP button and a body with exactly one placeholder, which Meta fills with the same code ("this value
 * must appear twice in the payload"). Otherwise undefined, and the button is an ordinary one.
 */
export function oneTimePasswordButtonIndex(template: MessageTemplate): number | undefined {
  const index = templateButtons(template).findIndex(isOneTimePasswordButton);
  if (index === -1) return undefined;
  return placeholdersOf(templateBodyText(template), template.parameter_format).length === 1 ? index : undefined;
}

/** Meta's body limit depends on whether the body is the template's only component (see limits.ts). */
export function hasOnlyBody(template: MessageTemplate): boolean {
  return template.components.every(isBody);
}

const componentTypesFilled = ['HEADER', 'BODY', 'FOOTER', 'BUTTONS'];

/**
 * What in a template we cannot fill, in words for a problem message: components, header formats and button
 * types whose send parameters we do not build. Offering such a template would send a message Meta refuses or
 * one that is not what the agent saw, so validation reports them instead. Empty for everything Meta's
 * standard, media, coupon and authentication templates use. A LOCATION header is listed because its send
 * parameter is a location object, which the bridge's send contract (text, `{link}` or `{id}` values) cannot
 * carry yet.
 */
export function unsupportedTemplateFeatures(template: MessageTemplate): string[] {
  const features: string[] = [];
  for (const component of template.components) {
    if (!componentTypesFilled.includes(component.type)) features.push(`a ${component.type} component`);
  }
  const header = templateHeader(template);
  if (
    header !== undefined &&
    (header.format === 'LOCATION' || !(knownHeaderFormats as readonly string[]).includes(header.format))
  ) {
    features.push(`a ${header.format} header`);
  }
  for (const button of templateButtons(template)) {
    if (!(knownButtonTypes as readonly string[]).includes(button.type)) features.push(`a ${button.type} button`);
  }
  return features;
}
