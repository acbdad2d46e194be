import type { ListedParameter } from '../contract/templates.js';
import {
  hasOnlyBody,
  headerMediaKind,
  isDynamicUrlButton,
  oneTimePasswordButtonIndex,
  placeholdersOf,
  type TemplateMediaKind,
  templateBody,
  templateButtons,
  templateHeader,
  urlSuffixPlaceholder,
} from './anatomy.js';
import {
  bodyOnlyTextLengthMax,
  bodyTextLengthMax,
  buttonUrlLengthMax,
  countMetaCharacters,
  couponCodeLengthMax,
  headerTextLengthMax,
  oneTimePasswordLengthMax,
} from './limits.js';
import type { MessageTemplate, MessageTemplateButton, MessageTemplateHeader } from './schema.js';

/*
 * The values a template needs, one `TemplateParameter` each, in the order a form shows them and Meta takes
 * them: header, body, then buttons by index.
 *
 * Keys, shared by the API (`template.parameters` of `POST /v1/messages`), validation problems and the panel:
 * - `header.<placeholder>` / `body.<placeholder>`: a text placeholder, by number (`body.1`) in POSITIONAL
 *   templates and by name (`body.customer_name`) in NAMED ones.
 * - `header.media`: the file of an IMAGE, VIDEO or DOCUMENT header.
 * - `button.<index>`: what button `index` (0-based, Meta's own index) takes: a URL button's suffix, a copy-code
 *   button's coupon code, or a quick-reply button's payload.
 * An authentication template's one-time password is the single `body.1`: Meta wants the same code in the body
 * and in the OTP button, so the button has no key of its own and takes the body's value.
 */

export type TemplateParameterKind = 'text' | 'media' | 'url_suffix' | 'payload' | 'coupon_code' | 'one_time_password';

export interface TemplateParameter {
  key: string;
  component: 'header' | 'body' | 'button';
  kind: TemplateParameterKind;
  /** The name between braces (`1`, `order_id`) for text, URL suffix and one-time password parameters. */
  placeholder: string | undefined;
  /** Buttons: Meta's index of the button. */
  buttonIndex: number | undefined;
  /** Media: the kind of file the header takes. */
  mediaKind: TemplateMediaKind | undefined;
  /** The example Meta reviewed the template with: a placeholder for a form, or a file URL for media. */
  example: string | undefined;
  /**
   * Whether Meta refuses the message without this value. Every parameter is, except a quick-reply payload:
   * Meta sends the button without one (the reply webhook then carries the button's text), so the payload is
   * optional and a form may offer it for routing replies.
   */
  required: boolean;
  /** Most characters the value may have, counted as `countMetaCharacters` does; undefined when Meta sets none. */
  lengthMax: number | undefined;
}

/** What a parameter of each kind leaves unset. */
const noParameterDetails = {
  placeholder: undefined,
  buttonIndex: undefined,
  mediaKind: undefined,
  example: undefined,
  lengthMax: undefined,
} as const;

export function templateParameters(template: MessageTemplate): TemplateParameter[] {
  return [...headerParameters(template), ...bodyParameters(template), ...buttonParameters(template)];
}

function headerParameters(template: MessageTemplate): TemplateParameter[] {
  const header = templateHeader(template);
  if (header === undefined) return [];
  const mediaKind = headerMediaKind(header);
  if (mediaKind !== undefined) {
    return [
      {
        ...noParameterDetails,
        key: 'header.media',
        component: 'header',
        kind: 'media',
        mediaKind,
        example: header.example?.header_handle?.[0],
        required: true,
      },
    ];
  }
  if (header.format !== 'TEXT') return [];
  return placeholdersOf(header.text ?? '', template.parameter_format).map((placeholder) => ({
    ...noParameterDetails,
    key: `header.${placeholder}`,
    component: 'header',
    kind: 'text',
    placeholder,
    example: headerExample(header, template, placeholder),
    required: true,
    lengthMax: headerTextLengthMax,
  }));
}

function headerExample(header: MessageTemplateHeader, template: MessageTemplate, placeholder: string): string | undefined {
  if (template.parameter_format === 'NAMED') {
    return header.example?.header_text_named_params?.find((example) => example.param_name === placeholder)?.example;
  }
  return header.example?.header_text?.[Number(placeholder) - 1];
}

function bodyParameters(template: MessageTemplate): TemplateParameter[] {
  const body = templateBody(template);
  if (body === undefined) return [];
  const isAuthentication = oneTimePasswordButtonIndex(template) !== undefined;
  const textLengthMax = hasOnlyBody(template) ? bodyOnlyTextLengthMax : bodyTextLengthMax;
  return placeholdersOf(body.text, template.parameter_format).map((placeholder) => ({
    ...noParameterDetails,
    key: `body.${placeholder}`,
    component: 'body',
    kind: isAuthentication ? 'one_time_password' : 'text',
    placeholder,
    example:
      template.parameter_format === 'NAMED'
        ? body.example?.body_text_named_params?.find((example) => example.param_name === placeholder)?.example
        : // `body_text` holds one list with the examples of {{1}}…{{n}} in order.
          body.example?.body_text?.[0]?.[Number(placeholder) - 1],
    required: true,
    lengthMax: isAuthentication ? oneTimePasswordLengthMax : textLengthMax,
  }));
}

function buttonParameters(template: MessageTemplate): TemplateParameter[] {
  const oneTimePasswordIndex = oneTimePasswordButtonIndex(template);
  return templateButtons(template).flatMap((button, buttonIndex) =>
    buttonIndex === oneTimePasswordIndex ? [] : buttonParameter(button, buttonIndex),
  );
}

function buttonParameter(button: MessageTemplateButton, buttonIndex: number): TemplateParameter[] {
  const common = { ...noParameterDetails, key: `button.${buttonIndex}`, component: 'button', buttonIndex } as const;
  if (isDynamicUrlButton(button)) {
    const url = button.url ?? '';
    return [
      {
        ...common,
        kind: 'url_suffix',
        placeholder: '1',
        example: urlSuffixExample(url, firstExample(button.example)),
        required: true,
        lengthMax: buttonUrlLengthMax - countMetaCharacters(url.replace(urlSuffixPlaceholder, '')),
      },
    ];
  }
  if (button.type === 'COPY_CODE') {
    return [
      { ...common, kind: 'coupon_code', example: firstExample(button.example), required: true, lengthMax: couponCodeLengthMax },
    ];
  }
  if (button.type === 'QUICK_REPLY') return [{ ...common, kind: 'payload', required: false }];
  return [];
}

function firstExample(example: MessageTemplateButton['example']): string | undefined {
  return typeof example === 'string' ? example : example?.[0];
}

/** Meta's example of a URL button is the whole link; the suffix is what stands where `{{1}}` is. */
function urlSuffixExample(url: string, exampleUrl: string | undefined): string | undefined {
  if (exampleUrl === undefined) return undefined;
  const [prefix = '', rest = ''] = url.split(urlSuffixPlaceholder);
  const fits = exampleUrl.startsWith(prefix) && exampleUrl.endsWith(rest) && exampleUrl.length > prefix.length + rest.length;
  return fits ? exampleUrl.slice(prefix.length, exampleUrl.length - rest.length) : undefined;
}

/** The values a template needs, as `GET /v1/templates` lists them (snake_case, unset details as null). */
export function listedParameters(template: MessageTemplate): ListedParameter[] {
  return templateParameters(template).map((parameter) => ({
    key: parameter.key,
    component: parameter.component,
    kind: parameter.kind,
    placeholder: parameter.placeholder ?? null,
    button_index: parameter.buttonIndex ?? null,
    media_kind: parameter.mediaKind ?? null,
    example: parameter.example ?? null,
    required: parameter.required,
    length_max: parameter.lengthMax ?? null,
  }));
}
