import * as z from 'zod';
import { accountId, timestamp } from '../common.js';
import { importRateCardQuery, rateCardSummary } from '../pricing.js';
import { defineRoute, defineRoutes } from '../route.js';
import { periodQuery } from '../usage.js';
import { walletEntryKinds } from '../wallet.js';

/*
 * What the admin console's wallet pages read beyond the ledger and usage reports: the balance over time (every
 * change, computed by the bridge from the whole ledger, so a chart never starts from a guessed zero or stops at a
 * page boundary), and a dry run of a rate card import that says how it differs from the card in force.
 */

const points = z.number().int();

export const balanceHistoryQuery = z.strictObject({
  ...periodQuery,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(500)
    .meta({ description: 'At most this many changes, the latest of the period (1–1000).' }),
});

const balanceState = {
  balance: points.meta({ description: 'Points bought and adjusted minus points captured and charged.' }),
  reserved: points.meta({ description: 'Points held for messages Meta has not billed or released yet.' }),
  available: points.meta({ description: 'balance − reserved.' }),
};

export const balanceHistory = z
  .object({
    account_id: accountId,
    from: timestamp,
    to: timestamp,
    opening: z
      .object(balanceState)
      .meta({ description: 'The wallet just before the first change listed (at `from` when none is left out).' }),
    changes: z
      .array(
        z.object({
          entry_id: z.string().meta({ description: 'The ledger entry (GET /v1/wallet/ledger) that made the change.' }),
          kind: z.enum(walletEntryKinds),
          at: timestamp,
          ...balanceState,
        }),
      )
      .meta({ description: 'The wallet after each ledger entry of the period, oldest first.' }),
    truncated: z.boolean().meta({ description: 'Earlier changes of the period were left out (see `limit`).' }),
  })
  .meta({ id: 'BalanceHistory' });

const rateField = z.enum([
  'marketing',
  'utility',
  'authentication',
  'authentication_international',
  'service',
  'business_initiated',
  'user_initiated',
]);

export const rateCardPreview = z
  .object({
    card: rateCardSummary.meta({ description: 'The card as it would be stored (nothing is).' }),
    compared_with: rateCardSummary
      .nullable()
      .meta({ description: 'The card of the same model in force now; null when there is none.' }),
    summary: z.object({
      added: z.number().int().min(0),
      removed: z.number().int().min(0),
      changed: z.number().int().min(0),
      unchanged: z.number().int().min(0),
    }),
    differences: z
      .array(
        z.object({
          market: z.string(),
          change: z.enum(['added', 'removed', 'changed']),
          rates: z
            .array(
              z.object({
                rate: rateField,
                before_micro_usd: z.number().int().nullable(),
                after_micro_usd: z.number().int().nullable(),
              }),
            )
            .meta({ description: 'The rates that differ (every rate of an added or removed market).' }),
        }),
      )
      .meta({ description: 'Markets whose rates differ, in alphabetical order.' }),
  })
  .meta({ id: 'RateCardPreview' });

export const walletConsoleRoutes = defineRoutes({
  getBalanceHistory: defineRoute({
    method: 'get',
    path: '/v1/wallet/balance-history',
    operationId: 'getBalanceHistory',
    summary:
      'The wallet after each ledger entry of a period (balance, reserved, available), from the whole ledger: the balance ' +
      'over time. An account admin and an installation read their own account; the administrator names one.',
    tag: 'Points',
    auth: 'admin_or_installation',
    query: balanceHistoryQuery,
    successStatus: 200,
    response: balanceHistory,
    problems: ['validation_failed', 'invalid_period', 'unknown_account'],
  }),
  previewRateCard: defineRoute({
    method: 'post',
    path: '/v1/pricing/rate-cards/preview',
    operationId: 'previewRateCard',
    summary:
      'A dry run of POST /v1/pricing/rate-cards: the same checks and refusals, and how the card differs from the one in ' +
      'force, market by market. Nothing is stored.',
    tag: 'Points',
    auth: 'admin',
    query: importRateCardQuery,
    rawBody: {
      contentTypes: ['text/csv'],
      description: 'The CSV as for POST /v1/pricing/rate-cards. UTF-8, at most 256 KiB.',
    },
    successStatus: 200,
    response: rateCardPreview,
    problems: ['validation_failed', 'invalid_rate_card', 'rate_card_exists', 'rate_card_backdated', 'payload_too_large'],
  }),
});

export type BalanceHistory = z.infer<typeof balanceHistory>;
export type RateCardPreview = z.infer<typeof rateCardPreview>;
