import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { validationFailed } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { presentWalletEvent, walletEventsPage } from './events.js';
import { notificationsOf, saveNotifications } from './notifications.js';

function decodeEventsCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const id = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(id) || id < 1) {
    throw validationFailed([{ path: 'query.cursor', code: 'invalid_cursor', message: 'is not a cursor this API returned' }]);
  }
  return id;
}

/** Wallet events for the apps, and each account's low-balance threshold and webhook for the administrator. */
export function walletNotificationsRouter({ db, secretBox, config }: Services, options: MountOptions): Router {
  const router = Router();

  mountRoute(
    router,
    routes.listWalletEvents,
    async ({ query }, { caller }) => {
      const page = await walletEventsPage(db, installationOf(caller).accountId, {
        limit: query.limit,
        beforeId: decodeEventsCursor(query.cursor),
        kinds: query.kind,
      });
      const last = page.rows.at(-1);
      return {
        data: page.rows.map(presentWalletEvent),
        next_cursor: page.more && last !== undefined ? Buffer.from(String(last.id)).toString('base64url') : null,
      };
    },
    options,
  );

  mountRoute(router, routes.getWalletNotifications, async ({ query }) => notificationsOf(db, query.account_id), options);

  mountRoute(
    router,
    routes.putWalletNotifications,
    async ({ body }) => saveNotifications(db, secretBox, body, config.walletWebhook),
    options,
  );
  return router;
}
