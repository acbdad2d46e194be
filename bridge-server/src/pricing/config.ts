import {
  type AccountPricingRules,
  type AccountPricingRulesRequest,
  defaultPricingConfig,
  defaultPricingTimeZone,
  type PricingConfig,
} from '@wabridge/shared';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Schema } from '../storage/schema.js';
import { rateCardsAt, storedCardsVersion } from './rate-cards.js';

/*
 * The pricing configuration of one account: seed and imported rate cards, the published rule sets plus the
 * reported ones its operator enabled, and its time zone. Read from the database for every quote (one small
 * query; the cards themselves are cached per version, see rate-cards.ts), so a change made through any
 * bridge process applies to the next quote on every process.
 */

type Db = Kysely<Schema> | Transaction<Schema>;

/** Whose configuration: an account, or the account owning a deployment. */
export type PricingOwner = { accountId: string } | { deploymentId: string };

function accountIdOf(owner: PricingOwner): RawBuilder<string> {
  return 'accountId' in owner
    ? sql<string>`${owner.accountId}::text`
    : sql<string>`(select account_id from deployments where id = ${owner.deploymentId})`;
}

export async function pricingConfigOf(db: Db, owner: PricingOwner): Promise<PricingConfig> {
  const { rows } = await sql<{ cards_version: string; enabled_rule_sets: unknown; time_zone: string | null }>`
    select ${storedCardsVersion} as cards_version, rules.enabled_rule_sets, rules.time_zone
    from (select 1) as one left join account_pricing_rules as rules on rules.account_id = ${accountIdOf(owner)}`.execute(db);
  const row = rows[0];
  const cards = await rateCardsAt(db, row?.cards_version ?? '');
  return {
    ...defaultPricingConfig,
    rateCards: cards.map((stored) => stored.card),
    enabled: enabledIds(row?.enabled_rule_sets),
    timeZone: row?.time_zone ?? defaultPricingTimeZone,
  };
}

function enabledIds(stored: unknown): string[] {
  return Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string') : [];
}

export async function accountPricingRulesOf(db: Db, accountId: string): Promise<AccountPricingRules> {
  const row = await db.selectFrom('account_pricing_rules').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return {
    account_id: accountId,
    enabled_rule_sets: enabledIds(row?.enabled_rule_sets),
    time_zone: row?.time_zone ?? defaultPricingTimeZone,
    updated_at: row?.updated_at.toISOString() ?? null,
  };
}

export async function saveAccountPricingRules(
  db: Kysely<Schema>,
  accountId: string,
  rules: AccountPricingRulesRequest,
): Promise<AccountPricingRules> {
  const values = { enabled_rule_sets: JSON.stringify(rules.enabled_rule_sets), time_zone: rules.time_zone };
  await db
    .insertInto('account_pricing_rules')
    .values({ account_id: accountId, ...values })
    .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .execute();
  return accountPricingRulesOf(db, accountId);
}
