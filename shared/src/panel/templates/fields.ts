import type { ListedParameter, TemplateSummary } from '../../contract/templates.js';
import type { TicketContext } from '../host.js';

/**
 * One field of the template form: the value of one or more parameters. A NAMED template that uses a name twice
 * (`{{order_id}}` in the header and in the body) means one thing, so the agent types it once and the panel sends it
 * under each key (Meta still takes the header's and the body's parameters separately, each component its own list).
 * POSITIONAL templates number each component's placeholders from 1 on their own (the header's `{{1}}` is not the
 * body's), so their parameters stay one field each. (Meta, "Template fundamentals", `parameter_format`:
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview)
 */
export interface TemplateField {
  /** The first parameter: its key names the field, its kind, example and placeholder describe it. */
  parameter: ListedParameter;
  /** Every key the value goes under, `parameter.key` first. */
  keys: string[];
}

export function templateFields(summary: Pick<TemplateSummary, 'parameter_format' | 'parameters'>): TemplateField[] {
  const fields: TemplateField[] = [];
  const byName = new Map<string, TemplateField>();
  for (const parameter of summary.parameters) {
    const name = summary.parameter_format === 'NAMED' && parameter.kind === 'text' ? parameter.placeholder : null;
    const same = name === null ? undefined : byName.get(name);
    if (same !== undefined) {
      same.keys.push(parameter.key);
      // The value must fit everywhere it goes: the tighter limit is the field's.
      same.parameter = { ...same.parameter, length_max: tighter(same.parameter.length_max, parameter.length_max) };
      continue;
    }
    const field = { parameter, keys: [parameter.key] };
    fields.push(field);
    if (name !== null) byName.set(name, field);
  }
  return fields;
}

function tighter(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** Placeholder names that mean the customer's first name, as templates commonly spell them. */
const firstNamePlaceholders = new Set(['first_name', 'firstname', 'given_name', 'customer_first_name']);

/**
 * The values the ticket already knows, by parameter key: the requester's first name for a `{{first_name}}`-like
 * named value, where the helpdesk gives it. The agent sees them in the fields and may change them.
 */
export function prefilledValues(fields: TemplateField[], ticket: TicketContext): Record<string, string> {
  const firstName = ticket.requesterFirstName?.trim() ?? '';
  if (firstName === '') return {};
  const values: Record<string, string> = {};
  for (const { parameter, keys } of fields) {
    if (parameter.kind !== 'text' || !firstNamePlaceholders.has((parameter.placeholder ?? '').toLowerCase())) continue;
    for (const key of keys) values[key] = firstName;
  }
  return values;
}
