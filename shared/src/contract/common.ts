import * as z from 'zod';
import { problemCodes } from '../errors.js';
import { normalizeCustomerNumber, normalizePhoneNumber } from '../phone.js';

/** Opaque identifiers: a type prefix and 24 lowercase base-32 characters (120 random bits). */
export function prefixedId(prefix: string, description: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{24}$`), `must be an id starting with ${prefix}_`)
    .meta({ description, example: `${prefix}_0h2kq3v8x9w1m4n5p6r7s8t9` });
}

export const accountId = prefixedId('acc', 'Account ID: a customer of the bridge, owner of deployments and the wallet.');
export const deploymentId = prefixedId('dep', 'Deployment ID: one WhatsApp business number registered with the bridge.');
export const installationId = prefixedId('ins', 'Installation ID: one helpdesk (Zendesk subdomain or Zoho Desk org).');

export const timestamp = z.iso.datetime().meta({ description: 'ISO 8601 instant in UTC.', example: '2026-11-21T09:30:00.000Z' });

/** A phone number schema that normalises with `normalize` and refuses with its reason as `invalid_phone_number`. */
function phoneNumberSchema(normalize: typeof normalizePhoneNumber, description: string) {
  return z
    .string()
    .max(40, 'is too long for a phone number')
    .transform((value, context) => {
      const result = normalize(value);
      if (!result.ok) {
        context.addIssue({ code: 'custom', message: result.reason, params: { problem: 'invalid_phone_number' } });
        return z.NEVER;
      }
      return result.e164;
    })
    .meta({ description, example: '+81 90 1234 5678', override: { type: 'string' } });
}

/** A phone number in any common notation with its country code, normalised to E.164. */
export const phoneNumber = phoneNumberSchema(
  normalizePhoneNumber,
  'Phone number with country calling code; normalised to E.164.',
);

/**
 * A customer's number (a contact, a message's recipient): as `phoneNumber`, and also an international number of a
 * possible length whose range the phone-number metadata does not know yet (`normalizeCustomerNumber`): WhatsApp may
 * deliver it. A template to such a number that never wrote to us is refused when it is sent.
 */
export const customerPhoneNumber = phoneNumberSchema(
  normalizeCustomerNumber,
  'Customer’s phone number with country calling code; normalised to E.164. A number outside the ranges known for its ' +
    'country is accepted when its length is possible (WhatsApp may deliver it).',
);

/** Numeric Graph API object ids (WABA, phone number, business manager). */
export const metaObjectId = z
  .string()
  .regex(/^[0-9]{5,32}$/, 'must be the numeric id shown in Meta Business Manager')
  .meta({ example: '106540352242922' });

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'Page size (1–200).' }),
  cursor: z.string().max(200).optional().meta({ description: 'The `next_cursor` of the previous page.' }),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` to read the next page; null on the last.' }),
  });
}

export const validationIssue = z
  .object({
    path: z.string().meta({ description: 'Where the problem is: `body.display_phone_number`, `query.limit`…' }),
    code: z.string().meta({
      description: 'Stable machine code of the issue: `required` for an absent field, `unknown_field`, zod issue codes, or ours.',
    }),
    message: z.string(),
  })
  .meta({ id: 'ValidationIssue' });

export const problem = z
  .object({
    type: z.string().meta({ description: 'URI reference describing the problem type.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(problemCodes).meta({ description: 'Stable code that clients branch on and translate.' }),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z.array(validationIssue).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details, plus our stable `code`.' });

export type Problem = z.infer<typeof problem>;
export type ValidationIssue = z.infer<typeof validationIssue>;
