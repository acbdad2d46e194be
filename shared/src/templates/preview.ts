import {
  headerMediaKind,
  isOneTimePasswordButton,
  oneTimePasswordButtonIndex,
  placeholdersOf,
  substitutePlaceholders,
  type TemplateMediaKind,
  templateBodyText,
  templateButtons,
  templateFooterText,
  templateHeader,
  urlSuffixPlaceholder,
} from './anatomy.js';
import { templateParameters } from './parameters.js';
import type { MessageTemplate, MessageTemplateButton } from './schema.js';
import { givenValue, mediaReferenceOf, type TemplateValues, typedTextOf } from './values.js';

/*
 * The message as the customer will see it, for the panel's live preview. It renders whatever has been typed
 * so far and never fails: a parameter without a value shows its placeholder (`{{1}}`) or, when asked, the
 * example Meta reviewed. Values are inserted exactly as given, unvalidated (validation is separate), and
 * WhatsApp's formatting marks (*bold*, _italic_, ~strike~, ```mono```) are left for the panel to render.
 */

export type TemplatePreviewHeader =
  | { kind: 'text'; text: string }
  /** `url` is the file's link; undefined when only a media id is known (Meta hosts that file). */
  | { kind: TemplateMediaKind; url: string | undefined }
  | { kind: 'location' };

export type TemplatePreviewButtonKind = 'quick_reply' | 'url' | 'phone_number' | 'copy_code' | 'flow' | 'other';

export interface TemplatePreviewButton {
  kind: TemplatePreviewButtonKind;
  /** The label. Copy-code buttons are labelled by WhatsApp itself; `text` is then Meta's label or ours. */
  text: string;
  /** URL buttons: the whole link, suffix included. */
  url?: string;
  /** Phone-number buttons. */
  phoneNumber?: string;
  /** Copy-code buttons: what a tap copies (the coupon code or one-time password). */
  code?: string;
}

export interface TemplatePreview {
  header?: TemplatePreviewHeader;
  body: string;
  footer?: string;
  buttons: TemplatePreviewButton[];
}

export interface TemplatePreviewOptions {
  /** What stands in for a missing value: its placeholder (the default) or the template's example. */
  fallback?: 'placeholder' | 'example';
}

/** WhatsApp labels a coupon's copy-code button itself ("Copy offer code"); Meta's listing may omit the text. */
const copyCodeLabelDefault = 'Copy offer code';

export function renderTemplatePreview(
  template: MessageTemplate,
  values: TemplateValues,
  options: TemplatePreviewOptions = {},
): TemplatePreview {
  const valueFor = fillerFor(template, values, options);
  const format = template.parameter_format;
  const header = previewHeader(template, values, valueFor, options);
  const footer = templateFooterText(template);
  return {
    ...(header === undefined ? {} : { header }),
    body: substitutePlaceholders(templateBodyText(template), format, (placeholder) =>
      valueFor(`body.${placeholder}`, placeholder),
    ),
    ...(footer === undefined ? {} : { footer }),
    buttons: templateButtons(template).map((button, index) => previewButton(template, button, index, valueFor)),
  };
}

/** The text shown for a key: the typed value, else the fallback the options ask for. */
type Filler = (key: string, placeholder: string) => string;

function fillerFor(template: MessageTemplate, values: TemplateValues, options: TemplatePreviewOptions): Filler {
  const examples = new Map(templateParameters(template).map((parameter) => [parameter.key, parameter.example]));
  return (key, placeholder) =>
    typedTextOf(values, key) ?? (options.fallback === 'example' ? examples.get(key) : undefined) ?? `{{${placeholder}}}`;
}

function previewHeader(
  template: MessageTemplate,
  values: TemplateValues,
  valueFor: Filler,
  options: TemplatePreviewOptions,
): TemplatePreviewHeader | undefined {
  const header = templateHeader(template);
  if (header === undefined) return undefined;
  const mediaKind = headerMediaKind(header);
  if (mediaKind !== undefined) {
    const reference = mediaReferenceOf(givenValue(values, 'header.media'));
    const example = options.fallback === 'example' ? header.example?.header_handle?.[0] : undefined;
    return { kind: mediaKind, url: reference === undefined ? example : 'link' in reference ? reference.link : undefined };
  }
  if (header.format === 'LOCATION') return { kind: 'location' };
  if (header.format !== 'TEXT') return undefined;
  const text = substitutePlaceholders(header.text ?? '', template.parameter_format, (placeholder) =>
    valueFor(`header.${placeholder}`, placeholder),
  );
  return { kind: 'text', text };
}

function previewButton(
  template: MessageTemplate,
  button: MessageTemplateButton,
  index: number,
  valueFor: Filler,
): TemplatePreviewButton {
  const text = button.text ?? '';
  if (index === oneTimePasswordButtonIndex(template)) {
    // The customer sees a copy button, not the OTP link behind it; it copies the body's code.
    const [placeholder = '1'] = placeholdersOf(templateBodyText(template), template.parameter_format);
    return { kind: 'copy_code', text, code: valueFor(`body.${placeholder}`, placeholder) };
  }
  if (isOneTimePasswordButton(button) || button.type === 'COPY_CODE') {
    return { kind: 'copy_code', text: button.text ?? copyCodeLabelDefault, code: valueFor(`button.${index}`, '1') };
  }
  switch (button.type) {
    case 'URL': {
      const url = (button.url ?? '').replace(urlSuffixPlaceholder, () => valueFor(`button.${index}`, '1'));
      return { kind: 'url', text, url };
    }
    case 'QUICK_REPLY':
      return { kind: 'quick_reply', text };
    case 'PHONE_NUMBER':
      return { kind: 'phone_number', text, ...(button.phone_number === undefined ? {} : { phoneNumber: button.phone_number }) };
    case 'FLOW':
      return { kind: 'flow', text };
    default:
      return { kind: 'other', text };
  }
}
