import { accountPricingSettingsSchema, routes, type WalletEntry } from '@wabridge/shared';
import { Router } from 'express';
import type { Caller } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import { ProblemError, validationProblem } from '../http/problem.js';
import type { Services } from '../services.js';
import { ledgerPage, recordPurchase, savePricingSettings, type WalletEntryRow, walletOf } from './store.js';

function installationOf(caller: Caller) {
  if (caller.kind !== 'installation') throw new ProblemError('installation_required', 'Use an installation token.');
  return caller;
}

function decodeLedgerCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const id = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(id) || id < 0) {
    throw validationProblem([{ path: 'query.cursor', code: 'invalid_cursor', message: 'is not a cursor this API returned' }]);
  }
  return id;
}

function presentEntry(row: WalletEntryRow): WalletEntry {
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
    reason: row.reason,
    created_at: row.created_at.toISOString(),
  };
}

export function walletRouter({ db }: Services, options: MountOptions): Router {
  const router = Router();

  mountRoute(router, routes.getWallet, async (_input, { caller }) => walletOf(db, installationOf(caller).accountId), options);

  mountRoute(
    router,
    routes.listWalletEntries,
    async ({ query }, { caller }) => {
      const { accountId } = installationOf(caller);
      const page = await ledgerPage(db, accountId, query.limit, decodeLedgerCursor(query.cursor));
      const last = page.rows.at(-1);
      return {
        data: page.rows.map(presentEntry),
        next_cursor: page.more && last !== undefined ? Buffer.from(String(last.id)).toString('base64url') : null,
      };
    },
    options,
  );

  mountRoute(
    router,
    routes.createPurchase,
    async ({ body }) =>
      recordPurchase(db, { accountId: body.account_id, points: body.points, paymentReference: body.payment_reference }),
    options,
  );

  mountRoute(
    router,
    routes.putWalletSettings,
    async ({ body }) => {
      const account = await db.selectFrom('accounts').select('id').where('id', '=', body.account_id).executeTakeFirst();
      if (account === undefined) throw new ProblemError('unknown_account', `No account ${body.account_id}.`);
      const parsed = accountPricingSettingsSchema.safeParse({
        currency: body.currency,
        pointPriceMinor: body.point_price_minor,
        quantityPrices: (body.quantity_prices ?? []).map((tier) => ({
          minimumPoints: tier.minimum_points,
          pointPriceMinor: tier.point_price_minor,
        })),
        feePercentBasisPoints: body.fee_percent_basis_points,
        taxRateBasisPoints: body.tax_rate_basis_points,
        pointValueMicroUsd: body.point_value_micro_usd,
      });
      if (!parsed.success) {
        throw validationProblem(
          parsed.error.issues.map((issue) => ({
            path: ['body', ...issue.path].join('.'),
            code: issue.code,
            message: issue.message,
          })),
        );
      }
      const settings = parsed.data;
      await savePricingSettings(db, body.account_id, settings);
      return {
        account_id: body.account_id,
        currency: settings.currency,
        point_price_minor: settings.pointPriceMinor,
        quantity_prices: settings.quantityPrices.map((tier) => ({
          minimum_points: tier.minimumPoints,
          point_price_minor: tier.pointPriceMinor,
        })),
        fee_percent_basis_points: settings.feePercentBasisPoints,
        tax_rate_basis_points: settings.taxRateBasisPoints,
        point_value_micro_usd: settings.pointValueMicroUsd,
      };
    },
    options,
  );
  return router;
}
