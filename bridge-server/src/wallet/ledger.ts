import { csvCell, csvLine, type WalletEntry, type WalletLedgerFilters } from '@wabridge/shared';
import type { Kysely, Selectable } from 'kysely';
import { validationFailed } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';
import { walletReasonCodeOf } from './reason-codes.js';

/** One entry of the append-only ledger. */
export type WalletEntryRow = Selectable<Schema['wallet_entries']>;

/*
 * Reading the ledger: pages of the filtered entries for the API, and the whole filtered ledger as CSV. Both walk
 * the entries by id (the ledger's order), so a cursor stays valid under the same filters and an export that reads
 * page after page writes every entry once.
 */

/** Rows per query of a CSV export: big enough to make the round trips few, small enough to keep memory flat. */
const exportPageSize = 500;

/**
 * A page of the account's filtered ledger, oldest first (or newest first), after the entry `afterId` and (for an export, which reads
 * the ledger as of its start) up to `throughId`.
 */
export async function ledgerPage(
  db: Kysely<Schema>,
  accountId: string,
  filters: WalletLedgerFilters,
  page: { limit: number; afterId?: number | undefined; throughId?: number | undefined; newestFirst?: boolean },
) {
  let query = db.selectFrom('wallet_entries').selectAll().where('account_id', '=', accountId);
  if (filters.kind !== undefined) query = query.where('kind', 'in', filters.kind);
  if (filters.from !== undefined) query = query.where('created_at', '>=', new Date(filters.from));
  if (filters.to !== undefined) query = query.where('created_at', '<', new Date(filters.to));
  if (filters.deployment_id !== undefined) query = query.where('deployment_id', '=', filters.deployment_id);
  if (filters.helpdesk !== undefined) query = query.where('ticket_helpdesk', '=', filters.helpdesk);
  if (filters.ticket_id !== undefined) query = query.where('ticket_id', '=', filters.ticket_id);
  if (filters.message_id !== undefined) query = query.where('message_id', '=', filters.message_id);
  // "After" in the order read: a newest-first page continues below the last id it answered.
  if (page.afterId !== undefined) query = query.where('id', page.newestFirst === true ? '<' : '>', page.afterId);
  if (page.throughId !== undefined) query = query.where('id', '<=', page.throughId);
  const rows = await query
    .orderBy('id', page.newestFirst === true ? 'desc' : 'asc')
    .limit(page.limit + 1)
    .execute();
  return { rows: rows.slice(0, page.limit), more: rows.length > page.limit };
}

export function encodeLedgerCursor(row: WalletEntryRow): string {
  return Buffer.from(String(row.id)).toString('base64url');
}

export function decodeLedgerCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = Number(text);
  if (!/^[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(id)) {
    throw validationFailed([{ path: 'query.cursor', code: 'invalid_cursor', message: 'is not a cursor this API returned' }]);
  }
  return id;
}

export function presentEntry(row: WalletEntryRow): WalletEntry {
  const rated = row.rate_card_id !== null || row.category !== null;
  return {
    id: String(row.id),
    kind: row.kind,
    balance_delta_points: Number(row.balance_delta_points),
    reserved_delta_points: Number(row.reserved_delta_points),
    message_id: row.message_id,
    deployment_id: row.deployment_id,
    installation_id: row.installation_id,
    ticket: row.ticket_helpdesk === null || row.ticket_id === null ? null : { helpdesk: row.ticket_helpdesk, id: row.ticket_id },
    payment_reference: row.payment_reference,
    rate: rated
      ? {
          rate_card: row.rate_card_id,
          rule_set: row.rule_set_id,
          category: row.category,
          market: row.market,
          rate_micro_usd: row.rate_micro_usd === null ? null : Number(row.rate_micro_usd),
        }
      : null,
    adjustment_reference: row.adjustment_reference,
    hosting_period: row.hosting_period,
    reason: row.reason,
    reason_code: walletReasonCodeOf(row),
    created_at: row.created_at.toISOString(),
  };
}

export const ledgerCsvColumns = [
  'id',
  'created_at',
  'kind',
  'balance_delta_points',
  'reserved_delta_points',
  'deployment_id',
  'installation_id',
  'ticket_helpdesk',
  'ticket_id',
  'message_id',
  'payment_reference',
  'adjustment_reference',
  'hosting_period',
  'rate_card',
  'rule_set',
  'category',
  'market',
  'rate_micro_usd',
  'reason',
] as const;

/**
 * One entry as a CSV record. Text cells go through csvCell (quoted as RFC 4180 needs, and neutralised when a
 * spreadsheet would run them: reasons and references are typed by people). Numbers are written bare, so that a
 * spreadsheet sums them: they are integers the bridge wrote itself, and a debit's leading minus is a number, not
 * a formula anyone could smuggle in.
 */
function ledgerCsvLine(row: WalletEntryRow): string {
  const number = (value: number | null) => (value === null ? '' : String(Number(value)));
  const text = (value: string | null) => csvCell(value ?? '');
  const cells = [
    number(row.id),
    text(row.created_at.toISOString()),
    text(row.kind),
    number(row.balance_delta_points),
    number(row.reserved_delta_points),
    text(row.deployment_id),
    text(row.installation_id),
    text(row.ticket_helpdesk),
    text(row.ticket_id),
    text(row.message_id),
    text(row.payment_reference),
    text(row.adjustment_reference),
    text(row.hosting_period),
    text(row.rate_card_id),
    text(row.rule_set_id),
    text(row.category),
    text(row.market),
    number(row.rate_micro_usd),
    text(row.reason),
  ];
  return `${cells.join(',')}\r\n`;
}

/**
 * Streams the account's filtered ledger as CSV, page by page (never the whole ledger in memory), as it stands when
 * the export starts: entries written meanwhile are left for the next export. UTF-8 with a BOM, as the consent
 * export writes it, so that Excel reads the reasons' non-ASCII text right.
 */
export async function* ledgerCsv(db: Kysely<Schema>, accountId: string, filters: WalletLedgerFilters): AsyncGenerator<string> {
  const last = await db
    .selectFrom('wallet_entries')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  const throughId = last?.id === null || last?.id === undefined ? 0 : Number(last.id);
  yield `\uFEFF${csvLine(ledgerCsvColumns)}`;
  let afterId: number | undefined;
  for (;;) {
    const page = await ledgerPage(db, accountId, filters, { limit: exportPageSize, afterId, throughId });
    yield page.rows.map(ledgerCsvLine).join('');
    const lastRow = page.rows.at(-1);
    if (!page.more || lastRow === undefined) break;
    afterId = Number(lastRow.id);
  }
}
