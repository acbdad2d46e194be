import { currentConsent, routes, topicIds, windowState } from '@wabridge/shared';
import { Router } from 'express';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { BearerLookup } from '../security/authenticate.js';
import type { Services } from '../services.js';
import { batchedPerTurn } from '../storage/turn-batch.js';
import { type ContactStatus, readContactStatusesAlong } from './status-read.js';
import { activityOf } from './store.js';

const isoOrNull = (instant: Date | null) => instant?.toISOString() ?? null;

export function contactsRouter({ db, clock }: Services, options: MountOptions): Router {
  const router = Router();
  // One statement for every panel asking in the same turn: their authentications and their five reads each
  // (contacts/status-read.ts, security/authenticate.ts authenticateAlong).
  const readAlong = batchedPerTurn((keys: readonly { lookup: BearerLookup; phone: string; now: Date }[]) =>
    readContactStatusesAlong(db, keys),
  );
  mountRoute<typeof routes.contactStatus, { status: ContactStatus; now: Date }>(
    router,
    routes.contactStatus,
    async ({ params }, { caller, read }) => {
      // An installation's caller always came with a bearer token naming it, so its status was read along.
      if (caller.kind !== 'installation' || read === undefined) {
        throw new Error('unreachable: the route requires an installation, whose status is read with its token');
      }
      const { now } = read;
      const { contact, settings, records, reminder, number } = read.status;
      const window = windowState(activityOf(contact), now);
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
    {
      readAlong:
        ({ phone }) =>
        async (lookup) => {
          const now = clock.now();
          const { found, read } = await readAlong({ lookup, phone, now });
          return { found, read: read === undefined ? undefined : { status: read, now } };
        },
    },
  );
  return router;
}
