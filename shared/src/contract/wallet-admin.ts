import * as z from 'zod';
import { accountId, deploymentId, timestamp } from './common.js';
import { helpdesk } from './installations.js';
import { messageId } from './messages.js';
import { walletEntryKinds } from './wallet.js';

/** `kind=capture,release` or `kind=capture&kind=release`: one or several ledger kinds. */
const kindFilter = z
  .union([z.string(), z.array(z.string()).max(walletEntryKinds.length)])
  .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',')))
  .pipe(z.array(z.enum(walletEntryKinds)).min(1))
  .meta({
    description: `Only entries of these kinds: comma-separated or repeated (${walletEntryKinds.join(', ')}).`,
    example: 'capture,release',
  });

const ledgerFilters = {
  account_id: accountId
    .optional()
    .meta({ description: 'Whose ledger: required for the administrator; an installation reads its own account’s.' }),
  kind: kindFilter.optional(),
  from: timestamp.optional().meta({ description: 'created_at ≥ from.' }),
  to: timestamp.optional().meta({ description: 'created_at < to.' }),
  deployment_id: deploymentId.optional(),
  helpdesk: helpdesk.optional().meta({ description: 'Entries linked to a ticket of this helpdesk.' }),
  ticket_id: z.string().min(1).max(128).optional(),
  message_id: messageId.optional(),
};

type LedgerRange = { from?: string | undefined; to?: string | undefined };
const rangeIsOrdered = (query: LedgerRange) =>
  query.from === undefined || query.to === undefined || Date.parse(query.from) < Date.parse(query.to);
const rangeProblem = { message: 'must be later than from', path: ['to'] };

/** `GET /v1/wallet/ledger`: a page of the filtered ledger, oldest first (or newest first). */
export const walletLedgerQuery = z
  .strictObject({
    ...ledgerFilters,
    limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'Page size (1–200).' }),
    order: z
      .enum(['oldest_first', 'newest_first'])
      .default('oldest_first')
      .meta({ description: 'The ledger’s order (oldest_first) or the reverse; a cursor keeps the order it was read in.' }),
    cursor: z
      .string()
      .max(200)
      .optional()
      .meta({ description: 'The `next_cursor` of the previous page, asked with the same filters.' }),
  })
  .refine(rangeIsOrdered, rangeProblem);

/** `GET /v1/wallet/ledger.csv`: the whole filtered ledger. */
export const walletLedgerExportQuery = z.strictObject(ledgerFilters).refine(rangeIsOrdered, rangeProblem);

export const createAdjustmentRequest = z
  .strictObject({
    account_id: accountId,
    points: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((points) => points !== 0, 'must not be 0: positive credits the balance, negative debits it')
      .meta({ description: 'Positive: credit the balance. Negative: debit it (never beyond the available points).' }),
    reason: z.string().trim().min(1).max(500).meta({ description: 'Why: shown in the ledger and its CSV export.' }),
    reference: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: 'Your reference (a ticket, a credit note): the same reference is counted once.' }),
  })
  .meta({ id: 'CreateAdjustmentRequest' });

export const hostingFeeRequest = z
  .strictObject({
    monthly_points: z.number().int().min(1).max(1_000_000_000).nullable().meta({
      description: 'Points charged each calendar month (UTC) for hosting this number; null: no fee.',
    }),
  })
  .meta({ id: 'HostingFeeRequest' });

export const hostingFee = z
  .object({
    deployment_id: deploymentId,
    account_id: accountId,
    monthly_points: z.number().int().min(1).nullable(),
    updated_at: timestamp.nullable().meta({ description: 'When the fee was last set; null when there is none.' }),
  })
  .meta({ id: 'HostingFee' });

export type WalletLedgerQuery = z.infer<typeof walletLedgerQuery>;
export type WalletLedgerFilters = z.infer<typeof walletLedgerExportQuery>;
export type CreateAdjustmentRequest = z.infer<typeof createAdjustmentRequest>;
export type HostingFee = z.infer<typeof hostingFee>;
