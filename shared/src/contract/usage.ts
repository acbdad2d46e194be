import * as z from 'zod';
import { isIsoDate, isKnownTimeZone } from '../pricing/effective-dates.js';
import { accountId, deploymentId, timestamp } from './common.js';

/*
 * Spending and its reconciliation with Meta. Both reports cover the metered messages sent in a period
 * (`from` inclusive, `to` exclusive), counted by the instant each message was sent.
 */

/** What the usage report can be grouped by, in any combination. */
export const usageDimensions = ['day', 'category', 'market', 'deployment', 'helpdesk'] as const;
export type UsageDimension = (typeof usageDimensions)[number];

const count = z.number().int().min(0);
const points = z.number().int().min(0);

/** Neither a date nor an instant: the message every bad bound gets. */
const boundMessage =
  'must be a date (2026-01-31, midnight in `timezone`) or an instant with its offset (2026-01-31T00:00:00+09:00)';

const periodBound = (description: string) =>
  z
    .string()
    .max(40)
    .refine((value) => isIsoDate(value) || z.iso.datetime({ offset: true }).safeParse(value).success, boundMessage)
    .meta({ description, example: '2026-01-01' });

// Names only: an offset such as +09:00 would be read by PostgreSQL the POSIX way round (9 hours west).
const timeZoneName = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

const timeZone = z
  .string()
  .max(64)
  .default('UTC')
  .transform((value, context) => {
    if (!timeZoneName.test(value) || !isKnownTimeZone(value)) {
      context.addIssue({
        code: 'custom',
        message: 'must be an IANA time zone name such as Asia/Tokyo or UTC',
        params: { problem: 'unknown_time_zone' },
      });
      return z.NEVER;
    }
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  })
  .meta({
    description: 'IANA time zone of the days (the `day` group and date bounds). Default UTC.',
    example: 'Asia/Tokyo',
    override: { type: 'string' },
  });

export const periodQuery = {
  from: periodBound('Start of the period (inclusive).'),
  to: periodBound('End of the period (exclusive); at most 366 days after `from`.'),
  timezone: timeZone,
  account_id: accountId.optional().meta({ description: 'The account to report on: required for the administrator.' }),
};

const groupBy = z
  .string()
  .max(200)
  .optional()
  .transform((value, context) => {
    const names = value === undefined || value === '' ? [] : value.split(',').map((name) => name.trim());
    names.forEach((name, index) => {
      const known = (usageDimensions as readonly string[]).includes(name);
      if (!known || names.indexOf(name) !== index) {
        context.addIssue({
          code: 'custom',
          message: known
            ? `"${name}" is listed twice`
            : `"${name}" is not a group: use any of ${usageDimensions.join(', ')}, separated by commas`,
          params: { problem: known ? 'duplicate_group' : 'unknown_group' },
        });
      }
    });
    return names as UsageDimension[];
  })
  .meta({
    description: `Comma-separated dimensions to group by, any of ${usageDimensions.join(', ')}. None: one group of everything.`,
    example: 'day,category',
    override: { type: 'string' },
  });

export const usageQuery = z.strictObject({ ...periodQuery, group_by: groupBy });

const helpdesk = z.enum(['zendesk', 'zoho']);

export const usageFigures = z.object({
  messages: count.meta({ description: 'Metered messages sent (paid, held, released and free).' }),
  paid_messages: count.meta({ description: 'Messages Meta billed and we captured.' }),
  points_captured: points.meta({ description: 'Points deducted for them: the ledger’s captures.' }),
  points_uncollected: points.meta({ description: 'Points Meta’s billing called for that the balance could not cover.' }),
  held_messages: count.meta({ description: 'Messages Meta has not priced yet.' }),
  points_held: points.meta({ description: 'Points still reserved for them.' }),
  released_messages: count.meta({ description: 'Messages held, then released: Meta did not bill them, or they failed.' }),
  expired_messages: count.meta({ description: 'Messages whose hold was returned because Meta had not priced them in time.' }),
  free_messages: count.meta({ description: 'Messages we priced free at the send (nothing held).' }),
  free_messages_by_reason: z
    .record(z.string(), count)
    .meta({ description: 'free_messages by why they were free: customer_service_window, free_entry_point…' }),
});

export const usageGroup = usageFigures
  .extend({
    key: z
      .object({
        day: z.iso.date().optional().meta({ description: 'The send’s date in `timezone`.' }),
        category: z.string().optional().meta({ description: 'The category the points were captured at (Meta’s), else ours.' }),
        market: z.string().optional(),
        deployment_id: deploymentId.optional(),
        helpdesk: helpdesk.nullable().optional().meta({ description: 'The helpdesk that sent it; null when none did.' }),
      })
      .meta({ description: 'The value of each `group_by` dimension.' }),
  })
  .meta({ id: 'UsageGroup' });

export const usageReport = z
  .object({
    account_id: accountId,
    from: timestamp,
    to: timestamp,
    timezone: z.string(),
    group_by: z.array(z.enum(usageDimensions)),
    groups: z.array(usageGroup).meta({ description: 'One per combination of dimension values with messages, in order.' }),
    totals: usageFigures,
  })
  .meta({ id: 'UsageReport' });

/**
 * How a message's charge compares with Meta's word on it. Each message is in one class, the first that applies:
 * the discrepancies in this order, then `awaiting_meta` and `matched`.
 */
export const discrepancyClasses = [
  'billable_not_captured',
  'captured_not_billable',
  'category_mismatch',
  'uncollected',
  'held_without_pricing',
] as const;
export const reconciliationClasses = [...discrepancyClasses, 'awaiting_meta', 'matched'] as const;
export type ReconciliationClass = (typeof reconciliationClasses)[number];

export const reconciliationQuery = z.strictObject({
  ...periodQuery,
  class: z.enum(discrepancyClasses).optional().meta({ description: 'List only the discrepancies of this class.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'Page size (1–200).' }),
  cursor: z.string().max(200).optional().meta({ description: 'The `next_cursor` of the previous page.' }),
});

const classFigures = z.object({
  messages: count,
  points: points.meta({
    description:
      'Captured points for matched, captured_not_billable and category_mismatch; uncollected points for uncollected; ' +
      'the points quoted at the send (held, or released) for the others.',
  }),
});

export const reconciliationItem = z
  .object({
    class: z.enum(discrepancyClasses),
    message_id: z.string(),
    deployment_id: deploymentId,
    ticket: z.object({ helpdesk, id: z.string() }).nullable(),
    sent_at: timestamp,
    charge: z.object({
      state: z.enum(['held', 'expired', 'captured', 'released', 'free']),
      category: z.string().meta({ description: 'Our category at the send.' }),
      market: z.string(),
      points: points.meta({ description: 'Our quote at the send.' }),
      captured_points: points.nullable(),
      uncollected_points: points,
      free_reason: z.string().nullable(),
      captured_category: z.string().nullable().meta({ description: 'The category the points were captured at.' }),
    }),
    meta: z
      .object({
        billable: z.boolean(),
        pricing_model: z.string().nullable(),
        type: z.string().nullable(),
        category: z.string().nullable(),
        status: z.string().meta({ description: 'The status that carried Meta’s latest word (sent, delivered, failed…).' }),
        reported_at: timestamp,
      })
      .nullable()
      .meta({ description: 'What Meta last reported of the message’s billing; null when it has not yet.' }),
  })
  .meta({ id: 'ReconciliationItem' });

export const reconciliationReport = z
  .object({
    account_id: accountId,
    from: timestamp,
    to: timestamp,
    summary: z.record(z.enum(reconciliationClasses), classFigures).meta({ description: 'Every class, even when empty.' }),
    discrepancies: z.array(reconciliationItem).meta({ description: 'A page of the discrepancies, oldest send first.' }),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` to read the next page; null on the last.' }),
  })
  .meta({ id: 'ReconciliationReport' });

export type UsageFigures = z.infer<typeof usageFigures>;
export type UsageReport = z.infer<typeof usageReport>;
export type ReconciliationItem = z.infer<typeof reconciliationItem>;
export type ReconciliationReport = z.infer<typeof reconciliationReport>;
