import { type AccountPricingSettings, accountPricingSettingsSchema } from '@wabridge/shared';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Schema } from '../storage/schema.js';

/** The account's point prices; undefined when none are set (the account is not metered). */
export async function loadPricingSettings(
  db: Kysely<Schema> | Transaction<Schema>,
  accountId: string,
): Promise<AccountPricingSettings | undefined> {
  const row = await db.selectFrom('account_pricing_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return row === undefined ? undefined : pricingSettingsOf(row);
}

/** An account_pricing_settings row (or the same columns read back from JSON) as the settings it holds. */
export function pricingSettingsOf(
  row: Pick<
    Selectable<Schema['account_pricing_settings']>,
    | 'currency'
    | 'point_price_minor'
    | 'quantity_prices'
    | 'fee_percent_basis_points'
    | 'tax_rate_basis_points'
    | 'point_value_micro_usd'
  >,
): AccountPricingSettings {
  return accountPricingSettingsSchema.parse({
    currency: row.currency,
    pointPriceMinor: row.point_price_minor,
    quantityPrices: row.quantity_prices,
    feePercentBasisPoints: row.fee_percent_basis_points,
    taxRateBasisPoints: row.tax_rate_basis_points,
    pointValueMicroUsd: row.point_value_micro_usd,
  });
}

export async function savePricingSettings(
  db: Kysely<Schema>,
  accountId: string,
  settings: AccountPricingSettings,
): Promise<void> {
  const values = {
    currency: settings.currency,
    point_price_minor: settings.pointPriceMinor,
    quantity_prices: JSON.stringify(settings.quantityPrices),
    fee_percent_basis_points: settings.feePercentBasisPoints,
    tax_rate_basis_points: settings.taxRateBasisPoints,
    point_value_micro_usd: settings.pointValueMicroUsd,
  };
  await db
    .insertInto('account_pricing_settings')
    .values({ account_id: accountId, ...values })
    .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .execute();
}
