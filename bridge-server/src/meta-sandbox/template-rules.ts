import { GraphError } from './graph-errors.js';
import type { TemplateParameter, TemplateSendComponent } from './send-schema.js';
import type { SandboxState, Template } from './state.js';

/**
 * Template send rules, in the order Meta applies them: the template must exist in that language (132001),
 * be sendable (paused 132015, disabled 132016, anything else unapproved 132001), and the request must give
 * exactly the parameters each component needs (132000), in the right format (132012), named by
 * `parameter_name` when the template uses NAMED parameters.
 */

/** Statuses that can be sent. A FLAGGED template still sends until Meta pauses it. */
const sendableStatuses = new Set(['APPROVED', 'FLAGGED']);

export function findSendableTemplate(state: SandboxState, wabaId: string, name: string, languageCode: string): Template {
  const template = state.templates
    .get(wabaId)
    ?.find((candidate) => candidate.name === name && candidate.language === languageCode);
  if (template === undefined) {
    throw new GraphError(132001, `template name (${name}) does not exist in ${languageCode}`);
  }
  if (template.status === 'PAUSED') {
    throw new GraphError(132015, 'Template is paused due to low quality so it cannot be sent in a template message.');
  }
  if (template.status === 'DISABLED') {
    throw new GraphError(132016, 'Template has been paused too many times due to low quality and is now permanently disabled.');
  }
  if (!sendableStatuses.has(template.status)) {
    throw new GraphError(132001, `template name (${name}) is not approved in ${languageCode} (status ${template.status})`);
  }
  return template;
}

type TextSlot = { kind: 'text'; count: number; names: string[] | undefined };
type MediaSlot = { kind: 'media'; format: 'image' | 'document' | 'video' | 'location' };
type ButtonSlot = { index: number; subType: 'url' | 'copy_code' | 'quick_reply' | 'static'; needsParameter: boolean };

interface TemplateSlots {
  header: TextSlot | MediaSlot | undefined;
  body: TextSlot;
  buttons: ButtonSlot[];
}

/** `{{1}}` … `{{n}}` or `{{name}}` placeholders, each counted once. */
function placeholdersOf(text: string, format: Template['parameterFormat']): string[] {
  const pattern = format === 'NAMED' ? /\{\{([a-z_][a-z0-9_]*)\}\}/g : /\{\{(\d+)\}\}/g;
  return [...new Set([...text.matchAll(pattern)].map((match) => match[1] as string))];
}

function textSlot(text: unknown, format: Template['parameterFormat']): TextSlot {
  const placeholders = placeholdersOf(typeof text === 'string' ? text : '', format);
  return { kind: 'text', count: placeholders.length, names: format === 'NAMED' ? placeholders : undefined };
}

function buttonSlot(button: Record<string, unknown>, index: number): ButtonSlot {
  if (button.type === 'URL') {
    // URL buttons always number their single dynamic suffix {{1}}, NAMED templates included.
    const dynamic = typeof button.url === 'string' && button.url.includes('{{1}}');
    return { index, subType: dynamic ? 'url' : 'static', needsParameter: dynamic };
  }
  if (button.type === 'COPY_CODE') return { index, subType: 'copy_code', needsParameter: true };
  if (button.type === 'QUICK_REPLY') return { index, subType: 'quick_reply', needsParameter: false };
  return { index, subType: 'static', needsParameter: false };
}

export function slotsOf(template: Template): TemplateSlots {
  const slots: TemplateSlots = { header: undefined, body: { kind: 'text', count: 0, names: [] }, buttons: [] };
  for (const component of template.components) {
    if (component.type === 'HEADER') {
      const format = String(component.format ?? 'TEXT');
      slots.header =
        format === 'TEXT'
          ? textSlot(component.text, template.parameterFormat)
          : { kind: 'media', format: format.toLowerCase() as MediaSlot['format'] };
    } else if (component.type === 'BODY') {
      slots.body = textSlot(component.text, template.parameterFormat);
    } else if (component.type === 'BUTTONS') {
      const buttons = (component.buttons as Record<string, unknown>[] | undefined) ?? [];
      slots.buttons = buttons.map(buttonSlot);
    }
  }
  return slots;
}

function countMismatch(where: string, received: number, expected: number): GraphError {
  return new GraphError(
    132000,
    `${where}: number of localizable_params (${received}) does not match the expected number of params (${expected})`,
  );
}

const textLikeTypes = new Set(['text', 'currency', 'date_time']);

/** Meta refuses template text parameters that would break the template's layout. */
function checkTextValue(where: string, parameter: TemplateParameter): void {
  if (parameter.type !== 'text') return;
  if (parameter.text.trim() === '') throw new GraphError(100, `${where}: Param text cannot be empty`);
  if (/[\n\t]| {5,}/.test(parameter.text)) {
    throw new GraphError(100, `${where}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces`);
  }
}

function checkNames(where: string, slot: TextSlot, parameters: TemplateParameter[]): void {
  if (slot.names === undefined) return;
  const seen = new Set<string>();
  for (const parameter of parameters) {
    const name = 'parameter_name' in parameter ? parameter.parameter_name : undefined;
    if (name === undefined || name === '') {
      throw new GraphError(132000, `${where}: Parameter name is missing or empty; this template uses NAMED parameters`);
    }
    if (!slot.names.includes(name)) {
      throw new GraphError(132000, `${where}: Parameter name (${name}) does not exist in the template`);
    }
    if (seen.has(name)) throw new GraphError(132000, `${where}: Parameter name (${name}) is given more than once`);
    seen.add(name);
  }
}

function checkTextComponent(where: string, slot: TextSlot, component: TemplateSendComponent | undefined): void {
  const parameters = component?.parameters ?? [];
  if (parameters.length !== slot.count) throw countMismatch(where, parameters.length, slot.count);
  for (const parameter of parameters) {
    if (!textLikeTypes.has(parameter.type)) {
      throw new GraphError(132012, `${where}: Format mismatch, expected TEXT, received ${parameter.type.toUpperCase()}`);
    }
    checkTextValue(where, parameter);
  }
  checkNames(where, slot, parameters);
}

function checkHeader(slot: TemplateSlots['header'], component: TemplateSendComponent | undefined): void {
  if (slot === undefined || slot.kind === 'text') {
    checkTextComponent('header', slot ?? { kind: 'text', count: 0, names: undefined }, component);
    return;
  }
  const parameters = component?.parameters ?? [];
  if (parameters.length !== 1) throw countMismatch('header', parameters.length, 1);
  const [parameter] = parameters as [TemplateParameter];
  if (parameter.type !== slot.format) {
    throw new GraphError(
      132012,
      `header: Format mismatch, expected ${slot.format.toUpperCase()}, received ${parameter.type.toUpperCase()}`,
    );
  }
}

function checkButton(slot: ButtonSlot | undefined, index: number, component: TemplateSendComponent): void {
  if (slot === undefined) throw new GraphError(131009, `buttons: Button at index ${index} does not exist in the template`);
  const parameters = component.parameters;
  if (slot.subType === 'quick_reply') {
    if (component.sub_type !== 'quick_reply') {
      throw new GraphError(
        131009,
        `buttons: Button at index ${index} is of type QUICK_REPLY, not ${component.sub_type ?? 'unset'}`,
      );
    }
    if (parameters.length > 1 || parameters.some((parameter) => parameter.type !== 'payload' && parameter.type !== 'text')) {
      throw new GraphError(131009, `buttons: a quick reply button takes at most one payload parameter (index ${index})`);
    }
    return;
  }
  if (!slot.needsParameter) throw countMismatch(`button at index ${index}`, parameters.length, 0);
  if (component.sub_type !== slot.subType) {
    throw new GraphError(
      131009,
      `buttons: Button at index ${index} is of type ${slot.subType}, not ${component.sub_type ?? 'unset'}`,
    );
  }
  if (parameters.length !== 1) throw countMismatch(`button at index ${index}`, parameters.length, 1);
  const expectedType = slot.subType === 'copy_code' ? 'coupon_code' : 'text';
  const [parameter] = parameters as [TemplateParameter];
  if (parameter.type !== expectedType) {
    throw new GraphError(
      132012,
      `button at index ${index}: Format mismatch, expected ${expectedType}, received ${parameter.type}`,
    );
  }
  checkTextValue(`button at index ${index}`, parameter);
}

function singleComponent(components: TemplateSendComponent[], type: 'header' | 'body'): TemplateSendComponent | undefined {
  const matching = components.filter((component) => component.type === type);
  if (matching.length > 1) throw new GraphError(100, `Param template['components'] has more than one ${type} component`);
  return matching[0];
}

/** Throws the Graph error Meta would answer when the components do not fit the template. */
export function checkTemplateParameters(template: Template, components: TemplateSendComponent[]): void {
  const slots = slotsOf(template);
  checkHeader(slots.header, singleComponent(components, 'header'));
  checkTextComponent('body', slots.body, singleComponent(components, 'body'));
  const given = new Map<number, TemplateSendComponent>();
  for (const component of components.filter((candidate) => candidate.type === 'button')) {
    if (component.index === undefined) throw new GraphError(100, "Param template['components'][button]['index'] is required");
    if (given.has(component.index)) throw new GraphError(100, `More than one button component with index ${component.index}`);
    given.set(component.index, component);
    checkButton(slots.buttons[component.index], component.index, component);
  }
  for (const slot of slots.buttons) {
    if (slot.needsParameter && !given.has(slot.index)) {
      throw new GraphError(
        132000,
        `buttons: Button at index ${slot.index} of type ${slot.subType === 'url' ? 'Url' : 'CopyCode'} requires a parameter`,
      );
    }
  }
}
