import express, { type Router } from 'express';
import { type Kysely, sql } from 'kysely';
import * as z from 'zod';
import type { MetaSandbox } from '../meta-sandbox/sandbox.js';
import type { Schema } from '../storage/schema.js';
import { clockLabel, demoLocaleOf } from './page.js';

/**
 * The demo clock: "move time forward" so that a window can be watched closing without waiting a day. The bridge, the
 * Meta sandbox and the browsers keep reading the real time, so that the panel's countdown, the bridge's decisions and
 * Meta's agree; what moves is the past: everything the windows are computed from (when each customer last wrote, came
 * from an ad, got the first reply after it, stopped marketing) is moved back by the same amount, in the bridge's
 * database and in the sandbox, as if that much time had passed. It is the demo's counterpart of the tests' ageing of
 * rows (test/support), and it touches only the demo's own deployment and number.
 */
export interface DemoClock {
  /** How far the demo has moved time forward since it started, in minutes. */
  readonly advancedMinutes: number;
  advance(minutes: number): Promise<void>;
}

export function demoClock(options: {
  db: Kysely<Schema>;
  deploymentId: string;
  sandbox: MetaSandbox;
  phoneNumberId: string;
  /** Moves the demo's own record of what the customers wrote (the phone on the page). */
  movePast(byMs: number): void;
  /**
   * How far an earlier run had moved the clock: the database keeps the moved rows across `npm start`s, so the clock
   * keeps saying by how much (DemoState.clockAdvancedMinutes).
   */
  advancedMinutes?: number;
  /** Called with the new total after each move, to keep it for the next start. */
  onAdvanced?(advancedMinutes: number): Promise<void>;
}): DemoClock {
  let advancedMinutes = options.advancedMinutes ?? 0;
  return {
    get advancedMinutes() {
      return advancedMinutes;
    },
    async advance(minutes) {
      const byMs = minutes * 60_000;
      const back = (column: string) => sql<Date>`${sql.ref(column)} - make_interval(mins => ${minutes}::int)`;
      await options.db.transaction().execute(async (transaction) => {
        await transaction
          .updateTable('contacts')
          .set({
            last_inbound_at: back('last_inbound_at'),
            last_referral_inbound_at: back('last_referral_inbound_at'),
            first_reply_after_referral_at: back('first_reply_after_referral_at'),
            marketing_preference_at: back('marketing_preference_at'),
          })
          .where('deployment_id', '=', options.deploymentId)
          .execute();
        await transaction
          .updateTable('inbound_messages')
          .set({ sent_at: back('sent_at') })
          .where('deployment_id', '=', options.deploymentId)
          .execute();
      });
      const moved = (timeMs: number | undefined) => (timeMs === undefined ? undefined : timeMs - byMs);
      for (const customer of options.sandbox.state.customersOf(options.phoneNumberId)) {
        customer.lastInboundAtMs = moved(customer.lastInboundAtMs);
        customer.referralInboundAtMs = moved(customer.referralInboundAtMs);
        customer.freeEntryPointReferralAtMs = moved(customer.freeEntryPointReferralAtMs);
        customer.freeEntryPointExpiresAtMs = moved(customer.freeEntryPointExpiresAtMs);
      }
      options.movePast(byMs);
      advancedMinutes += minutes;
      await options.onAdvanced?.(advancedMinutes);
    },
  };
}

/** A move of the clock: at least a minute, at most three days (time enough for the 72-hour free entry point to end). */
const advanceSchema = z.strictObject({
  minutes: z
    .int()
    .min(1)
    .max(3 * 24 * 60),
});

/** `GET /clock` (how far it moved) and `POST /clock/advance {minutes}` for the demo page. */
export function clockRouter(clock: DemoClock): Router {
  const router = express.Router();
  router.get('/clock', (request, response) => {
    response.json({
      advanced_minutes: clock.advancedMinutes,
      label: clockLabel(demoLocaleOf(request.query.locale), clock.advancedMinutes),
    });
  });
  router.post('/clock/advance', express.json({ limit: '1kb' }), async (request, response) => {
    const input = advanceSchema.safeParse(request.body);
    if (!input.success) return void response.status(400).json({ error: z.prettifyError(input.error) });
    await clock.advance(input.data.minutes);
    response.status(204).end();
  });
  return router;
}
