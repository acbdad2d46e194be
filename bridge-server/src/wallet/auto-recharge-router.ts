import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { actingAccount } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { PaymentService } from '../payments/service.js';
import type { Services } from '../services.js';
import { autoRechargeState, saveAutoRechargeSettings } from './auto-recharge.js';
import type { AutoRechargeWorker } from './auto-recharge-worker.js';
import { loadPricingSettings } from './settings.js';

export function autoRechargeRouter(
  { db, config }: Services,
  payments: { service: PaymentService; worker: AutoRechargeWorker } | undefined,
  options: MountOptions,
): Router {
  const router = Router();
  const maxPer30Days = config.payments.autoRechargeMaxPer30Days;

  mountRoute(
    router,
    routes.getAutoRecharge,
    async ({ query }, { caller }) =>
      autoRechargeState(db, await actingAccount(db, caller, query.account_id, 'query.account_id'), maxPer30Days),
    options,
  );

  mountRoute(
    router,
    routes.putAutoRecharge,
    async ({ body }, { caller }) => {
      const accountId = await actingAccount(db, caller, body.account_id, 'body.account_id');
      if (payments === undefined) {
        throw new DomainError('payments_not_configured', 'Set PAYMENT_PROVIDER to take payments on this bridge.');
      }
      if ((await loadPricingSettings(db, accountId)) === undefined) {
        throw new DomainError('pricing_not_configured', `Account ${accountId} has no point prices: it cannot buy points.`);
      }
      await payments.service.requireKnownMethod(accountId, body.payment_method);
      await saveAutoRechargeSettings(db, accountId, {
        enabled: body.enabled,
        thresholdPoints: body.threshold,
        amountPoints: body.amount,
        paymentMethod: body.payment_method,
      });
      payments.worker.wake();
      return autoRechargeState(db, accountId, maxPer30Days);
    },
    options,
  );
  return router;
}
