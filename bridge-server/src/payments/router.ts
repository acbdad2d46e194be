import { paymentCallbackPath, routes } from '@wabridge/shared';
import express, { Router } from 'express';
import { DomainError } from '../domain/errors.js';
import { actingAccount } from '../http/caller.js';
import { type MountOptions, mountByHand, mountRoute } from '../http/mount.js';
import { requestFingerprint } from '../messages/idempotency.js';
import type { Services } from '../services.js';
import { decodeCursor, encodeCursor } from '../storage/pagination.js';
import type { PaymentService } from './service.js';
import { paymentsPage, presentPayments } from './store.js';

/** Provider callbacks are a few hundred bytes; anything near this is not one. */
const callbackBodyLimitBytes = 64 * 1024;

export function paymentsRouter({ db, logger }: Services, payments: PaymentService | undefined, options: MountOptions): Router {
  const router = Router();

  function configured(): PaymentService {
    if (payments === undefined) {
      throw new DomainError('payments_not_configured', 'Set PAYMENT_PROVIDER to take payments on this bridge.');
    }
    return payments;
  }

  mountRoute(
    router,
    routes.checkout,
    async ({ headers, body }, { caller, response }) => {
      const accountId = await actingAccount(db, caller, body.account_id, 'body.account_id');
      const { payment, replayed } = await configured().checkout({
        accountId,
        points: body.points,
        paymentMethod: body.payment_method,
        requestKey: headers['idempotency-key'],
        requestSha256: requestFingerprint({ points: body.points, payment_method: body.payment_method }),
      });
      if (replayed) response.set('Idempotent-Replayed', 'true');
      if (payment.state === 'failed' && payment.failure !== null) {
        throw new DomainError(
          'payment_failed',
          `The payment of ${payment.amount} ${payment.currency} (minor units) failed: ${payment.failure.message} (${payment.failure.code}). No points were bought.`,
          { failure: payment.failure, payment },
        );
      }
      return payment;
    },
    options,
  );

  mountRoute(
    router,
    routes.listPayments,
    async ({ query }, { caller }) => {
      const accountId = await actingAccount(db, caller, query.account_id, 'query.account_id');
      const page = await paymentsPage(db, accountId, query.limit, decodeCursor(query.cursor));
      const last = page.rows.at(-1);
      return {
        data: await presentPayments(db, page.rows),
        next_cursor: page.more && last !== undefined ? encodeCursor(last) : null,
      };
    },
    options,
  );

  // Signed over the raw bytes: read them as they came, never re-serialised JSON.
  router.post(
    mountByHand(options, routes.receivePaymentCallback),
    express.raw({ type: () => true, limit: callbackBodyLimitBytes }),
    async (request, response) => {
      response.locals.routePath = routes.receivePaymentCallback.path;
      const params = paymentCallbackPath.safeParse(request.params);
      if (!params.success || payments === undefined || payments.provider.name !== params.data.provider) {
        throw new DomainError('not_found', `No payment provider at ${request.path}.`);
      }
      const body: Buffer = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const callback = payments.provider.verifyCallback(body, request.headers);
      if (callback === undefined) {
        throw new DomainError('invalid_callback_signature', 'The callback is not signed by the payment provider.');
      }
      if (!(await payments.settleByKey(callback.idempotencyKey, callback.outcome))) {
        logger.warn({ idempotencyKey: callback.idempotencyKey }, 'payment callback for no payment of this bridge');
      }
      response.status(204).end();
    },
  );
  return router;
}
