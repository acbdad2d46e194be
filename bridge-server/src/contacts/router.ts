import { currentConsent, routes, topicIds, windowState } from '@wabridge/shared';
import { Router } from 'express';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { batchedPerTurn } from '../storage/turn-batch.js';
import { type ContactStatusKey, readContactStatuses } from './status-read.js';
import { activityOf } from './store.js';

const isoOrNull = (instant: Date | null) => instant?.toISOString() ?? null;

export function contactsRouter({ db, clock }: Services, options: MountOptions): Router {
  const router = Router();
  // One statement for the five reads, and for every panel asking in the same turn (contacts/status-read.ts).
  const readStatus = batchedPerTurn((keys: readonly ContactStatusKey[]) => readContactStatuses(db, keys));
  mountRoute(
    router,
    routes.contactStatus,
    async ({ params }, { caller }) => {
      if (caller.kind !== 'installation') throw new Error('unreachable: the route requires an installation');
      const { contact, settings, records, reminder, number } = await readStatus({
        deploymentId: caller.deploymentId,
        accountId: caller.accountId,
        phone: params.phone,
        now: clock.now(),
      });
      const window = windowState(activityOf(contact), clock.now());
      const consent = currentConsent(records, topicIds(settings.configuration));
      return {
        contact: {
          phone: params.phone,
          wa_id: contact?.wa_id ?? null,
          user_id: contact?.user_id ?? null,
          name: contact?.profile_name ?? null,
        },
        window: {
          state: window.state,
          kind: window.kind,
          opened_at: isoOrNull(window.openedAt),
          expires_at: isoOrNull(window.expiresAt),
          free_until: isoOrNull(window.freeUntil),
          free_entry_point_offer_expires_at: isoOrNull(window.freeEntryPointOfferExpiresAt),
        },
        last_inbound_at: isoOrNull(contact?.last_inbound_at ?? null),
        opt_in: Object.fromEntries(
          Object.entries(consent).map(([topic, state]) => [
            topic,
            { state: state.state, source: state.source, at: isoOrNull(state.at) },
          ]),
        ),
        number,
        window_reminder:
          reminder === null
            ? null
            : { ticket: reminder.ticket, closes_at: reminder.closes_at, reminded_at: reminder.reminded_at },
      };
    },
    options,
  );
  return router;
}
