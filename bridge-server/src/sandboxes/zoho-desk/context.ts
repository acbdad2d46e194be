import type { Logger } from 'pino';
import * as z from 'zod';
import type { Timers } from '../../meta-sandbox/timers.js';
import type { FaultSwitch } from '../common/faults.js';
import type { Outbound } from '../common/outbound.js';
import type { ZohoDeskState } from './state.js';

/** Behaviour switches of the simulated Zoho Desk, settable through the control API. */
export const zohoKnobsSchema = z.strictObject({
  /** How often each extension's pull endpoint is called. Zoho: "Pull requests are made every 4 minutes"; 0 = off. */
  pullIntervalMs: z.int().min(0).max(3_600_000),
  /**
   * Attempts per reply push, the first included. Zoho documents no retry of a failed push (the reply is marked
   * failed for the agent), so the default is one; tests can turn retries on.
   */
  replyAttemptsMax: z.int().min(1).max(20),
  retryDelayMsInitial: z.int().min(0).max(600_000),
  retryDelayMsMax: z.int().min(0).max(3_600_000),
  retryAfterMsMax: z.int().min(0).max(3_600_000),
  /** How long Zoho waits for the extension (pull, reply push, file downloads); assumed, Zoho documents none. */
  outboundTimeoutMs: z.int().min(10).max(120_000),
  /** Lifetime of an OAuth access token: Zoho's answer says `expires_in: 3600`. */
  accessTokenLifetimeMs: z.int().min(1).max(86_400_000),
  /** Largest attachment downloaded from a thread (assumed). */
  fileBytesMax: z
    .int()
    .min(1)
    .max(100 * 1024 * 1024),
});
export type ZohoKnobs = z.infer<typeof zohoKnobsSchema>;

export function defaultZohoKnobs(): ZohoKnobs {
  return {
    pullIntervalMs: 240_000,
    replyAttemptsMax: 1,
    retryDelayMsInitial: 1_000,
    retryDelayMsMax: 30_000,
    retryAfterMsMax: 60_000,
    outboundTimeoutMs: 10_000,
    accessTokenLifetimeMs: 3_600_000,
    fileBytesMax: 20 * 1024 * 1024,
  };
}

export interface ZohoContext {
  state: ZohoDeskState;
  knobs: ZohoKnobs;
  logger: Logger;
  now(): number;
  timers: Timers;
  outbound: Outbound;
  faults: { api: FaultSwitch };
  org: { id: string; name: string };
  /** The `api_domain` of OAuth answers (the data centre's API host); the sandbox's own URL unless configured. */
  apiDomain(): string;
}

export const isoNow = (context: Pick<ZohoContext, 'now'>) => new Date(context.now()).toISOString();
