import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { validationFailed } from '../domain/errors.js';
import { actingAccount } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { balanceHistory } from './balance-history.js';
import { reconciliationReport, resolvePeriod, usageReport } from './usage.js';

/**
 * The contract checks the time zone against the runtime's (ICU) zones; should the database's tables lack one,
 * PostgreSQL refuses it (22023) and the caller is told which parameter, not that the bridge failed.
 */
async function inTimeZone<T>(timeZone: string, report: () => Promise<T>): Promise<T> {
  try {
    return await report();
  } catch (error) {
    if ((error as { code?: string }).code === '22023' && /time zone/.test(String((error as Error).message))) {
      throw validationFailed([
        { path: 'query.timezone', code: 'unknown_time_zone', message: `the database does not know the time zone ${timeZone}` },
      ]);
    }
    throw error;
  }
}

export function usageRouter({ db }: Services, options: MountOptions): Router {
  const router = Router();

  mountRoute(
    router,
    routes.getUsage,
    async ({ query }, { caller }) => {
      const period = resolvePeriod(query);
      const accountId = await actingAccount(db, caller, query.account_id, 'query.account_id');
      const report = await inTimeZone(period.timeZone, () => usageReport(db, accountId, period, query.group_by));
      return {
        account_id: accountId,
        from: period.from.toISOString(),
        to: period.to.toISOString(),
        timezone: period.timeZone,
        group_by: query.group_by,
        ...report,
      };
    },
    options,
  );

  mountRoute(
    router,
    routes.getReconciliation,
    async ({ query }, { caller }) => {
      const period = resolvePeriod(query);
      const accountId = await actingAccount(db, caller, query.account_id, 'query.account_id');
      const report = await reconciliationReport(db, accountId, period, {
        limit: query.limit,
        cursor: query.cursor,
        only: query.class,
      });
      return { account_id: accountId, from: period.from.toISOString(), to: period.to.toISOString(), ...report };
    },
    options,
  );

  mountRoute(
    router,
    routes.getBalanceHistory,
    async ({ query }, { caller }) => {
      const period = resolvePeriod(query);
      const accountId = await actingAccount(db, caller, query.account_id, 'query.account_id');
      const history = await balanceHistory(db, accountId, period, query.limit);
      return { account_id: accountId, from: period.from.toISOString(), to: period.to.toISOString(), ...history };
    },
    options,
  );
  return router;
}
