import { accountPricingSettingsSchema, routes } from '@wabridge/shared';
import { Router } from 'express';
import { findAccount } from '../accounts/store.js';
import { DomainError, validationFailed } from '../domain/errors.js';
import { actingAccount, installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { recordAdjustment } from './adjustments.js';
import { setHostingFee } from './hosting.js';
import { decodeLedgerCursor, encodeLedgerCursor, ledgerCsv, ledgerPage, presentEntry } from './ledger.js';
import { walletOverviewOf } from './notifications.js';
import { recordPurchase } from './purchases.js';
import { savePricingSettings } from './settings.js';

export function walletRouter({ db }: Services, options: MountOptions): Router {
  const router = Router();

  mountRoute(
    router,
    routes.getWallet,
    async (_input, { caller }) => walletOverviewOf(db, installationOf(caller).accountId),
    options,
  );

  mountRoute(
    router,
    routes.listWalletEntries,
    async ({ query }, { caller }) => {
      const { limit, cursor, account_id, order, ...filters } = query;
      const accountId = await actingAccount(db, caller, account_id, 'query.account_id');
      const page = await ledgerPage(db, accountId, filters, {
        limit,
        afterId: decodeLedgerCursor(cursor),
        newestFirst: order === 'newest_first',
      });
      const last = page.rows.at(-1);
      return {
        data: page.rows.map(presentEntry),
        next_cursor: page.more && last !== undefined ? encodeLedgerCursor(last) : null,
      };
    },
    options,
  );

  // By hand: the answer is a CSV stream, not JSON. A path of its own rather than Accept negotiation, so that a plain
  // link or `curl -o` downloads it, and OpenAPI describes one response per operation.
  mountRoute(
    router,
    routes.exportWalletLedger,
    async ({ query: { account_id, ...filters } }, { caller }) => {
      const accountId = await actingAccount(db, caller, account_id, 'query.account_id');
      return { filename: `ledger-${accountId}.csv`, csv: ledgerCsv(db, accountId, filters) };
    },
    options,
  );

  mountRoute(
    router,
    routes.createAdjustment,
    async ({ body }) =>
      presentEntry(
        await recordAdjustment(db, {
          accountId: body.account_id,
          points: body.points,
          reason: body.reason,
          reference: body.reference,
        }),
      ),
    options,
  );

  mountRoute(
    router,
    routes.putHostingFee,
    async ({ params, body }) => setHostingFee(db, params.deployment_id, body.monthly_points),
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
      if ((await findAccount(db, body.account_id, undefined)) === undefined)
        throw new DomainError('unknown_account', `No account ${body.account_id}.`);
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
        throw validationFailed(
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
